// `npm test` runs the suite on the JavaScript scripts/test.ts transpiled into dist/test-build/ (this file,
// loaded with `node --import ./dist/test-build/test/helpers/compiled-build.js`): test processes through
// compiled-hooks.ts, server and CLI processes as production runs them (`node dist/…/src/main.js`, see
// entryArgs in server-process.ts). Each process then starts without tsx and its transform cache.

import { register } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { hooksData } from './compiled-hooks.ts';

/** This file is <build>/test/helpers/compiled-build.js; the project root is the build's parent's parent. */
const build = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const root = join(build, '..', '..');

// Test files (child processes of `node --test`) inherit it: entryArgs reads it.
process.env.TIDINGS_TEST_BUILD = build;
register('./compiled-hooks.js', import.meta.url, { data: hooksData(root, build) });
