// Remote ingestion end to end: the pipeline polls a real upstream HTTP server on 127.0.0.1 and stores
// into a real SQLite store. Every other source and stored article must survive one source's failure.

import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import iconv from 'iconv-lite';
import { compileTopics } from '../src/classify/topics.ts';
import { createPollSource, type PipelineDeps } from '../src/ingest/pipeline.ts';
import { createIngestPool, type IngestPool } from '../src/ingest/worker-pool.ts';
import { NEVER } from '../src/ingest/scheduler.ts';
import { silentLogger } from '../src/log.ts';
import type { Source, Topic } from '../src/model.ts';
import { openStore, type ArticleStore } from '../src/store/store.ts';
import { manyItems } from './helpers/hostile-feeds.ts';
import { startUpstream, type Upstream } from './helpers/upstream.ts';

const TOPICS: Topic[] = [
  { id: 'europe', title: 'Europe', description: '', rules: { keywords: ['Франція', 'Paris'], categories: [], sources: [] } },
  { id: 'tech', title: 'Tech', description: '', rules: { keywords: [], categories: ['technology'], sources: [] } },
];

function rss(items: { guid: string; title: string; link?: string; date?: string; category?: string }[], extra = ''): string {
  return `<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Upstream</title><link>https://upstream.example/</link><description>d</description>${extra}
${items.map((i) => `<item><guid isPermaLink="false">${i.guid}</guid><title>${i.title}</title>
<link>${i.link ?? `https://upstream.example/${i.guid}`}</link><pubDate>${i.date ?? 'Tue, 06 Jan 2026 10:00:00 +0200'}</pubDate>
${i.category ? `<category>${i.category}</category>` : ''}<description>Text of ${i.title}</description></item>`).join('\n')}
</channel></rss>`;
}

function source(id: string, url: string, over: Partial<Source> = {}): Source {
  return { id, url, topics: [], categoryTopics: {}, intervalMinutes: 30, enabled: true, ...over };
}

interface Rig {
  up: Upstream;
  store: ArticleStore;
  poll: ReturnType<typeof createPollSource>;
  now: Date;
}

// Generous limits: the suite runs test files in parallel on a small machine. The slow-source test
// passes its own short ones.
const LIMITS = { totalTimeoutMs: 10_000, headersTimeoutMs: 5_000, maxBytes: 64 * 1024 };

async function rig(t: TestContext, limits: typeof LIMITS = LIMITS, extra: Partial<PipelineDeps> = {}): Promise<Rig> {
  const up = await startUpstream();
  const store = await openStore('sqlite::memory:');
  t.after(async () => {
    await up.close();
    await store.close();
  });
  const now = new Date(Date.UTC(2026, 0, 10, 12, 0, 0));
  const compiled = compileTopics(TOPICS);
  const poll = createPollSource({
    store,
    topics: () => ({ topics: TOPICS, compiled }),
    baseUrl: 'http://tidings.test',
    userAgent: 'Tidings/test (+http://tidings.test)',
    log: silentLogger(),
    fetchLimits: limits,
    now: () => now,
    random: () => 0.5,
    ...extra,
  });
  return { up, store, poll, now };
}

test('an RSS source is stored, classified, and costs no parsing on a 304', async (t) => {
  const { up, store, poll } = await rig(t);
  up.route('/feed.xml', { body: rss([{ guid: 'a1', title: 'Макрон у Франції' }, { guid: 'a2', title: 'New chips', category: 'Technology' }]), etag: '"v1"' });
  const src = source('wire', up.url('/feed.xml'));
  const first = await poll(src);
  assert.equal(first.outcome, 'ok');
  assert.equal(first.newItems, 2);
  const europe = await store.queryArticles({ topics: ['europe'], limit: 10 });
  assert.deepEqual(europe.map((a) => a.title), ['Макрон у Франції']);
  assert.deepEqual((await store.queryArticles({ topics: ['tech'], limit: 10 })).map((a) => a.title), ['New chips']);

  const second = await poll(src);
  assert.equal(second.outcome, 'not-modified');
  assert.equal(up.requests('/feed.xml')[1]?.headers['if-none-match'], '"v1"');
  assert.match(String(up.requests('/feed.xml')[0]?.headers['user-agent']), /^Tidings\//);
  const state = await store.getSourceState('wire');
  assert.equal(state?.status, 'not-modified');
  assert.equal(state?.etag, '"v1"');
});

test('an edited upstream item updates the stored article; the archive keeps items the feed dropped', async (t) => {
  const { up, store, poll } = await rig(t);
  up.route('/feed.xml', { body: rss([{ guid: 'a1', title: 'First' }, { guid: 'a2', title: 'Second' }]) });
  await poll(source('wire', up.url('/feed.xml')));
  up.route('/feed.xml', { body: rss([{ guid: 'a2', title: 'Second, corrected' }, { guid: 'a3', title: 'Third' }]) });
  const result = await poll(source('wire', up.url('/feed.xml')));
  assert.equal(result.newItems, 1);
  assert.equal(result.updatedItems, 1);
  assert.deepEqual((await store.queryArticles({ limit: 10 })).map((a) => a.title).sort(), ['First', 'Second, corrected', 'Third']);
});

test('windows-1251 bytes become exactly the right Cyrillic text', async (t) => {
  const { up, store, poll } = await rig(t);
  const title = 'Зеленський і Макрон: «ППО» та ґрунтовна розмова';
  const xml = rss([{ guid: 'c1', title }]).replace('encoding="utf-8"', 'encoding="windows-1251"');
  up.route('/cp1251.xml', { body: iconv.encode(xml, 'windows-1251'), headers: { 'content-type': 'application/rss+xml' } });
  assert.equal((await poll(source('cp', up.url('/cp1251.xml')))).outcome, 'ok');
  const [article] = await store.queryArticles({ limit: 1 });
  assert.equal(article?.title, title);
  assert.equal(article?.summary, `Text of ${title}`);
});

test('a malformed feed is a clear error that leaves other sources and stored articles untouched', async (t) => {
  const { up, store, poll } = await rig(t);
  up.route('/good.xml', { body: rss([{ guid: 'g1', title: 'Good one' }]) });
  // Malformed XML is recovered (lenient-xml.test.ts); a broken JSON Feed is not.
  up.route('/bad.xml', { body: '{"version": "https://jsonfeed.org/version/1.1", "items": [ broken' });
  assert.equal((await poll(source('good', up.url('/good.xml')))).outcome, 'ok');
  const bad = await poll(source('bad', up.url('/bad.xml')));
  assert.equal(bad.outcome, 'error');
  assert.match(bad.error ?? '', /^parse: /);
  assert.ok(bad.error?.includes('/bad.xml'), 'the error names the URL');
  assert.equal((await store.getSourceState('bad'))?.consecutiveFailures, 1);
  assert.deepEqual((await store.queryArticles({ limit: 10 })).map((a) => a.title), ['Good one']);
  assert.equal((await store.getSourceState('good'))?.status, 'ok');
});

test('a 301 moves the source to its new URL; a 410 makes it gone until the config changes', async (t) => {
  const { up, store, poll } = await rig(t);
  up.route('/new.xml', { body: rss([{ guid: 'm1', title: 'Moved' }]) });
  up.route('/old.xml', { status: 301, location: '/new.xml' });
  const src = source('mover', up.url('/old.xml'));
  assert.equal((await poll(src)).outcome, 'ok');
  assert.equal((await store.getSourceState('mover'))?.url, up.url('/new.xml'));
  await poll(src);
  assert.equal(up.requests('/old.xml').length, 1, 'the old URL is not asked again');

  up.route('/new.xml', { status: 410 });
  const gone = await poll(src);
  assert.equal(gone.outcome, 'gone');
  assert.equal(gone.nextPollAt.getTime(), NEVER.getTime());
  assert.equal((await store.queryArticles({ limit: 10 })).length, 1, 'its archive stays');

  up.route('/fresh.xml', { body: rss([{ guid: 'f1', title: 'Fresh' }]) });
  assert.equal((await poll({ ...src, url: up.url('/fresh.xml') })).outcome, 'ok', 'a new URL in the config lifts gone');
});

test('429 with Retry-After and a failing server: never polled sooner than asked, backoff grows', async (t) => {
  const { up, poll, now } = await rig(t);
  up.route('/busy.xml', { status: 429, headers: { 'retry-after': '7200' } });
  const busy = await poll(source('busy', up.url('/busy.xml')));
  assert.equal(busy.outcome, 'error');
  assert.ok(busy.nextPollAt.getTime() >= now.getTime() + 7200 * 1000);

  up.route('/down.xml', { status: 500 });
  const once = await poll(source('down', up.url('/down.xml')));
  const twice = await poll(source('down', up.url('/down.xml')));
  assert.match(once.error ?? '', /500/);
  // random() is 0.5 (no jitter): 30 min × 2^1, then × 2^2.
  assert.equal(once.nextPollAt.getTime() - now.getTime(), 60 * 60_000);
  assert.equal(twice.nextPollAt.getTime() - now.getTime(), 120 * 60_000);
});

test('a slow source times out without delaying the others', async (t) => {
  const { up, poll } = await rig(t, { totalTimeoutMs: 1500, headersTimeoutMs: 500, maxBytes: 64 * 1024 });
  up.route('/slow.xml', { delayMs: 3000, body: rss([]) });
  up.route('/quick.xml', { body: rss([{ guid: 'q1', title: 'Quick' }]) });
  const started = Date.now();
  const [slow, quick] = await Promise.all([poll(source('slow', up.url('/slow.xml'))), poll(source('quick', up.url('/quick.xml')))]);
  assert.equal(quick.outcome, 'ok');
  assert.equal(slow.outcome, 'error');
  assert.match(slow.error ?? '', /within 500 ms/);
  assert.ok(Date.now() - started < 2900, 'the poll gave up at its own limit');
});

test('the same article through two sources is stored once, with both sources', async (t) => {
  const { up, store, poll } = await rig(t);
  const shared = { title: 'Paris talks', link: 'https://news.example/paris?utm_source=feed' };
  up.route('/a.xml', { body: rss([{ guid: 'A-1', ...shared }]) });
  up.route('/b.xml', { body: rss([{ guid: 'B-9', ...shared, link: 'https://news.example/paris#top' }]) });
  await poll(source('a', up.url('/a.xml')));
  await poll(source('b', up.url('/b.xml'), { topics: ['tech'] }));
  const all = await store.queryArticles({ limit: 10 });
  assert.equal(all.length, 1);
  assert.equal(all[0]?.url, 'https://news.example/paris');
  assert.deepEqual(all[0]?.sources, ['a', 'b']);
  assert.deepEqual(all[0]?.topics.sort(), ['europe', 'tech'], 'the second source adds its default topic');
});

test('Atom and JSON Feed sources are ingested by content, whatever the content type says', async (t) => {
  const { up, store, poll } = await rig(t);
  up.route('/atom', { headers: { 'content-type': 'text/plain' }, body: `<?xml version="1.0"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>A</title><id>urn:a</id><updated>2026-01-05T10:00:00Z</updated>
<entry><id>urn:a:1</id><title>Atom in Paris</title><updated>2026-01-05T10:00:00Z</updated><link href="https://a.example/1"/>
<author><name>One</name></author><author><name>Two</name></author><category term="technology"/></entry></feed>` });
  up.route('/json', { headers: { 'content-type': 'application/octet-stream' }, body: JSON.stringify({
    version: 'https://jsonfeed.org/version/1.1', title: 'J', items: [{ id: 'j1', url: 'https://j.example/1', title: 'JSON item', content_text: 'Hello', date_published: '2026-01-04T08:00:00Z' }],
  }) });
  assert.equal((await poll(source('atom', up.url('/atom')))).outcome, 'ok');
  assert.equal((await poll(source('json', up.url('/json')))).outcome, 'ok');
  const atom = (await store.queryArticles({ sources: ['atom'], limit: 1 }))[0];
  assert.deepEqual(atom?.authors.map((p) => p.name), ['One', 'Two']);
  assert.deepEqual(atom?.topics.sort(), ['europe', 'tech']);
  assert.equal((await store.queryArticles({ sources: ['json'], limit: 1 }))[0]?.title, 'JSON item');
});

// ---- the worker pool (issue 8): parse → normalize → classify off the serving thread

const BIG = { ...LIMITS, maxBytes: 64 * 1024 * 1024, totalTimeoutMs: 60_000 };

function pool(t: TestContext, options: Partial<Parameters<typeof createIngestPool>[0]> = {}): IngestPool {
  const p = createIngestPool({ workers: 1, log: silentLogger(), ...options });
  t.after(() => p.close());
  return p;
}

test('through the worker pool, a source is stored and classified exactly as in place', async (t) => {
  const feed = rss([{ guid: 'a1', title: 'Макрон у Франції' }, { guid: 'a2', title: 'New chips', category: 'Technology' }]);
  const inPlace = await rig(t);
  const workers = pool(t);
  const pooled = await rig(t, LIMITS, { processFeed: (job) => workers.process(job) });
  for (const r of [inPlace, pooled]) {
    r.up.route('/feed.xml', { body: feed });
    assert.equal((await r.poll(source('wire', r.up.url('/feed.xml')))).outcome, 'ok');
  }
  const stored = async (r: Rig) => (await r.store.queryArticles({ limit: 10 })).map(({ id, title, topics, published, contentHtml }) => ({ id, title, topics, published, contentHtml }));
  const expected = await stored(inPlace);
  assert.deepEqual(new Map(expected.map((a) => [a.title, a.topics])), new Map([['Макрон у Франції', ['europe']], ['New chips', ['tech']]]));
  assert.deepEqual(await stored(pooled), expected);
});

test('the pool starts its threads on its first job: one closed before any job never started them, and refuses jobs after', async () => {
  const ports = (): number => process.getActiveResourcesInfo().filter((r) => r === 'MessagePort').length;
  const before = ports();
  const workers = createIngestPool({ workers: 1, log: silentLogger() });
  assert.equal(ports(), before, 'no worker thread (nor its message port) at creation');
  await workers.close();
  const job = { text: rss([{ guid: 'a1', title: 'Late' }]), url: 'https://upstream.example/feed.xml', source: source('late', 'https://upstream.example/feed.xml'),
    baseUrl: 'http://tidings.test', now: new Date(), topics: TOPICS, maxItems: 10 };
  assert.deepEqual(await workers.process(job), { kind: 'failed', error: 'parse: https://upstream.example/feed.xml: the ingest pool is closed' });
  assert.equal(ports(), before, 'a job after close() starts no thread');
});

test('a feed over the item cap keeps its newest items, wherever they are in the feed', async (t) => {
  const { up, store, poll } = await rig(t, BIG, { maxItems: 50 });
  // Oldest first: the cap must pick by date, not by position.
  const newestFirst = manyItems(120, new Date('2026-01-09T00:00:00Z'));
  const items = newestFirst.match(/<item>.*?<\/item>/g) ?? [];
  up.route('/big.xml', { body: newestFirst.replace(items.join(''), [...items].reverse().join('')) });
  const result = await poll(source('big', up.url('/big.xml')));
  assert.equal(result.outcome, 'ok');
  assert.equal(result.newItems, 50);
  const titles = (await store.queryArticles({ limit: 200 })).map((a) => a.title);
  assert.deepEqual(titles, Array.from({ length: 50 }, (_, i) => `item ${i}`));
});

test('a worker past its time budget is terminated: the source fails with "exceeded", its replacement parses the next', async (t) => {
  // 250 ms: the budget counts only the parse (workers are warmed up before it starts), the good feed
  // needs milliseconds of it, and every second more was a second of CPU spent parsing the slow one.
  // The slow feed takes about 1.4 s here: over five times the budget, as 200,000 items were for 1 s.
  const workers = pool(t, { timeoutMs: 250 });
  const { up, store, poll } = await rig(t, BIG, { processFeed: (job) => workers.process(job) });
  up.route('/slow.xml', { body: manyItems(50_000) });
  up.route('/good.xml', { body: rss([{ guid: 'g1', title: 'Good one' }]) });
  const slow = await poll(source('slow', up.url('/slow.xml')));
  assert.equal(slow.outcome, 'error');
  assert.equal(slow.error, `parse: ${up.url('/slow.xml')}: exceeded 0.25 s`);
  assert.equal((await store.getSourceState('slow'))?.error, slow.error);
  assert.equal((await poll(source('good', up.url('/good.xml')))).outcome, 'ok');
});

test('a worker past its heap cap fails the source with "ran out of memory"; its replacement parses the next', async (t) => {
  // Far below what the 4 MB body needs, but not below the body itself: a worker that cannot even hold
  // its input may abort the whole process instead (nodejs/node#47224) — the cap is a backstop.
  // A time budget far beyond the 10 s default: near its cap the worker collects garbage more than it
  // parses, and on a busy machine it reached 10 s before running out of memory (so "exceeded 10 s").
  const workers = pool(t, { maxHeapMb: 32, timeoutMs: 120_000 });
  const { up, poll } = await rig(t, BIG, { processFeed: (job) => workers.process(job) });
  up.route('/huge.xml', { body: manyItems(20_000) });
  up.route('/good.xml', { body: rss([{ guid: 'g1', title: 'Good one' }]) });
  const huge = await poll(source('huge', up.url('/huge.xml')));
  assert.equal(huge.outcome, 'error');
  assert.equal(huge.error, `parse: ${up.url('/huge.xml')}: worker ran out of memory (heap cap 32 MB)`);
  const good = await poll(source('good', up.url('/good.xml')));
  assert.equal(good.outcome, 'ok', good.error);
});
