// Local articles: reads every .md/.markdown/.txt under content/ (nested folders, dotfiles ignored),
// parses each and gives it a stable, unique slug, and watches the folder for changes. One bad file
// is reported and skipped; it never stops the others. Normalizing them is the ingest step's
// (src/ingest/local.ts).

import { readdir, readFile } from 'node:fs/promises';
import { basename, extname, join, relative, sep } from 'node:path';
import { watch } from 'chokidar';
import { describeError, TidingsError } from '../errors.ts';
import { isSlug, slugify } from '../text/slug.ts';
import { parseMarkdownArticle } from '../parse/markdown.ts';
import { parseTextArticle } from '../parse/text.ts';
import type { ParsedItem } from '../parse/types.ts';

/** A parsed article file: its path (for messages) and its item, slug assigned. */
export interface ContentFile {
  path: string;
  item: ParsedItem;
}

export interface ReadContent {
  /** Sorted by file path. */
  files: ContentFile[];
  errors: TidingsError[];
}

const EXTENSIONS = new Set(['.md', '.markdown', '.txt']);

function isArticleFile(name: string): boolean {
  return !name.startsWith('.') && EXTENSIONS.has(extname(name).toLowerCase());
}

/** Relative paths (with `/`) of article files under `dir`, sorted so every run sees one order. */
async function listArticleFiles(dir: string, errors: TidingsError[]): Promise<string[]> {
  const found: string[] = [];
  const walk = async (rel: string): Promise<void> => {
    const abs = rel === '' ? dir : join(dir, rel);
    let entries;
    try {
      entries = await readdir(abs, { withFileTypes: true });
    } catch (err) {
      errors.push(new TidingsError('content', abs, `cannot read folder: ${describeError(err)}`, { cause: err }));
      return;
    }
    for (const e of entries) {
      // Dotfiles and dot-folders are editor swap files, .git, .DS_Store…: never articles.
      if (e.name.startsWith('.')) continue;
      const childRel = rel === '' ? e.name : `${rel}/${e.name}`;
      if (e.isDirectory()) await walk(childRel);
      else if (e.isFile() && isArticleFile(e.name)) found.push(childRel);
    }
  };
  await walk('');
  return found.sort();
}

interface ParsedFile {
  rel: string;
  path: string;
  item: ParsedItem;
}

function parseFile(source: string, rel: string, path: string): ParsedItem {
  const ext = extname(rel).toLowerCase();
  return ext === '.txt' ? parseTextArticle(source, path) : parseMarkdownArticle(source, path);
}

/**
 * The slug a file asks for, in order: front matter `slug` (slugified if it is not one already);
 * the file name without extension when it is already URL-safe ASCII (lowercased); the title
 * slugified; "untitled".
 */
function wantedSlug(file: ParsedFile): string {
  const fromFrontMatter = file.item.slug?.trim();
  if (fromFrontMatter) {
    const s = isSlug(fromFrontMatter.toLowerCase()) ? fromFrontMatter.toLowerCase() : slugify(fromFrontMatter);
    if (s) return s;
  }
  const stem = basename(file.rel, extname(file.rel));
  if (/^[A-Za-z0-9]+(?:[-_][A-Za-z0-9]+)*$/.test(stem)) return stem.toLowerCase();
  return slugify(file.item.title ?? '') || 'untitled';
}

/**
 * Unique slugs, deterministic and independent of which files happen to exist elsewhere:
 * a slug wanted by one file is kept; when several want it, a file at the top of content/ keeps
 * it and each file in a folder gets the folder path appended (`news/2026/a.md` → `a-news-2026`);
 * anything still colliding (two files in one folder with the same title) gets its file name, then
 * a counter. Since the slug is the article id, a lone article's slug never depends on others.
 */
function assignSlugs(files: readonly ParsedFile[]): Map<string, string> {
  const wanted = files.map((f) => ({ file: f, slug: wantedSlug(f) }));
  const count = new Map<string, number>();
  for (const w of wanted) count.set(w.slug, (count.get(w.slug) ?? 0) + 1);

  const candidates = wanted.map(({ file, slug }) => {
    if ((count.get(slug) ?? 0) < 2) return { file, slug };
    const folder = file.rel.includes('/') ? file.rel.slice(0, file.rel.lastIndexOf('/')) : '';
    return { file, slug: folder === '' ? slug : `${slug}-${slugify(folder.split('/').join(' ')) || 'folder'}` };
  });

  const used = new Set<string>();
  const seenCandidate = new Map<string, number>();
  for (const c of candidates) seenCandidate.set(c.slug, (seenCandidate.get(c.slug) ?? 0) + 1);
  const result = new Map<string, string>();
  for (const { file, slug } of candidates) {
    let s = slug;
    if ((seenCandidate.get(s) ?? 0) > 1 || used.has(s)) {
      const stem = slugify(basename(file.rel, extname(file.rel)));
      if (stem && !s.endsWith(`-${stem}`)) s = `${s}-${stem}`;
    }
    const base = s;
    for (let n = 2; used.has(s); n++) s = `${base}-${n}`;
    used.add(s);
    result.set(file.rel, s);
  }
  return result;
}

/**
 * Read and parse every article file under `dir`, and name each with its slug. Bad files land in
 * `errors` (each naming `path:line`), the rest are returned.
 */
export async function readContentDir(dir: string): Promise<ReadContent> {
  const errors: TidingsError[] = [];
  const rels = await listArticleFiles(dir, errors);

  const parsed: ParsedFile[] = [];
  for (const rel of rels) {
    const path = join(dir, ...rel.split('/'));
    try {
      const source = await readFile(path, 'utf8');
      parsed.push({ rel, path, item: parseFile(source, rel, path) });
    } catch (err) {
      errors.push(
        err instanceof TidingsError
          ? err
          : new TidingsError('content', path, `cannot read article: ${describeError(err)}`, { cause: err }),
      );
    }
  }
  const slugs = assignSlugs(parsed);
  return { files: parsed.map((file) => ({ path: file.path, item: { ...file.item, slug: slugs.get(file.rel) } })), errors };
}

export interface ContentWatcher {
  /** Resolves once the initial scan is done; changes after this are reported. */
  ready: Promise<void>;
  close(): Promise<void>;
}

/**
 * Call `onChange` (debounced) whenever an article file under `dir` is added, edited or deleted, or
 * a folder comes or goes. The initial scan is not a change. The caller reloads everything.
 * Watcher faults go to `onError` when given; otherwise they are treated as a change.
 */
export function watchContentDir(
  dir: string,
  onChange: () => void,
  { debounceMs = 300, onError }: { debounceMs?: number; onError?: (err: unknown) => void } = {},
): ContentWatcher {
  let timer: NodeJS.Timeout | undefined;
  let closed = false;
  const schedule = (): void => {
    if (closed) return;
    // Editors save in bursts (write temp, rename, chmod); one reload per burst is enough.
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = undefined;
      if (!closed) onChange();
    }, debounceMs);
  };

  const watcher = watch(dir, {
    ignoreInitial: true,
    // Skip dot entries below `dir` (but not `dir` itself, which may live under a dot-folder).
    ignored: (p: string) => {
      const rel = relative(dir, p);
      return rel !== '' && rel.split(sep).some((part) => part.startsWith('.'));
    },
  });
  watcher.on('all', (event, path) => {
    if (event === 'addDir' || event === 'unlinkDir') schedule();
    else if (isArticleFile(basename(path))) schedule();
  });

  watcher.on('error', (err) => {
    // Without onError, a watcher fault (the folder vanished, too many watches) still triggers a
    // reload, and the reload reports what is actually unreadable through loadContentDir's errors.
    if (onError) onError(err);
    else schedule();
  });

  const ready = new Promise<void>((resolve) => {
    watcher.once('ready', () => resolve());
  });

  return {
    ready,
    async close(): Promise<void> {
      closed = true;
      if (timer) clearTimeout(timer);
      timer = undefined;
      await watcher.close();
    },
  };
}
