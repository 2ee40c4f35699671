// content/: both article forms, nested folders, bad files reported with path:line, slug stability
// and collisions, and the watcher noticing new, edited and deleted files.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { watchContentDir } from '../src/fetch/local.ts';
import { loadContentDir } from '../src/ingest/local.ts';
import { TidingsError } from '../src/errors.ts';
import type { Article } from '../src/model.ts';
import { parseTextArticle } from '../src/parse/text.ts';
import { parseMarkdownArticle } from '../src/parse/markdown.ts';
import { normalizeItem } from '../src/normalize/normalize.ts';

const FIXTURES = fileURLToPath(new URL('./fixtures/content/', import.meta.url));
const TREE = join(FIXTURES, 'tree');
const BROKEN = join(FIXTURES, 'broken');
const BASE = 'https://tidings.example';
const NOW = new Date('2026-02-01T12:00:00Z');

function ctx(overrides: Partial<{ baseUrl: string; now: Date }> = {}) {
  return { baseUrl: BASE, now: NOW, ...overrides };
}

function bySlug(articles: Article[], slug: string): Article {
  const a = articles.find((x) => x.slug === slug);
  assert.ok(a, `no article with slug ${slug}; have ${articles.map((x) => x.slug).join(', ')}`);
  return a;
}

async function tempDir(t: { after: (fn: () => Promise<void>) => void }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'tidings-content-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

test('loads every .md/.markdown/.txt in nested folders and ignores dotfiles and other files', async () => {
  const { articles, errors } = await loadContentDir(TREE, ctx());
  assert.deepEqual(errors, []);
  // kyiv-metro.txt, duplicate/kyiv-metro.txt, city-gardens.md, news/2026/Зимовий ярмарок.md
  assert.equal(articles.length, 4);
  assert.ok(!articles.some((a) => a.title.includes('draft')), '.draft.md must be ignored');
  for (const a of articles) {
    assert.equal(a.sourceId, 'local');
    assert.equal(a.id, `urn:tidings:local:${a.slug}`);
    assert.equal(a.url, `/articles/${a.slug}`);
  }
});

test('plain-text form: title, date, escaped paragraphs, caption on its own', async () => {
  const { articles } = await loadContentDir(TREE, ctx());
  const a = bySlug(articles, 'kyiv-metro');
  assert.equal(a.title, 'У Києві відкрили оновлений вестибюль станції метро «Золоті ворота»');
  assert.equal(a.published.toISOString(), '2025-11-03T00:00:00.000Z');
  assert.equal(a.updated.toISOString(), '2025-11-03T00:00:00.000Z');
  assert.equal(a.language, 'uk');
  const paragraphs = a.contentHtml.match(/<p>[\s\S]*?<\/p>/g) ?? [];
  assert.equal(paragraphs.length, 4);
  assert.equal(paragraphs[2], '<p>Оновлений вестибюль станції фото: Київський метрополітен</p>');
  // "<тимчасово>" is text, not a tag: escaped, so the sanitizer cannot eat it.
  assert.match(a.contentHtml, /&lt;тимчасово&gt;/);
  assert.match(a.summary, /^Після піврічного ремонту/);
});

test('Markdown form: front matter fields and a rendered body', async () => {
  const { articles } = await loadContentDir(TREE, ctx());
  const a = bySlug(articles, 'city-gardens');
  assert.equal(a.title, 'Rooftop gardens are spreading across the city');
  assert.equal(a.published.toISOString(), '2025-10-20T08:30:00.000Z');
  assert.equal(a.updated.toISOString(), '2025-10-21T00:00:00.000Z');
  assert.deepEqual(a.authors, [{ name: 'Olena Marsh', url: 'https://example.org/olena', email: 'olena@example.org' }]);
  assert.equal(a.summary, 'Residents turn flat roofs into vegetable beds & bee hives.');
  assert.deepEqual(a.categories, ['Environment', 'Cities']);
  assert.deepEqual(a.topics, ['environment']);
  assert.equal(a.language, 'en-GB');
  assert.match(a.contentHtml, /<strong>flat roofs<\/strong>/);
  // Relative links in a local article point at Tidings' own pages: stored root-relative, given the
  // public origin when a response is rendered (src/http/links.ts).
  assert.match(a.contentHtml, /href="\/programmes\/green-roofs"/);
  assert.equal(a.image, '/images/roof.jpg');
});

test('a non-ASCII file name gives way to the transliterated title; tags and author lists', async () => {
  const { articles } = await loadContentDir(TREE, ctx());
  // "Зимовий ярмарок на Подолі": word-initial я → ya, й → i inside a word, і → i.
  const a = bySlug(articles, 'zymovyi-yarmarok-na-podoli');
  assert.deepEqual(a.categories, ['Події', 'Київ']);
  assert.deepEqual(a.authors.map((p) => p.name), ['Марта Коваль', 'Іван Дорош']);
  assert.equal(a.language, 'uk');
});

test('colliding slugs: the top-level file keeps its slug, the nested one gets its folder appended', async () => {
  const { articles } = await loadContentDir(TREE, ctx());
  assert.equal(bySlug(articles, 'kyiv-metro').title.startsWith('У Києві'), true);
  assert.equal(bySlug(articles, 'kyiv-metro-duplicate').title.startsWith('Вестибюль'), true);
  const slugs = articles.map((a) => a.slug);
  assert.equal(new Set(slugs).size, slugs.length);
});

test('collisions between two nested files suffix both, and a lone file is never renamed', async (t) => {
  const dir = await tempDir(t);
  await mkdir(join(dir, 'a'), { recursive: true });
  await mkdir(join(dir, 'b', 'c'), { recursive: true });
  await writeFile(join(dir, 'a', 'same.txt'), 'date 2025-01-01 One\n\nText one.\n');
  await writeFile(join(dir, 'b', 'c', 'same.txt'), 'date 2025-01-02 Two\n\nText two.\n');
  await writeFile(join(dir, 'alone.txt'), 'date 2025-01-03 Alone\n\nText.\n');
  await writeFile(join(dir, 'long-form.markdown'), '---\ndate: 2025-01-04\ntitle: Long form\n---\nText.\n');
  const { articles, errors } = await loadContentDir(dir, ctx());
  assert.deepEqual(errors, []);
  assert.deepEqual(articles.map((a) => a.slug).sort(), ['alone', 'long-form', 'same-a', 'same-b-c']);
});

test('ids and slugs are stable across reloads, clocks and public origins', async () => {
  const first = await loadContentDir(TREE, ctx());
  const second = await loadContentDir(TREE, ctx({ baseUrl: 'https://other.example/', now: new Date('2030-01-01T00:00:00Z') }));
  assert.deepEqual(first.articles.map((a) => a.id), second.articles.map((a) => a.id));
  // Stored links carry no public origin: it is added when a response is rendered.
  assert.equal(bySlug(second.articles, 'city-gardens').url, bySlug(first.articles, 'city-gardens').url);
  assert.equal(bySlug(second.articles, 'city-gardens').contentHtml, bySlug(first.articles, 'city-gardens').contentHtml);
});

test('bad files are reported with path and line; the good file still loads', async () => {
  const { articles, errors } = await loadContentDir(BROKEN, ctx());
  assert.deepEqual(articles.map((a) => a.title), ['The one good file']);
  assert.equal(errors.length, 3);
  for (const e of errors) assert.ok(e instanceof TidingsError && e.kind === 'content');
  const where = errors.map((e) => e.where).sort();
  assert.deepEqual(where, [
    join(BROKEN, 'bad-header.txt') + ':1',
    // the unclosed flow sequence is on line 4 of the file (line 3 of the YAML, after "---")
    join(BROKEN, 'bad-yaml.md') + ':4',
    join(BROKEN, 'no-date.md') + ':1',
  ]);
  const header = errors.find((e) => e.where.includes('bad-header'));
  assert.match(header?.message ?? '', /expected "date YYYY-MM-DD Title"/);
});

test('text form tolerates a BOM, CRLF and a leading space before "date"', () => {
  const item = parseTextArticle('\uFEFF date 2026-01-06 Заголовок\r\n\r\nПерший абзац.\r\nтой самий абзац.\r\n\r\nДругий.\r\n', 'x.txt');
  assert.equal(item.title, 'Заголовок');
  assert.equal(item.published, '2026-01-06');
  assert.equal(item.contentHtml, '<p>Перший абзац. той самий абзац.</p>\n<p>Другий.</p>');
});

test('text form rejects an impossible date with path:line', () => {
  assert.throws(
    () => parseTextArticle('\n\ndate 2026-02-30 Title\n\nBody', 'content/y.txt'),
    (e: unknown) => e instanceof TidingsError && e.where === 'content/y.txt:3',
  );
});

test('Markdown: a wrong field type names the line of its key', () => {
  const src = '---\ntitle: Fine\ndate: 2026-01-06\n\nauthor: 42\n---\nBody\n';
  assert.throws(
    () => parseMarkdownArticle(src, 'm.md'),
    (e: unknown) => e instanceof TidingsError && e.where === 'm.md:5',
  );
});

test('front matter slug wins; two files with one title in one folder stay distinct', async (t) => {
  const dir = await tempDir(t);
  await writeFile(join(dir, 'Перша.md'), '---\ntitle: Новини дня\ndate: 2025-01-01\n---\nA\n');
  await writeFile(join(dir, 'Друга.md'), '---\ntitle: Новини дня\ndate: 2025-01-02\n---\nB\n');
  await writeFile(join(dir, 'x.md'), '---\ntitle: Whatever\nslug: Custom Slug\ndate: 2025-01-03\n---\nC\n');
  const { articles, errors } = await loadContentDir(dir, ctx());
  assert.deepEqual(errors, []);
  const slugs = articles.map((a) => a.slug);
  assert.ok(slugs.includes('custom-slug'), slugs.join(', '));
  const news = slugs.filter((s) => s?.startsWith('novyny-dnia'));
  assert.equal(news.length, 2);
  assert.equal(new Set(news).size, 2);
  // Deterministic: a second load assigns the same slugs to the same files.
  const again = await loadContentDir(dir, ctx());
  assert.deepEqual(again.articles.map((a) => [a.title, a.slug, a.published.toISOString()]), articles.map((a) => [a.title, a.slug, a.published.toISOString()]));
});

test('Markdown: title falls back to the first # heading, which leaves the body', () => {
  const item = parseMarkdownArticle('---\ndate: 2026-01-06\n---\n\n# Heading title\n\nText.\n', 'h.md');
  assert.equal(item.title, 'Heading title');
  assert.doesNotMatch(item.contentHtml ?? '', /<h1/);
});

test('the seed article parses as Ukrainian text', async (t) => {
  const seeds = fileURLToPath(new URL('../../shared/seeds/', import.meta.url));
  const { readdir, readFile } = await import('node:fs/promises');
  let names: string[];
  try {
    names = (await readdir(seeds)).filter((n) => n.endsWith('.txt'));
  } catch (err) {
    t.skip(`../shared/seeds is not present here (${(err as Error).message})`);
    return;
  }
  for (const name of names) {
    const item = parseTextArticle(await readFile(join(seeds, name), 'utf8'), name);
    assert.ok(item.title && item.title.length > 10);
    assert.match(String(item.published), /^\d{4}-\d{2}-\d{2}$/);
  }
});

/** Resolve when `predicate` holds, polling; fail after `ms`. */
async function eventually(predicate: () => boolean | Promise<boolean>, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await predicate()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.fail(`timed out after ${ms} ms waiting for ${what}`);
}

test('the watcher reports a new, an edited and a deleted file, and ignores the initial scan', async (t) => {
  const dir = await tempDir(t);
  await writeFile(join(dir, 'existing.txt'), 'date 2025-01-01 Existing\n\nAlready here.\n');
  let changes = 0;
  const watcher = watchContentDir(dir, () => void changes++, { debounceMs: 100 });
  t.after(() => watcher.close());
  await watcher.ready;
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(changes, 0, 'the initial scan is not a change');

  await mkdir(join(dir, 'deep', 'er'), { recursive: true });
  await writeFile(join(dir, 'deep', 'er', 'new.md'), '---\ntitle: New one\ndate: 2025-02-02\n---\n\nFresh.\n');
  await eventually(() => changes >= 1, 5000, 'a change after adding a file');
  await eventually(async () => (await loadContentDir(dir, ctx())).articles.some((a) => a.slug === 'new'), 2000, 'reload sees it');

  const before = changes;
  await writeFile(join(dir, 'existing.txt'), 'date 2025-01-01 Existing, edited\n\nChanged.\n');
  await eventually(() => changes > before, 5000, 'a change after editing a file');
  const edited = (await loadContentDir(dir, ctx())).articles.find((a) => a.slug === 'existing');
  assert.equal(edited?.title, 'Existing, edited');

  const beforeDelete = changes;
  await unlink(join(dir, 'existing.txt'));
  await eventually(() => changes > beforeDelete, 5000, 'a change after deleting a file');
  const after = await loadContentDir(dir, ctx());
  assert.deepEqual(after.articles.map((a) => a.slug), ['new']);

  // Dotfiles are not articles: writing one must not trigger a reload.
  const beforeDot = changes;
  await writeFile(join(dir, '.swap.md'), 'x');
  await new Promise((r) => setTimeout(r, 600));
  assert.equal(changes, beforeDot);
});

test('a burst of writes is debounced into one change', async (t) => {
  const dir = await tempDir(t);
  let changes = 0;
  const watcher = watchContentDir(dir, () => void changes++, { debounceMs: 300 });
  t.after(() => watcher.close());
  await watcher.ready;
  for (let i = 0; i < 5; i++) await writeFile(join(dir, `f${i}.txt`), `date 2025-01-0${i + 1} T${i}\n\nx\n`);
  await eventually(() => changes >= 1, 5000, 'the debounced change');
  await new Promise((r) => setTimeout(r, 600));
  assert.equal(changes, 1);
});

test('plain-text titles keep every character, markup-like ones included', () => {
  const ctx = { sourceId: 'local', now: new Date('2026-02-01T00:00:00Z'), baseUrl: 'http://t.test' };
  const title = 'Q&A: why "Vec<T>" isn\'t <b>bold</b> & 3 < 5';
  const fromText = parseTextArticle(`date 2026-01-02 ${title}\n\nBody.\n`, 'a.txt');
  const fromMarkdown = parseMarkdownArticle(`---\ntitle: '${title.replace(/'/g, "''")}'\ndate: 2026-01-02\n---\nBody.\n`, 'a.md');
  assert.equal(normalizeItem({ ...fromText, slug: 'a' }, ctx).title, title);
  assert.equal(normalizeItem({ ...fromMarkdown, slug: 'b' }, ctx).title, title);
});
