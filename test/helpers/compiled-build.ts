// `npm test` runs the suite on the JavaScript scripts/test.ts transpiled into dist/test-build/ (this file,
// loaded with `node --import ./dist/test-build/test/helpers/compiled-build.js`): test files as the build
// emitted them (their `import.meta` still their source's, see scripts/test.ts), server and CLI processes
// as production runs them (`node dist/…/src/main.js`, see entryArgs in server-process.ts). Each process
// then starts without tsx and its transform cache, and without module hooks.

import { appendFileSync } from 'node:fs';
import { join, relative } from 'node:path';

/** This file's source is <root>/test/helpers/compiled-build.ts (the build keeps test files' import.meta). */
const root = join(import.meta.dirname, '..', '..');
const build = join(root, 'dist', 'test-build');

// Test files (child processes of `node --test`) inherit it: entryArgs reads it.
process.env.TIDINGS_TEST_BUILD = build;

// scripts/test.ts asks each test file's process for its wall time and CPU, to print the slowest files.
const timesFile = process.env.TIDINGS_TEST_TIMES;
const testFile = process.argv[1];
if (timesFile !== undefined && testFile?.endsWith('.test.js')) {
  process.on('exit', () => {
    const usage = process.resourceUsage();
    const file = relative(build, testFile).replace(/\.js$/, '.ts');
    const line = { file, wallMs: Math.round(performance.now()), cpuMs: Math.round((usage.userCPUTime + usage.systemCPUTime) / 1000) };
    appendFileSync(timesFile, `${JSON.stringify(line)}\n`);
  });
}
