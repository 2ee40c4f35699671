// The floor under bench:ingest's pooled target: the CPU per new item of the parts any pipeline meeting
// Tidings' requirements must run — rss-parser (the bench's bare side), sanitizing (with the plain
// text), classification, a MinHash sketch for story merging, and a SQLite write of a minimal schema
// that still serves topic feeds and search — each timed alone on generated feeds of the case; then
// the same with the two features other issues ask for at their least: a stemmed search (each distinct word stemmed, the stems in a
// second full-text table) and story candidates found by LSH bands (16 rows an article, one lookup a
// feed). Set beside the budget the target leaves (cores × bare rss-parser's µs / the ratio) and the
// pipeline's own CPU per item, it says whether a miss is the parts' or the pipeline's: parts above the
// budget mean no pipeline can reach the target here.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import Parser from 'rss-parser';
import { classify, type CompiledTopics } from '../src/classify/topics.ts';
import type { Article } from '../src/model.ts';
import { sanitizedHtmlToText, sanitizeHtmlAll } from '../src/normalize/html.ts';
import { BAND_ROWS, SKETCH_SIZE } from '../src/stories/signature.ts';
import { WordStems } from '../src/text/search.ts';
import { RUN_TOKEN, asFetched, generateFeed, runTag, type GenFormat, type GenLang } from './feeds-gen.ts';

export interface PartsCase {
  name: string;
  format: GenFormat;
  lang: GenLang;
}

/** CPU µs per item of each part but parsing (bare rss-parser is the bench's own baseline), over the same feeds. */
export interface PartsFloor {
  name: string;
  sanitize: number;
  classify: number;
  sketch: number;
  store: number;
  /** Each distinct word of an article stemmed (a memo per feed, as a worker job has). */
  stems: number;
  /** The minimal write plus the stems' full-text row, 16 band rows and the feed's band lookup. */
  featuredStore: number;
}

/** The parts alone, with parsing at `parse` µs an item (bare rss-parser's). */
export function floorTotal(f: PartsFloor, parse: number): number {
  return parse + f.sanitize + f.classify + f.sketch + f.store;
}

/** The parts with a stemmed search and story bands (their store instead of the minimal one), with parsing at `parse` µs an item. */
export function featuredFloorTotal(f: PartsFloor, parse: number): number {
  return floorTotal(f, parse) - f.store + f.stems + f.featuredStore;
}

/** Feeds measured per case after WARM_UP unmeasured ones: 1,500 items of 50-item feeds. */
const FEEDS = 30;
const WARM_UP = 5;
const ITEMS = 50;

/** What a topic feed and `q` need at the least: the row, a (topic, date) index, a full-text index. */
const MINIMAL_SCHEMA = `
  CREATE TABLE articles (id TEXT PRIMARY KEY, url TEXT NOT NULL, title TEXT NOT NULL, summary TEXT NOT NULL,
    content_html TEXT NOT NULL, published INTEGER NOT NULL);
  CREATE INDEX articles_by_date ON articles (published DESC, id DESC);
  CREATE TABLE article_topics (topic TEXT NOT NULL, published INTEGER NOT NULL, article_rowid INTEGER NOT NULL,
    PRIMARY KEY (topic, published, article_rowid)) WITHOUT ROWID;
  CREATE VIRTUAL TABLE articles_fts USING fts5 (title, summary, body_text, content = '', contentless_delete = 1,
    tokenize = 'unicode61 remove_diacritics 2');`;

/** What a stemmed search and story candidates add: the stems' own index, the band index. */
const FEATURE_SCHEMA = `
  CREATE VIRTUAL TABLE article_stems USING fts5 (stems, content = '', contentless_delete = 1, detail = none);
  CREATE TABLE story_bands (band INTEGER NOT NULL, published INTEGER NOT NULL, article_rowid INTEGER NOT NULL,
    PRIMARY KEY (band, published, article_rowid)) WITHOUT ROWID;`;

/** As many bands as Tidings' signature has (16 of 4 rows). */
const BANDS = SKETCH_SIZE / BAND_ROWS;

function cpuMs(): number {
  const used = process.cpuUsage();
  return (used.user + used.system) / 1000;
}

export async function measurePartsFloor(cases: readonly PartsCase[], compiled: CompiledTopics): Promise<PartsFloor[]> {
  const dir = await mkdtemp(join(tmpdir(), 'tidings-bench-floor-'));
  try {
    const floors: PartsFloor[] = [];
    for (const [i, c] of cases.entries()) floors.push(await measureCase(c, compiled, dir, 7_000 + i));
    return floors;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** A SQLite file as the store opens one (WAL, synchronous NORMAL) with these tables. */
function openFloorDb(path: string, schema: string): Database.Database {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.exec(schema);
  return db;
}

interface FloorItem {
  id: string;
  url: string;
  title: string;
  summary: string;
  html: string;
  text: string;
  published: number;
  topics: string[];
  stems: string;
  bands: number[];
}

/** One feed's items in one transaction: the row, its topic rows and its text row; with `featured`, the stems and bands too. */
function floorWriter(db: Database.Database, featured: boolean): (items: readonly FloorItem[]) => void {
  const insertRow = db.prepare('INSERT INTO articles (id, url, title, summary, content_html, published) VALUES (?, ?, ?, ?, ?, ?)');
  const insertTopic = db.prepare('INSERT OR IGNORE INTO article_topics (topic, published, article_rowid) VALUES (?, ?, ?)');
  const insertText = db.prepare('INSERT INTO articles_fts (rowid, title, summary, body_text) VALUES (?, ?, ?, ?)');
  const insertStems = featured ? db.prepare('INSERT INTO article_stems (rowid, stems) VALUES (?, ?)') : undefined;
  const insertBand = featured ? db.prepare('INSERT OR IGNORE INTO story_bands (band, published, article_rowid) VALUES (?, ?, ?)') : undefined;
  const candidates = featured ? db.prepare('SELECT DISTINCT article_rowid FROM story_bands WHERE band IN (SELECT value FROM json_each(?))') : undefined;
  return db.transaction((items: readonly FloorItem[]) => {
    candidates?.all(JSON.stringify(items.flatMap((item) => item.bands)));
    for (const item of items) {
      const { lastInsertRowid } = insertRow.run(item.id, item.url, item.title, item.summary, item.html, item.published);
      for (const topic of item.topics) insertTopic.run(topic, item.published, lastInsertRowid);
      insertText.run(lastInsertRowid, item.title, item.summary, item.text);
      insertStems?.run(lastInsertRowid, item.stems);
      for (const band of item.bands) insertBand?.run(band, item.published, lastInsertRowid);
    }
  });
}

async function measureCase(c: PartsCase, compiled: CompiledTopics, dir: string, seed: number): Promise<PartsFloor> {
  const minimalDb = openFloorDb(join(dir, `${c.name}-minimal.db`), MINIMAL_SCHEMA);
  const featuredDb = openFloorDb(join(dir, `${c.name}-featured.db`), MINIMAL_SCHEMA + FEATURE_SCHEMA);
  const writeMinimal = floorWriter(minimalDb, false);
  const writeFeatured = floorWriter(featuredDb, true);
  const texts = Array.from({ length: FEEDS + WARM_UP }, (_, n) =>
    asFetched(generateFeed({ format: c.format, lang: c.lang, items: ITEMS, seed: seed * 1_000_003 + n, idPrefix: `floor-${c.name}` }).replaceAll(RUN_TOKEN, runTag(n))));
  await partsOf(texts.slice(0, WARM_UP), compiled, writeMinimal, writeFeatured); // warm-up, not counted
  const parts = await partsOf(texts.slice(WARM_UP), compiled, writeMinimal, writeFeatured);
  minimalDb.close();
  featuredDb.close();
  return { name: c.name, ...parts };
}

/**
 * Each part over all the feeds in turn, timed as one loop: a part's garbage is mostly collected in its
 * own loop, where per-feed slices charged one part's collections to whichever part ran next.
 */
async function partsOf(
  texts: readonly string[], compiled: CompiledTopics, writeMinimal: (items: readonly FloorItem[]) => void, writeFeatured: (items: readonly FloorItem[]) => void,
): Promise<Omit<PartsFloor, 'name'>> {
  const timed = async <T>(work: () => Promise<T> | T): Promise<[T, number]> => {
    const start = cpuMs();
    const result = await work();
    return [result, cpuMs() - start];
  };
  // Parsed but not timed here: bare rss-parser is timed by the bench itself, one feed at a time and its
  // garbage dropped, where this loop keeps every parsed feed for the parts after it.
  const feeds: Awaited<ReturnType<Parser['parseString']>>[] = [];
  for (const text of texts) feeds.push(await new Parser().parseString(text));
  const [bodies, sanitize] = await timed(() => feeds.map((feed) => {
    const html = sanitizeHtmlAll(feed.items.map((item) => String(item['content:encoded'] ?? item.content ?? '')), 'https://floor.example/');
    return { html, plain: html.map(sanitizedHtmlToText) };
  }));
  const [topics, classifyMs] = await timed(() => feeds.map((feed, f) =>
    feed.items.map((item, k) => classify(bareArticle(item.title ?? ''), compiled, undefined, bodies[f]!.plain[k]))));
  const [words, splitting] = await timed(() => feeds.map((feed, f) => bodies[f]!.plain.map((body, k) => distinctWords(`${feed.items[k]?.title ?? ''} ${body}`))));
  // One stem memo per feed, as a worker job has (Tidings' own: WordStems).
  const [stems, stemming] = await timed(() => words.map((lists) => {
    const memo = new WordStems();
    return lists.map((list) => list.map((word) => memo.stem(word)));
  }));
  // The sketch is of the stems (as Tidings' is), but a sketch of the words costs the same: the split
  // into words counts here, the stemming in its own column.
  const [bands, sketching] = await timed(() => stems.map((lists) => lists.map((list) => bandKeys(minHash(list)))));
  const batches = feeds.map((feed, f) => feed.items.map((item, k): FloorItem => ({
    id: item.guid ?? item.link ?? `${f}-${k}`, url: item.link ?? '', title: item.title ?? '', summary: (bodies[f]!.plain[k] ?? '').slice(0, 300),
    html: bodies[f]!.html[k] ?? '', text: bodies[f]!.plain[k] ?? '', published: Date.parse(item.isoDate ?? '') || 0, topics: topics[f]![k] ?? [],
    stems: stems[f]![k]!.join(' '), bands: bands[f]![k]!,
  })));
  const [, store] = await timed(() => batches.forEach(writeMinimal));
  const [, featuredStore] = await timed(() => batches.forEach(writeFeatured));
  const count = feeds.reduce((n, feed) => n + feed.items.length, 0);
  const us = (ms: number): number => (count === 0 ? 0 : (ms * 1000) / count);
  return {
    sanitize: us(sanitize), classify: us(classifyMs), sketch: us(splitting + sketching), store: us(store),
    stems: us(stemming), featuredStore: us(featuredStore),
  };
}

function bareArticle(title: string): Article {
  return {
    id: '', title, url: '', summary: '', contentHtml: '', published: new Date(0), updated: new Date(0), authors: [], sourceId: 'floor',
    categories: [], topics: [], enclosures: [],
  };
}

/** An article's distinct lowercased words. */
function distinctWords(text: string): string[] {
  return [...new Set(text.toLowerCase().split(/[^\p{L}\p{N}]+/u))].filter((word) => word !== '');
}

/** The least a MinHash sketch of Tidings' size costs: each distinct stem hashed SKETCH_SIZE ways, the minimum kept. */
function minHash(stems: readonly string[]): Uint32Array {
  const sketch = new Uint32Array(SKETCH_SIZE).fill(0xffffffff);
  for (const word of new Set(stems)) {
    let h = 0x811c9dc5;
    for (let i = 0; i < word.length; i++) h = Math.imul(h ^ word.charCodeAt(i), 0x01000193);
    for (let k = 0; k < SKETCH_SIZE; k++) {
      let x = (h ^ Math.imul(k + 1, 0x9e3779b9)) >>> 0;
      x = Math.imul(x ^ (x >>> 16), 0x85ebca6b);
      x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35);
      x = (x ^ (x >>> 16)) >>> 0;
      if (x < sketch[k]!) sketch[k] = x;
    }
  }
  return sketch;
}

/** BANDS keys of BAND_ROWS cells each, mixed into integers as the band index stores them. */
function bandKeys(sketch: Uint32Array): number[] {
  const keys: number[] = [];
  for (let band = 0; band < BANDS; band++) {
    let h = band + 1;
    for (let row = band * BAND_ROWS; row < (band + 1) * BAND_ROWS; row++) h = Math.imul(h ^ sketch[row]!, 0x01000193);
    keys.push(h);
  }
  return keys;
}
