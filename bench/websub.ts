// `npm run bench:websub`: one change delivered by the WebSub hub to many subscribers — on one topic
// URL (--same) or each on a distinct topic URL (a full 50-item feed each) — against a real subscriber
// server on 127.0.0.1. Prints the round's wall time, the longest event-loop stall and peak RSS, each
// against its target (exit 0 even on MISS). Options: --subscribers N (default 2000), --same.

import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { cpus } from 'node:os';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import type { HttpSettings } from '../src/http/deps.ts';
import { feedTopicResolver } from '../src/http/websub.ts';
import { silentLogger } from '../src/log.ts';
import { openStore } from '../src/store/store.ts';
import { createHub } from '../src/websub/hub.ts';
import { BASE_URL, TEST_TOPICS } from '../test/helpers/app.ts';
import { makeArticle } from '../test/store.contract.ts';

const TARGETS = { longestStallMs: 250, peakRssMb: 400 };

const { values } = parseArgs({ options: { subscribers: { type: 'string', default: '2000' }, same: { type: 'boolean', default: false } } });
const count = Number(values.subscribers);

const store = await openStore('sqlite::memory:');
// About 3.5 KB of HTML per item: a 50-item feed of ~180 KB, the size that cost 2.1 GB in issue 8.
const body = `<p>${'Lorem ipsum dolor sit amet, consectetur adipiscing elit. '.repeat(60)}</p>`;
await store.upsertArticles(Array.from({ length: 60 }, (_, i) => makeArticle(i + 1, { topics: ['ukraine'], contentHtml: body })));

let posts = 0;
const subscriber = createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    posts += 1;
    res.writeHead(204).end();
  });
});
subscriber.listen(0, '127.0.0.1');
await once(subscriber, 'listening');
const callback = `http://127.0.0.1:${(subscriber.address() as AddressInfo).port}/cb`;

const settings: HttpSettings = { baseUrl: BASE_URL, siteTitle: 'Tidings', maxAgeSeconds: 300, staleWhileRevalidate: 60, corsOrigin: '*', hubUrl: `${BASE_URL}/websub` };
const catalog = { topics: TEST_TOPICS, sources: [] };
const hub = createHub({
  store, hubUrl: `${BASE_URL}/websub`, resolveTopic: feedTopicResolver({ store, catalog: () => catalog, settings }), log: silentLogger(), allowPrivateCallbacks: true,
});
const expiresAt = new Date(Date.now() + 86_400_000);
for (let i = 0; i < count; i++) {
  // Distinct `since` values: distinct topic URLs, each the whole feed.
  const since = new Date(Date.UTC(2000, 0, 1) + i * 1000).toISOString().replace('.000Z', 'Z');
  const topicUrl = values.same ? `${BASE_URL}/feeds/ukraine.rss` : `${BASE_URL}/feeds/ukraine.rss?since=${since}`;
  await store.saveSubscription({ topicUrl, callback: `${callback}?i=${i}`, expiresAt, createdAt: new Date() });
}
// The first look records each topic's version; the change after it is what gets delivered.
await hub.notify();
await hub.idle();
await store.upsertArticles([makeArticle(100, { topics: ['ukraine'], contentHtml: body })]);

let longestStall = 0;
let peakRss = 0;
let last = performance.now();
const probe = setInterval(() => {
  const now = performance.now();
  longestStall = Math.max(longestStall, now - last);
  last = now;
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
}, 5);
const started = performance.now();
await hub.notify();
await hub.idle();
const wallMs = performance.now() - started;
clearInterval(probe);
await hub.close();
subscriber.close();
await store.close();

const verdict = (ok: boolean): string => (ok ? 'PASS' : 'MISS');
const stallMs = Math.max(0, longestStall - 5);
const rssMb = peakRss / 1_048_576;
console.log(`WebSub: ${count} subscribers on ${values.same ? 'one topic URL' : 'distinct topic URLs'}; ${cpus().length} cores, Node ${process.version}`);
console.log(`| delivered | ${posts} POSTs in ${(wallMs / 1000).toFixed(1)} s |`);
console.log(`| longest event-loop stall | ${stallMs.toFixed(0)} ms | target ≤ ${TARGETS.longestStallMs} ms — ${verdict(stallMs <= TARGETS.longestStallMs)} |`);
console.log(`| peak RSS | ${rssMb.toFixed(0)} MB | target ≤ ${TARGETS.peakRssMb} MB — ${verdict(rssMb <= TARGETS.peakRssMb)} |`);
