// Runs the test files named on the command line, `--concurrency=N` at a time, in the order given, with the
// spec reporter: what `node --test` does, except that `node --test` sorts its files by name (Node 20's
// createTestFileList), and scripts/test.ts starts the longest first. Exits 1 when a test fails.

import { run } from 'node:test';
import { spec } from 'node:test/reporters';

const CONCURRENCY_FLAG = '--concurrency=';
const args = process.argv.slice(2);
const concurrency = Number(args.find((a) => a.startsWith(CONCURRENCY_FLAG))?.slice(CONCURRENCY_FLAG.length) ?? '1');
const files = args.filter((a) => !a.startsWith(CONCURRENCY_FLAG));

// Each file runs in its own process with this process's node options (`--import`, `--enable-source-maps`).
const events = run({ files, concurrency });
events.on('test:fail', (data: { todo?: string | boolean }) => {
  if (data.todo === undefined || data.todo === false) process.exitCode = 1;
});
events.compose(new spec()).pipe(process.stdout);
