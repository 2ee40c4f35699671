// PostgreSQL schema, as numbered migrations applied in order at open (under an advisory lock, see
// db.ts). A migration is never edited once released: add a new one. Times are epoch milliseconds
// (bigint) like SQLite's, so one row mapping (rows.ts) serves both backends; ids and topics sort
// COLLATE "C" (code point order) so the database's order is the one the merge in JavaScript uses.
// A migration that needs more than SQL is a function, run on the migrating client inside the same
// transaction.

import type pg from 'pg';
import { searchStems } from '../../text/search.ts';
import { stemLexemes } from './fts.ts';

export type Migration = string | ((client: pg.PoolClient) => Promise<void>);

export const migrations: readonly Migration[] = [
  // 1: everything SQLite reached in its 7 migrations, in one step.
  `
  CREATE TABLE articles (
    seq          bigserial UNIQUE,
    id           text COLLATE "C" PRIMARY KEY,
    slug         text UNIQUE,
    title        text NOT NULL,
    url          text NOT NULL,
    summary      text NOT NULL,
    content_html text NOT NULL,
    published    bigint NOT NULL,
    updated      bigint NOT NULL,
    authors      text NOT NULL,
    language     text,
    source_id    text NOT NULL,
    categories   text NOT NULL,
    topics       text NOT NULL,
    image        text,
    enclosures   text NOT NULL,
    content_hash text NOT NULL,
    revision     bigint NOT NULL,
    changed_at   bigint NOT NULL,
    -- The folded words of title, summary and text (src/text/search.ts), built in JavaScript.
    search       tsvector NOT NULL
  );
  -- Feeds read newest first; (published, id) is also the paging cursor.
  CREATE INDEX articles_by_date ON articles (published DESC, id DESC);
  CREATE INDEX articles_by_url ON articles (url);
  CREATE INDEX articles_search ON articles USING gin (search);

  -- The publish date lives in the join table so "latest N of topic X" is one index range scan.
  CREATE TABLE article_topics (
    topic      text COLLATE "C" NOT NULL,
    published  bigint NOT NULL,
    article_id text COLLATE "C" NOT NULL,
    PRIMARY KEY (topic, published, article_id)
  );
  CREATE INDEX article_topics_by_article ON article_topics (article_id);

  CREATE TABLE article_sources (
    article_id text COLLATE "C" NOT NULL,
    source_id  text NOT NULL,
    PRIMARY KEY (article_id, source_id)
  );
  CREATE INDEX article_sources_by_source ON article_sources (source_id);

  CREATE TABLE source_state (
    source_id            text PRIMARY KEY,
    url                  text NOT NULL,
    etag                 text,
    last_modified        text,
    last_fetch_at        bigint,
    status               text NOT NULL,
    error                text,
    next_poll_at         bigint,
    consecutive_failures integer NOT NULL,
    feed_title           text,
    configured_url       text,
    ttl_minutes          integer,
    max_age_seconds      integer,
    malformed            text,
    lease_owner          text,
    lease_until          bigint
  );

  CREATE TABLE locks (
    name  text PRIMARY KEY,
    owner text NOT NULL,
    until bigint NOT NULL
  );

  CREATE TABLE websub_subscriptions (
    topic_url  text NOT NULL,
    callback   text NOT NULL,
    secret     text,
    expires_at bigint NOT NULL,
    created_at bigint NOT NULL,
    PRIMARY KEY (topic_url, callback)
  );
  CREATE INDEX websub_subscriptions_by_expiry ON websub_subscriptions (expires_at);

  CREATE TABLE websub_delivered (
    topic_url text PRIMARY KEY,
    version   text NOT NULL
  );

  -- revision: bumped by every article write; deleted_revision/deleted_at: the last deletion.
  CREATE TABLE meta (key text PRIMARY KEY, value bigint NOT NULL);
  INSERT INTO meta (key, value) VALUES ('revision', 0), ('deleted_revision', 0), ('deleted_at', 0);
  `,
  // 2: sources with `fulltext: true` remember their page-fetch failures and the articles awaiting a
  // retry (a small JSON document, read and written with the rest of the state).
  `
  ALTER TABLE source_state ADD COLUMN fulltext text;
  `,
  // 3: a re-poll pays for what changed. body_hash: the last body stored in full, so the same bytes
  // again (from a server without validators) skip the parse; item_hashes: its items as the source
  // sent them, space-separated, so an unchanged item is not normalized, classified or written again.
  `
  ALTER TABLE source_state ADD COLUMN body_hash text;
  ALTER TABLE source_state ADD COLUMN item_hashes text;
  `,
  // 4: stories (SQLite's 10). story_id names the article that leads the story another source's copy
  // belongs to (null: the article leads its own); story_signature keeps its MinHash signature for
  // newcomers to compare with; story_bands is the LSH index, read by (band, published) range scans.
  `
  ALTER TABLE articles ADD COLUMN story_id text COLLATE "C";
  ALTER TABLE articles ADD COLUMN story_signature text;
  CREATE INDEX articles_by_story ON articles (story_id) WHERE story_id IS NOT NULL;
  CREATE TABLE story_bands (
    band       text COLLATE "C" NOT NULL,
    published  bigint NOT NULL,
    article_id text COLLATE "C" NOT NULL,
    PRIMARY KEY (band, published, article_id)
  );
  `,
  // 5: a stemmed query word is one lookup (SQLite's 11). Each article's tsvector gains the stems of its
  // words as marked lexemes (src/store/postgres/fts.ts), which a stem term matches exactly, instead of
  // a prefix over every word that begins with it. Existing rows get theirs from their own lexemes.
  addStemLexemes,
  // 6: a band index of integers (SQLite's 12): a band number (52 bits of the MD5 of the text key,
  // src/stories/signature.ts bandNumber), the date, the article's source number (28 bits of the MD5
  // of its source id, so a lookup skips its own source's repeats in the index) and the article id.
  // Rebuilt from the stored signatures, whose text keys stay as they are (read as numbers).
  `
  DROP TABLE story_bands;
  CREATE TABLE story_bands (
    band       bigint NOT NULL,
    published  bigint NOT NULL,
    source     integer NOT NULL,
    article_id text COLLATE "C" NOT NULL,
    PRIMARY KEY (band, published, article_id)
  );
  INSERT INTO story_bands (band, published, source, article_id)
  SELECT ('x' || lpad(substr(md5(k.band), 1, 13), 16, '0'))::bit(64)::bigint, a.published,
    ('x' || lpad(substr(md5(a.source_id), 1, 7), 8, '0'))::bit(32)::integer, a.id
  FROM articles a CROSS JOIN LATERAL jsonb_array_elements_text(a.story_signature::jsonb -> 'bands') AS k(band)
  WHERE a.story_signature IS NOT NULL
  ON CONFLICT DO NOTHING;
  `,
];

/** Rows per batch of migration 5: bounded memory whatever the archive's size. */
const STEM_BATCH = 1000;

async function addStemLexemes(client: pg.PoolClient): Promise<void> {
  for (let after = ''; ;) {
    const { rows } = await client.query<{ id: string; words: string[] }>(
      `SELECT id, tsvector_to_array(search) AS words FROM articles WHERE id > $1 ORDER BY id LIMIT ${STEM_BATCH}`, [after]);
    if (rows.length === 0) return;
    after = rows[rows.length - 1]!.id;
    const stems = rows.map((r) => stemLexemes(searchStems([r.words.join(' ')])));
    await client.query(
      `UPDATE articles a SET search = a.search || x.stems::tsvector
       FROM unnest($1::text[], $2::text[]) AS x(id, stems) WHERE a.id = x.id AND x.stems <> ''`,
      [rows.map((r) => r.id), stems]);
  }
}
