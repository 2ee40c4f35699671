// `npm test` runs the suite on the JavaScript scripts/test.ts transpiled into dist/test-build/ (this file,
// loaded with `node --import ./dist/test-build/test/helpers/compiled-build.js`): test files as the build
// emitted them (their `import.meta` still their source's, see scripts/test.ts), server and CLI processes
// with production's node command line (`node dist/…/src/main.js`, see entryArgs in server-process.ts) on
// the build's bundles. Each process then starts without tsx and its transform cache, and without module hooks.

import { appendFileSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { CLOCK_TICKS_PER_SECOND, statFields } from '../../scripts/proc-stat.ts';

/** This file's source is <root>/test/helpers/compiled-build.ts (the build keeps test files' import.meta). */
const root = join(import.meta.dirname, '..', '..');
const build = join(root, 'dist', 'test-build');

// Test files (child processes of `node --test`) inherit it: entryArgs reads it.
process.env.TIDINGS_TEST_BUILD = build;

/**
 * CPU of the processes this one started and has reaped (servers, CLIs, browsers, their own children):
 * Linux's cutime + cstime in /proc/self/stat; not known elsewhere.
 */
function childCpuMs(): number | undefined {
  if (process.platform !== 'linux') return undefined;
  const fields = statFields(readFileSync('/proc/self/stat', 'utf8'));
  return ((Number(fields[13]) + Number(fields[14])) * 1000) / CLOCK_TICKS_PER_SECOND;
}

// scripts/test.ts asks each test file's process for its wall time and CPU, to print the slowest files.
const timesFile = process.env.TIDINGS_TEST_TIMES;
const testFile = process.argv[1];
if (timesFile !== undefined && testFile?.endsWith('.test.js')) {
  process.on('exit', () => {
    const usage = process.resourceUsage();
    const file = relative(build, testFile).replace(/\.js$/, '.ts');
    const line = { file, wallMs: Math.round(performance.now()), cpuMs: Math.round((usage.userCPUTime + usage.systemCPUTime) / 1000), childCpuMs: childCpuMs() };
    appendFileSync(timesFile, `${JSON.stringify(line)}\n`);
  });
}
