// STORY_WINDOW_HOURS changing between runs: the store records the window its stories were grouped
// with, the worker's start-up step regroups when the configured one differs (and records it), and
// does nothing when it is the same. Real stores: SQLite files and a real PostgreSQL cluster.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { loadEnvConfig, loadFeedsConfig } from '../src/config.ts';
import { createLogger, type Logger } from '../src/log.ts';
import { createMetrics } from '../src/metrics.ts';
import type { IndexedArticle } from '../src/model.ts';
import { regroupIfWindowChanged } from '../src/roles/story-window.ts';
import { startWorker, SYNC_LOCK } from '../src/roles/worker.ts';
import { withIndexAndSignature } from '../src/stories/signature.ts';
import { openStore, type ArticleStore } from '../src/store/store.ts';
import { clusterPerFile, findPgBin, missingPostgres } from './helpers/postgres.ts';
import { entryArgs } from './helpers/server-process.ts';
import { waitFor } from './helpers/wait.ts';
import { makeArticle } from './store.contract.ts';

interface Labelled { id: string; lang: string; hour: number; title: string; text: string }
const { articles: labelled } = JSON.parse(readFileSync(new URL('./fixtures/stories/labelled.json', import.meta.url), 'utf8')) as { articles: Labelled[] };

const HOUR = 3_600_000;
// Within the last 30 days, which is what the regroup at start looks at.
const base = Math.floor((Date.now() - 10 * 24 * HOUR) / HOUR) * HOUR;

/** A labelled article as ingest hands it on: from `sourceId`, signed, `hour` (default its own) after the base. */
function copy(id: string, sourceId: string, hour?: number, over: Partial<IndexedArticle> = {}): IndexedArticle {
  const l = labelled.find((a) => a.id === id);
  assert.ok(l, id);
  const published = new Date(base + (hour ?? l.hour) * HOUR);
  return withIndexAndSignature(makeArticle(0, {
    id: `https://${sourceId}.example/${l.id}`, url: `https://${sourceId}.example/${l.id}`, title: l.title,
    summary: l.text.slice(0, 80), contentHtml: `<p>${l.text}</p>`, text: l.text, language: l.lang,
    published, updated: published, sourceId, topics: ['defence'], ...over,
  }));
}

/**
 * Three pairs of copies of one story each, published about 100 h apart: kept apart by a 72 h window,
 * merged by a 200 h one (the patriot story already has a copy at ingest, within 3 h).
 */
const ARCHIVE: IndexedArticle[] = [
  copy('en-patriot-agency', 'agency'), copy('en-patriot-reprint', 'paper'),
  copy('uk-grid-attack-1', 'a'), copy('uk-grid-attack-1-rewrite', 'b', 130),
  copy('en-patriot-reprint', 'tv', 100, { id: 'https://tv.example/x', url: 'https://tv.example/x' }),
  copy('uk-grain-ship-agency', 'ukrinform'), copy('uk-grain-ship-reprint', 'radio', 105),
];

/** A logger whose JSON lines a test can read back; `onLine` sees each line as it is written. */
function capturedLog(onLine: (line: string) => void = () => undefined): { log: Logger; lines: () => Record<string, unknown>[] } {
  const chunks: string[] = [];
  const sink = new Writable({ write(chunk: Buffer, _enc, done) { chunks.push(chunk.toString()); onLine(chunk.toString()); done(); } });
  return {
    log: createLogger('info', sink),
    lines: () => chunks.join('').split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

async function leaders(store: ArticleStore): Promise<number> {
  return (await store.queryArticles({ limit: 50 })).length;
}

/** Stores the archive with a 72 h window and records that window, as a worker's first start would. */
async function groupedAt72(url: string): Promise<void> {
  const store = await openStore(url, { storyWindowHours: 72 });
  try {
    await store.upsertArticles(ARCHIVE.slice(0, 2));
    await store.upsertArticles(ARCHIVE.slice(2));
    const first = await regroupIfWindowChanged(store, 72, capturedLog().log);
    assert.equal(first.kind, 'regrouped', 'a first start, with no window recorded, groups by the configured one');
    assert.equal(await store.recordedStoryWindow(), 72);
    assert.equal(await leaders(store), 6, 'the 72 h window keeps the late copies apart');
  } finally {
    await store.close();
  }
}

function runWindowContract(name: string, freshUrl: () => Promise<string>, skip?: string): void {
  describe(`story window: ${name}`, skip === undefined ? {} : { skip }, () => {
    test('a new database records nothing until a window is recorded', async () => {
      const store = await openStore(await freshUrl());
      try {
        assert.equal(await store.recordedStoryWindow(), undefined);
        await store.recordStoryWindow(72);
        await store.recordStoryWindow(200);
        assert.equal(await store.recordedStoryWindow(), 200, 'the last recorded window wins');
      } finally {
        await store.close();
      }
    });

    test('a start with another window regroups by it, logs old and new window with the counts, and records it', async () => {
      const url = await freshUrl();
      await groupedAt72(url);
      const store = await openStore(url, { storyWindowHours: 200 });
      try {
        const { log, lines } = capturedLog();
        const outcome = await regroupIfWindowChanged(store, 200, log);
        assert.equal(outcome.kind, 'regrouped');
        assert.deepEqual(outcome.kind === 'regrouped' && [outcome.from, outcome.to, outcome.result], [72, 200, { examined: 3, joined: 3 }]);
        assert.equal(await store.recordedStoryWindow(), 200);
        assert.equal(await leaders(store), 3, 'each late copy joined its story');
        const done = lines().find((l) => String(l.msg).startsWith('stories regrouped'));
        assert.ok(done, JSON.stringify(lines()));
        assert.deepEqual([done.from, done.to, done.examined, done.joined], [72, 200, 3, 3]);
        assert.match(String(done.msg), /72 → 200: 3 stand-alone articles, 3 joined a story/);

        const again = await regroupIfWindowChanged(store, 200, log);
        assert.deepEqual(again, { kind: 'unchanged', hours: 200 }, 'the next start finds the window recorded');
      } finally {
        await store.close();
      }
    });

    test('a start with the recorded window does not regroup', async () => {
      const url = await freshUrl();
      await groupedAt72(url);
      // As if the stories were grouped at 200 h: the same window at the next start changes nothing,
      // although a regroup would merge the three late copies.
      const store = await openStore(url, { storyWindowHours: 200 });
      try {
        await store.recordStoryWindow(200);
        const { log, lines } = capturedLog();
        assert.deepEqual(await regroupIfWindowChanged(store, 200, log), { kind: 'unchanged', hours: 200 });
        assert.equal(await leaders(store), 6, 'nothing merged');
        assert.deepEqual(lines(), [], 'nothing to say');
      } finally {
        await store.close();
      }
    });
  });
}

const dir = mkdtempSync(join(tmpdir(), 'tidings-story-window-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;
const sqliteUrl = async (): Promise<string> => `sqlite:${join(dir, `${++files}.db`)}`;
runWindowContract('sqlite', sqliteUrl);

const pgSkip = findPgBin() ? undefined : missingPostgres('PostgreSQL server binaries (initdb, pg_ctl) not found');
const cluster = clusterPerFile();
runWindowContract('postgres', async () => (await cluster()).migratedDatabase(), pgSkip);

test('a regroup that fails is logged with its cause, keeps the recorded window, and runs again at the next start', async () => {
  const url = await sqliteUrl();
  await groupedAt72(url);
  // Another process holds the write lock longer than this store waits for it.
  const other = new Database(url.slice('sqlite:'.length));
  other.exec('BEGIN IMMEDIATE');
  const store = await openStore(url, { storyWindowHours: 200, writeWaitMs: 200 });
  try {
    const { log, lines } = capturedLog();
    const failed = await regroupIfWindowChanged(store, 200, log);
    assert.equal(failed.kind, 'failed');
    const line = lines().find((l) => l.level === 50);
    assert.ok(line, JSON.stringify(lines()));
    assert.match(String(line.msg), /^stories not regrouped for STORY_WINDOW_HOURS 72 → 200 \(retried at the next start\): store: .*locked by another process/);
    assert.equal(await store.recordedStoryWindow(), 72, 'the old window stays recorded');
    other.exec('ROLLBACK');
    const retried = await regroupIfWindowChanged(store, 200, log);
    assert.equal(retried.kind, 'regrouped');
    assert.equal(await store.recordedStoryWindow(), 200);
    assert.equal(await leaders(store), 3);
  } finally {
    if (other.inTransaction) other.exec('ROLLBACK');
    other.close();
    await store.close();
  }
});

describe('the worker role at start', () => {
  /** A worker process's setup on `url` with a 200 h window: no sources, an empty content/. */
  function workerSetup(url: string) {
    const root = mkdtempSync(join(dir, 'worker-'));
    mkdirSync(join(root, 'feeds'));
    mkdirSync(join(root, 'content'));
    writeFileSync(join(root, 'feeds', 'topics.yaml'), 'topics:\n  - id: defence\n    title: Defence\n    keywords: [patriot]\n');
    const env = loadEnvConfig({
      DATABASE_URL: url, FEEDS_DIR: join(root, 'feeds'), CONTENT_DIR: join(root, 'content'), STORY_WINDOW_HOURS: '200',
      WEBSUB: 'off', INGEST_WORKERS: '1', TIDINGS_ROLE: 'worker',
    });
    const feeds = loadFeedsConfig(env.feedsDir);
    return { env, feeds: () => feeds, metrics: createMetrics({ role: 'worker' }) };
  }

  test('the sync-lock holder regroups in the background after the window changed, and records it', async () => {
    const url = await sqliteUrl();
    await groupedAt72(url);
    const store = await openStore(url, { storyWindowHours: 200 });
    const { log, lines } = capturedLog();
    const worker = await startWorker({ ...workerSetup(url), store, log, owner: 'worker-a' });
    try {
      // The regroup runs on a thread of its own; its line comes once it answered.
      await waitFor(() => lines().some((l) => String(l.msg).startsWith('stories regrouped')), 20_000, () => JSON.stringify(lines()));
      assert.equal(await store.recordedStoryWindow(), 200);
      assert.equal(await leaders(store), 3);
      const done = lines().find((l) => String(l.msg).startsWith('stories regrouped'));
      assert.deepEqual(done && [done.from, done.to, done.joined], [72, 200, 3]);
    } finally {
      await worker.stop();
      await store.close();
    }
  });

  test('a shutdown stops the regroup thread at its page in flight: logged as stopped, not failed, nothing merged, the old window kept', async () => {
    const url = await sqliteUrl();
    await groupedAt72(url);
    // Another process takes the write lock as the regroup begins (before its thread exists): the
    // thread's first page waits for it, and the shutdown comes meanwhile.
    const other = new Database(url.slice('sqlite:'.length));
    const store = await openStore(url, { storyWindowHours: 200 });
    const { log, lines } = capturedLog((line) => {
      if (line.includes('regrouping stories in the background')) other.exec('BEGIN IMMEDIATE');
    });
    const said = (pattern: RegExp) => lines().some((l) => pattern.test(String(l.msg)));
    try {
      const worker = await startWorker({ ...workerSetup(url), store, log, owner: 'worker-a' });
      await waitFor(() => said(/regrouping stories in the background/), 10_000, () => JSON.stringify(lines()));
      // Long enough for the thread to start and wait on the lock.
      await new Promise((resolve) => setTimeout(resolve, 1000));
      const stopped = worker.stop();
      // The thread is not terminated inside SQLite (that aborts the process): the shutdown waits for
      // its page in flight (if it got that far), which, given the lock, sees the stop and rolls back.
      await new Promise((resolve) => setTimeout(resolve, 200));
      other.exec('ROLLBACK');
      await stopped;
      assert.ok(said(/stopped by shutdown/), JSON.stringify(lines()));
      assert.deepEqual(lines().filter((l) => Number(l.level) >= 50), [], 'a shutdown is no failure');
      assert.equal(await store.recordedStoryWindow(), 72);
      assert.equal(await leaders(store), 6, 'nothing merged');
    } finally {
      if (other.inTransaction) other.exec('ROLLBACK');
      other.close();
      await store.close();
    }
  });

  test('a worker that does not hold the sync lock leaves the regroup to the one that does', async () => {
    const url = await sqliteUrl();
    await groupedAt72(url);
    const store = await openStore(url, { storyWindowHours: 200 });
    const now = new Date();
    assert.ok(await store.tryLock(SYNC_LOCK, 'worker-a', now, new Date(now.getTime() + 60_000)));
    const { log, lines } = capturedLog();
    const worker = await startWorker({ ...workerSetup(url), store, log, owner: 'worker-b' });
    try {
      // Long enough for a regroup of seven articles to run had it started (it takes milliseconds).
      await new Promise((resolve) => setTimeout(resolve, 500));
      assert.equal(await store.recordedStoryWindow(), 72);
      assert.equal(await leaders(store), 6);
      assert.equal(lines().filter((l) => /regroup/.test(String(l.msg))).length, 0, JSON.stringify(lines()));
    } finally {
      await worker.stop();
      await store.close();
    }
  });
});

test('npm run regroup records the window it regrouped with, so the next worker start does not regroup again', async () => {
  const url = await sqliteUrl();
  await groupedAt72(url);
  const stdout = await new Promise<string>((resolve, reject) => {
    execFile(process.execPath, [...entryArgs('src/cli/regroup.ts'), '--days', '20'], { env: { ...process.env, DATABASE_URL: url, STORY_WINDOW_HOURS: '200' } },
      (err, out, errOut) => (err ? reject(new Error(`${err.message}\n${errOut}`)) : resolve(out)));
  });
  assert.match(stdout, /^regroup: 3 stand-alone articles since \S+ \(window 200 h, recorded\): 3 joined a story \(\d+ ms\)\n$/);
  const store = await openStore(url, { storyWindowHours: 200 });
  try {
    assert.equal(await store.recordedStoryWindow(), 200);
    assert.deepEqual(await regroupIfWindowChanged(store, 200, capturedLog().log), { kind: 'unchanged', hours: 200 });
  } finally {
    await store.close();
  }
});
