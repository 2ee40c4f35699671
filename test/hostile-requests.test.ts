// Issue 8's request rows against the real server process: a request naming thousands of ids, and
// clients over their rate limits, are refused fast while a probe measures how long /healthz and a
// cached feed take meanwhile (never over 1 s). Plus the overload bound, which sheds misses with 503.

import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { freePort } from '../scripts/free-port.ts';
import type { ArticleQuery } from '../src/model.ts';
import type { PageRenderer } from '../src/store/page-renderer.ts';
import type { Rendition } from '../src/store/store.ts';
import { makeArticle } from './store.contract.ts';
import { startTestApp } from './helpers/app.ts';
import { entryArgs } from './helpers/server-process.ts';

const FIXTURE = join(import.meta.dirname, 'fixtures', 'conformance');
const PROBE_LIMIT_MS = 1_000;

async function startServer(t: TestContext, env: Record<string, string> = {}): Promise<string> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'tidings-hostile-'));
  const child = spawn(process.execPath, entryArgs('src/main.ts'), {
    env: {
      ...process.env,
      PORT: String(port),
      DATABASE_URL: `sqlite:${join(dir, 'tidings.db')}`,
      CONTENT_DIR: join(FIXTURE, 'content'),
      FEEDS_DIR: join(FIXTURE, 'feeds'),
      LOG_LEVEL: 'warn',
      WEBSUB_ALLOW_PRIVATE_CALLBACKS: 'on',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (output += c.toString()));
  const exited = new Promise((done) => child.once('exit', done));
  t.after(async () => {
    child.kill('SIGTERM');
    await exited;
    rmSync(dir, { recursive: true, force: true });
  });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      if ((await fetch(`${url}/healthz`)).ok) return url;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`server did not start:\n${output}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Runs `load` while timing /healthz and a cached feed every 50 ms; returns the slowest of each. */
async function probeDuring(url: string, load: () => Promise<void>): Promise<{ health: number; feed: number }> {
  await fetch(`${url}/feeds/all.rss`).then((r) => r.text()); // cached from here on
  const worst = { health: 0, feed: 0 };
  let running = true;
  const probe = (async () => {
    while (running) {
      for (const [key, path] of [['health', '/healthz'], ['feed', '/feeds/all.rss']] as const) {
        const started = performance.now();
        const res = await fetch(`${url}${path}`);
        await res.arrayBuffer();
        assert.equal(res.status, 200, `${path} during the load`);
        worst[key] = Math.max(worst[key], performance.now() - started);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  })();
  try {
    await load();
  } finally {
    running = false;
    await probe;
  }
  return worst;
}

function ids(n: number, prefix: string): string {
  return Array.from({ length: n }, (_, i) => `${prefix}${i}`).join(',');
}

test('thousands of ids in one request are a fast 400 naming the parameter; /healthz and a cached feed never wait 1 s', async (t) => {
  const url = await startServer(t);
  const hostile: [string, string][] = [
    [`/feeds/all.rss?source=${ids(2_500, 's')}`, 'source'],
    [`/embed/all?source=${ids(2_500, 's')}`, 'source'],
    // Node refuses request heads over 16 KB itself (431): short ids keep these within it.
    [`/feeds/all.json?exclude=${ids(2_500, 't')}`, 'exclude'],
    [`/feeds/${ids(2_500, 't')}.atom`, 'topics'],
  ];
  assert.ok((hostile[0]?.[0].length ?? 0) > 13_000, 'a 14 KB URL, as in the issue');
  const worst = await probeDuring(url, async () => {
    for (let round = 0; round < 5; round++) {
      await Promise.all(hostile.flatMap(([path, parameter]) => Array.from({ length: 4 }, async () => {
        const started = performance.now();
        const res = await fetch(`${url}${path}`, { headers: { accept: 'application/json' } });
        const body = (await res.json()) as { parameter?: string; message?: string };
        assert.equal(res.status, 400, path.slice(0, 60));
        assert.equal(body.parameter, parameter);
        assert.match(body.message ?? '', /at most 50/);
        assert.ok(performance.now() - started < PROBE_LIMIT_MS, `${path.slice(0, 40)}… took ${Math.round(performance.now() - started)} ms`);
      })));
    }
  });
  assert.ok(worst.health < PROBE_LIMIT_MS, `/healthz took up to ${Math.round(worst.health)} ms`);
  assert.ok(worst.feed < PROBE_LIMIT_MS, `the cached feed took up to ${Math.round(worst.feed)} ms`);

  // 50 ids is still a request; an unknown source is a 400 naming the known ones, as exclude does.
  assert.equal((await fetch(`${url}/feeds/all.json?source=local,${ids(49, 's')}`)).status, 400);
  const unknown = await fetch(`${url}/feeds/all.json?source=nowhere`);
  const body = (await unknown.json()) as { parameter: string; message: string };
  assert.equal(unknown.status, 400);
  assert.equal(body.parameter, 'source');
  assert.match(body.message, /unknown source "nowhere"; known sources: local/);
  assert.equal((await fetch(`${url}/feeds/all.json?source=local`)).status, 200);
});

test('misses, searches and POST /websub are rate-limited per client with 429 + Retry-After; hits and 304s never', async (t) => {
  const url = await startServer(t, { RATE_LIMIT_MISSES: '6', RATE_LIMIT_SEARCHES: '2', RATE_LIMIT_WEBSUB: '2' });
  const first = await fetch(`${url}/feeds/all.atom`); // miss 1
  const etag = first.headers.get('etag') ?? '';
  await first.text();
  // Searches: two, then the third distinct one is over the search limit (misses 2 and 3 meanwhile).
  for (const q of ['metro', 'coffee']) assert.equal((await fetch(`${url}/feeds/all.json?q=${q}`)).status, 200);
  const searchRefused = await fetch(`${url}/feeds/all.json?q=borsch`);
  assert.equal(searchRefused.status, 429);
  assert.match(searchRefused.headers.get('retry-after') ?? '', /^\d+$/);
  assert.equal(searchRefused.headers.get('cache-control'), 'no-store', 'a refusal is never cached in place of the feed');
  assert.equal(searchRefused.headers.get('etag'), null);
  assert.match(((await searchRefused.json()) as { message: string }).message, /too many searches/);
  // Plain misses: distinct `since` values, until the miss limit of 6 is spent.
  const statuses: number[] = [];
  for (let day = 1; day <= 4; day++) statuses.push((await fetch(`${url}/feeds/all.json?since=2020-01-0${day}`)).status);
  assert.deepEqual(statuses, [200, 200, 429, 429]);
  // Cached hits and revalidations go on, over and over, whatever the limits say.
  for (let i = 0; i < 30; i++) {
    assert.equal((await fetch(`${url}/feeds/all.atom`)).status, 200);
    // fetch adds `Cache-Control: no-cache` to a conditional request unless it carries its own.
    assert.equal((await fetch(`${url}/feeds/all.atom`, { headers: { 'if-none-match': etag, 'cache-control': 'max-age=0' } })).status, 304);
  }
  const form = { 'content-type': 'application/x-www-form-urlencoded' };
  const websub = new URLSearchParams({ 'hub.mode': 'subscribe', 'hub.topic': `${url}/feeds/all.atom`, 'hub.callback': 'http://127.0.0.1:9/cb' }).toString();
  const posts: number[] = [];
  for (let i = 0; i < 3; i++) posts.push((await fetch(`${url}/websub`, { method: 'POST', headers: form, body: websub })).status);
  assert.notEqual(posts[0], 429);
  assert.equal(posts[2], 429);
});

test('under overload, misses beyond the bound are shed with 503 + Retry-After while hits still answer', async (t) => {
  const app = await startTestApp(t, { limits: { maxPendingMisses: 5 } });
  await app.store.upsertArticles([makeArticle(1, { topics: ['ukraine'] })]);
  const warm = await request(app.app).get('/feeds/ukraine.json').expect(200);
  // A store that takes 300 ms per page: misses pile up in the bound (4 rendering + 1 queued).
  const renderQuery = app.store.renderQuery.bind(app.store);
  app.store.renderQuery = async <I, O>(q: ArticleQuery, renderer: PageRenderer<I>): Promise<Rendition<O>> => {
    await new Promise((r) => setTimeout(r, 300));
    return renderQuery<I, O>(q, renderer);
  };
  const misses = await Promise.all(Array.from({ length: 12 }, (_, i) => request(app.app).get(`/feeds/all.json?since=2020-01-01T00:00:${String(i).padStart(2, '0')}Z`)));
  const shed = misses.filter((r) => r.status === 503);
  assert.equal(misses.filter((r) => r.status === 200).length, 5);
  assert.equal(shed.length, 7);
  assert.equal(shed[0]?.headers['retry-after'], '5');
  assert.equal(shed[0]?.headers['cache-control'], 'no-store');
  assert.equal(shed[0]?.body.error, 'busy');
  await request(app.app).get('/feeds/ukraine.json').set('If-None-Match', warm.headers.etag!).expect(304);
});

/**
 * Counts the full-text reads of searches (`q`) the store makes, each held `delayMs` first: the version
 * read (queryVersion) of a request that asks for one, or the page renderQuery reads itself (a one-off
 * query's first request reads, versions and renders its page in one step; its result then carries
 * the version).
 */
function countSearchReads(store: TestStore, delayMs: number): () => number {
  let reads = 0;
  const queryVersion = store.queryVersion.bind(store);
  store.queryVersion = async (q: ArticleQuery) => {
    await new Promise((r) => setTimeout(r, delayMs));
    if (q.terms !== undefined) reads++;
    return queryVersion(q);
  };
  const renderQuery = store.renderQuery.bind(store);
  store.renderQuery = async <I, O>(q: ArticleQuery, renderer: PageRenderer<I>): Promise<Rendition<O>> => {
    await new Promise((r) => setTimeout(r, delayMs));
    const rendition = await renderQuery<I, O>(q, renderer);
    if (q.terms !== undefined && rendition.version !== undefined) reads++;
    return rendition;
  };
  return () => reads;
}

type TestStore = Awaited<ReturnType<typeof startTestApp>>['store'];

test('a search is charged and bounded BEFORE its full-text read: refused or shed searches never reach the store', async (t) => {
  const app = await startTestApp(t, { limits: { searchesPerMinute: 2, maxPendingMisses: 5 } });
  await app.store.upsertArticles([makeArticle(1, { topics: ['ukraine'] })]);
  // The read of a `q` is the full-text match: count the reads, and make each take 300 ms.
  const searchReads = countSearchReads(app.store, 300);
  for (const q of ['metro', 'coffee']) await request(app.app).get(`/feeds/all.json?q=${q}`).expect(200);
  const refused = await request(app.app).get('/feeds/all.json?q=borsch').expect(429);
  assert.match(refused.body.message, /too many searches/);
  assert.equal(searchReads(), 2, 'the search over the limit was refused before its read, and each admitted search was charged once');
  // The same with the two-step path a conditional request takes (its version read first, a 304 possible).
  const conditional = await request(app.app).get('/feeds/all.json?q=tram').set('If-None-Match', '"elsewhere"').expect(429);
  assert.match(conditional.body.message, /too many searches/);
  assert.equal(searchReads(), 2, 'a conditional search over the limit was refused before its version read');
  // The overload bound: 12 distinct searches from 12 clients at once; only 5 (4 running, 1 queued) are read.
  const flood = await startTestApp(t, { limits: { maxPendingMisses: 5, trustProxy: 1 } });
  const floodReads = countSearchReads(flood.store, 300);
  const answers = await Promise.all(Array.from({ length: 12 }, (_, i) =>
    request(flood.app).get(`/feeds/all.json?q=word${i}`).set('X-Forwarded-For', `203.0.113.${i + 1}`)));
  assert.deepEqual(answers.map((r) => r.status).sort(), [...Array(5).fill(200), ...Array(7).fill(503)]);
  assert.equal(floodReads(), 5, 'shed searches never ran their full-text read');
  // Plain pages are not charged for their (index-range) version read: pollers repeat them after every write.
  await request(flood.app).get('/feeds/ukraine.json').expect(200);
});

test('behind a proxy (TRUST_PROXY), the limits key on the client X-Forwarded-For names', async (t) => {
  const app = await startTestApp(t, { limits: { missesPerMinute: 1, trustProxy: 1 } });
  const miss = (client: string, n: number) => request(app.app).get(`/feeds/all.json?since=2020-01-0${n}`).set('X-Forwarded-For', client);
  await miss('203.0.113.1', 1).expect(200);
  await miss('203.0.113.2', 2).expect(200);
  const refused = await miss('203.0.113.1', 3).expect(429);
  assert.match(refused.headers['retry-after'] ?? '', /^\d+$/);
  // Without TRUST_PROXY the header is not believed: both "clients" are the one peer.
  const direct = await startTestApp(t, { limits: { missesPerMinute: 1 } });
  await request(direct.app).get('/feeds/all.json?since=2020-01-01').set('X-Forwarded-For', '203.0.113.1').expect(200);
  await request(direct.app).get('/feeds/all.json?since=2020-01-02').set('X-Forwarded-For', '203.0.113.2').expect(429);
});

test('TRUST_PROXY and the limit settings are read and checked at boot', async () => {
  const { loadEnvConfig } = await import('../src/config.ts');
  assert.equal(loadEnvConfig({}).trustProxy, false);
  assert.equal(loadEnvConfig({ TRUST_PROXY: '2' }).trustProxy, 2);
  assert.equal(loadEnvConfig({ TRUST_PROXY: 'loopback, 10.0.0.0/8' }).trustProxy, 'loopback, 10.0.0.0/8');
  assert.throws(() => loadEnvConfig({ TRUST_PROXY: 'true' }), /TRUST_PROXY/);
  assert.throws(() => loadEnvConfig({ RATE_LIMIT_MISSES: '0' }), /RATE_LIMIT_MISSES/);
  assert.throws(() => loadEnvConfig({ ADMIN_TOKEN: 'short' }), /ADMIN_TOKEN: expected at least 16 characters/);
  const env = loadEnvConfig({ MAX_PAGE_MB: '2', ADMIN_TOKEN: 'x'.repeat(16) });
  assert.equal(env.maxPageBytes, 2 * 1024 * 1024);
  assert.equal(env.adminToken, 'x'.repeat(16));
});
