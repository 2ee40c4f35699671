// `npm start`, `ingest`, `import-opml` and `migrate` run this first: it compiles src/ into dist/ only
// when a source or tsconfig changed since the last build (a fingerprint of every input's path, size
// and mtime, kept in dist/), and says what it is doing, instead of 20–40 s of silent recompiling.

import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const INPUTS = ['src', 'tsconfig.json', 'tsconfig.build.json', 'package.json'];
const ENTRY = join('dist', 'src', 'main.js');
const STAMP = join('dist', '.build-fingerprint');

function files(path: string): string[] {
  if (!existsSync(path)) return [];
  if (!statSync(path).isDirectory()) return [path];
  return readdirSync(path, { withFileTypes: true }).flatMap((e) => files(join(path, e.name)));
}

/** Changes when a file is added, removed, resized or touched, which a newest-mtime check misses. */
function fingerprint(): string {
  const hash = createHash('sha256');
  for (const file of INPUTS.flatMap(files).sort()) {
    const s = statSync(file);
    hash.update(`${file}\0${s.size}\0${s.mtimeMs}\n`);
  }
  return hash.digest('hex');
}

function main(): number {
  const current = fingerprint();
  const previous = existsSync(STAMP) ? readFileSync(STAMP, 'utf8').trim() : undefined;
  if (previous === current && existsSync(ENTRY)) {
    process.stderr.write('tidings: build is up to date\n');
    return 0;
  }
  const why = previous === undefined || !existsSync(ENTRY) ? 'no build yet' : 'sources changed since the last build';
  process.stderr.write(`tidings: compiling TypeScript into dist/ (${why}); this takes 20–40 s…\n`);
  const started = Date.now();
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  const run = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { stdio: 'inherit' });
  if (run.status !== 0) {
    process.stderr.write('tidings: the build failed (errors above); nothing was started\n');
    return run.status ?? 1;
  }
  writeFileSync(STAMP, `${current}\n`);
  process.stderr.write(`tidings: compiled in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  return 0;
}

process.exit(main());
