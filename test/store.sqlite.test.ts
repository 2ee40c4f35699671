// Runs the ArticleStore contract on SQLite, in memory and on a real file; plus what only a file shows.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { migrate, openDatabase, SqliteDb } from '../src/store/sqlite/db.ts';
import { migrations } from '../src/store/sqlite/migrations.ts';
import { openSqliteStore } from '../src/store/sqlite/index.ts';
import { AUTOCHECKPOINT_PAGES, WalCheckpointer } from '../src/store/sqlite/checkpointer.ts';
import { COPIES_BY_TOPIC } from '../src/store/sqlite/counts.ts';
import { bandHits, insertBandRows, movePendingBands, type BandLookup, type SignedRow } from '../src/store/sqlite/story-bands.ts';
import { BAND_SCAN_ROWS, MAX_CANDIDATES_PER_BAND, sourceNumber } from '../src/store/stories.ts';
import { openStore } from '../src/store/store.ts';
import { searchTerms } from '../src/text/search.ts';
import { makeArticle, runStoreContract } from './store.contract.ts';

runStoreContract('sqlite in memory', () => openStore('sqlite::memory:'));

const dirs: string[] = [];
runStoreContract('sqlite file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tidings-store-'));
  dirs.push(dir);
  return openStore(`sqlite:${join(dir, 'nested', 'tidings.db')}`);
});
// The same contract with feed page reads on a query worker's read-only connection (the web role's setup).
runStoreContract('sqlite file, page reads on a query worker', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tidings-store-'));
  dirs.push(dir);
  return openStore(`sqlite:${join(dir, 'tidings.db')}`, { queryWorkers: 1 });
});
test.after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

test('an in-memory database asked for query workers reads in process: a second connection could not see it', async () => {
  const store = await openStore('sqlite::memory:', { queryWorkers: 1 });
  try {
    await store.upsertArticles([makeArticle(1, { topics: ['a'] }), makeArticle(2, { topics: ['b'] })]);
    const page = await store.queryArticles({ topics: ['a'], limit: 10 });
    assert.deepEqual(page.map((a) => a.id), [makeArticle(1).id]);
  } finally {
    await store.close();
  }
});

test('a backlog of page reads on the query worker is answered in the order it was asked', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tidings-store-'));
  const store = await openStore(`sqlite:${join(dir, 'tidings.db')}`, { queryWorkers: 1 });
  try {
    await store.upsertArticles(Array.from({ length: 40 }, (_, i) => makeArticle(i + 1, { topics: ['a'] })));
    // Distinct queries, all asked at once: one runs, the rest wait in the pool's queue.
    const answered: number[] = [];
    await Promise.all(Array.from({ length: 12 }, (_, i) =>
      store.queryVersion({ topics: ['a'], limit: i + 1 }).then(() => answered.push(i))));
    assert.deepEqual(answered, Array.from({ length: 12 }, (_, i) => i), 'first asked, first answered');
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a SQLite file keeps its articles across reopen, and migrations run once', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tidings-store-'));
  try {
    const url = `sqlite:${join(dir, 'db.sqlite')}`;
    const first = await openStore(url);
    await first.upsertArticles([makeArticle(1, { topics: ['a'] })]);
    await first.close();
    const second = await openStore(url);
    assert.equal(await second.countArticles(), 1);
    assert.deepEqual(await second.upsertArticles([makeArticle(1, { topics: ['a'] })]), { inserted: 0, updated: 0, unchanged: 1 });
    await second.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a database from schema 3 migrates: unused indexes go, the search index keeps no text copy, articles stay searchable', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tidings-store-'));
  try {
    const path = join(dir, 'db.sqlite');
    const old = new Database(path);
    for (const sql of migrations.slice(0, 3)) old.exec(sql as string);
    old.pragma('user_version = 3');
    // A row as schema 3 stored it, plain text included; its trigger filled the old index.
    old.prepare(`INSERT INTO articles (id, title, url, summary, content_html, body_text, published, updated, authors,
      source_id, categories, topics, enclosures, content_hash, revision, changed_at)
      VALUES ('urn:old:1', 'Old title', 'https://e/1', 'Old summary', '<p>Body from before</p>', 'Body from before',
      1, 1, '[]', 'src', '[]', '[]', '[]', 'h', 1, 1)`).run();
    old.prepare(`INSERT INTO article_sources (article_id, source_id) VALUES ('urn:old:1', 'src')`).run();
    old.close();
    const store = await openStore(`sqlite:${path}`);
    const titles = async (q: string) => (await store.queryArticles({ terms: searchTerms(q), limit: 5 })).map((a) => a.title);
    assert.deepEqual(await titles('before'), ['Old title']);
    assert.deepEqual(await titles('summary'), ['Old title']);
    await store.upsertArticles([makeArticle(1, { topics: ['a'] })]);
    assert.deepEqual(await titles('body'), ['Article 1', 'Old title']);
    assert.equal(await store.removeArticlesNotIn('src', []), 1);
    assert.deepEqual(await titles('before'), []);
    await store.close();
    const db = new Database(path, { readonly: true });
    assert.equal(db.pragma('user_version', { simple: true }), migrations.length);
    const indexes = db.prepare<[], { name: string }>(`SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'articles'`).all();
    assert.deepEqual(indexes.map((i) => i.name).filter((n) => !n.startsWith('sqlite_autoindex')).sort(), ['articles_by_date', 'articles_by_story', 'articles_by_url']);
    const columns = db.prepare<[], { name: string }>(`SELECT name FROM pragma_table_info('articles')`).all().map((c) => c.name);
    assert.ok(!columns.includes('body_text'));
    // Both full-text indexes merge 16 segments at a time (migration 15): a small write's commit merges less.
    const automerge = (table: string): unknown => (db.prepare(`SELECT v FROM ${table}_config WHERE k = 'automerge'`).get() as { v: unknown } | undefined)?.v;
    assert.deepEqual(['articles_fts', 'article_stems'].map(automerge), [16, 16]);
    // A feed of every topic tests its story and language filters on the date index's own columns
    // (migration 16), not on each walked article's whole record.
    const dateIndex = db.prepare<[], { name: string }>(`SELECT name FROM pragma_index_info('articles_by_date') ORDER BY seqno`).all();
    assert.deepEqual(dateIndex.map((c) => c.name), ['published', 'id', 'story_id', 'language']);
    db.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a database from schema 6 migrates its search index to one apostrophe: an old мʼята is found by м\'ята', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tidings-store-'));
  try {
    const path = join(dir, 'db.sqlite');
    const old = new Database(path);
    for (const sql of migrations.slice(0, 6)) old.exec(sql as string);
    old.pragma('user_version = 6');
    old.prepare(`INSERT INTO articles (id, title, url, summary, content_html, published, updated, authors,
      source_id, categories, topics, enclosures, content_hash, revision, changed_at)
      VALUES ('urn:old:1', 'Чай', 'https://e/1', '', '<p>Свіжа мʼята з городу</p>', 1, 1, '[]', 'src', '[]', '[]', '[]', 'h', 1, 1)`).run();
    // Schema 6 indexed the text as the tokenizer saw it: ʼ (a letter to Unicode) inside the word.
    old.prepare(`INSERT INTO articles_fts (rowid, title, summary, body_text) SELECT rowid, 'Чай', '', 'Свіжа мʼята з городу' FROM articles`).run();
    const found = old.prepare<[], { n: number }>(`SELECT count(*) AS n FROM articles_fts WHERE articles_fts MATCH '"м ята"'`);
    assert.equal(found.get()?.n, 0, 'before the migration the phrase is not found');
    old.close();
    const store = await openStore(`sqlite:${path}`);
    const titles = async (q: string) => (await store.queryArticles({ terms: searchTerms(q), limit: 5 })).map((a) => a.title);
    assert.deepEqual(await titles("м'ята"), ['Чай']);
    assert.deepEqual(await titles('свіжа городу'), ['Чай'], 'the other words survive the rebuild');
    await store.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a database from schema 10 gains the stem index from its words: an old Франції is found by Франція', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tidings-store-'));
  try {
    const path = join(dir, 'db.sqlite');
    const old = new Database(path);
    for (const step of migrations.slice(0, 10)) {
      if (typeof step === 'string') old.exec(step);
      else step(old);
    }
    old.pragma('user_version = 10');
    const insert = old.prepare(`INSERT INTO articles (id, title, url, summary, content_html, published, updated, authors,
      source_id, categories, topics, enclosures, content_hash, revision, changed_at)
      VALUES (?, ?, ?, '', '', 1, 1, '[]', 'src', '[]', '[]', '[]', 'h', 1, 1)`);
    const index = old.prepare(`INSERT INTO articles_fts (rowid, title, summary, body_text) VALUES (?, ?, '', ?)`);
    index.run(insert.run('urn:old:1', 'Візит', 'https://e/1').lastInsertRowid, 'візит', 'делегація франції прибула');
    index.run(insert.run('urn:old:2', 'Other', 'https://e/2').lastInsertRowid, 'other', 'sanctioned firms');
    old.close();
    const store = await openStore(`sqlite:${path}`);
    const titles = async (q: string) => (await store.queryArticles({ terms: searchTerms(q), limit: 5 })).map((a) => a.title);
    assert.deepEqual(await titles('Франція'), ['Візит']);
    assert.deepEqual(await titles('делегацію прибули'), ['Візит'], 'every word of the article has its stem');
    assert.deepEqual(await titles('sanctions'), ['Other']);
    assert.deepEqual(await titles('firm sanction'), ['Other']);
    assert.deepEqual(await titles('Франція sanctions'), [], 'all terms must match');
    await store.upsertArticles([makeArticle(3, { title: 'Новий візит', contentHtml: '<p>Франції</p>' })]);
    assert.deepEqual((await titles('франція')).sort(), ['Візит', 'Новий візит'], 'new articles are indexed beside the migrated ones');
    await store.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a database from schema 13 gains the article rowid in its topic rows: topic pages, searches and later writes stay right', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tidings-store-'));
  try {
    const path = join(dir, 'db.sqlite');
    const articles = [
      makeArticle(1, { topics: ['war', 'eu'], title: 'Ceasefire talks in Brussels' }),
      makeArticle(2, { topics: ['war'], title: 'Shelter repairs in Kharkiv' }),
      makeArticle(3, { topics: ['eu'], title: 'Accession talks resume' }),
      makeArticle(4, { topics: ['war'], title: 'Ceasefire monitors arrive' }),
    ];
    const store = await openStore(`sqlite:${path}`);
    await store.upsertArticles(articles);
    await store.close();
    // The same rows as schema 13 held them: topic rows without the article's rowid.
    const old = new Database(path);
    old.exec(`CREATE TABLE t13 (topic TEXT NOT NULL, published INTEGER NOT NULL, article_id TEXT NOT NULL,
      PRIMARY KEY (topic, published, article_id)) WITHOUT ROWID;
      INSERT INTO t13 SELECT topic, published, article_id FROM article_topics;
      DROP TABLE article_topics; ALTER TABLE t13 RENAME TO article_topics;
      CREATE INDEX article_topics_by_article ON article_topics (article_id);`);
    old.pragma('user_version = 13');
    old.close();

    const migrated = await openStore(`sqlite:${path}`);
    try {
      const ids = async (topics: string[], q?: string) =>
        (await migrated.queryArticles({ topics, limit: 10, ...(q ? { terms: searchTerms(q) } : {}) })).map((a) => a.title);
      assert.deepEqual(await ids(['war']), ['Ceasefire monitors arrive', 'Shelter repairs in Kharkiv', 'Ceasefire talks in Brussels']);
      assert.deepEqual(await ids(['eu']), ['Accession talks resume', 'Ceasefire talks in Brussels']);
      assert.deepEqual(await ids(['war'], 'ceasefire'), ['Ceasefire monitors arrive', 'Ceasefire talks in Brussels']);
      assert.deepEqual(await ids(['eu', 'war'], 'talks'), ['Accession talks resume', 'Ceasefire talks in Brussels']);
      // A topic row written after the migration carries its rowid like the migrated ones.
      await migrated.upsertArticles([makeArticle(5, { topics: ['eu'], title: 'Ceasefire envoys meet in Brussels' })]);
      assert.deepEqual(await ids(['eu'], 'ceasefire brussels'), ['Ceasefire envoys meet in Brussels', 'Ceasefire talks in Brussels']);
    } finally {
      await migrated.close();
    }
    const check = new Database(path, { readonly: true });
    const rows = check.prepare(`SELECT count(*) AS n, sum(t.article_rowid = a.rowid) AS matching FROM article_topics t JOIN articles a ON a.id = t.article_id`).get() as { n: number; matching: number };
    check.close();
    assert.equal(rows.n, 6, 'two topic rows for the first article, one for each other');
    assert.equal(rows.matching, 6, 'every topic row names its article\'s rowid');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('an unsupported DATABASE_URL is refused with a message naming it', async () => {
  await assert.rejects(openStore('mysql://x/y'), /DATABASE_URL: unsupported scheme "mysql:"/);
});

test('another process\'s writes to the same file are seen within a second', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tidings-store-'));
  try {
    const url = `sqlite:${join(dir, 'db.sqlite')}`;
    const server = await openStore(url);
    const cli = await openStore(url);
    const before = await server.currentRevision();
    await cli.upsertArticles([makeArticle(1, { topics: ['a'] })]);
    await new Promise((r) => setTimeout(r, 1100));
    assert.ok((await server.currentRevision()) > before);
    assert.equal((await server.queryArticles({ topics: ['a'], limit: 5 })).length, 1);
    await Promise.all([server.close(), cli.close()]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('story band rows wait in story_bands_pending, move into story_bands in key order, and a lookup finds the same candidates wherever they are', () => {
  // 60 signed articles of 3 sources over 5 dates (many ties), sharing bands 1-3, one band of their own each.
  const signedRows: SignedRow[] = Array.from({ length: 60 }, (_, i) => ({
    rowid: i + 1,
    article: makeArticle(i % 5, { id: `a${i}`, sourceId: `s${i % 3}`, story: { lang: 'en', sketch: [], bands: [1 + (i % 3), 1 + ((i + 1) % 3), 100 + i], numbers: [], names: [] } }),
  }));
  const open = () => {
    const db = openDatabase(':memory:');
    migrate(db, ':memory:');
    return { db, shared: new SqliteDb(db, ':memory:') };
  };
  const count = (db: ReturnType<typeof openDatabase>, table: string) => (db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
  // Split: the first 25 moved into story_bands, the rest pending; then all pending; then all moved by the limit.
  const split = open();
  insertBandRows(split.shared, signedRows.slice(0, 25), Infinity);
  movePendingBands(split.shared);
  insertBandRows(split.shared, signedRows.slice(25), Infinity);
  assert.deepEqual([count(split.db, 'story_bands'), count(split.db, 'story_bands_pending')], [75, 105]);
  const pending = open();
  insertBandRows(pending.shared, signedRows, Infinity);
  const moved = open();
  insertBandRows(moved.shared, signedRows.slice(0, 30), 100);
  assert.deepEqual([count(moved.db, 'story_bands'), count(moved.db, 'story_bands_pending')], [0, 90], 'under the limit rows wait');
  insertBandRows(moved.shared, signedRows.slice(30), 100);
  assert.deepEqual([count(moved.db, 'story_bands'), count(moved.db, 'story_bands_pending')], [180, 0], 'at the limit they move');

  // The rule, computed here: per band the newest BAND_SCAN_ROWS rows in range (newest date, then
  // highest rowid first), of those the first MAX_CANDIDATES_PER_BAND not of the excluded sources.
  const expected = (lookup: BandLookup) => {
    const hits = new Map<number, number[]>();
    for (const band of lookup.bands) {
      const rows = signedRows.filter((r) => r.article.story!.bands.includes(band) && r.article.published.getTime() >= lookup.from && r.article.published.getTime() <= lookup.to)
        .sort((a, b) => b.article.published.getTime() - a.article.published.getTime() || Number(b.rowid) - Number(a.rowid)).slice(0, BAND_SCAN_ROWS)
        .filter((r) => !lookup.sourceNumbers.includes(sourceNumber(r.article.sourceId))).slice(0, MAX_CANDIDATES_PER_BAND);
      for (const r of rows) hits.set(Number(r.rowid), [...(hits.get(Number(r.rowid)) ?? []), band]);
    }
    return [...hits].sort((a, b) => a[0] - b[0]);
  };
  const lookups: BandLookup[] = [
    { bands: [1, 2, 3], from: 0, to: Number.MAX_SAFE_INTEGER, sourceNumbers: [] },
    { bands: [2, 107, 155], from: makeArticle(1).published.getTime(), to: makeArticle(3).published.getTime(), sourceNumbers: [sourceNumber('s1')] },
    { bands: [1, 3], from: 0, to: makeArticle(2).published.getTime(), sourceNumbers: [sourceNumber('s0'), sourceNumber('s2')] },
  ];
  for (const lookup of lookups) {
    const want = expected(lookup);
    assert.ok(want.length > 0);
    for (const { shared } of [split, pending, moved]) {
      assert.deepEqual([...bandHits(shared, lookup)].map(([id, bands]) => [id, [...bands].sort()] as const).sort((a, b) => a[0] - b[0]), want);
    }
  }
});

test('WAL checkpoints move to a thread of their own once the WAL grows, and every article stays readable', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'tidings-checkpoints-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'tidings.db');
  // Small thresholds: the thread starts at a 64 KB WAL and checkpoints from 256 KB, looking every 20 ms.
  const store = openSqliteStore(path, { checkpoints: { startBytes: 64 * 1024, checkpointBytes: 256 * 1024, intervalMs: 20 } });
  const body = `<p>${'Kyiv metro extension: three stations, a depot and a bridge over the Dnipro. '.repeat(40)}</p>`;
  const before = statSync(path).size;
  for (let batch = 0; batch < 10; batch++) {
    await store.upsertArticles(Array.from({ length: 30 }, (_, i) => makeArticle(batch * 30 + i, { contentHtml: body })));
  }
  // The serving connection checkpoints only past 10,000 pages (40 MB): none of these writes reached it,
  // so pages reach the database file only if the thread copied them there.
  const deadline = Date.now() + 5000;
  while (statSync(path).size <= before + 512 * 1024 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  assert.ok(statSync(path).size > before + 512 * 1024, `the database file grew from ${before} to ${statSync(path).size} bytes by checkpoints`);
  // Writes go on while it checkpoints, and nothing is lost.
  await store.upsertArticles([makeArticle(300, { contentHtml: body })]);
  assert.equal(await store.countArticles(), 301);
  await store.close();
  const reopened = new Database(path, { readonly: true });
  t.after(() => reopened.close());
  assert.equal(reopened.pragma('integrity_check', { simple: true }), 'ok');
  assert.equal((reopened.prepare('SELECT count(*) AS n FROM articles').get() as { n: number }).n, 301);
});

test('a checkpoint thread that stops hands checkpoints back to the serving connection', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'tidings-checkpoint-fails-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  // A WAL past the start size whose database file is gone: the thread cannot open it and stops.
  const path = join(dir, 'gone.db');
  writeFileSync(`${path}-wal`, Buffer.alloc(128 * 1024));
  const asked: number[] = [];
  const checkpointer = new WalCheckpointer(path, { setAutocheckpoint: (pages) => asked.push(pages) }, { startBytes: 64 * 1024 });
  checkpointer.afterCommit();
  assert.deepEqual(asked, [AUTOCHECKPOINT_PAGES * 10], 'the serving connection keeps only a backstop while the thread runs');
  const deadline = Date.now() + 5000;
  while (asked.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  assert.deepEqual(asked, [AUTOCHECKPOINT_PAGES * 10, AUTOCHECKPOINT_PAGES], 'and checkpoints as before once it stopped');
  checkpointer.afterCommit();
  assert.equal(asked.length, 2, 'a stopped thread is not started again on every commit');
  await checkpointer.close();
});

test('the copies per topic are counted from the copies: no scan of the topic rows, no article read but a copy', () => {
  const db = openDatabase(':memory:');
  try {
    migrate(db, ':memory:');
    const plan = db.prepare(`EXPLAIN QUERY PLAN ${COPIES_BY_TOPIC}`).all() as { detail: string }[];
    const steps = plan.map((row) => row.detail);
    // Before, a join: SCAN t (every topic row), then each one's article read to test its story_id.
    assert.ok(steps.some((step) => /^SEARCH articles USING (COVERING )?INDEX articles_by_story\b/.test(step)), steps.join(' | '));
    assert.ok(steps.some((step) => /^SEARCH article_topics USING (COVERING )?INDEX article_topics_by_article\b/.test(step)), steps.join(' | '));
    assert.ok(!steps.some((step) => step.startsWith('SCAN')), steps.join(' | '));
  } finally {
    db.close();
  }
});

test('small writes hold their full-text rows until 16 are held, a search asks or the store closes; every search sees every article', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tidings-store-'));
  const path = join(dir, 'tidings.db');
  const held = (): number => {
    const db = new Database(path, { readonly: true });
    try {
      return (db.prepare(`SELECT count(*) AS n FROM search_held`).get() as { n: number }).n;
    } finally {
      db.close();
    }
  };
  const titles = async (store: Awaited<ReturnType<typeof openStore>>, q: string) =>
    (await store.queryArticles({ limit: 50, terms: searchTerms(q) })).map((a) => a.title);
  const store = await openStore(`sqlite:${path}`, { queryWorkers: 1 });
  const other = await openStore(`sqlite:${path}`);
  try {
    await store.upsertArticles([makeArticle(1, { title: 'Ferry timetable for Odesa' })]);
    assert.equal(held(), 1, 'a one-article write holds its rows');
    // A search, in this process or another, moves them into the index first.
    assert.deepEqual(await titles(other, 'ferry'), ['Ferry timetable for Odesa']);
    assert.equal(held(), 0);
    for (let n = 2; n <= 16; n++) await store.upsertArticles([makeArticle(n, { title: `Harbour notice ${n}` })]);
    assert.equal(held(), 15);
    await store.upsertArticles([makeArticle(17, { title: 'Harbour notice 17' })]);
    assert.equal(held(), 0, 'the write that fills the table indexes it all');
    assert.equal((await titles(store, 'harbour')).length, 16);
    // A held article edited, then another removed, before any search.
    await store.upsertArticles([makeArticle(1, { title: 'Ferry schedule changed', contentHtml: '<p>New times.</p>' })]);
    await store.upsertArticles([makeArticle(18, { title: 'Lighthouse repairs', sourceId: 'gone' })]);
    assert.equal(held(), 2);
    assert.equal(await store.removeArticlesNotIn('gone', []), 1);
    assert.equal(held(), 1, 'a removed article takes its held rows with it');
    assert.deepEqual(await titles(store, 'timetable'), []);
    assert.deepEqual(await titles(store, 'schedule'), ['Ferry schedule changed']);
    assert.deepEqual(await titles(store, 'lighthouse'), []);
    // Held rows left at close are indexed by it.
    await store.upsertArticles([makeArticle(19, { title: 'Grain corridor reopens' })]);
    assert.equal(held(), 1);
  } finally {
    await other.close();
    await store.close();
  }
  assert.equal(held(), 0, 'closing indexed what was held');
  const db = new Database(path, { readonly: true });
  try {
    const match = db.prepare(`SELECT count(*) AS n FROM articles_fts WHERE articles_fts MATCH 'grain'`).get() as { n: number };
    assert.equal(match.n, 1);
  } finally {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
