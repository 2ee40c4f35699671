// Full text for teaser-only sources, end to end: a real upstream on 127.0.0.1 serves a feed of teasers
// and real-looking article pages (navigation, ads, comments, cookie banners, a windows-1251 page that
// says so only in <meta charset>); the pipeline stores into a real SQLite store; /sources shows failures.

import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import iconv from 'iconv-lite';
import request from 'supertest';
import { compileTopics } from '../src/classify/topics.ts';
import { createPollSource, type PipelineDeps } from '../src/ingest/pipeline.ts';
import { decodeHtmlBody } from '../src/fetch/charset.ts';
import { BACKFILL_PAGES_PER_POLL, isTeaser, RETRY_BASE_MS } from '../src/ingest/fulltext.ts';
import { createCrawlPacer } from '../src/fetch/article-page.ts';
import { createRobotsCache, MAX_CRAWL_DELAY_S } from '../src/fetch/robots.ts';
import { createIngestPool } from '../src/ingest/worker-pool.ts';
import { silentLogger } from '../src/log.ts';
import type { Source } from '../src/model.ts';
import { startTestApp } from './helpers/app.ts';
import { scriptedLookup } from './helpers/resolver.ts';
import { startUpstream, type Upstream } from './helpers/upstream.ts';

const NEWS_PAGE = readFileSync(new URL('./fixtures/articles/news-page.html', import.meta.url), 'utf8');
const UK_PAGE = readFileSync(new URL('./fixtures/articles/uk-windows-1251.html', import.meta.url), 'utf8');
const CLUTTER = ['COOKIE-BANNER-TEXT', 'NAV-NEWS', 'ADVERT-TOP', 'ADVERT-BANNER', 'ADVERT-SIDEBAR', 'RELATED-LINK', 'COMMENT-ONE', 'COMMENT-TWO', 'FOOTER-TEXT', 'dataLayer'];

interface Item { guid: string; link: string; description: string; content?: string }

function rss(items: Item[]): string {
  return `<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel><title>Herald</title><link>http://herald.test/</link><description>d</description>
${items.map((i) => `<item><guid isPermaLink="false">${i.guid}</guid><title>Story ${i.guid}</title><link>${i.link}</link>
<pubDate>Tue, 06 Jan 2026 10:00:00 +0200</pubDate><description><![CDATA[${i.description}]]></description>
${i.content ? `<content:encoded><![CDATA[${i.content}]]></content:encoded>` : ''}</item>`).join('\n')}
</channel></rss>`;
}

function source(url: string, fulltext = true): Source {
  return { id: 'herald', url, topics: [], categoryTopics: {}, intervalMinutes: 30, enabled: true, fulltext };
}

const LIMITS = { totalTimeoutMs: 10_000, headersTimeoutMs: 5_000, maxBytes: 256 * 1024 };

async function rig(t: TestContext, extra: Partial<PipelineDeps> = {}) {
  const up = await startUpstream();
  const app = await startTestApp(t);
  t.after(() => up.close());
  const clock = { now: new Date(Date.UTC(2026, 0, 10, 12, 0, 0)) };
  const compiled = compileTopics([]);
  const poll = createPollSource({
    store: app.store,
    topics: () => ({ topics: [], compiled }),
    baseUrl: 'http://tidings.test',
    userAgent: 'Tidings/test (+http://tidings.test)',
    log: silentLogger(),
    fetchLimits: LIMITS,
    now: () => clock.now,
    random: () => 0.5,
    ...extra,
  });
  return { up, app, poll, clock };
}

function publishOne(up: Upstream, item: Partial<Item> & { guid: string }): Source {
  up.route('/feed.xml', { body: rss([{ link: up.url(`/news/${item.guid}`), description: 'The harbour bridge reopened on Tuesday…', ...item }]) });
  return source(up.url('/feed.xml'));
}

async function sourcesRow(app: Awaited<ReturnType<typeof startTestApp>>, src: Source) {
  app.catalog.sources = [src];
  const res = await request(app.app).get('/sources').expect(200);
  return res.body[0] as { fulltext: { errors: number; lastError: string | null; pending: number; backfill: { done: boolean; examined: number; completed: number } | null } | null };
}

test('a teaser becomes the article of its page: the text stays, navigation, ads, comments and cookie banner go', async (t) => {
  const { up, app, poll } = await rig(t);
  up.route('/news/bridge', { body: NEWS_PAGE, headers: { 'content-type': 'text/html; charset=utf-8' } });
  const src = publishOne(up, { guid: 'bridge' });
  assert.equal((await poll(src)).outcome, 'ok');
  const [stored] = await app.store.queryArticles({ limit: 5 });
  assert.ok(stored);
  assert.match(stored.contentHtml, /replaced all 164 suspension cables/);
  assert.match(stored.contentHtml, /Ferry services that ran a free shuttle/);
  for (const clutter of CLUTTER) assert.ok(!stored.contentHtml.includes(clutter), `${clutter} in ${stored.contentHtml}`);
  assert.ok(!/<script/i.test(stored.contentHtml));
  // Relative URLs of the page resolve against the page.
  assert.match(stored.contentHtml, new RegExp(`href="${up.url('/reports/bridge-audit.pdf')}"`));
  assert.match(stored.contentHtml, new RegExp(`src="${up.url('/images/bridge-opening.jpg')}"`));
  assert.equal(stored.summary, 'The harbour bridge reopened on Tuesday…');
  assert.equal(up.requests('/news/bridge')[0]?.headers['user-agent'], 'Tidings/test (+http://tidings.test)');
  assert.equal(up.requests('/robots.txt').length, 1);
  // The article is searchable by its full text.
  assert.equal((await app.store.queryArticles({ terms: [{ words: ['suspension'], match: 'word' }], limit: 5 })).length, 1);

  // The next poll sends the same teaser: the full text stays and the page is not fetched again.
  const again = await poll(src);
  assert.equal(again.updatedItems, 0);
  assert.equal(up.requests('/news/bridge').length, 1);
  assert.match((await app.store.getArticle(stored.id))!.contentHtml, /164 suspension cables/);
  assert.deepEqual((await sourcesRow(app, src)).fulltext, {
    errors: 0, lastError: null, pending: 0, backfill: { done: true, examined: 0, completed: 0 },
  });
});

test('a windows-1251 page declared only in <meta charset> comes out in Cyrillic', async (t) => {
  const { up, app, poll } = await rig(t);
  up.route('/news/tram', { body: iconv.encode(UK_PAGE, 'windows-1251'), headers: { 'content-type': 'text/html' } });
  const src = publishOne(up, { guid: 'tram', description: 'Львів отримав нові трамваї…' });
  await poll(src);
  const [stored] = await app.store.queryArticles({ limit: 5 });
  assert.match(stored!.contentHtml, /низькопідлогові трамваї/);
  assert.match(stored!.contentHtml, /Пасажири, які вже побачили нові трамваї/);
  for (const clutter of ['БАНЕР-КУКІ', 'МЕНЮ-НОВИНИ', 'РЕКЛАМА-ВЕРХ', 'КОМЕНТАР-ОДИН', 'ПІДВАЛ-САЙТУ']) {
    assert.ok(!stored!.contentHtml.includes(clutter), `${clutter} in ${stored!.contentHtml}`);
  }
});

test('robots.txt that disallows the page: no request for it, the teaser stays, /sources says why', async (t) => {
  const { up, app, poll } = await rig(t);
  up.route('/robots.txt', { body: 'User-agent: *\nAllow: /\n\nUser-agent: Tidings\nDisallow: /news/\n', headers: { 'content-type': 'text/plain' } });
  up.route('/news/bridge', { body: NEWS_PAGE, headers: { 'content-type': 'text/html' } });
  const src = publishOne(up, { guid: 'bridge' });
  await poll(src);
  assert.equal(up.requests('/news/bridge').length, 0);
  const [stored] = await app.store.queryArticles({ limit: 5 });
  assert.match(stored!.contentHtml, /The harbour bridge reopened on Tuesday…/);
  const row = await sourcesRow(app, src);
  assert.equal(row.fulltext?.errors, 1);
  assert.match(row.fulltext?.lastError ?? '', /robots\.txt disallows http:\/\/127\.0\.0\.1:\d+\/news\/bridge/);
  assert.equal(row.fulltext?.pending, 0, 'a disallowed page is not retried');
});

test('a 500 keeps the teaser, shows in /sources, and is retried after a pause until it works', async (t) => {
  const { up, app, poll, clock } = await rig(t);
  up.route('/news/bridge', { status: 500, body: 'oops' });
  const src = publishOne(up, { guid: 'bridge' });
  await poll(src);
  const [teaser] = await app.store.queryArticles({ limit: 5 });
  assert.match(teaser!.contentHtml, /reopened on Tuesday…/);
  let row = await sourcesRow(app, src);
  assert.equal(row.fulltext?.errors, 1);
  assert.match(row.fulltext?.lastError ?? '', /^fetch: http:\/\/127\.0\.0\.1:\d+\/news\/bridge: HTTP 500$/);
  assert.equal(row.fulltext?.pending, 1);

  // Before the pause is over the page is left alone.
  await poll(src);
  assert.equal(up.requests('/news/bridge').length, 1);

  clock.now = new Date(clock.now.getTime() + RETRY_BASE_MS);
  up.route('/news/bridge', { body: NEWS_PAGE, headers: { 'content-type': 'text/html' } });
  const retried = await poll(src);
  assert.equal(retried.updatedItems, 1);
  assert.match((await app.store.getArticle(teaser!.id))!.contentHtml, /164 suspension cables/);
  row = await sourcesRow(app, src);
  assert.deepEqual(row.fulltext, { errors: 0, lastError: null, pending: 0, backfill: { done: true, examined: 0, completed: 0 } });
});

test('a page that keeps failing is tried three times in all, then left as the teaser', async (t) => {
  const { up, app, poll, clock } = await rig(t);
  up.route('/news/bridge', { status: 503, body: 'busy' });
  const src = publishOne(up, { guid: 'bridge' });
  for (let i = 0; i < 5; i++) {
    await poll(src);
    clock.now = new Date(clock.now.getTime() + 24 * 60 * 60_000);
  }
  assert.equal(up.requests('/news/bridge').length, 3);
  const row = await sourcesRow(app, src);
  assert.equal(row.fulltext?.errors, 3);
  assert.equal(row.fulltext?.pending, 0);
});

test('a page that answers too slowly keeps the teaser and names the timeout', async (t) => {
  // The limit is the feed's too (one fetch policy): long enough for the feed on a loaded CI machine.
  const { up, app, poll } = await rig(t, { fetchLimits: { ...LIMITS, headersTimeoutMs: 1500 } });
  up.route('/news/bridge', { delayMs: 4000, body: NEWS_PAGE, headers: { 'content-type': 'text/html' } });
  const src = publishOne(up, { guid: 'bridge' });
  await poll(src);
  const [stored] = await app.store.queryArticles({ limit: 5 });
  assert.match(stored!.contentHtml, /reopened on Tuesday…/);
  const row = await sourcesRow(app, src);
  assert.match(row.fulltext?.lastError ?? '', /no response headers from .*\/news\/bridge within 1500 ms/);
  assert.equal(row.fulltext?.pending, 1);
});

test('robots.txt Crawl-delay spaces the page fetches of a host', async (t) => {
  const { up, app, poll } = await rig(t);
  up.route('/robots.txt', { body: 'User-agent: *\nCrawl-delay: 1\n', headers: { 'content-type': 'text/plain' } });
  for (const slug of ['a', 'b', 'c']) up.route(`/news/${slug}`, { body: NEWS_PAGE, headers: { 'content-type': 'text/html' } });
  up.route('/feed.xml', { body: rss(['a', 'b', 'c'].map((slug) => ({ guid: slug, link: up.url(`/news/${slug}`), description: 'A teaser…' }))) });
  await poll(source(up.url('/feed.xml')));
  const times = up.requests().filter((r) => r.url.startsWith('/news/')).map((r) => r.at.getTime()).sort((x, y) => x - y);
  assert.equal(times.length, 3);
  // The pacer spaces the fetches' starts by 1 s; their arrival here may lag a start by a loaded
  // machine's scheduling, so the gaps seen are allowed some of that (unpaced, they would be ~0 ms).
  for (let i = 1; i < times.length; i++) assert.ok(times[i]! - times[i - 1]! >= 750, `requests ${times[i]! - times[i - 1]!} ms apart`);
  const stored = await app.store.queryArticles({ limit: 5 });
  assert.ok(stored.every((a) => a.contentHtml.includes('164 suspension cables')));
});

test('a Crawl-delay beyond 60 s counts as 60 s, and a page with no turn within the poll waits for a later poll', async (t) => {
  const { up, app, poll } = await rig(t);
  up.route('/robots.txt', { body: 'User-agent: Tidings\nCrawl-delay: 3600\n', headers: { 'content-type': 'text/plain' } });
  const robots = createRobotsCache();
  const verdict = await robots.check(up.url('/news/a'), { userAgent: 'Tidings/test', ...LIMITS });
  assert.deepEqual(verdict, { kind: 'allowed', crawlDelayMs: MAX_CRAWL_DELAY_S * 1000 });
  for (const slug of ['a', 'b']) up.route(`/news/${slug}`, { body: NEWS_PAGE, headers: { 'content-type': 'text/html' } });
  up.route('/feed.xml', { body: rss(['a', 'b'].map((slug) => ({ guid: slug, link: up.url(`/news/${slug}`), description: 'A teaser…' }))) });
  const src = source(up.url('/feed.xml'));
  const started = Date.now();
  await poll(src);
  assert.ok(Date.now() - started < 10_000, 'the poll did not wait a minute for the second page');
  assert.equal(up.requests().filter((r) => r.url.startsWith('/news/')).length, 1, 'one page now, the other in its turn');
  const texts = (await app.store.queryArticles({ limit: 5 })).map((a) => a.contentHtml.includes('164 suspension cables'));
  assert.deepEqual(texts.sort(), [false, true]);
  const row = await sourcesRow(app, src);
  assert.equal(row.fulltext?.pending, 1, 'waiting, not failed');
  assert.equal(row.fulltext?.errors, 0);
});

test('the crawl pacer takes turns per origin and refuses a turn after the latest start', async () => {
  const pacer = createCrawlPacer();
  const latest = Date.now() + 500;
  assert.deepEqual(await pacer.turn('http://a.test', 60_000, latest), { kind: 'now' });
  const later = await pacer.turn('http://a.test', 60_000, latest);
  assert.equal(later.kind, 'later');
  assert.ok(later.kind === 'later' && later.at >= Date.now() + 59_000);
  assert.deepEqual(await pacer.turn('http://b.test', 60_000, latest), { kind: 'now' }, 'another origin has its own turns');
});

test('switching fulltext on completes the teasers stored before, gone from the feed too, with the same retries', async (t) => {
  const { up, app, poll, clock } = await rig(t);
  const items = (slugs: string[]) => rss(slugs.map((slug) => ({ guid: slug, link: up.url(`/news/${slug}`), description: 'A teaser…' })));
  up.route('/feed.xml', { body: items(['a', 'b', 'c']) });
  await poll(source(up.url('/feed.xml'), false));
  assert.equal(up.requests().filter((r) => r.url.startsWith('/news/')).length, 0, 'no full text yet');
  up.route('/news/a', { body: NEWS_PAGE, headers: { 'content-type': 'text/html' } });
  up.route('/news/b', { status: 500, body: 'busy' });
  up.route('/news/c', { body: NEWS_PAGE, headers: { 'content-type': 'text/html' } });
  // The feed now carries only c: a and b were stored before and are no longer in it.
  up.route('/feed.xml', { body: items(['c']) });
  const src = source(up.url('/feed.xml'));
  await poll(src);
  const full = async () => Object.fromEntries((await app.store.queryArticles({ limit: 10 })).map((a) => [a.url.split('/').pop(), a.contentHtml.includes('164 suspension cables')]));
  assert.deepEqual(await full(), { a: true, b: false, c: true });
  let row = await sourcesRow(app, src);
  // b waits for its retry (errors and lastError count since the last success, which c may have been).
  assert.equal(row.fulltext?.pending, 1);
  assert.deepEqual(row.fulltext?.backfill, { done: true, examined: 3, completed: 2 });

  // b is retried on a later poll, though its feed no longer carries it.
  clock.now = new Date(clock.now.getTime() + RETRY_BASE_MS + 1000);
  up.route('/news/b', { body: NEWS_PAGE, headers: { 'content-type': 'text/html' } });
  await poll(src);
  assert.deepEqual(await full(), { a: true, b: true, c: true });
  row = await sourcesRow(app, src);
  assert.deepEqual(row.fulltext, { errors: 0, lastError: null, pending: 0, backfill: { done: true, examined: 3, completed: 3 } });
  assert.equal(up.requests('/news/a').length, 1, 'a completed page is not fetched again');
});

test('the backfill fetches at most BACKFILL_PAGES_PER_POLL stored teasers per poll and goes on where it stopped', async (t) => {
  const { up, app, poll } = await rig(t);
  const slugs = Array.from({ length: BACKFILL_PAGES_PER_POLL + 2 }, (_, i) => `s${String(i).padStart(2, '0')}`);
  up.route('/feed.xml', { body: rss(slugs.map((slug) => ({ guid: slug, link: up.url(`/news/${slug}`), description: 'A teaser…' }))) });
  for (const slug of slugs) up.route(`/news/${slug}`, { body: NEWS_PAGE, headers: { 'content-type': 'text/html' } });
  await poll(source(up.url('/feed.xml'), false));
  const src = source(up.url('/feed.xml'));
  const pages = () => up.requests().filter((r) => r.url.startsWith('/news/')).length;
  await poll(src);
  assert.equal(pages(), BACKFILL_PAGES_PER_POLL);
  assert.deepEqual((await sourcesRow(app, src)).fulltext?.backfill, { done: false, examined: BACKFILL_PAGES_PER_POLL, completed: BACKFILL_PAGES_PER_POLL });
  // The same feed body again: the unfinished backfill still gets its poll.
  await poll(src);
  assert.equal(pages(), slugs.length);
  assert.deepEqual((await sourcesRow(app, src)).fulltext?.backfill, { done: true, examined: slugs.length, completed: slugs.length });
  const stored = await app.store.queryArticles({ limit: 20 });
  assert.ok(stored.every((a) => a.contentHtml.includes('164 suspension cables')));
});

test('items with full content, and sources without fulltext, fetch no page', async (t) => {
  const { up, app, poll } = await rig(t);
  up.route('/news/long', { body: NEWS_PAGE, headers: { 'content-type': 'text/html' } });
  up.route('/news/short', { body: NEWS_PAGE, headers: { 'content-type': 'text/html' } });
  const long = `<p>${'The council met on Monday to discuss the harbour budget in detail. '.repeat(12)}</p>`;
  up.route('/feed.xml', { body: rss([{ guid: 'long', link: up.url('/news/long'), description: 'Short summary.', content: long }]) });
  await poll(source(up.url('/feed.xml')));
  up.route('/feed2.xml', { body: rss([{ guid: 'short', link: up.url('/news/short'), description: 'Just a teaser…' }]) });
  await poll({ ...source(up.url('/feed2.xml'), false), id: 'plain' });
  assert.equal(up.requests('/news/long').length, 0);
  assert.equal(up.requests('/news/short').length, 0);
  assert.equal(up.requests('/robots.txt').length, 0);
  assert.equal((await app.store.queryArticles({ limit: 5 })).length, 2);
});

test('a long item that ends in a "Read more" link is a teaser too', async (t) => {
  const { up, app, poll } = await rig(t);
  up.route('/news/bridge', { body: NEWS_PAGE, headers: { 'content-type': 'text/html' } });
  const long = `<p>${'The harbour bridge reopened to traffic on Tuesday morning after repairs. '.repeat(10)}</p><p><a href="/news/bridge">Read more »</a></p>`;
  const src = publishOne(up, { guid: 'bridge', content: long });
  await poll(src);
  assert.equal(up.requests('/news/bridge').length, 1);
  assert.match((await app.store.queryArticles({ limit: 1 }))[0]!.contentHtml, /164 suspension cables/);
});

test('a public source cannot send the page fetch to a private address through an item link', async (t) => {
  const internal = await startUpstream();
  t.after(() => internal.close());
  internal.route('/news/bridge', { body: NEWS_PAGE, headers: { 'content-type': 'text/html' } });
  // The feed's host: a real server on 127.0.0.2, which this test's rules count as public.
  const feed = rss([{ guid: 'bridge', link: internal.url('/news/bridge'), description: 'The harbour bridge reopened on Tuesday…' }]);
  const server = http.createServer((_req, res) => void res.writeHead(200, { 'content-type': 'application/rss+xml' }).end(feed));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.2', resolve));
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const network = { lookup: scriptedLookup({ 'herald.example': ['127.0.0.2'] }), extraPublic: new Set(['127.0.0.2']) };
  const { app, poll } = await rig(t, { fetchLimits: { ...LIMITS, network } });
  const src = source(`http://herald.example:${(server.address() as AddressInfo).port}/feed.xml`);
  assert.equal((await poll(src)).outcome, 'ok');
  assert.deepEqual(internal.requests(), [], 'neither robots.txt nor the page was requested');
  assert.match((await app.store.queryArticles({ limit: 1 }))[0]!.contentHtml, /reopened on Tuesday…/);
  assert.match((await sourcesRow(app, src)).fulltext?.lastError ?? '', /127\.0\.0\.1 resolves to a non-public address/);
});

test('the ingest worker pool extracts an article page off the serving thread', async (t) => {
  const pool = createIngestPool({ workers: 1, log: silentLogger() });
  t.after(() => pool.close());
  const out = await pool.extract({ html: NEWS_PAGE, url: 'https://herald.example/news/bridge' });
  assert.equal(out.kind, 'ok');
  assert.ok(out.kind === 'ok' && out.text.includes('replaced all 164 suspension cables'));
  assert.ok(out.kind === 'ok' && out.contentHtml.includes('href="https://herald.example/reports/bridge-audit.pdf"'));
  const stub = await pool.extract({ html: '<html><body><nav>Home</nav><p>Page not found.</p></body></html>', url: 'https://herald.example/x' });
  assert.equal(stub.kind, 'failed');
});

test('an HTML page\'s charset: HTTP header, then <meta charset>, then <meta http-equiv>, then detection', () => {
  const uk = 'Львівський трамвай отримав нові вагони, які вийдуть на маршрути наступного тижня';
  const page = (head: string) => iconv.encode(`<html><head>${head}</head><body><p>${uk}</p></body></html>`, 'koi8-u');
  const meta = decodeHtmlBody(page('<meta charset="koi8-u">'), 'text/html');
  assert.deepEqual([meta.charset, meta.source], ['koi8-u', 'meta']);
  assert.ok(meta.text.includes(uk));
  const equiv = decodeHtmlBody(page('<meta http-equiv="Content-Type" content="text/html; charset=KOI8-U">'), undefined);
  assert.deepEqual([equiv.charset, equiv.source], ['koi8-u', 'meta']);
  const header = decodeHtmlBody(page('<meta charset="utf-8">'), 'text/html; charset=koi8-u');
  assert.deepEqual([header.charset, header.source], ['koi8-u', 'http']);
  // A page that says nothing is detected; a meta that only names content is not a declaration.
  const bare = decodeHtmlBody(iconv.encode(`<html><head><meta name="description" content="charset=iso-8859-1"></head><body><p>${uk}</p></body></html>`, 'windows-1251'));
  assert.deepEqual([bare.charset, bare.source], ['windows-1251', 'detected']);
  assert.ok(bare.text.includes(uk));
});

test('what counts as a teaser', () => {
  const long = 'The council met on Monday to discuss the harbour budget in detail. '.repeat(10).trim();
  const item = (contentHtml: string, text: string) => ({ contentHtml, text });
  assert.equal(isTeaser(item('', '')), true, 'no content');
  assert.equal(isTeaser(item('<p>Short news.</p>', 'Short news.')), true, 'shorter than 500 characters');
  assert.equal(isTeaser(item(`<p>${long}</p>`, long)), false, 'a whole article');
  assert.equal(isTeaser(item(`<p>${long}</p><p><a href="/x">Continue reading</a></p>`, `${long} Continue reading`)), true);
  assert.equal(isTeaser(item(`<p>${long} <a href="/x">Читати далі →</a></p>`, `${long} Читати далі →`)), true);
  assert.equal(isTeaser(item(`<p>${long} [&#8230;]</p>`, `${long} […]`)), true, 'WordPress excerpt');
  assert.equal(isTeaser(item(`<p>${long} See <a href="/x">the council's minutes</a></p>`, `${long} See the council's minutes`)), false);
});
