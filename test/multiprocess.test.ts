// Many processes at work, as a Procfile platform runs them: the release step, then two `web` and two
// `worker` processes on one real PostgreSQL, polling a local upstream whose feeds gain an item every
// few seconds and which logs every request. Checks: every item stored exactly once; each upstream URL
// fetched once per interval and never by both workers at once; both web instances serve a new item
// within 2 s of its commit; after `kill -9` of the worker polling a source, the other one polls it
// within one lease; a WebSub subscriber (subscribed through one web instance) gets each change once.

import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { AddressInfo } from 'node:net';
import { freePort } from '../scripts/free-port.ts';
import { createApp } from '../src/app.ts';
import { createCache } from '../src/cache/cache.ts';
import { compileTopics } from '../src/classify/topics.ts';
import { silentLogger } from '../src/log.ts';
import { listen } from '../src/roles/web.ts';
import { openStore } from '../src/store/store.ts';
import { findPgBin, missingPostgres, startPostgres } from './helpers/postgres.ts';
import { makeArticle } from './store.contract.ts';
import { startUpstream } from './helpers/upstream.ts';
import { entryArgs } from './helpers/server-process.ts';
import { waitFor } from './helpers/wait.ts';

const skip = findPgBin() ? undefined : missingPostgres('PostgreSQL server binaries (initdb, pg_ctl) not found');

const INTERVAL_S = 2;
const LEASE_S = 4;
/** The scheduler reads the schedule at least every half lease. */
const SCAN_S = LEASE_S / 2;
const PUBLISH_EVERY_MS = 3_000;
const FEEDS = ['alpha', 'beta', 'gamma'];
/** Answers slowly, so a worker can be killed while it polls it. */
const SLOW = 'slow';
const SLOW_MS = 2_500;

interface Served {
  path: string;
  at: number;
  status: number;
  /** Items in the body (or the unchanged count, for a 304). */
  items: number;
}

/** A feed that gains an item every PUBLISH_EVERY_MS; ETag/304 by item count; requests logged with overlaps. */
function publisher(t0: number, served: Served[], overlaps: string[]) {
  const inFlight = new Map<string, number>();
  return (name: string, delayMs: number) => (req: IncomingMessage, res: ServerResponse): void => {
    const path = `/${name}.xml`;
    inFlight.set(path, (inFlight.get(path) ?? 0) + 1);
    if ((inFlight.get(path) ?? 0) > 1) overlaps.push(`${path} at ${Date.now() - t0} ms`);
    const count = 1 + Math.floor((Date.now() - t0) / PUBLISH_EVERY_MS);
    const etag = `"${name}-${count}"`;
    setTimeout(() => {
      inFlight.set(path, (inFlight.get(path) ?? 1) - 1);
      const notModified = req.headers['if-none-match'] === etag;
      served.push({ path, at: Date.now(), status: notModified ? 304 : 200, items: count });
      if (notModified) {
        res.writeHead(304, { etag }).end();
        return;
      }
      const items = Array.from({ length: count }, (_, k) =>
        `<item><guid>https://up.example/${name}/${k}</guid><title>${name} item ${k}</title><link>https://up.example/${name}/${k}</link>`
        + `<pubDate>${new Date(t0 + k * PUBLISH_EVERY_MS).toUTCString()}</pubDate></item>`).join('');
      res.writeHead(200, { 'content-type': 'application/rss+xml', etag }).end(`<?xml version="1.0"?><rss version="2.0"><channel>`
        + `<title>${name}</title><link>https://up.example/${name}</link><description>d</description>${items}</channel></rss>`);
    }, delayMs);
  };
}

interface Proc {
  name: string;
  child: ChildProcess;
  output: () => string;
  /** JSON log lines so far. */
  lines: () => Record<string, unknown>[];
}

/** A WebSub subscriber on 127.0.0.1: answers verification with the challenge, records each delivered body. */
async function startSubscriber(): Promise<{ callback: string; verified: number; deliveries: string[]; close: () => Promise<void> }> {
  const state = { verified: 0, deliveries: [] as string[] };
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (req.method === 'GET') {
      state.verified += 1;
      res.end(url.searchParams.get('hub.challenge') ?? '');
      return;
    }
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    req.on('end', () => {
      state.deliveries.push(body);
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    callback: `http://127.0.0.1:${port}/hub-callback`,
    get verified() {
      return state.verified;
    },
    deliveries: state.deliveries,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function spawnRole(name: string, env: Record<string, string>): Proc {
  const child = spawn(process.execPath, entryArgs('src/main.ts'), { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (output += c.toString()));
  const lines = (): Record<string, unknown>[] => output.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
  return { name, child, output: () => output, lines };
}

test('two web and two worker processes on one PostgreSQL', { timeout: 240_000, ...(skip ? { skip } : {}) }, async (t) => {
  const pg = await startPostgres();
  if (pg.kind !== 'ok') assert.fail(`cannot start PostgreSQL: ${pg.reason}`);
  t.after(() => pg.stop());
  const databaseUrl = await pg.freshDatabase();

  const t0 = Date.now();
  const served: Served[] = [];
  const overlaps: string[] = [];
  const up = await startUpstream();
  t.after(() => up.close());
  const feed = publisher(t0, served, overlaps);
  for (const name of FEEDS) up.route(`/${name}.xml`, feed(name, 150));
  up.route(`/${SLOW}.xml`, feed(SLOW, SLOW_MS));

  const root = mkdtempSync(join(tmpdir(), 'tidings-multi-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  mkdirSync(join(root, 'feeds'));
  mkdirSync(join(root, 'content'));
  writeFileSync(join(root, 'feeds', 'topics.yaml'), 'topics:\n  - id: news\n    title: News\n    keywords: [item]\n');
  writeFileSync(join(root, 'feeds', 'sources.yaml'), `sources:\n${[...FEEDS, SLOW].map((n) => `  - id: ${n}\n    url: ${up.url(`/${n}.xml`)}\n`).join('')}`);
  const webPorts = [await freePort(), await freePort()];
  const webs = webPorts.map((port) => `http://127.0.0.1:${port}`);
  const subscriber = await startSubscriber();
  t.after(() => subscriber.close());
  const env = {
    BASE_URL: webs[0]!,
    DATABASE_URL: databaseUrl,
    FEEDS_DIR: join(root, 'feeds'),
    CONTENT_DIR: join(root, 'content'),
    POLL_INTERVAL_SECONDS: String(INTERVAL_S),
    SOURCE_LEASE_SECONDS: String(LEASE_S),
    WEBSUB_ALLOW_PRIVATE_CALLBACKS: 'on',
  };

  // The release step, once per deploy.
  const release = spawnSync(process.execPath, entryArgs('src/cli/migrate.ts'), { env: { ...process.env, ...env }, encoding: 'utf8' });
  assert.equal(release.status, 0, release.stderr);
  assert.match(release.stdout, /^migrate: postgres:\/\/.* is up to date/);

  const procs: Proc[] = [
    spawnRole('worker-1', { ...env, TIDINGS_ROLE: 'worker', LOG_LEVEL: 'debug' }),
    spawnRole('worker-2', { ...env, TIDINGS_ROLE: 'worker', LOG_LEVEL: 'debug' }),
    ...webPorts.map((port, i) => spawnRole(`web-${i + 1}`, { ...env, TIDINGS_ROLE: 'web', PORT: String(port), LOG_LEVEL: 'warn' })),
  ];
  t.after(() => {
    for (const p of procs) if (p.child.exitCode === null) p.child.kill('SIGKILL');
  });
  const [worker1, worker2] = procs as [Proc, Proc, Proc, Proc];
  for (const [i, url] of webs.entries()) {
    await waitFor(async () => (await fetch(`${url}/healthz`)).ok, 90_000, () => `web-${i + 1} did not start:\n${procs[i + 2]?.output()}`);
  }

  // A WebSub subscriber, subscribed through the second web instance; the workers deliver.
  const subscribed = await fetch(`${webs[1]}/websub`, {
    method: 'POST',
    body: new URLSearchParams({ 'hub.mode': 'subscribe', 'hub.topic': `${webs[0]}/feeds/all.json`, 'hub.callback': subscriber.callback }),
  });
  assert.equal(subscribed.status, 202, await subscribed.text());
  await waitFor(() => subscriber.verified > 0, 10_000, () => 'the subscription was never verified');

  // Every 100 ms, each web instance's feed: when each item was first served by each instance.
  const firstSeen = webs.map(() => new Map<string, number>());
  let watching = true;
  const watchers = webs.map(async (url, i) => {
    while (watching) {
      const body = (await (await fetch(`${url}/feeds/all.json?limit=500`)).json()) as { items: { id: string }[] };
      const at = Date.now();
      for (const item of body.items) if (!firstSeen[i]!.has(item.id)) firstSeen[i]!.set(item.id, at);
      await sleep(100);
    }
  });
  const watchFrom = Date.now();
  await sleep(10_000);

  // Kill -9 the worker that is polling the slow feed right now; the other must take it over.
  const slowRequests = () => up.requests(`/${SLOW}.xml`).length;
  const before = slowRequests();
  await waitFor(() => slowRequests() > before, 15_000, () => 'the slow feed was not polled');
  const claimedBy = (p: Proc) => p.lines().filter((l) => l.msg === 'claimed' && l.source === SLOW).map((l) => Number(l.time)).pop() ?? 0;
  const victim = claimedBy(worker1) > claimedBy(worker2) ? worker1 : worker2;
  const survivor = victim === worker1 ? worker2 : worker1;
  victim.child.kill('SIGKILL');
  const killedAt = Date.now();
  const afterKill = slowRequests();
  await waitFor(() => slowRequests() > afterKill, (LEASE_S + SCAN_S + 5) * 1000, () => `${survivor.name} never took the slow feed over`);
  const takeover = up.requests(`/${SLOW}.xml`).at(-1)!.at.getTime() - killedAt;
  assert.ok(takeover <= (LEASE_S + SCAN_S) * 1000 + 1000, `the slow feed was polled again ${takeover} ms after the kill (lease ${LEASE_S} s)`);
  const alphaAfterKill = up.requests('/alpha.xml').length;
  await sleep(5_000);
  assert.ok(up.requests('/alpha.xml').length > alphaAfterKill, 'the survivor polls every source');

  watching = false;
  await Promise.all(watchers);
  survivor.child.kill('SIGTERM');
  await new Promise((resolve) => survivor.child.once('exit', resolve));

  // Never two polls of one URL at once, and each URL once per interval (±10 % jitter, counted from
  // the poll's start; a request reaches the upstream some ms after that on a loaded machine).
  assert.deepEqual(overlaps, [], 'no URL was fetched by both workers at once');
  for (const name of FEEDS) {
    const starts = up.requests(`/${name}.xml`).map((r) => r.at.getTime());
    for (let i = 1; i < starts.length; i++) {
      const gap = starts[i]! - starts[i - 1]!;
      assert.ok(gap >= INTERVAL_S * 900 - 300, `${name}: request ${i} came ${gap} ms after the one before (interval ${INTERVAL_S} s)`);
    }
    const span = starts.at(-1)! - starts[0]!;
    assert.ok(starts.length >= 8 && starts.length <= span / (INTERVAL_S * 900) + 1, `${name}: ${starts.length} requests in ${span} ms`);
  }

  // Each change reached the subscriber exactly once: deliveries came, and no body came twice (every
  // change adds an item, so two deliveries of one change are two identical bodies).
  assert.ok(subscriber.deliveries.length >= 3, `only ${subscriber.deliveries.length} WebSub deliveries`);
  assert.equal(new Set(subscriber.deliveries).size, subscriber.deliveries.length, 'a change was delivered twice');

  // Every item the workers were served is stored exactly once.
  const store = await openStore(databaseUrl);
  const articles = await store.queryArticles({ limit: 500 });
  await store.close();
  const ids = articles.map((a) => a.id);
  assert.equal(new Set(ids).size, ids.length, 'no article twice');
  for (const name of [...FEEDS, SLOW]) {
    const last = Math.max(...served.filter((s) => s.path === `/${name}.xml` && s.status === 200).map((s) => s.items));
    const titles = articles.filter((a) => a.title.startsWith(`${name} item `)).map((a) => a.title).sort();
    const expected = Array.from({ length: last }, (_, k) => `${name} item ${k}`).sort();
    assert.deepEqual(titles, expected, `${name}: every item served, stored once`);
  }

  // Each item was served by both web instances within 2 s of the poll that committed it.
  const commits = [worker1, worker2].flatMap((p) => p.lines().filter((l) => l.msg === 'polled' && Number(l.inserted) > 0));
  let measured = 0;
  for (const name of FEEDS) {
    for (const s of served.filter((x) => x.path === `/${name}.xml` && x.status === 200 && x.at >= watchFrom && x.at < killedAt)) {
      const commit = commits.filter((c) => c.source === name && Number(c.time) >= s.at).map((c) => Number(c.time)).sort((a, b) => a - b)[0];
      if (commit === undefined) continue; // a body that added nothing new
      const newest = articles.find((a) => a.title === `${name} item ${s.items - 1}`);
      assert.ok(newest, `${name} item ${s.items - 1} stored`);
      for (const [i, seen] of firstSeen.entries()) {
        const at = seen.get(newest.id);
        if (at === undefined || at < commit) continue; // committed by an earlier poll already
        assert.ok(at - commit <= 2_000, `web-${i + 1} served ${newest.title} ${at - commit} ms after its commit`);
        measured += 1;
      }
    }
  }
  assert.ok(measured >= 6, `only ${measured} commits were measured`);
});

test('a web app serves another process\'s commit within about a second, never its cached bytes (SQLite file)', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'tidings-revision-'));
  const url = `sqlite:${join(dir, 'shared.db')}`;
  const writer = await openStore(url);
  const reader = await openStore(url);
  const cache = await createCache({ maxEntries: 100, maxBytes: 8 * 1024 * 1024, ttlSeconds: 0 });
  t.after(async () => {
    cache.close();
    await reader.close();
    await writer.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const topics = [{ id: 'news', title: 'News', description: '', rules: { keywords: [], categories: [], sources: [] } }];
  const catalog = { topics, sources: [], compiled: compileTopics(topics) };
  const app = createApp({
    store: reader,
    cache,
    catalog: () => catalog,
    settings: { baseUrl: 'http://tidings.test', siteTitle: 'Tidings', maxAgeSeconds: 300, staleWhileRevalidate: 60, corsOrigin: '*' },
    log: silentLogger(),
  });
  const server = await listen(app, await freePort());
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const feedUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/feeds/news.json`;
  const ids = async (): Promise<string[]> => ((await (await fetch(feedUrl)).json()) as { items: { id: string }[] }).items.map((i) => i.id);

  await writer.upsertArticles([makeArticle(1, { topics: ['news'] })]);
  await waitFor(async () => (await ids()).length === 1, 3_000, () => 'the first article never appeared');
  assert.equal(cache.stats().entries, 1, 'the feed is cached');

  await writer.upsertArticles([makeArticle(2, { topics: ['news'] })]);
  const committed = Date.now();
  await waitFor(async () => (await ids()).length === 2, 3_000, () => 'the other process\'s commit was never served');
  const lag = Date.now() - committed;
  assert.ok(lag <= 1_300, `served ${lag} ms after the commit`);
});
