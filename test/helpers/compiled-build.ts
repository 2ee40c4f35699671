// `npm test` runs the suite on the JavaScript scripts/test.ts transpiled into dist/test-build/ (this file,
// loaded with `node --import ./dist/test-build/test/helpers/compiled-build.js`): test processes through
// compiled-hooks.ts, server and CLI processes as production runs them (`node dist/…/src/main.js`, see
// entryArgs in server-process.ts). Each process then starts without tsx and its transform cache.

import { appendFileSync } from 'node:fs';
import { register } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { hooksData } from './compiled-hooks.ts';

/** This file is <build>/test/helpers/compiled-build.js; the project root is the build's parent's parent. */
const build = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const root = join(build, '..', '..');

// Test files (child processes of `node --test`) inherit it: entryArgs reads it.
process.env.TIDINGS_TEST_BUILD = build;
register('./compiled-hooks.js', import.meta.url, { data: hooksData(root, build) });

// scripts/test.ts asks each test file's process for its wall time and CPU, to print the slowest files.
const timesFile = process.env.TIDINGS_TEST_TIMES;
const testFile = process.argv[1];
if (timesFile !== undefined && testFile?.endsWith('.test.ts')) {
  process.on('exit', () => {
    const usage = process.resourceUsage();
    const line = { file: relative(root, testFile), wallMs: Math.round(performance.now()), cpuMs: Math.round((usage.userCPUTime + usage.systemCPUTime) / 1000) };
    appendFileSync(timesFile, `${JSON.stringify(line)}\n`);
  });
}
