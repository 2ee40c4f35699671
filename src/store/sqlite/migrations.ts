// SQLite schema, as numbered migrations applied in order at open. A migration is never edited once
// released: add a new one. `PRAGMA user_version` records how far a database has come. A migration
// that needs more than SQL is a function run inside the same transaction.

import type { Database as Db } from 'better-sqlite3';
import { bandNumber } from '../../stories/signature.ts';
import { searchStems, searchText } from '../../text/search.ts';
import { sourceNumber } from '../stories.ts';

export const migrations: readonly (string | ((db: Db) => void))[] = [
  // 1: articles, their topics and sources, full-text index, per-source poll state.
  `
  CREATE TABLE articles (
    id           TEXT PRIMARY KEY,
    slug         TEXT UNIQUE,
    title        TEXT NOT NULL,
    url          TEXT NOT NULL,
    summary      TEXT NOT NULL,
    content_html TEXT NOT NULL,
    body_text    TEXT NOT NULL,
    published    INTEGER NOT NULL,
    updated      INTEGER NOT NULL,
    authors      TEXT NOT NULL,
    language     TEXT,
    source_id    TEXT NOT NULL,
    categories   TEXT NOT NULL,
    topics       TEXT NOT NULL,
    image        TEXT,
    enclosures   TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    revision     INTEGER NOT NULL,
    changed_at   INTEGER NOT NULL
  );
  -- Feeds read newest first; (published, id) is also the paging cursor.
  CREATE INDEX articles_by_date ON articles (published DESC, id DESC);
  CREATE INDEX articles_by_url ON articles (url);
  CREATE INDEX articles_by_source ON articles (source_id);
  CREATE INDEX articles_by_revision ON articles (revision);

  -- The publish date lives in the join table so "latest N of topic X" is one index range scan.
  CREATE TABLE article_topics (
    topic      TEXT NOT NULL,
    published  INTEGER NOT NULL,
    article_id TEXT NOT NULL,
    PRIMARY KEY (topic, published, article_id)
  ) WITHOUT ROWID;
  CREATE INDEX article_topics_by_article ON article_topics (article_id);

  CREATE TABLE article_sources (
    article_id TEXT NOT NULL,
    source_id  TEXT NOT NULL,
    PRIMARY KEY (article_id, source_id)
  ) WITHOUT ROWID;
  CREATE INDEX article_sources_by_source ON article_sources (source_id);

  CREATE VIRTUAL TABLE articles_fts USING fts5 (
    title, summary, body_text,
    content = 'articles', content_rowid = 'rowid',
    tokenize = 'unicode61 remove_diacritics 2'
  );
  CREATE TRIGGER articles_fts_insert AFTER INSERT ON articles BEGIN
    INSERT INTO articles_fts (rowid, title, summary, body_text)
    VALUES (new.rowid, new.title, new.summary, new.body_text);
  END;
  CREATE TRIGGER articles_fts_delete AFTER DELETE ON articles BEGIN
    INSERT INTO articles_fts (articles_fts, rowid, title, summary, body_text)
    VALUES ('delete', old.rowid, old.title, old.summary, old.body_text);
  END;
  CREATE TRIGGER articles_fts_update AFTER UPDATE OF title, summary, body_text ON articles BEGIN
    INSERT INTO articles_fts (articles_fts, rowid, title, summary, body_text)
    VALUES ('delete', old.rowid, old.title, old.summary, old.body_text);
    INSERT INTO articles_fts (rowid, title, summary, body_text)
    VALUES (new.rowid, new.title, new.summary, new.body_text);
  END;

  CREATE TABLE source_state (
    source_id            TEXT PRIMARY KEY,
    url                  TEXT NOT NULL,
    etag                 TEXT,
    last_modified        TEXT,
    last_fetch_at        INTEGER,
    status               TEXT NOT NULL,
    error                TEXT,
    next_poll_at         INTEGER,
    consecutive_failures INTEGER NOT NULL,
    feed_title           TEXT
  );

  -- revision: bumped by every write; deleted_revision/deleted_at: the last deletion, which no
  -- remaining row can testify to.
  CREATE TABLE meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
  INSERT INTO meta (key, value) VALUES ('revision', 0), ('deleted_revision', 0), ('deleted_at', 0);
  `,
  // 2: the URL the config named when the state was saved. A 301 moves `url`; a config edit of the
  // URL (configured_url differs) starts over from the new one, and lifts a 410's "gone".
  `ALTER TABLE source_state ADD COLUMN configured_url TEXT;`,
  // 3: WebSub subscribers whose intent was verified. One row per (topic, callback): a renewal replaces
  // the lease and the secret. expires_at is indexed because expired rows are skipped and purged by it.
  `
  CREATE TABLE websub_subscriptions (
    topic_url  TEXT NOT NULL,
    callback   TEXT NOT NULL,
    secret     TEXT,
    expires_at INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (topic_url, callback)
  );
  CREATE INDEX websub_subscriptions_by_expiry ON websub_subscriptions (expires_at);
  `,
  // 4: indexes no query reads. Sources are filtered through article_sources (an article can have
  // several) and versions are read with each page's rows, yet every insert paid for both.
  `
  DROP INDEX articles_by_source;
  DROP INDEX articles_by_revision;
  `,
  // 5: the full-text index keeps no second copy of the text. An external-content index needed the
  // article row to carry its plain text (body_text) for the index to delete it again; a contentless
  // one with contentless_delete deletes by rowid, so the row no longer stores a column nothing reads.
  // The store writes the index beside each insert and update; deletion stays a trigger.
  `
  DROP TRIGGER articles_fts_insert;
  DROP TRIGGER articles_fts_delete;
  DROP TRIGGER articles_fts_update;
  DROP TABLE articles_fts;
  CREATE VIRTUAL TABLE articles_fts USING fts5 (
    title, summary, body_text,
    content = '', contentless_delete = 1,
    tokenize = 'unicode61 remove_diacritics 2'
  );
  INSERT INTO articles_fts (rowid, title, summary, body_text) SELECT rowid, title, summary, body_text FROM articles;
  ALTER TABLE articles DROP COLUMN body_text;
  CREATE TRIGGER articles_fts_delete AFTER DELETE ON articles BEGIN
    DELETE FROM articles_fts WHERE rowid = old.rowid;
  END;
  `,
  // 6: several processes share one schedule. A poll holds a lease on its source (lease_owner until
  // lease_until) so no two processes poll it at once and a killed one frees it; named locks do the
  // same for whole jobs; the WebSub version last delivered per topic is compared-and-set so one
  // process delivers each change. ttl and max-age outlive a 304; malformed records a lenient parse.
  `
  ALTER TABLE source_state ADD COLUMN ttl_minutes INTEGER;
  ALTER TABLE source_state ADD COLUMN max_age_seconds INTEGER;
  ALTER TABLE source_state ADD COLUMN malformed TEXT;
  ALTER TABLE source_state ADD COLUMN lease_owner TEXT;
  ALTER TABLE source_state ADD COLUMN lease_until INTEGER;
  CREATE TABLE locks (
    name  TEXT PRIMARY KEY,
    owner TEXT NOT NULL,
    until INTEGER NOT NULL
  );
  CREATE TABLE websub_delivered (
    topic_url TEXT PRIMARY KEY,
    version   TEXT NOT NULL
  );
  `,
  // 7: search folds text in JavaScript (src/text/search.ts) before either backend indexes it, so ʼ
  // (U+02BC, a letter to the tokenizer) splits a word like ' and ’ do. The index keeps no text, but
  // its instance table keeps every word in order: each row is rebuilt from its own words, folded.
  refoldSearchIndex,
  // 8: sources with `fulltext: true` remember their page-fetch failures and the articles awaiting a
  // retry (a small JSON document, read and written with the rest of the state).
  `
  ALTER TABLE source_state ADD COLUMN fulltext TEXT;
  `,
  // 9: a re-poll pays for what changed. body_hash: the last body stored in full, so the same bytes
  // again (from a server without validators) skip the parse; item_hashes: its items as the source
  // sent them, space-separated, so an unchanged item is not normalized, classified or written again.
  `
  ALTER TABLE source_state ADD COLUMN body_hash TEXT;
  ALTER TABLE source_state ADD COLUMN item_hashes TEXT;
  `,
  // 10: stories. story_id names the article that leads the story another source's copy belongs to
  // (null: the article leads its own); story_signature keeps its MinHash signature (src/stories/)
  // for newcomers to compare with. story_bands is the LSH index: a newcomer reads the newest few
  // articles sharing one of its band keys within the window, by (band, published), never all pairs.
  `
  ALTER TABLE articles ADD COLUMN story_id TEXT;
  ALTER TABLE articles ADD COLUMN story_signature TEXT;
  CREATE INDEX articles_by_story ON articles (story_id) WHERE story_id IS NOT NULL;
  CREATE TABLE story_bands (
    band       TEXT NOT NULL,
    published  INTEGER NOT NULL,
    article_id TEXT NOT NULL,
    PRIMARY KEY (band, published, article_id)
  ) WITHOUT ROWID;
  -- No index by article: every insert would pay 16 more index entries for the rare removal of a
  -- signed article (local ones are unsigned), which may scan.
  CREATE TRIGGER story_bands_delete AFTER DELETE ON articles WHEN old.story_signature IS NOT NULL BEGIN
    DELETE FROM story_bands WHERE article_id = old.id;
  END;
  `,
  // 11: a stemmed query word is one lookup. article_stems holds each article's distinct word stems
  // (src/text/search.ts searchStems), so `франція` reads the list of `франц` instead of merging the
  // lists of every word that begins with it (12 ms for two words on a 100,000-article archive). No
  // positions (a stem is one token: marks are token characters here) and no text; rows are written
  // beside articles_fts and deleted with the article. Existing articles get theirs from their words.
  addStemIndex,
  // 12: a band index of integers. Each row was two text keys (`uk:3:1x2y3z`, the article id), about
  // 60 bytes, and every new article adds 16 at random places: now a band number, the date, the
  // article's source number (a lookup skips its own source's repeats in the index instead of reading
  // their articles) and its rowid, about 25 bytes. Rebuilt from the stored signatures.
  rebuildStoryBands,
  // 13: new band rows wait in a small table before they join story_bands. A new article adds 16 rows
  // at random band keys, so a batch of 100 dirtied about one story_bands page per row (980 of the
  // 1,420 pages a commit wrote on a 16,000-article store), each written to the WAL and again at the
  // checkpoint. story_bands_pending stays a few hundred pages; once it holds PENDING_BAND_ROWS rows
  // they move into story_bands in key order, many to a page. Lookups read both tables.
  `
  CREATE TABLE story_bands_pending (
    band      INTEGER NOT NULL,
    published INTEGER NOT NULL,
    source    INTEGER NOT NULL,
    article   INTEGER NOT NULL,
    PRIMARY KEY (band, published, article)
  ) WITHOUT ROWID;
  DROP TRIGGER story_bands_delete;
  CREATE TRIGGER story_bands_delete AFTER DELETE ON articles WHEN old.story_signature IS NOT NULL BEGIN
    DELETE FROM story_bands WHERE article = old.rowid;
    DELETE FROM story_bands_pending WHERE article = old.rowid;
  END;
  `,
  // 14: a topic row names its article's rowid too. A topic page with a search walks the topic's rows
  // newest first and keeps those whose article the full-text match returned: with the rowid in the
  // row, a walked row is checked against the match without a lookup of its article by id (which read
  // the id index and the row for every row walked, about 500 for the 50 matches of a two-word `q`);
  // only the matches are read. A `q` page's read: 5.1–7.2 → 3.6–5.8 ms on the 100,000-article store.
  `
  CREATE TABLE article_topics_new (
    topic         TEXT NOT NULL,
    published     INTEGER NOT NULL,
    article_id    TEXT NOT NULL,
    article_rowid INTEGER NOT NULL,
    PRIMARY KEY (topic, published, article_id)
  ) WITHOUT ROWID;
  INSERT INTO article_topics_new (topic, published, article_id, article_rowid)
    SELECT t.topic, t.published, t.article_id, a.rowid FROM article_topics t JOIN articles a ON a.id = t.article_id;
  DROP TABLE article_topics;
  ALTER TABLE article_topics_new RENAME TO article_topics;
  CREATE INDEX article_topics_by_article ON article_topics (article_id);
  `,
  // 15: the full-text indexes merge 16 segments at a time instead of 4. Every write transaction adds a
  // segment to each, and FTS5 merges a level's segments once it holds `automerge` of them, in the commit
  // that makes it so: at 4, a one-article write (a re-poll's) rewrote about 22 pages of merged postings
  // in its commit, at 16 about 6, each posting being rewritten half as many times over its life. Each
  // level then holds up to 15 segments, which a search reads: on a 30,000-article store after 200
  // one-article writes, a one- or two-word `q` took 1.18–1.73 ms against 1.54–1.59 at 4 — no change
  // beyond the spread — while the write fell from 1.89–1.91 to 1.25–1.39 ms.
  `
  INSERT INTO articles_fts (articles_fts, rank) VALUES ('automerge', 16);
  INSERT INTO article_stems (article_stems, rank) VALUES ('automerge', 16);
  `,
  // 16: the date index carries story_id and language, the two filters a feed of every topic tests on
  // each row it walks (a story's copies are left out; `lang`). Tested on the table row, they cost a
  // read of the whole record, overflow pages and all, since both columns lie past the body; a filter
  // that matches little walks the archive: `/feeds/all.rss?lang=fr` on the 100,000-article bench store
  // read for 156 ms, from the index's own columns 21 ms. Only matching rows reach the table.
  `
  DROP INDEX articles_by_date;
  CREATE INDEX articles_by_date ON articles (published DESC, id DESC, story_id, language);
  `,
  // 17: small writes hold their full-text rows back (src/store/sqlite/held-index.ts): a re-poll's one
  // new article no longer pays for a segment of each full-text table in its commit.
  `
  CREATE TABLE IF NOT EXISTS search_held (rowid INTEGER PRIMARY KEY, title TEXT NOT NULL, summary TEXT NOT NULL, body_text TEXT NOT NULL, stems TEXT NOT NULL);
  CREATE TRIGGER IF NOT EXISTS search_held_delete AFTER DELETE ON articles BEGIN
    DELETE FROM search_held WHERE rowid = old.rowid;
  END;
  `,
];

function addStemIndex(db: Db): void {
  db.exec(`
  CREATE VIRTUAL TABLE article_stems USING fts5 (
    stems,
    content = '', contentless_delete = 1, detail = none,
    tokenize = "unicode61 remove_diacritics 0 categories 'L* N* Co M*'"
  );
  CREATE TRIGGER article_stems_delete AFTER DELETE ON articles BEGIN
    DELETE FROM article_stems WHERE rowid = old.rowid;
  END;
  `);
  // Each article's words, read from the index in bounded batches: the archive's text is in no table.
  // Copied in the index's own order and sorted once by an index (a DISTINCT would sort every word
  // in a temporary B-tree: 100 s instead of 15 for 100,000 articles); searchStems drops repeats.
  const tempCache = db.pragma('temp.cache_size', { simple: true }) as number;
  db.pragma('temp.cache_size = -65536');
  db.exec(`CREATE VIRTUAL TABLE temp.fts_words USING fts5vocab(main, articles_fts, 'instance')`);
  db.exec(`CREATE TEMP TABLE doc_words AS SELECT doc, term FROM temp.fts_words`);
  db.exec(`CREATE INDEX temp.doc_words_by_doc ON doc_words (doc)`);
  const docs = db.prepare<[], { doc: number }>(`SELECT rowid AS doc FROM articles ORDER BY rowid`).all().map((r) => r.doc);
  const wordsOf = db.prepare<[number, number], { doc: number; words: string }>(
    `SELECT doc, group_concat(term, ' ') AS words FROM temp.doc_words WHERE doc BETWEEN ? AND ? GROUP BY doc`);
  const insert = db.prepare(`INSERT INTO article_stems (rowid, stems) VALUES (?, ?)`);
  for (let i = 0; i < docs.length; i += 1000) {
    const batch = docs.slice(i, i + 1000);
    for (const { doc, words } of wordsOf.all(batch[0]!, batch[batch.length - 1]!)) {
      const stems = searchStems([words]);
      if (stems !== '') insert.run(doc, stems);
    }
  }
  db.exec(`DROP TABLE temp.doc_words; DROP TABLE temp.fts_words`);
  db.pragma(`temp.cache_size = ${tempCache}`);
}

function rebuildStoryBands(db: Db): void {
  db.exec(`
  DROP TRIGGER story_bands_delete;
  DROP TABLE story_bands;
  CREATE TABLE story_bands (
    band      INTEGER NOT NULL,
    published INTEGER NOT NULL,
    source    INTEGER NOT NULL,
    article   INTEGER NOT NULL,
    PRIMARY KEY (band, published, article)
  ) WITHOUT ROWID;
  CREATE TRIGGER story_bands_delete AFTER DELETE ON articles WHEN old.story_signature IS NOT NULL BEGIN
    DELETE FROM story_bands WHERE article = old.rowid;
  END;
  `);
  const page = db.prepare<[number], { rowid: number; published: number; source_id: string; story_signature: string }>(
    `SELECT rowid, published, source_id, story_signature FROM articles WHERE rowid > ? AND story_signature IS NOT NULL ORDER BY rowid LIMIT 500`);
  const insert = db.prepare(`INSERT OR IGNORE INTO story_bands (band, published, source, article) VALUES (?, ?, ?, ?)`);
  for (let after = 0; ;) {
    const rows = page.all(after);
    if (rows.length === 0) return;
    after = rows[rows.length - 1]!.rowid;
    for (const row of rows) {
      const { bands } = JSON.parse(row.story_signature) as { bands: (string | number)[] };
      const source = sourceNumber(row.source_id);
      for (const band of bands) insert.run(bandNumber(band), row.published, source, row.rowid);
    }
  }
}

function refoldSearchIndex(db: Db): void {
  db.exec(`CREATE VIRTUAL TABLE temp.fts_words USING fts5vocab(main, articles_fts, 'instance')`);
  const words = db.prepare<[], { doc: number; col: string; term: string }>(
    `SELECT doc, col, term FROM temp.fts_words ORDER BY doc, col, offset`).all();
  db.exec(`DROP TABLE temp.fts_words`);
  const docs = new Map<number, Record<string, string[]>>();
  for (const { doc, col, term } of words) {
    const columns = docs.get(doc) ?? { title: [], summary: [], body_text: [] };
    (columns[col] ??= []).push(term);
    docs.set(doc, columns);
  }
  db.exec(`INSERT INTO articles_fts (articles_fts) VALUES ('delete-all')`);
  const insert = db.prepare(`INSERT INTO articles_fts (rowid, title, summary, body_text) VALUES (?, ?, ?, ?)`);
  const fold = (terms: string[] | undefined) => searchText((terms ?? []).join(' '));
  for (const [doc, c] of docs) insert.run(doc, fold(c.title), fold(c.summary), fold(c.body_text));
}
