// The benchmark's generated archive for tests that need a big one: generated once per machine for the
// code that writes it (about 9 s of CPU for 40,000 articles, 4 s of it the search index's stems and
// folding), kept as a template in the temporary directory, and copied into each test's directories.

import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { generateDataset, type DatasetOptions } from '../../bench/dataset.ts';

const ROOT = join(import.meta.dirname, '..', '..');
/** The SQLite file inside a template, and the feeds directory generateDataset writes beside it. */
const DB_FILE = 'tidings.db';
const FEEDS = 'feeds';
const PREFIX = 'tidings-dataset-template-';
/** A template of other code (about 100 MB) unused this long is removed when a new one is made. */
const UNUSED_MS = 60 * 60_000;

/** A relative module a source names: `from './x.ts'`, `import('./x.ts')`. */
const RELATIVE_IMPORT = /(?:\bfrom\s+|\bimport\s*\(\s*)['"](\.{1,2}\/[^'"]+)['"]/g;

function tsFilesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts'))
    .map((e) => join(e.parentPath, e.name));
}

/**
 * Every source file whose text can change what the generator writes: bench/dataset.ts and what it
 * imports, transitively, and all of src/store/ (its worker threads are loaded by URL, not imported).
 * Sorted, so the key does not depend on the order they were found in.
 */
function generatorSources(): string[] {
  const seen = new Set<string>(tsFilesUnder(join(ROOT, 'src', 'store')));
  const pending = [join(ROOT, 'bench', 'dataset.ts'), ...seen];
  for (let file = pending.pop(); file !== undefined; file = pending.pop()) {
    for (const [, specifier] of readFileSync(file, 'utf8').matchAll(RELATIVE_IMPORT)) {
      const target = resolve(dirname(file), specifier!);
      if (!seen.has(target) && target.endsWith('.ts') && existsSync(target)) {
        seen.add(target);
        pending.push(target);
      }
    }
    seen.add(file);
  }
  return [...seen].sort();
}

/** Changes whenever the generator's code, its dependencies' versions, Node or the options do. */
function templateKey(opts: Omit<DatasetOptions, 'databaseUrl' | 'feedsDir'>): string {
  const hash = createHash('sha256').update(JSON.stringify([opts, process.version]));
  hash.update(readFileSync(join(ROOT, 'package-lock.json')));
  for (const file of generatorSources()) hash.update(file.slice(ROOT.length)).update(readFileSync(file));
  return hash.digest('hex').slice(0, 16);
}

/** Generates the template, unless it exists; renamed into place, so one that exists is complete. */
async function ensureTemplate(template: string, opts: Omit<DatasetOptions, 'databaseUrl' | 'feedsDir'>): Promise<void> {
  if (existsSync(template)) return;
  removeUnusedTemplates();
  const building = mkdtempSync(`${template}.building-`);
  try {
    await generateDataset({ ...opts, databaseUrl: `sqlite:${join(building, DB_FILE)}`, feedsDir: join(building, FEEDS) });
    try {
      renameSync(building, template);
    } catch (err) {
      // Another run made it meanwhile: its copy is as good as ours.
      if (!existsSync(template)) throw err;
    }
  } finally {
    rmSync(building, { recursive: true, force: true });
  }
}

/** Templates of code edited since, and builds a killed run left behind. */
function removeUnusedTemplates(): void {
  for (const name of readdirSync(tmpdir()).filter((n) => n.startsWith(PREFIX))) {
    const path = join(tmpdir(), name);
    try {
      if (Date.now() - statSync(path).mtimeMs > UNUSED_MS) rmSync(path, { recursive: true, force: true });
    } catch {
      // removed by another run meanwhile
    }
  }
}

/**
 * Writes what `generateDataset` writes for these options — the SQLite store at `dbPath`, topics.yaml
 * and sources.yaml in `feedsDir` — by copying a template generated the first time for this code.
 * Its rows' `changed_at` are the template's making, not this run's: nothing the tests ask depends on it.
 */
export async function copyGeneratedDataset(opts: Omit<DatasetOptions, 'databaseUrl' | 'feedsDir'>, dbPath: string, feedsDir: string): Promise<void> {
  const template = join(tmpdir(), `${PREFIX}${templateKey(opts)}`);
  for (let attempt = 1; ; attempt++) {
    await ensureTemplate(template, opts);
    try {
      const now = new Date();
      utimesSync(template, now, now); // in use: not removed as unused
      cpSync(join(template, DB_FILE), dbPath);
      cpSync(join(template, FEEDS), feedsDir, { recursive: true });
      return;
    } catch (err) {
      // Removed as unused by another run between the two steps: make it again, once.
      if (attempt > 1 || (err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }
}
