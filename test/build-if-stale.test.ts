// `npm start`, `ingest`, `import-opml` and `migrate` build through scripts/build-if-stale.ts: it compiles
// only when a source changed, and says what it does. Run here on a tiny project of its own (a real tsc
// build, one file), so the test costs seconds rather than the whole project's 20–40 s build.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { entryArgs } from './helpers/server-process.ts';

const SCRIPT = entryArgs('scripts/build-if-stale.ts');

function project(): string {
  const dir = mkdtempSync(join(tmpdir(), 'tidings-build-'));
  mkdirSync(join(dir, 'src'));
  writeFileSync(join(dir, 'src', 'main.ts'), 'export const answer: number = 42;\n');
  writeFileSync(join(dir, 'package.json'), '{ "type": "module" }\n');
  // noLib and the few global types tsc cannot do without: tsc then reads no lib.*.d.ts (with the default
  // ones, DOM included, each of its three compiles cost 3 s of CPU instead of 0.4 s); a wrong type still fails.
  writeFileSync(join(dir, 'src', 'globals.d.ts'), ['Array<T>', 'Boolean', 'Function', 'IArguments', 'Number', 'Object', 'RegExp', 'String']
    .map((type) => `interface ${type} {}\n`).join(''));
  writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions: { target: 'ES2022', module: 'NodeNext', outDir: 'dist', rootDir: '.', noEmit: true, types: [], noLib: true } }));
  writeFileSync(join(dir, 'tsconfig.build.json'), JSON.stringify({ extends: './tsconfig.json', compilerOptions: { noEmit: false }, include: ['src'] }));
  return dir;
}

function build(dir: string): { status: number | null; said: string } {
  const run = spawnSync(process.execPath, SCRIPT, { cwd: dir, encoding: 'utf8' });
  return { status: run.status, said: run.stderr };
}

test('build-if-stale compiles the first time, then only after a source changes, and says which', (t) => {
  const dir = project();
  t.after(() => rmSync(dir, { recursive: true, force: true }));

  const first = build(dir);
  assert.equal(first.status, 0, first.said);
  assert.match(first.said, /compiling TypeScript into dist\/ \(no build yet\)/);
  assert.ok(existsSync(join(dir, 'dist', 'src', 'main.js')));

  const second = build(dir);
  assert.equal(second.status, 0);
  assert.match(second.said, /^tidings: build is up to date\n$/, 'nothing changed: no compile');

  // A source edited (its size and time move): compiled again.
  writeFileSync(join(dir, 'src', 'main.ts'), 'export const answer: number = 43;\n');
  const later = new Date(Date.now() + 5_000);
  utimesSync(join(dir, 'src', 'main.ts'), later, later);
  const third = build(dir);
  assert.equal(third.status, 0, third.said);
  assert.match(third.said, /\(sources changed since the last build\)/);

  // A build that fails starts nothing and says so.
  writeFileSync(join(dir, 'src', 'main.ts'), 'export const answer: number = "not a number";\n');
  const broken = build(dir);
  assert.notEqual(broken.status, 0);
  assert.match(broken.said, /the build failed/);
});
