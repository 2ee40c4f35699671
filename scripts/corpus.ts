// `npm run corpus -- <dir> [--summary <file>]`: runs the ingestion parser (parseFeed, then normalizeItem)
// over every feed file under <dir> and compares what we share with the expected JSON beside each input
// (gofeed's universal or format-specific models). Mismatches are reported by class; exit 1 only on a crash.

import { readdir, readFile, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, relative } from 'node:path';
import { TidingsError, describeError } from '../src/errors.ts';
import { decodeFeedBody } from '../src/fetch/charset.ts';
import { htmlToText } from '../src/normalize/html.ts';
import { parseDate } from '../src/normalize/dates.ts';
import { normalizeItem, stripXmlIllegal } from '../src/normalize/normalize.ts';
import { parseFeed } from '../src/parse/index.ts';
import type { ParsedFeed, ParsedItem } from '../src/parse/types.ts';

// ---- the comparable view: the fields Tidings shares with gofeed, in one shape for every model ----

interface ItemView {
  title?: string;
  link?: string;
  guid?: string;
  published?: number;
  updated?: number;
  authors: string[];
  categories: string[];
  content?: string;
  description?: string;
  enclosures: string[];
}
interface FeedView {
  title?: string;
  link?: string;
  description?: string;
  language?: string;
  authors: string[];
  items: ItemView[];
}
type Model = 'universal' | 'rss' | 'atom' | 'json';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : v === undefined || v === null ? [] : [v]);
const objs = (v: unknown): Obj[] => arr(v).filter(isObj);

function s(v: unknown): string | undefined {
  if (typeof v === 'number') return String(v);
  if (typeof v !== 'string') return undefined;
  const t = v.replace(/\s+/g, ' ').trim();
  return t === '' ? undefined : t;
}
/** Markup compared as its text with all whitespace removed: formatting differences are not ours to judge. */
function textOf(html: string | undefined): string | undefined {
  if (html === undefined) return undefined;
  const t = htmlToText(html).replace(/\s+/g, '');
  return t === '' ? undefined : t;
}
/** Titles as Tidings publishes them: plain text (normalize runs htmlToText on every title). */
function titleOf(v: unknown): string | undefined {
  const t = s(v);
  return t === undefined ? undefined : stripXmlIllegal(htmlToText(t)) || undefined;
}
function instant(v: unknown): number | undefined {
  if (v instanceof Date) return v.getTime();
  if (typeof v !== 'string' || v.trim() === '') return undefined;
  return parseDate(v)?.getTime();
}
function person(p: Obj): string | undefined {
  return s(p.name) ?? s(p.email);
}
function enclosure(url: unknown, type: unknown, length: unknown): string | undefined {
  const u = s(url);
  if (u === undefined) return undefined;
  const n = Number(length);
  return [u, s(type) ?? '', Number.isFinite(n) && n > 0 ? String(n) : ''].join('|');
}
const defined = <T>(xs: (T | undefined)[]): T[] => xs.filter((x): x is T => x !== undefined);

function resolve(link: string | undefined, base: string | undefined): string | undefined {
  if (link === undefined || base === undefined) return link;
  try {
    return new URL(link, base).href;
  } catch (err) {
    void err; // a relative base with a relative link: leave the link as the feed gave it
    return link;
  }
}

/**
 * Our ParsedFeed as a view. For the universal model the published date falls back to updated, as
 * normalize does (gofeed's translator does the same); format models keep the format's own fields.
 */
function ourView(feed: ParsedFeed, model: Model): FeedView {
  const item = (i: ParsedItem): ItemView => ({
    title: titleOf(i.title),
    link: resolve(s(i.link), i.base),
    guid: s(i.guid),
    published: instant(i.published ?? (model === 'universal' ? i.updated : undefined)),
    updated: i.updated === undefined ? undefined : instant(i.updated),
    authors: defined(i.authors.map((p) => s(p.name) ?? s(p.email))),
    categories: i.categories,
    content: textOf(i.contentHtml) ?? (i.contentText === undefined ? undefined : i.contentText.replace(/\s+/g, '') || undefined),
    description: textOf(i.summaryHtml),
    enclosures: defined(i.enclosures.map((e) => enclosure(resolve(e.url, i.base), e.type, e.length))),
  });
  return {
    title: titleOf(feed.title),
    link: resolve(s(feed.link), feed.base),
    description: textOf(feed.description),
    language: s(feed.language),
    authors: defined(feed.authors.map((p) => s(p.name) ?? s(p.email))),
    items: feed.items.map(item),
  };
}

/** gofeed's universal Feed (translator/, extensions/). */
function universalView(e: Obj): FeedView {
  return {
    title: titleOf(e.title),
    link: s(e.link),
    description: textOf(s(e.description)),
    language: s(e.language),
    authors: defined(objs(e.authors ?? e.author).map(person)),
    items: objs(e.items).map((i) => ({
      title: titleOf(i.title),
      link: s(i.link),
      guid: s(i.guid),
      published: instant(i.publishedParsed),
      updated: instant(i.updatedParsed),
      authors: defined(objs(i.authors ?? i.author).map(person)),
      categories: defined(arr(i.categories).map(s)),
      content: textOf(s(i.content)),
      description: textOf(s(i.description)),
      enclosures: defined(objs(i.enclosures).map((x) => enclosure(x.url, x.type, x.length))),
    })),
  };
}

/** gofeed's rss.Feed (parser/rss). Its authors are raw strings; only the presence is compared by name. */
function rssView(e: Obj): FeedView {
  return {
    title: titleOf(e.title),
    link: s(e.link),
    description: textOf(s(e.description)),
    language: s(e.language),
    authors: defined([s(e.managingEditor) ?? s(e.webMaster)]).map(rawPersonName),
    items: objs(e.items).map((i) => ({
      title: titleOf(i.title),
      link: s(i.link),
      guid: isObj(i.guid) ? s(i.guid.value) : s(i.guid),
      published: instant(i.pubDateParsed ?? i.pubDate),
      updated: undefined,
      authors: defined([s(i.author)]).map(rawPersonName),
      categories: defined(objs(i.categories).map((c) => s(c.value))),
      content: textOf(s(i.content)),
      description: textOf(s(i.description)),
      enclosures: defined(objs(i.enclosures ?? i.enclosure).map((x) => enclosure(x.url, x.type, x.length))),
    })),
  };
}

/** The name in an RSS free-text person, as rss.ts reads it (`email (Name)`, `Name <email>`). */
function rawPersonName(raw: string): string {
  const m = /^\S+@\S+\s*\((.+)\)$/.exec(raw) ?? /^(.+?)\s*[(<]\S+@\S+[)>]$/.exec(raw);
  return m?.[1]?.trim() ?? raw;
}

/** gofeed's atom.Feed (parser/atom). */
function atomView(e: Obj): FeedView {
  const alt = (links: unknown): string | undefined => {
    // The same rule as atom.ts: the alternate link (rel absent means alternate), never self.
    const a = objs(links).find((l) => s(l.href) !== undefined && (s(l.rel) ?? 'alternate') === 'alternate');
    return a ? s(a.href) : undefined;
  };
  const text = (v: unknown): string | undefined => (isObj(v) ? s(v.value) : s(v));
  return {
    title: titleOf(e.title),
    link: alt(e.links),
    description: textOf(s(e.subtitle)),
    language: s(e.language),
    authors: defined(objs(e.authors).map(person)),
    items: objs(e.entries).map((i) => ({
      title: titleOf(i.title),
      link: alt(i.links),
      guid: s(i.id),
      published: instant(i.publishedParsed),
      updated: instant(i.updatedParsed),
      authors: defined(objs(i.authors).map(person)),
      categories: defined(objs(i.categories).map((c) => s(c.term) ?? s(c.label))),
      content: textOf(text(i.content)),
      description: textOf(s(i.summary)),
      enclosures: defined(
        objs(i.links)
          .filter((l) => s(l.rel) === 'enclosure')
          .map((l) => enclosure(l.href, l.type, l.length)),
      ),
    })),
  };
}

/** A JSON Feed document itself (parser/json *_expected.json). */
function jsonView(e: Obj): FeedView {
  return {
    title: titleOf(e.title),
    link: s(e.home_page_url),
    description: textOf(s(e.description)),
    language: s(e.language),
    authors: defined(objs(e.authors ?? e.author).map(person)),
    items: objs(e.items).map((i) => ({
      title: titleOf(i.title),
      link: s(i.url) ?? s(i.external_url),
      guid: s(i.id),
      published: instant(i.date_published),
      updated: instant(i.date_modified),
      authors: defined(objs(i.authors ?? i.author).map(person)),
      categories: defined(arr(i.tags).map(s)),
      content: textOf(s(i.content_html)) ?? s(i.content_text)?.replace(/\s+/g, ''),
      description: textOf(s(i.summary)),
      enclosures: defined(objs(i.attachments).map((x) => enclosure(x.url, x.mime_type, x.size_in_bytes))),
    })),
  };
}

const VIEWS: Record<Model, (e: Obj) => FeedView> = { universal: universalView, rss: rssView, atom: atomView, json: jsonView };

interface Difference {
  field: string;
  kind: 'missing' | 'extra' | 'differs';
  ours: unknown;
  expected: unknown;
}

function compareValue(field: string, ours: unknown, exp: unknown, out: Difference[]): void {
  const empty = (v: unknown) => v === undefined || (Array.isArray(v) && v.length === 0);
  if (empty(ours) && empty(exp)) return;
  if (empty(ours)) out.push({ field, kind: 'missing', ours, expected: exp });
  else if (empty(exp)) out.push({ field, kind: 'extra', ours, expected: exp });
  else if (JSON.stringify(ours) !== JSON.stringify(exp)) out.push({ field, kind: 'differs', ours, expected: exp });
}

function compare(ours: FeedView, exp: FeedView, model: Model): Difference[] {
  const out: Difference[] = [];
  for (const f of ['title', 'link', 'description', 'language', 'authors'] as const) {
    // gofeed's format models keep the RSS people as raw strings at feed level; compared in universal only.
    if (f === 'authors' && model === 'rss') continue;
    compareValue(`feed.${f}`, ours[f], exp[f], out);
  }
  if (ours.items.length !== exp.items.length) {
    out.push({ field: 'items.count', kind: 'differs', ours: ours.items.length, expected: exp.items.length });
  }
  ours.items.slice(0, exp.items.length).forEach((o, n) => {
    const e = exp.items[n];
    if (!e) return;
    for (const f of Object.keys(o) as (keyof ItemView)[]) {
      // The RSS format model has no "updated"; dc:date etc. only appear in the universal one.
      if (model === 'rss' && f === 'updated') continue;
      compareValue(`item.${f}`, o[f], e[f], out);
    }
  });
  return out;
}

// ---- the corpus walk ----

interface Input {
  file: string;
  expected?: string;
  model?: Model;
  klass: string;
}

async function walk(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await walk(path)));
    else if (/\.(xml|json)$/i.test(entry.name)) out.push(path);
  }
  return out.sort();
}

/** Inputs and their expected files: `x.xml` + `x.json`; `x.json` + `x_expected.json`. */
function pairInputs(root: string, files: string[]): Input[] {
  const all = new Set(files);
  const inputs: Input[] = [];
  for (const file of files) {
    if (/_expected\.json$/i.test(file)) continue;
    if (/\.json$/i.test(file) && all.has(file.replace(/\.json$/i, '.xml'))) continue; // an expected file
    const expected = /\.xml$/i.test(file)
      ? file.replace(/\.xml$/i, '.json')
      : file.replace(/\.json$/i, '_expected.json');
    const klass = relative(root, dirname(file)) || '.';
    inputs.push({ file, klass, ...(all.has(expected) ? { expected, model: modelFor(klass) } : {}) });
  }
  return inputs;
}

/** Which expected model a directory holds: parser/<format> is format-specific, the rest universal. */
function modelFor(klass: string): Model {
  const parts = klass.split(/[\\/]/);
  const i = parts.lastIndexOf('parser');
  const format = i >= 0 ? parts[i + 1] : undefined;
  if (format === 'rss' || format === 'atom' || format === 'json') return format;
  return 'universal';
}

interface ClassStats {
  files: number;
  parsed: number;
  rejected: number;
  crashed: number;
  compared: number;
  passed: number;
}

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  const summaryAt = args.indexOf('--summary');
  const summaryFile = summaryAt >= 0 ? args[summaryAt + 1] : join(tmpdir(), 'tidings-corpus-summary.json');
  const dir = args.find((a, i) => !a.startsWith('--') && args[i - 1] !== '--summary');
  if (!dir || !existsSync(dir)) {
    console.error('usage: npm run corpus -- <dir> [--summary <file>]');
    return 2;
  }
  const inputs = pairInputs(dir, await walk(dir));
  const stats = new Map<string, ClassStats>();
  const diffs = new Map<string, { count: number; examples: string[] }>();
  const rejections: string[] = [];
  const crashes: string[] = [];
  const now = new Date('2026-01-01T00:00:00Z');

  for (const input of inputs) {
    const st = stats.get(input.klass) ?? { files: 0, parsed: 0, rejected: 0, crashed: 0, compared: 0, passed: 0 };
    stats.set(input.klass, st);
    st.files++;
    const rel = relative(dir, input.file);
    let feed: ParsedFeed;
    try {
      const { text } = decodeFeedBody(await readFile(input.file));
      feed = await parseFeed(text, { url: rel });
      for (const item of feed.items) {
        normalizeItem(item, { sourceId: 'corpus', feedUrl: 'http://corpus.invalid/feed', feedBase: feed.base, feedLanguage: feed.language, now, baseUrl: 'http://tidings.invalid' });
      }
    } catch (err) {
      if (err instanceof TidingsError && err.kind === 'parse') {
        st.rejected++;
        rejections.push(`${rel}: ${err.message}`);
      } else {
        st.crashed++;
        crashes.push(`${rel}: ${err instanceof Error ? (err.stack ?? err.message) : describeError(err)}`);
      }
      continue;
    }
    st.parsed++;
    if (!input.expected || !input.model) continue;
    let expected: unknown;
    try {
      expected = JSON.parse(await readFile(input.expected, 'utf8'));
    } catch (err) {
      console.warn(`skip ${relative(dir, input.expected)}: ${describeError(err)}`);
      continue;
    }
    if (!isObj(expected)) continue;
    st.compared++;
    const found = compare(ourView(feed, input.model), VIEWS[input.model](expected), input.model);
    if (found.length === 0) st.passed++;
    for (const d of found) {
      const key = `${input.model} ${d.field} ${d.kind}`;
      const entry = diffs.get(key) ?? { count: 0, examples: [] };
      entry.count++;
      if (entry.examples.length < 3) {
        entry.examples.push(`${basename(rel)}: ours=${JSON.stringify(d.ours)} expected=${JSON.stringify(d.expected)}`);
      }
      diffs.set(key, entry);
    }
  }

  const total = [...stats.values()].reduce(
    (a, b) => ({
      files: a.files + b.files, parsed: a.parsed + b.parsed, rejected: a.rejected + b.rejected,
      crashed: a.crashed + b.crashed, compared: a.compared + b.compared, passed: a.passed + b.passed,
    }),
    { files: 0, parsed: 0, rejected: 0, crashed: 0, compared: 0, passed: 0 },
  );
  const pct = (a: number, b: number) => (b === 0 ? '-' : `${((100 * a) / b).toFixed(1)}%`);
  console.log('class                      files parsed rejected crashed compared passed  pass rate');
  for (const [k, v] of [...stats.entries()].sort()) {
    console.log(
      `${k.padEnd(26)} ${String(v.files).padStart(5)} ${String(v.parsed).padStart(6)} ${String(v.rejected).padStart(8)} ` +
        `${String(v.crashed).padStart(7)} ${String(v.compared).padStart(8)} ${String(v.passed).padStart(6)} ${pct(v.passed, v.compared).padStart(10)}`,
    );
  }
  console.log(
    `${'TOTAL'.padEnd(26)} ${String(total.files).padStart(5)} ${String(total.parsed).padStart(6)} ${String(total.rejected).padStart(8)} ` +
      `${String(total.crashed).padStart(7)} ${String(total.compared).padStart(8)} ${String(total.passed).padStart(6)} ${pct(total.passed, total.compared).padStart(10)}`,
  );
  console.log(`\nrejected as not a feed / not well-formed (${rejections.length}):`);
  for (const r of rejections) console.log(`  ${r}`);
  console.log(`\ndifference classes (${diffs.size}), by files affected:`);
  for (const [k, v] of [...diffs.entries()].sort((a, b) => b[1].count - a[1].count)) {
    console.log(`  ${String(v.count).padStart(4)}  ${k}`);
    for (const ex of v.examples) console.log(`          ${ex.length > 220 ? `${ex.slice(0, 220)}…` : ex}`);
  }
  if (crashes.length > 0) {
    console.log(`\nCRASHES (${crashes.length}):`);
    for (const c of crashes) console.log(`  ${c}`);
  }
  const summary = {
    dir,
    total,
    passRate: total.compared === 0 ? null : total.passed / total.compared,
    classes: Object.fromEntries(stats),
    differences: Object.fromEntries(diffs),
    rejections,
    crashes,
  };
  if (summaryFile) {
    await writeFile(summaryFile, `${JSON.stringify(summary, null, 2)}\n`);
    console.log(`\nsummary written to ${summaryFile}`);
  }
  return crashes.length > 0 ? 1 : 0;
}

process.exitCode = await main();
