// Stories in the store, on SQLite and on a real PostgreSQL cluster: another source's copy of a story
// joins the article that leads it (id kept, `updated` moved), queries show a story once with its
// related copies unless `stories: 'separate'`, and different stories, other languages, the same
// source and copies outside the window never merge.

import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import pg from 'pg';
import { loadFeedsConfig } from '../src/config.ts';
import { syncLocalContent } from '../src/ingest/local.ts';
import { silentLogger } from '../src/log.ts';
import type { IndexedArticle } from '../src/model.ts';
import { bandTexts, withIndexAndSignature, type StorySignature } from '../src/stories/signature.ts';
import { openStore, type ArticleStore, type StoreOptions } from '../src/store/store.ts';
import { clusterPerFile, findPgBin, missingPostgres } from './helpers/postgres.ts';
import { makeArticle } from './store.contract.ts';

interface Labelled { id: string; story: string; lang: string; hour: number; title: string; text: string }
const { articles: labelled } = JSON.parse(readFileSync(new URL('./fixtures/stories/labelled.json', import.meta.url), 'utf8')) as { articles: Labelled[] };

const HOUR = 3_600_000;
const base = Date.UTC(2026, 10, 3, 9, 0, 0);

/** A labelled article as ingest hands it on: from `sourceId`, signed, `hour` after the base time. */
function copy(id: string, sourceId: string, over: Partial<IndexedArticle> = {}): IndexedArticle {
  const l = labelled.find((a) => a.id === id);
  assert.ok(l, id);
  const published = new Date(base + l.hour * HOUR);
  return withIndexAndSignature(makeArticle(0, {
    id: `https://${sourceId}.example/${l.id}`, url: `https://${sourceId}.example/${l.id}`, title: l.title,
    summary: l.text.slice(0, 80), contentHtml: `<p>${l.text}</p>`, text: l.text, language: l.lang,
    published, updated: published, sourceId, topics: ['defence'], ...over,
  }));
}

const FEEDS = loadFeedsConfig(new URL('../feeds', import.meta.url).pathname);

/** Writes a labelled article as a content/ Markdown file and syncs content/ into the store (the real loader). */
async function syncLocal(store: ArticleStore, id: string): Promise<string> {
  const l = labelled.find((a) => a.id === id)!;
  const dir = mkdtempSync(join(tmpdir(), 'tidings-stories-'));
  try {
    const date = new Date(base + l.hour * HOUR).toISOString();
    writeFileSync(join(dir, `${id}.md`), `---\ntitle: "${l.title}"\ndate: ${date}\nlang: ${l.lang}\n---\n\n${l.text}\n`);
    const result = await syncLocalContent({ store, contentDir: dir, baseUrl: 'http://tidings.test', compiled: () => FEEDS.compiled, log: silentLogger() });
    assert.equal(result.inserted, 1);
    const [article] = await store.queryArticles({ sources: ['local'], limit: 1, stories: 'separate' });
    return article!.id;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

type Open = (options?: StoreOptions) => Promise<ArticleStore>;

/** A stored signature as it was before band numbers: its band keys as text. */
function withTextBands(json: string): string {
  const signature = JSON.parse(json) as StorySignature;
  return JSON.stringify({ ...signature, bands: bandTexts(signature.lang, signature.sketch) });
}

/**
 * Turns the database at `url` back into the schema before band numbers (SQLite 10, PostgreSQL 4):
 * signatures with text band keys, and the band table of text keys and article ids they made.
 */
type ToTextBands = (url: string) => Promise<void>;

/** `freshUrl`: the URL of a new, empty database, to open more than once (with other options). */
function runStoryContract(name: string, open: Open, freshUrl: () => Promise<string>, toTextBands: ToTextBands, skip?: string): void {
  const withStore = async (fn: (store: ArticleStore) => Promise<void>, options?: StoreOptions) => {
    const store = await open(options);
    try {
      await fn(store);
    } finally {
      await store.close();
    }
  };

  describe(`stories: ${name}`, skip === undefined ? {} : { skip }, () => {
    test('a later source joins the story: one item, same id, updated moves, related listed', () => withStore(async (store) => {
      const leader = copy('en-patriot-agency', 'agency');
      await store.upsertArticles([leader]);
      const before = await store.getArticle(leader.id);
      await store.upsertArticles([copy('en-patriot-reprint', 'paper', { topics: ['germany'] })]);
      const page = await store.queryArticles({ limit: 10 });
      assert.deepEqual(page.map((a) => a.id), [leader.id]);
      assert.deepEqual(page[0]!.related, [{
        id: 'https://paper.example/en-patriot-reprint', url: 'https://paper.example/en-patriot-reprint',
        title: 'Third German Patriot battery arrives in Ukraine', sourceId: 'paper',
      }]);
      assert.ok(page[0]!.updated.getTime() > before!.updated.getTime(), 'updated moved');
      // The copy's topics reach the story: its topic feed shows the leader.
      assert.deepEqual((await store.queryArticles({ topics: ['germany'], limit: 10 })).map((a) => a.id), [leader.id]);
      const separate = await store.queryArticles({ limit: 10, stories: 'separate' });
      assert.deepEqual(separate.map((a) => a.id).sort(), [leader.id, 'https://paper.example/en-patriot-reprint'].sort());
      assert.equal((await store.getArticle('https://paper.example/en-patriot-reprint'))!.storyId, leader.id);
      // Polling the leader again changes nothing: its id and date stay.
      assert.equal((await store.upsertArticles([leader])).unchanged, 1);
    }));

    test('topics count stories, unless a topic lists every copy (separate) or every topic does', () => withStore(async (store) => {
      await store.upsertArticles([copy('en-patriot-agency', 'agency'), copy('en-grain-ship-agency', 'agency', { topics: ['sea'] })]);
      await store.upsertArticles([copy('en-patriot-reprint', 'paper', { topics: ['germany'] })]);
      // The leader holds its copy's topic too: `germany` has one story in two articles.
      assert.deepEqual(Object.fromEntries(await store.countByTopic()), { defence: 1, germany: 1, sea: 1 });
      assert.deepEqual(Object.fromEntries(await store.countByTopic({ separate: ['germany'] })), { defence: 1, germany: 2, sea: 1 });
      assert.deepEqual(Object.fromEntries(await store.countByTopic({ separate: 'all' })), { defence: 1, germany: 2, sea: 1 });
    }));

    test('copies in one batch merge too, and a third source joins the same leader', () => withStore(async (store) => {
      await store.upsertArticles([copy('uk-grain-ship-agency', 'ukrinform'), copy('uk-grain-ship-reprint', 'radio')]);
      await store.upsertArticles([copy('uk-grain-ship-reprint', 'tv', { id: 'https://tv.example/x', url: 'https://tv.example/x' })]);
      const page = await store.queryArticles({ limit: 10 });
      assert.deepEqual(page.map((a) => a.id), ['https://ukrinform.example/uk-grain-ship-agency']);
      assert.deepEqual(page[0]!.related?.map((r) => r.sourceId).sort(), ['radio', 'tv']);
    }));

    test('different stories on one subject, other languages, one source and copies outside the window stay apart', () => withStore(async (store) => {
      await store.upsertArticles([
        copy('en-patriot-agency', 'agency'),
        copy('en-iris-week-later', 'paper', { published: new Date(base + 20 * HOUR), updated: new Date(base + 20 * HOUR) }),
        copy('uk-patriot-agency', 'ukrinform'),
        copy('en-grain-ship-agency', 'agency'),
        copy('en-grain-ship-rewrite', 'agency'),
        copy('en-grid-attack-1', 'agency'),
        copy('en-grid-attack-2', 'paper'),
      ]);
      assert.equal((await store.queryArticles({ limit: 20 })).length, 7);
      await store.upsertArticles([copy('uk-grid-attack-1', 'a'), copy('uk-grid-attack-1-rewrite', 'b', {
        published: new Date(base + 30 * HOUR + 73 * HOUR), updated: new Date(base + 30 * HOUR + 73 * HOUR),
      })]);
      assert.equal((await store.queryArticles({ limit: 20 })).length, 9);
    }));

    test('a source repeating a story in a later poll is not a second report', () => withStore(async (store) => {
      await store.upsertArticles([copy('en-grain-ship-agency', 'agency')]);
      await store.upsertArticles([copy('en-grain-ship-rewrite', 'agency')]);
      assert.equal((await store.queryArticles({ limit: 20 })).length, 2);
    }));

    test('STORY_WINDOW_HOURS widens the window', () => withStore(async (store) => {
      await store.upsertArticles([copy('uk-grid-attack-1', 'a'), copy('uk-grid-attack-1-rewrite', 'b', {
        published: new Date(base + 30 * HOUR + 100 * HOUR), updated: new Date(base + 30 * HOUR + 100 * HOUR),
      })]);
      assert.equal((await store.queryArticles({ limit: 20 })).length, 1);
    }, { storyWindowHours: 200 }));

    test('paging walks leaders only, in both directions', () => withStore(async (store) => {
      await store.upsertArticles([
        copy('en-patriot-agency', 'agency'), copy('en-grain-ship-agency', 'agency'), copy('en-grid-attack-1', 'agency'),
      ]);
      await store.upsertArticles([copy('en-patriot-reprint', 'paper'), copy('en-grain-ship-rewrite', 'paper')]);
      const seen: string[] = [];
      let page = await store.queryArticles({ limit: 1 });
      while (page.length) {
        seen.push(page[0]!.id);
        page = await store.queryArticles({ limit: 1, before: { published: page[0]!.published, id: page[0]!.id } });
      }
      assert.deepEqual(seen, ['https://agency.example/en-grid-attack-1', 'https://agency.example/en-grain-ship-agency',
        'https://agency.example/en-patriot-agency']);
      const last = await store.getArticle(seen[2]!);
      const back = await store.queryArticles({ limit: 5, after: { published: last!.published, id: last!.id } });
      assert.deepEqual(back.map((a) => a.id), seen.slice(0, 2));
    }));

    test('a local article is signed where it is classified: stored first, it leads a remote copy', () => withStore(async (store) => {
      const local = await syncLocal(store, 'en-patriot-agency');
      await store.upsertArticles([copy('en-patriot-reprint', 'paper')]);
      const page = await store.queryArticles({ limit: 10 });
      assert.deepEqual(page.map((a) => a.id), [local]);
      assert.deepEqual(page[0]!.related?.map((r) => r.id), ['https://paper.example/en-patriot-reprint']);
    }));

    test('a local article arriving after a remote leader was published joins it: the published id stays', () => withStore(async (store) => {
      await store.upsertArticles([copy('en-patriot-agency', 'agency')]);
      const local = await syncLocal(store, 'en-patriot-reprint');
      const page = await store.queryArticles({ limit: 10 });
      assert.deepEqual(page.map((a) => a.id), ['https://agency.example/en-patriot-agency']);
      assert.deepEqual(page[0]!.related?.map((r) => [r.id, r.sourceId]), [[local, 'local']]);
      assert.equal((await store.getArticle(local))!.storyId, 'https://agency.example/en-patriot-agency');
    }));

    test('regrouping after STORY_WINDOW_HOURS grew merges stand-alone articles; published leaders keep their ids; a second run does nothing', async () => {
      const url = await freshUrl();
      const later = (hours: number) => ({ published: new Date(base + hours * HOUR), updated: new Date(base + hours * HOUR) });
      const narrow = await openStore(url);
      try {
        await narrow.upsertArticles([copy('en-patriot-agency', 'agency'), copy('en-patriot-reprint', 'paper')]);
        await narrow.upsertArticles([
          copy('uk-grid-attack-1', 'a'), copy('uk-grid-attack-1-rewrite', 'b', later(130)),
          copy('en-patriot-reprint', 'tv', { id: 'https://tv.example/x', url: 'https://tv.example/x', ...later(100) }),
          copy('uk-grain-ship-agency', 'ukrinform'), copy('uk-grain-ship-reprint', 'local', later(105)),
        ]);
        assert.equal((await narrow.queryArticles({ limit: 20 })).length, 6, 'the 72 h window kept the late copies apart');
      } finally {
        await narrow.close();
      }
      const wide = await openStore(url, { storyWindowHours: 200 });
      try {
        const agencyBefore = (await wide.getArticle('https://agency.example/en-patriot-agency'))!;
        const result = await wide.regroupStories({ since: new Date(0), leadingSource: 'local' });
        assert.deepEqual(result, { examined: 3, joined: 3 });
        const page = await wide.queryArticles({ limit: 20 });
        const stories = Object.fromEntries(page.map((a) => [a.id, (a.related ?? []).map((r) => r.id).sort()]));
        assert.deepEqual(stories, {
          // A leader with copies keeps leading: the late copy joins it.
          'https://agency.example/en-patriot-agency': ['https://paper.example/en-patriot-reprint', 'https://tv.example/x'],
          // Two stand-alone articles: the earlier leads…
          'https://a.example/uk-grid-attack-1': ['https://b.example/uk-grid-attack-1-rewrite'],
          // …unless one is local.
          'https://local.example/uk-grain-ship-reprint': ['https://ukrinform.example/uk-grain-ship-agency'],
        });
        const agency = page.find((a) => a.id === agencyBefore.id)!;
        assert.ok(agency.updated > agencyBefore.updated, 'the leader a copy joined moved its updated');
        assert.deepEqual(await wide.regroupStories({ since: new Date(0), leadingSource: 'local' }), { examined: 0, joined: 0 });
        assert.equal((await wide.queryArticles({ limit: 20 })).length, 3);
        // Counts follow: three stories in `defence`.
        assert.equal((await wide.countByTopic()).get('defence'), 3);
      } finally {
        await wide.close();
      }
    });

    test('an article stored unsigned gets its signature later, unchanged otherwise, and copies find it', () => withStore(async (store) => {
      const { story, ...unsigned } = copy('en-patriot-agency', 'local');
      assert.ok(story);
      await store.upsertArticles([unsigned]);
      const before = (await store.getArticle(unsigned.id))!;
      const revision = await store.currentRevision();
      assert.equal(await store.addMissingSignatures([{ ...unsigned, story }, copy('en-grain-ship-agency', 'x')]), 1, 'only the stored, unsigned one');
      assert.equal(await store.addMissingSignatures([{ ...unsigned, story }]), 0, 'once');
      assert.deepEqual(await store.getArticle(unsigned.id), before, 'its content and dates are untouched');
      assert.equal(await store.currentRevision(), revision, 'no reader sees a change');
      await store.upsertArticles([copy('en-patriot-reprint', 'paper')]);
      const page = await store.queryArticles({ limit: 10 });
      assert.deepEqual(page.map((a) => [a.id, a.related?.map((r) => r.id)]), [[unsigned.id, ['https://paper.example/en-patriot-reprint']]]);
    }));

    test('a store from before band numbers migrates: its stored stories are found by the copies that arrive after', async () => {
      const url = await freshUrl();
      const before = await openStore(url);
      try {
        await before.upsertArticles([copy('en-patriot-agency', 'agency'), copy('uk-grain-ship-agency', 'ukrinform')]);
      } finally {
        await before.close();
      }
      await toTextBands(url);
      const after = await openStore(url);
      try {
        await after.upsertArticles([copy('en-patriot-reprint', 'paper'), copy('uk-grain-ship-reprint', 'radio')]);
        const page = await after.queryArticles({ limit: 10 });
        assert.deepEqual(page.map((a) => [a.id, a.related?.map((r) => r.id)]).sort(), [
          ['https://agency.example/en-patriot-agency', ['https://paper.example/en-patriot-reprint']],
          ['https://ukrinform.example/uk-grain-ship-agency', ['https://radio.example/uk-grain-ship-reprint']],
        ]);
      } finally {
        await after.close();
      }
    });

    test('a removed leader hands its story to its earliest copy', () => withStore(async (store) => {
      await store.upsertArticles([copy('en-patriot-agency', 'agency')]);
      await store.upsertArticles([copy('en-patriot-reprint', 'paper'), copy('en-patriot-reprint', 'tv', {
        id: 'https://tv.example/x', url: 'https://tv.example/x', published: new Date(base + 5 * HOUR), updated: new Date(base + 5 * HOUR),
      })]);
      assert.equal(await store.removeArticlesNotIn('agency', []), 1);
      const page = await store.queryArticles({ limit: 10 });
      assert.deepEqual(page.map((a) => a.id), ['https://paper.example/en-patriot-reprint']);
      assert.deepEqual(page[0]!.related?.map((r) => r.id), ['https://tv.example/x']);
    }));
  });
}

const sqliteDir = mkdtempSync(join(tmpdir(), 'tidings-stories-db-'));
after(() => rmSync(sqliteDir, { recursive: true, force: true }));
let sqliteFiles = 0;
runStoryContract('sqlite', (options) => openStore('sqlite::memory:', options), async () => `sqlite:${join(sqliteDir, `${++sqliteFiles}.db`)}`,
  async (url) => {
    const db = new Database(url.slice('sqlite:'.length));
    try {
      db.transaction(() => {
        const signed = db.prepare<[], { id: string; published: number; story_signature: string }>(
          `SELECT id, published, story_signature FROM articles WHERE story_signature IS NOT NULL`).all();
        db.exec(`DROP TRIGGER story_bands_delete; DROP TABLE story_bands; DROP TABLE story_bands_pending;
          CREATE TABLE story_bands (band TEXT NOT NULL, published INTEGER NOT NULL, article_id TEXT NOT NULL,
            PRIMARY KEY (band, published, article_id)) WITHOUT ROWID;
          CREATE TRIGGER story_bands_delete AFTER DELETE ON articles WHEN old.story_signature IS NOT NULL BEGIN
            DELETE FROM story_bands WHERE article_id = old.id;
          END;`);
        for (const row of signed) {
          const json = withTextBands(row.story_signature);
          db.prepare(`UPDATE articles SET story_signature = ? WHERE id = ?`).run(json, row.id);
          for (const band of (JSON.parse(json) as { bands: string[] }).bands) {
            db.prepare(`INSERT INTO story_bands (band, published, article_id) VALUES (?, ?, ?)`).run(band, row.published, row.id);
          }
        }
        // Back to just before the band migration (12); the stem index (11) stays.
        db.pragma('user_version = 11');
      })();
    } finally {
      db.close();
    }
  });

const pgSkip = findPgBin() ? undefined : missingPostgres('PostgreSQL server binaries (initdb, pg_ctl) not found');
const cluster = clusterPerFile();
runStoryContract('postgres', async (options) => openStore(await (await cluster()).migratedDatabase(), options),
  async () => (await cluster()).freshDatabase(), async (url) => {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      await client.query('BEGIN');
      const { rows } = await client.query<{ id: string; published: string; story_signature: string }>(
        `SELECT id, published, story_signature FROM articles WHERE story_signature IS NOT NULL`);
      await client.query(`DROP TABLE story_bands; CREATE TABLE story_bands (band text COLLATE "C" NOT NULL, published bigint NOT NULL,
        article_id text COLLATE "C" NOT NULL, PRIMARY KEY (band, published, article_id))`);
      for (const row of rows) {
        const json = withTextBands(row.story_signature);
        await client.query(`UPDATE articles SET story_signature = $1 WHERE id = $2`, [json, row.id]);
        await client.query(`INSERT INTO story_bands (band, published, article_id) SELECT unnest($1::text[]), $2, $3`,
          [(JSON.parse(json) as { bands: string[] }).bands, row.published, row.id]);
      }
      await client.query(`DELETE FROM tidings_schema WHERE version >= 6`);
      await client.query('COMMIT');
    } finally {
      await client.end();
    }
  }, pgSkip);
