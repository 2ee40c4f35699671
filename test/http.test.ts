// Every route and error case of the HTTP layer, with supertest against a fresh app on a real store.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { get } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync, brotliDecompressSync } from 'node:zlib';
import request from 'supertest';
import { createApp } from '../src/app.ts';
import { silentLogger } from '../src/log.ts';
import type { ArticleQuery, IndexedArticle } from '../src/model.ts';
import type { PageRenderer } from '../src/store/page-renderer.ts';
import { openStore, type Rendition } from '../src/store/store.ts';
import { assertFirstRequestAnswersAsTwoSteps } from './helpers/first-request.ts';
import { makeArticle } from './store.contract.ts';
import { BASE_URL, startTestApp, topic, type TestApp } from './helpers/app.ts';

const TRICKY_TITLE = 'Київ & Париж: <ППО> "сьогодні" — it\'s on';

function seedArticles(): IndexedArticle[] {
  return [
    makeArticle(1, { title: 'Kyiv metro extends', topics: ['ukraine'], language: 'en', sourceId: 'local', slug: 'kyiv-metro' }),
    makeArticle(2, { title: 'Paris summit', topics: ['europe'], language: 'en', sourceId: 'wire' }),
    makeArticle(3, { title: TRICKY_TITLE, topics: ['ukraine', 'europe'], language: 'uk', sourceId: 'local', slug: 'kyiv-paryzh',
      contentHtml: '<p>Зустріч у Парижі щодо протиповітряної оборони</p>' }),
    makeArticle(4, { title: 'Нова лабораторія', topics: ['science', 'ukraine'], language: 'uk', sourceId: 'wire' }),
    makeArticle(5, { title: 'Research budget', topics: ['science'], language: 'en', sourceId: 'wire' }),
  ];
}

async function seeded(t: Parameters<typeof startTestApp>[0]): Promise<TestApp> {
  const app = await startTestApp(t);
  await app.store.upsertArticles(seedArticles());
  return app;
}

function titlesOf(body: { items: { title: string }[] }): string[] {
  return body.items.map((i) => i.title);
}

test('GET /healthz answers ok with the article count', async (t) => {
  const { app } = await seeded(t);
  const res = await request(app).get('/healthz').expect(200);
  assert.equal(res.body.status, 'ok');
  assert.equal(res.body.articles, 5);
  assert.equal(res.headers['cache-control'], 'no-store');
});

test('feeds have the right content types, charset included', async (t) => {
  const { app } = await seeded(t);
  for (const [ext, type] of [['rss', 'application/rss+xml'], ['atom', 'application/atom+xml'], ['json', 'application/feed+json']]) {
    const res = await request(app).get(`/feeds/ukraine.${ext}`).expect(200);
    assert.equal(res.headers['content-type'], `${type}; charset=utf-8`, ext);
  }
});

test('a topic feed lists only that topic, newest first; `all` lists everything', async (t) => {
  const { app } = await seeded(t);
  const ukraine = await request(app).get('/feeds/ukraine.json').expect(200);
  assert.deepEqual(titlesOf(ukraine.body), ['Нова лабораторія', TRICKY_TITLE, 'Kyiv metro extends']);
  assert.equal(ukraine.body.version, 'https://jsonfeed.org/version/1.1');
  assert.equal(ukraine.body.feed_url, `${BASE_URL}/feeds/ukraine.json`);
  assert.equal(ukraine.body.home_page_url, `${BASE_URL}/topics/ukraine`);
  const all = await request(app).get('/feeds/all.json').expect(200);
  assert.equal(all.body.items.length, 5);
});

test('several topics in the path are united without duplicates', async (t) => {
  const { app } = await seeded(t);
  const res = await request(app).get('/feeds/ukraine,europe.json').expect(200);
  assert.deepEqual(titlesOf(res.body), ['Нова лабораторія', TRICKY_TITLE, 'Paris summit', 'Kyiv metro extends']);
  const reordered = await request(app).get('/feeds/europe,ukraine.json').expect(200);
  assert.equal(reordered.headers.etag, res.headers.etag, 'one query, one ETag, whatever the order');
});

test('RSS and Atom carry the exact title, a self link and topics as categories', async (t) => {
  const { app } = await seeded(t);
  const rss = (await request(app).get('/feeds/europe.rss').expect(200)).text;
  // RSS titles are HTML to readers: the text is HTML-escaped, then XML-escaped.
  assert.ok(rss.includes('<title>Київ &amp;amp; Париж: &amp;lt;ППО&amp;gt; "сьогодні" — it\'s on</title>'), rss);
  assert.match(rss, /<atom:link rel="self" type="application\/rss\+xml" href="http:\/\/tidings\.test\/feeds\/europe\.rss"\/>/);
  assert.match(rss, /<category>europe<\/category>/);
  assert.doesNotMatch(rss, /<author>/);
  const atom = (await request(app).get('/feeds/europe.atom').expect(200)).text;
  assert.match(atom, /<link rel="self" type="application\/atom\+xml" href="http:\/\/tidings\.test\/feeds\/europe\.atom"\/>/);
  assert.match(atom, /<category term="europe"/);
});

test('limit: default 50, max 500, and anything else is a 400 naming it', async (t) => {
  const { app, store } = await startTestApp(t);
  await store.upsertArticles(Array.from({ length: 60 }, (_, i) => makeArticle(i + 1, { topics: ['ukraine'] })));
  assert.equal((await request(app).get('/feeds/ukraine.json').expect(200)).body.items.length, 50);
  assert.equal((await request(app).get('/feeds/ukraine.json?limit=3').expect(200)).body.items.length, 3);
  assert.equal((await request(app).get('/feeds/ukraine.json?limit=500').expect(200)).body.items.length, 60);
  for (const bad of ['0', '501', 'abc', '5.5', '-1']) {
    const res = await request(app).get(`/feeds/ukraine.json?limit=${bad}`).expect(400);
    assert.equal(res.body.parameter, 'limit', bad);
    assert.match(res.body.message, /^limit: expected a whole number from 1 to 500/);
  }
  const twice = await request(app).get('/feeds/ukraine.json?limit=1&limit=2').expect(400);
  assert.match(twice.body.message, /limit: give it once/);
});

test('an unknown topic is a 404 that names the known topics; an unknown format is a 404 too', async (t) => {
  const { app } = await seeded(t);
  const res = await request(app).get('/feeds/sport.rss').expect(404);
  assert.equal(res.headers['content-type'], 'application/json; charset=utf-8');
  assert.match(res.body.message, /unknown topic "sport"; known topics: all, europe, science, ukraine/);
  await request(app).get('/feeds/ukraine,sport.atom').expect(404);
  const ext = await request(app).get('/feeds/ukraine.xml').expect(404);
  assert.match(ext.body.message, /\.rss, \.atom or \.json/);
  await request(app).get('/no/such/page').expect(404);
});

test('filters: exclude, lang, source, q and since, each 400 on a malformed value', async (t) => {
  const { app } = await seeded(t);
  const get = async (qs: string) => titlesOf((await request(app).get(`/feeds/all.json?${qs}`).expect(200)).body);
  assert.deepEqual(await get('exclude=science'), [TRICKY_TITLE, 'Paris summit', 'Kyiv metro extends']);
  assert.deepEqual(await get('lang=uk'), ['Нова лабораторія', TRICKY_TITLE]);
  assert.deepEqual(await get('source=local'), [TRICKY_TITLE, 'Kyiv metro extends']);
  assert.deepEqual(await get(`q=${encodeURIComponent('ПРОТИПОВІТРЯНОЇ')}`), [TRICKY_TITLE]);
  assert.deepEqual(await get('q=research'), ['Research budget']);
  assert.deepEqual(await get('since=2026-01-05'), ['Research budget', 'Нова лабораторія']);
  assert.deepEqual(await get('unknown=ignored&lang=en&limit=1'), ['Research budget']);
  for (const [param, value] of [['exclude', 'sport'], ['lang', 'english!'], ['source', 'a b'], ['q', '!!!'], ['since', 'yesterday'], ['since', '2026-13-45'], ['before', 'zzzz']]) {
    const res = await request(app).get(`/feeds/all.json?${param}=${encodeURIComponent(value!)}`).expect(400);
    assert.equal(res.body.parameter, param, `${param}=${value}`);
    assert.ok(res.body.message.startsWith(`${param}: `), res.body.message);
  }
});

test('`since` also takes a duration back from now', async (t) => {
  const now = new Date(Date.UTC(2026, 0, 6, 13, 0, 0)); // seed article n is published on Jan 1 + n days, 12:00
  const { app, store } = await startTestApp(t, { now: () => now });
  await store.upsertArticles(seedArticles());
  // 48 h back is Jan 4, 13:00: article 3 (Jan 4, 12:00) is just outside; `since` itself is inclusive.
  const res = await request(app).get('/feeds/all.json?since=48h').expect(200);
  assert.deepEqual(titlesOf(res.body), ['Research budget', 'Нова лабораторія']);
  assert.match(res.body.feed_url, /since=2026-01-04T13%3A00%3A00\.000Z/);
  const inclusive = await request(app).get('/feeds/all.json?since=49h').expect(200);
  assert.equal(inclusive.body.items.length, 3);
});

test('a filtered feed has its own id and self link', async (t) => {
  const { app } = await seeded(t);
  const plain = (await request(app).get('/feeds/ukraine.atom').expect(200)).text;
  const filtered = (await request(app).get('/feeds/ukraine.atom?lang=uk').expect(200)).text;
  const id = (xml: string) => /<id>([^<]+)<\/id>/.exec(xml)?.[1];
  assert.notEqual(id(plain), id(filtered));
  assert.match(filtered, /href="http:\/\/tidings\.test\/feeds\/ukraine\.atom\?lang=uk"/);
});

test('paging: next links walk the whole archive once, in every format', async (t) => {
  const { app, store } = await startTestApp(t);
  await store.upsertArticles(Array.from({ length: 7 }, (_, i) => makeArticle(i + 1, { topics: ['europe'] })));
  const seen: string[] = [];
  let url: string | undefined = '/feeds/europe.json?limit=3';
  while (url) {
    const res: request.Response = await request(app).get(url).expect(200);
    seen.push(...res.body.items.map((i: { id: string }) => i.id));
    url = res.body.next_url?.replace(BASE_URL, '');
  }
  assert.equal(seen.length, 7);
  assert.equal(new Set(seen).size, 7);
  const rss = (await request(app).get('/feeds/europe.rss?limit=3').expect(200)).text;
  const next = /<atom:link rel="next" [^>]*href="([^"]+)"/.exec(rss)?.[1];
  assert.ok(next, 'RSS has an RFC 5005 next link');
  const page2 = (await request(app).get(next!.replace(BASE_URL, '').replace(/&amp;/g, '&')).expect(200)).text;
  assert.match(page2, /<atom:link rel="first" [^>]*href="http:\/\/tidings\.test\/feeds\/europe\.rss\?limit=3"/);
  const atom = (await request(app).get('/feeds/europe.atom?limit=3').expect(200)).text;
  assert.match(atom, /<link rel="next" [^>]*href="http:\/\/tidings\.test\/feeds\/europe\.atom\?before=/);
});

test('paging: previous links walk back to the head, and before+after together is a 400', async (t) => {
  const { app, store } = await startTestApp(t);
  await store.upsertArticles(Array.from({ length: 7 }, (_, i) => makeArticle(i + 1, { topics: ['europe'] })));
  const head = await request(app).get('/feeds/europe.json?limit=3').expect(200);
  const headAtom = (await request(app).get('/feeds/europe.atom?limit=3').expect(200)).text;
  assert.doesNotMatch(headAtom, /rel="previous"/, 'the head of the feed has nothing newer');
  const page = (url: string) => request(app).get(url.replace(BASE_URL, '')).expect(200);
  const second = await page(head.body.next_url);
  const third = await page(second.body.next_url);
  assert.deepEqual(titlesOf(third.body), ['Article 1']);
  assert.equal(third.body.next_url, undefined, 'the last page has no next');
  const rss = (await request(app).get(third.body.feed_url.replace(BASE_URL, '').replace('.json', '.rss')).expect(200)).text;
  const previous = /<atom:link rel="previous" [^>]*href="([^"]+)"/.exec(rss)?.[1]?.replace(/&amp;/g, '&');
  assert.ok(previous, 'RSS has an RFC 5005 previous link');
  const back = await page(previous!.replace('.rss', '.json'));
  assert.deepEqual(titlesOf(back.body), titlesOf(second.body));
  const atom = (await request(app).get(back.body.feed_url.replace(BASE_URL, '').replace('.json', '.atom')).expect(200)).text;
  const toHead = /<link rel="previous" [^>]*href="([^"]+)"/.exec(atom)?.[1]?.replace(/&amp;/g, '&');
  assert.ok(toHead);
  const top = (await request(app).get(toHead!.replace(BASE_URL, '').replace('.atom', '.json')).expect(200)).body;
  assert.deepEqual(titlesOf(top), titlesOf(head.body));
  const cursor = new URL(head.body.next_url).searchParams.get('before')!;
  const both = await request(app).get(`/feeds/europe.json?before=${cursor}&after=${cursor}`).expect(400);
  assert.equal(both.body.parameter, 'after');
});

test('conditional GET: 304 on a matching ETag or date, and a new ETag as soon as an article changes', async (t) => {
  const { app, store } = await seeded(t);
  const first = await request(app).get('/feeds/ukraine.rss').expect(200);
  const etag = first.headers.etag as string;
  assert.match(etag, /^"[^"]+"$/, 'a strong ETag');
  assert.equal(first.headers['cache-control'], 'public, max-age=300, stale-while-revalidate=60');
  // Accept too: a browser gets the same bytes as application/xml (see feed-style.ts).
  assert.equal(first.headers.vary, 'Accept, Accept-Encoding');
  const revalidated = await request(app).get('/feeds/ukraine.rss').set('If-None-Match', etag).expect(304);
  assert.equal(revalidated.text, '');
  await request(app).get('/feeds/ukraine.rss').set('If-None-Match', `W/${etag}`).expect(304);
  await request(app).get('/feeds/ukraine.rss').set('If-None-Match', `"other", ${etag}`).expect(304);
  await request(app).get('/feeds/ukraine.rss').set('If-Modified-Since', first.headers['last-modified'] as string).expect(304);

  await store.upsertArticles([makeArticle(9, { title: 'Breaking from Kyiv', topics: ['ukraine'] })]);
  const changed = await request(app).get('/feeds/ukraine.rss').set('If-None-Match', etag).expect(200);
  assert.notEqual(changed.headers.etag, etag);
  assert.match(changed.text, /Breaking from Kyiv/);
  const unrelated = await request(app).get('/feeds/science.rss').expect(200);
  await store.upsertArticles([makeArticle(10, { topics: ['ukraine'] })]);
  await request(app).get('/feeds/science.rss').set('If-None-Match', unrelated.headers.etag as string).expect(304);
});

test('HEAD answers like GET without a body', async (t) => {
  const { app } = await seeded(t);
  const get = await request(app).get('/feeds/all.atom').set('Accept-Encoding', 'gzip').expect(200);
  const head = await request(app).head('/feeds/all.atom').set('Accept-Encoding', 'gzip').expect(200);
  assert.equal(head.headers.etag, get.headers.etag);
  assert.equal(head.headers['content-type'], get.headers['content-type']);
  assert.equal(head.text, undefined);
});

interface RawAnswer {
  encoding: string | undefined;
  etag: string | undefined;
  contentType: string | undefined;
  body: Buffer;
}

/**
 * Serves the app on a real port and returns a raw GET: supertest would decompress gzip itself and hide
 * what was on the wire.
 */
async function rawClient(t: Parameters<typeof startTestApp>[0], app: TestApp['app']): Promise<(path: string, encoding: string) => Promise<RawAnswer>> {
  const server = app.listen(0, '127.0.0.1');
  t.after(() => server.close());
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return (path, encoding) => new Promise<RawAnswer>((resolve, reject) => {
    get({ host: '127.0.0.1', port, path, headers: { 'Accept-Encoding': encoding } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({
        encoding: res.headers['content-encoding'], etag: res.headers.etag, contentType: res.headers['content-type'], body: Buffer.concat(chunks),
      }));
    }).on('error', reject);
  });
}

test('a feed page rendered and compressed on the query worker is the response rendered in process, in every format and coding', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'tidings-worker-render-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const url = `sqlite:${join(dir, 'tidings.db')}`;
  // Two apps over one database: one reads and renders on its serving thread, the other on a query worker.
  const here = await startTestApp(t, { store: await openStore(url, { queryWorkers: 0 }) });
  const worker = await startTestApp(t, { store: await openStore(url, { queryWorkers: 1 }) });
  await here.store.upsertArticles(Array.from({ length: 12 }, (_, i) => makeArticle(i, {
    title: `Київ і Париж: зустріч ${i}`,
    contentHtml: `<p>${'Президенти говорили про ППО, енергетику та відбудову. '.repeat(8)}</p>`,
    topics: ['ukraine'],
    language: 'uk',
  })));
  const rawHere = await rawClient(t, here.app);
  const rawWorker = await rawClient(t, worker.app);
  const decoded = (a: RawAnswer): Buffer => (a.encoding === 'br' ? brotliDecompressSync(a.body) : a.encoding === 'gzip' ? gunzipSync(a.body) : a.body);
  for (const path of ['/feeds/all.rss', '/feeds/ukraine.atom', '/feeds/ukraine.json?q=%D0%BF%D0%BF%D0%BE', '/feeds/all.rss?limit=5']) {
    for (const coding of ['br', 'gzip', 'identity']) {
      // Each path is new to each app in its first coding: the worker renders and compresses it at once.
      const [a, b] = await Promise.all([rawHere(path, coding), rawWorker(path, coding)]);
      const what = `${path} in ${coding}`;
      assert.equal(b.encoding, coding === 'identity' ? undefined : coding, `${what}: sent in the coding asked for`);
      assert.equal(b.encoding, a.encoding, what);
      assert.equal(b.etag, a.etag, what);
      assert.equal(b.contentType, a.contentType, what);
      assert.ok(decoded(b).length > 2000, `${what}: a page worth compressing`);
      assert.deepEqual(decoded(b), decoded(a), `${what}: the same page`);
    }
  }
});

test("a one-off query's first request (its page read, versioned and rendered in one step) answers what the version-then-render path does", async (t) => {
  for (const queryWorkers of [0, 1]) {
    const dir = mkdtempSync(join(tmpdir(), 'tidings-first-render-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const url = `sqlite:${join(dir, 'tidings.db')}`;
    await assertFirstRequestAnswersAsTwoSteps(t, () => openStore(url, { queryWorkers }), `SQLite, QUERY_WORKERS=${queryWorkers}`);
  }
});

test('compressed forms decode to the same bytes', async (t) => {
  const { app } = await seeded(t);
  const raw = await rawClient(t, app);
  const fetchRaw = (encoding: string) => raw('/feeds/all.rss', encoding);
  const plain = await fetchRaw('identity');
  const gz = await fetchRaw('gzip');
  const br = await fetchRaw('gzip, br');
  const refused = await fetchRaw('br;q=0, gzip;q=0');
  assert.equal(plain.encoding, undefined);
  assert.equal(gz.encoding, 'gzip');
  assert.equal(br.encoding, 'br');
  assert.equal(refused.encoding, undefined);
  assert.ok(plain.body.toString('utf8').startsWith('<?xml'));
  assert.deepEqual(gunzipSync(gz.body), plain.body);
  assert.deepEqual(brotliDecompressSync(br.body), plain.body);
});

test('concurrent misses on one feed render it once; each compressed form is made when first asked for', async (t) => {
  const { app, store, cache } = await seeded(t);
  // A slow query keeps every request in flight together, as a burst of pollers right after a write is.
  let renders = 0;
  const renderQuery = store.renderQuery.bind(store);
  store.renderQuery = async <I, O>(query: ArticleQuery, renderer: PageRenderer<I>): Promise<Rendition<O>> => {
    renders++;
    await new Promise((resolve) => setTimeout(resolve, 50));
    return renderQuery<I, O>(query, renderer);
  };
  const raw = await rawClient(t, app);
  const fetchRaw = (encoding: string) => raw('/feeds/all.atom', encoding);

  const burst = await Promise.all(Array.from({ length: 8 }, () => fetchRaw('br')));
  assert.equal(renders, 1, 'one render served the whole burst');
  const plain = brotliDecompressSync(burst[0]!.body);
  for (const res of burst) {
    assert.equal(res.encoding, 'br');
    assert.deepEqual(brotliDecompressSync(res.body), plain);
  }
  assert.ok(plain.toString('utf8').includes('<feed'));

  const bytesBefore = cache.stats().bytes;
  const gz = await fetchRaw('gzip');
  assert.equal(gz.encoding, 'gzip');
  assert.deepEqual(gunzipSync(gz.body), plain);
  assert.equal(renders, 1, 'a new coding of a cached feed needs no render');
  assert.ok(cache.stats().bytes > bytesBefore, 'the gzip form is accounted to the cache once made');
});

test('a one-off query (q, since, a cursor) is cached on its second request; a plain feed on its first', async (t) => {
  const { app, store, cache } = await seeded(t);
  let renders = 0;
  const renderQuery = store.renderQuery.bind(store);
  store.renderQuery = async <I, O>(query: ArticleQuery, renderer: PageRenderer<I>): Promise<Rendition<O>> => {
    renders++;
    return renderQuery<I, O>(query, renderer);
  };
  const entries = () => cache.stats().entries;
  const before = entries();
  const search = (await request(app).get('/feeds/all.rss?q=kyiv').expect(200)).text;
  assert.equal(entries(), before, 'a first search is sent, not kept');
  const again = (await request(app).get('/feeds/all.rss?q=kyiv').expect(200)).text;
  assert.equal(again, search, 'the same bytes the second time');
  assert.equal(entries(), before + 1, 'asked twice, it is kept');
  await request(app).get('/feeds/all.rss?q=kyiv').set('Accept-Encoding', 'gzip').expect(200);
  assert.equal(renders, 2, 'the third answer (in another coding) comes from the cache');
  assert.equal(entries(), before + 1);

  await request(app).get('/feeds/europe.atom?since=2020-01-01T00:00:00Z').expect(200);
  assert.equal(entries(), before + 1, 'a since query waits for its repeat too');
  await request(app).get('/feeds/europe.atom').expect(200);
  assert.equal(entries(), before + 2, 'a plain topic feed is kept at once');
  const rendersNow = renders;
  await request(app).get('/feeds/europe.atom').expect(200);
  assert.equal(renders, rendersNow, 'and its repeat is a hit');
});

test('CORS: feeds and /topics allow any origin and answer preflight', async (t) => {
  const { app } = await seeded(t);
  const res = await request(app).get('/feeds/all.json').set('Origin', 'https://site.example').expect(200);
  assert.equal(res.headers['access-control-allow-origin'], '*');
  const pre = await request(app).options('/feeds/all.json').set('Origin', 'https://site.example')
    .set('Access-Control-Request-Method', 'GET').expect(204);
  assert.match(pre.headers['access-control-allow-methods'] as string, /GET/);
  assert.equal((await request(app).get('/topics').expect(200)).headers['access-control-allow-origin'], '*');
});

test('CORS: a list of origins echoes a listed Origin only', async (t) => {
  const { app } = await startTestApp(t, { corsOrigin: 'https://a.example, https://b.example' });
  const listed = await request(app).get('/feeds/all.json').set('Origin', 'https://b.example').expect(200);
  assert.equal(listed.headers['access-control-allow-origin'], 'https://b.example');
  assert.match(listed.headers.vary as string, /Origin/);
  const other = await request(app).get('/feeds/all.json').set('Origin', 'https://evil.example').expect(200);
  assert.equal(other.headers['access-control-allow-origin'], undefined);
  const none = await startTestApp(t, { corsOrigin: '' });
  assert.equal((await request(none.app).get('/topics').set('Origin', 'https://a.example')).headers['access-control-allow-origin'], undefined);
});

test('GET /topics lists each topic with its count and three feed URLs', async (t) => {
  const { app } = await seeded(t);
  const res = await request(app).get('/topics').expect(200);
  const ukraine = res.body.find((x: { id: string }) => x.id === 'ukraine');
  assert.deepEqual(ukraine, {
    id: 'ukraine', title: 'Україна', description: 'About Україна', count: 3, page: `${BASE_URL}/topics/ukraine`,
    feeds: { rss: `${BASE_URL}/feeds/ukraine.rss`, atom: `${BASE_URL}/feeds/ukraine.atom`, json: `${BASE_URL}/feeds/ukraine.json` },
  });
  assert.deepEqual(res.body.map((x: { id: string }) => x.id), ['ukraine', 'europe', 'science']);
});

test('GET / lists topics with subscribe links and autodiscovery for every feed', async (t) => {
  const { app } = await seeded(t);
  const html = (await request(app).get('/').expect(200).expect('Content-Type', 'text/html; charset=utf-8')).text;
  for (const id of ['ukraine', 'europe', 'science', 'all']) {
    for (const [ext, type] of [['rss', 'application/rss+xml'], ['atom', 'application/atom+xml'], ['json', 'application/feed+json']] as const) {
      assert.match(html, new RegExp(`<link rel="alternate" type="${type.replace('+', '\\+')}" title="[^"]+" href="${BASE_URL}/feeds/${id}\\.${ext}">`), `${id}.${ext}`);
    }
  }
  assert.ok(html.includes('Science &amp; &lt;Research&gt;'), 'topic titles are escaped');
  assert.match(html, /href="http:\/\/tidings\.test\/opml"/);
});

test('topic pages and article pages are readable HTML with lang set', async (t) => {
  const { app } = await seeded(t);
  const topicPage = (await request(app).get('/topics/ukraine').expect(200)).text;
  assert.ok(topicPage.includes('Київ &amp; Париж: &lt;ППО&gt;'));
  assert.match(topicPage, /rel="alternate" type="application\/rss\+xml"/);
  await request(app).get('/topics/sport').expect(404);
  const article = (await request(app).get('/articles/kyiv-paryzh').expect(200)).text;
  assert.match(article, /<html lang="uk">/);
  assert.ok(article.includes('<h1>Київ &amp; Париж: &lt;ППО&gt; "сьогодні" — it\'s on</h1>'));
  assert.ok(article.includes('<p>Зустріч у Парижі щодо протиповітряної оборони</p>'));
  await request(app).get('/articles/missing').expect(404).expect('Content-Type', /text\/html/);
});

test('GET /opml lists every topic feed', async (t) => {
  const { app } = await seeded(t);
  const res = await request(app).get('/opml').expect(200);
  assert.match(res.headers['content-type'] as string, /^text\/x-opml/);
  for (const id of ['ukraine', 'europe', 'science']) assert.ok(res.text.includes(`xmlUrl="${BASE_URL}/feeds/${id}.rss"`), id);
});

test('a failing store is a 500 that hides the cause', async (t) => {
  const { app, store } = await seeded(t);
  await store.close();
  const res = await request(app).get('/feeds/all.rss').expect(500);
  assert.deepEqual(res.body, { error: 'internal', message: 'internal error; see the server log' });
  const health = await request(app).get('/healthz').expect(503);
  assert.deepEqual(health.body, { status: 'degraded' });
});

test('a config reload is seen at once, even for a URL answered a moment before', async (t) => {
  const { store, cache } = await startTestApp(t);
  await store.upsertArticles(seedArticles());
  let catalog = { topics: [topic('ukraine', 'Україна')], sources: [] };
  const app = createApp({
    store, cache, catalog: () => catalog, log: silentLogger(),
    settings: { baseUrl: BASE_URL, siteTitle: 'Tidings', maxAgeSeconds: 300, staleWhileRevalidate: 60, corsOrigin: '*' },
  });
  const before = await request(app).get('/feeds/ukraine.json').expect(200);
  assert.equal(before.body.title, 'Tidings: Україна');
  catalog = { topics: [topic('ukraine', 'Ukraine (renamed)')], sources: [] };
  const after = await request(app).get('/feeds/ukraine.json').expect(200);
  assert.equal(after.body.title, 'Tidings: Ukraine (renamed)');
  assert.notEqual(after.headers.etag, before.headers.etag);
  catalog = { topics: [], sources: [] };
  await request(app).get('/feeds/ukraine.json').expect(404);
});

// ---------------------------------------------------------------------------------------------
// Output safety, security headers, health, admin and error pages (issue 8 and 10)

const SCRIPT_GUID = 'javascript:alert(document.domain)';

test('an item whose guid is javascript: and has no usable link is never a link, in any format or page', async (t) => {
  const app = await startTestApp(t);
  await app.store.upsertArticles([
    makeArticle(1, { id: SCRIPT_GUID, url: SCRIPT_GUID, title: 'Script guid', topics: ['ukraine'] }),
    makeArticle(2, { id: 'urn:tidings:test:no-link', url: 'urn:tidings:test:no-link', title: 'No link', topics: ['ukraine'], contentHtml: '' }),
  ]);
  const page = (await request(app.app).get('/topics/ukraine').expect(200)).text;
  assert.match(page, /<strong>Script guid<\/strong>/);
  assert.doesNotMatch(page, /href="(javascript|urn):/i);
  const rss = (await request(app.app).get('/feeds/ukraine.rss').expect(200)).text;
  assert.doesNotMatch(rss, /<link>(javascript|urn):/i);
  assert.equal((rss.match(/<link>/g) ?? []).length, 2, 'only the channel link and its copy in the icon\'s <image>');
  assert.match(rss, /<guid isPermaLink="false">javascript:alert\(document.domain\)<\/guid>/);
  const atom = (await request(app.app).get('/feeds/ukraine.atom').expect(200)).text;
  assert.doesNotMatch(atom, /href="(javascript|urn):/i);
  // An entry without an alternate link must have a <content> (RFC 4287 §4.1.1), even an empty one.
  assert.equal((atom.match(/<content type="html"/g) ?? []).length, 2);
  const json = (await request(app.app).get('/feeds/ukraine.json').expect(200)).body as { items: { url?: string }[] };
  assert.deepEqual(json.items.map((i) => i.url), [undefined, undefined]);
  const embed = (await request(app.app).get('/embed/ukraine').expect(200)).text;
  assert.doesNotMatch(embed, /href="(javascript|urn):/i);
});

test('HTML pages carry a CSP, nosniff, Referrer-Policy and refuse framing; only the embed page may be framed', async (t) => {
  const { app } = await seeded(t);
  for (const path of ['/', '/topics/ukraine', '/articles/kyiv-metro', '/no-such-page']) {
    const res = await request(app).get(path).set('Accept', 'text/html');
    const csp = res.headers['content-security-policy'] ?? '';
    assert.match(csp, /default-src 'none'/, path);
    assert.match(csp, /frame-ancestors 'none'/, path);
    assert.doesNotMatch(csp, /script-src/, `${path}: no script source allowed at all`);
    assert.equal(res.headers['x-frame-options'], 'DENY', path);
    assert.equal(res.headers['x-content-type-options'], 'nosniff', path);
    assert.equal(res.headers['referrer-policy'], 'strict-origin-when-cross-origin', path);
  }
  const embed = await request(app).get('/embed/ukraine').expect(200);
  assert.match(embed.headers['content-security-policy'] ?? '', /frame-ancestors \*/);
  assert.equal(embed.headers['x-frame-options'], undefined);
  const feed = await request(app).get('/feeds/ukraine.rss').expect(200);
  assert.equal(feed.headers['x-content-type-options'], 'nosniff');
});

test('a browser gets an HTML 404 for a page that does not exist, and an HTML 400 on a bad embed; API clients keep JSON', async (t) => {
  const { app } = await seeded(t);
  const html = await request(app).get('/nope').set('Accept', 'text/html,application/xhtml+xml,*/*;q=0.8').set('Accept-Language', 'en').expect(404);
  assert.match(html.headers['content-type'] ?? '', /^text\/html/);
  assert.match(html.text, /<h1>Not found<\/h1>/);
  const json = await request(app).get('/nope').set('Accept', '*/*').expect(404);
  assert.equal(json.body.error, 'not-found');
  const bad = await request(app).get('/embed/ukraine?limit=abc').set('Accept', 'text/html').set('Accept-Language', 'en').expect(400);
  assert.match(bad.text, /<h1>Bad request<\/h1>\n<p>The parameter “limit” has a value this page cannot use: “abc”\.<\/p>\n<p>Give a whole number from 1 to 50\.<\/p>/);
  assert.equal((await request(app).get('/embed/ukraine?limit=abc').set('Accept', 'application/json').expect(400)).body.parameter, 'limit');
  assert.equal((await request(app).get('/feeds/ukraine.rss?limit=abc').set('Accept', 'text/html').expect(400)).body.parameter, 'limit');
});

test('/healthz says "degraded" (503) without internal text when the store cannot be written', async (t) => {
  const app = await startTestApp(t);
  await request(app.app).get('/healthz').expect(200);
  app.store.probe = async () => {
    throw new Error('store: /secret/path/tidings.db: SQLITE_READONLY: attempt to write a readonly database');
  };
  const res = await request(app.app).get('/healthz').expect(503);
  assert.deepEqual(res.body, { status: 'degraded' });
  assert.equal(res.headers['cache-control'], 'no-store');
});

test('/healthz notices a deleted data directory', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'tidings-health-'));
  const dataFile = join(dir, 'tidings.db');
  writeFileSync(dataFile, '');
  const app = await startTestApp(t, { dataFile });
  await request(app.app).get('/healthz').expect(200);
  rmSync(dir, { recursive: true, force: true });
  assert.deepEqual((await request(app.app).get('/healthz').expect(503)).body, { status: 'degraded' });
});

test('/sources never shows credentials, in URLs or error messages', async (t) => {
  const app = await startTestApp(t);
  const url = 'https://alice:s3cret@feeds.example/rss?api_key=K123&topic=war&access_token=T9&sig=abc';
  app.catalog.sources = [{ id: 'private', url, topics: [], categoryTopics: {}, intervalMinutes: 30, enabled: true }];
  await app.store.saveSourceState({ sourceId: 'private', url, configuredUrl: url, status: 'error', error: `fetch: ${url}: HTTP 500`, consecutiveFailures: 1 });
  const res = await request(app.app).get('/sources').expect(200);
  const text = JSON.stringify(res.body);
  for (const secret of ['alice', 's3cret', 'K123', 'T9', 'abc']) assert.ok(!text.includes(secret), `${secret} in ${text}`);
  assert.equal(res.body[0].url, 'https://REDACTED@feeds.example/rss?api_key=REDACTED&topic=war&access_token=REDACTED&sig=REDACTED');
  assert.match(res.body[0].error, /^fetch: https:\/\/REDACTED@feeds\.example\/rss\?api_key=REDACTED.*: HTTP 500$/);
});

test('ADMIN_TOKEN hides /sources from requests without the bearer token', async (t) => {
  const { app } = await startTestApp(t, { adminToken: 'a-long-enough-admin-token' });
  const refused = await request(app).get('/sources').expect(401);
  assert.match(refused.headers['www-authenticate'] ?? '', /^Bearer/);
  await request(app).get('/sources').set('Authorization', 'Bearer wrong-token-of-other-length').expect(401);
  await request(app).get('/sources').set('Authorization', 'Bearer a-long-enough-admin-token').expect(200);
  await request(app).get('/feeds/all.rss').expect(200);
});

test('a page stops taking articles past its byte budget, and its next link carries on from there', async (t) => {
  const app = await startTestApp(t, { limits: { maxPageBytes: 25_000 } });
  const big = 'x'.repeat(10_000);
  await app.store.upsertArticles(Array.from({ length: 6 }, (_, i) => makeArticle(i + 1, { contentHtml: `<p>${big}</p>`, topics: ['ukraine'] })));
  const seen: string[] = [];
  let path: string | undefined = '/feeds/ukraine.json';
  while (path) {
    const res = await request(app.app).get(path).expect(200);
    const body = res.body as { items: { id: string }[]; next_url?: string };
    assert.ok(body.items.length <= 3, `${body.items.length} items on one page`);
    if (seen.length === 0) assert.match(res.headers['tidings-truncated'] ?? '', /^2 of 6 articles: the page reached its 24 KB budget/);
    seen.push(...body.items.map((i) => i.id));
    path = body.next_url?.replace(BASE_URL, '');
  }
  assert.equal(seen.length, 6);
  assert.equal(new Set(seen).size, 6);
});

test('feed ids: unfiltered feeds keep their urn, filtered ones get a valid tag: URI; an empty feed is not dated 1970', async (t) => {
  const { app } = await seeded(t);
  const plain = (await request(app).get('/feeds/ukraine.atom').expect(200)).text;
  assert.match(plain, /<id>urn:tidings:feed:ukraine<\/id>/);
  const filtered = (await request(app).get('/feeds/all.atom?q=kyiv&lang=en').expect(200)).text;
  assert.match(filtered, /<id>tag:tidings\.test,2026:feed:all\?lang=en&amp;q=kyiv<\/id>/);
  const empty = await request(app).get('/feeds/all.atom?q=nothingmatchesthis').expect(200);
  assert.doesNotMatch(empty.text, /1970-01-01/);
  const fresh = await startTestApp(t);
  const none = await request(fresh.app).get('/feeds/all.rss').expect(200);
  assert.doesNotMatch(none.text, /1970/);
  assert.doesNotMatch(none.headers['last-modified'] ?? '', /1970/);
});

test('a local article stored with path-only links gets the public origin when rendered, in feeds and pages', async (t) => {
  const app = await startTestApp(t);
  await app.store.upsertArticles([makeArticle(1, {
    sourceId: 'local', slug: 'roofs', url: '/articles/roofs', image: '/images/roof.jpg', topics: ['ukraine'],
    authors: [{ name: 'Olena', url: '/about/olena' }], enclosures: [{ url: '/media/talk.mp3', type: 'audio/mpeg' }],
    contentHtml: '<p><a href="/programmes/green">the programme</a> <img src="/images/a.jpg"> <a href="//cdn.example/x">cdn</a></p>',
  })]);
  const json = (await request(app.app).get('/feeds/ukraine.json').expect(200)).body as {
    items: { url: string; image: string; content_html: string; authors?: { url?: string }[]; attachments?: { url: string }[] }[];
  };
  assert.equal(json.items[0]?.url, `${BASE_URL}/articles/roofs`);
  assert.equal(json.items[0]?.image, `${BASE_URL}/images/roof.jpg`);
  assert.equal(json.items[0]?.authors?.[0]?.url, `${BASE_URL}/about/olena`);
  assert.equal(json.items[0]?.attachments?.[0]?.url, `${BASE_URL}/media/talk.mp3`);
  assert.equal(json.items[0]?.content_html, `<p><a href="${BASE_URL}/programmes/green">the programme</a> <img src="${BASE_URL}/images/a.jpg"> <a href="//cdn.example/x">cdn</a></p>`);
  const rss = (await request(app.app).get('/feeds/ukraine.rss').expect(200)).text;
  assert.match(rss, /<link>http:\/\/tidings\.test\/articles\/roofs<\/link>/);
  const page = (await request(app.app).get('/topics/ukraine').expect(200)).text;
  assert.match(page, /href="http:\/\/tidings\.test\/articles\/roofs"/);
  const article = (await request(app.app).get('/articles/roofs').expect(200)).text;
  assert.match(article, /<link rel="canonical" href="http:\/\/tidings\.test\/articles\/roofs">/);
  assert.match(article, /href="http:\/\/tidings\.test\/programmes\/green"/);
});
