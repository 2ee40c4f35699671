// The front door against the Express route it stands in for: for every format, coding, conditional
// case, HEAD and Origin, its response must be the route's, header by header and byte by byte; OPTIONS,
// first requests and anything after a write must reach Express.

import assert from 'node:assert/strict';
import { createServer, request as httpRequest, type IncomingMessage, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it, type TestContext } from 'node:test';
import { createApp } from '../src/app.ts';
import { createCache } from '../src/cache/cache.ts';
import { FrontDoorRecords, withFrontDoor } from '../src/http/front-door.ts';
import type { HttpSettings } from '../src/http/deps.ts';
import { silentLogger } from '../src/log.ts';
import { createMetrics, type Metrics } from '../src/metrics.ts';
import { openStore, type ArticleStore } from '../src/store/store.ts';
import { BASE_URL, TEST_TOPICS } from './helpers/app.ts';
import { makeArticle } from './store.contract.ts';

interface Answer {
  status: number;
  /** Raw header lines as sent, names in their wire case and order, without Date (it moves). */
  headers: string[];
  body: Buffer;
}

interface Rig {
  store: ArticleStore;
  metrics: Metrics;
  /** Requests that reached Express through the front-door server (not the Express-only one). */
  expressCalls: () => number;
  records: FrontDoorRecords;
  viaDoor: (method: string, path: string, headers?: Record<string, string>) => Promise<Answer>;
  viaExpress: (method: string, path: string, headers?: Record<string, string>) => Promise<Answer>;
}

async function startRig(t: TestContext, settings: Partial<HttpSettings> = {}): Promise<Rig> {
  const store = await openStore('sqlite::memory:');
  const cache = await createCache({ maxEntries: 100, maxBytes: 8 * 1024 * 1024, ttlSeconds: 0 });
  const catalog = { topics: TEST_TOPICS, sources: [] };
  const metrics = createMetrics({ role: 'web' });
  const records = new FrontDoorRecords();
  const app = createApp({
    store,
    cache,
    catalog: () => catalog,
    settings: { baseUrl: BASE_URL, siteTitle: 'Tidings', maxAgeSeconds: 300, staleWhileRevalidate: 60, corsOrigin: '*', hubUrl: `${BASE_URL}/websub`, ...settings },
    log: silentLogger(),
    metrics,
    frontDoor: records,
  });
  let calls = 0;
  const counted: RequestListener = (req, res) => {
    calls++;
    app(req, res);
  };
  // Two servers over one app, store and cache: one with the front door, one Express alone.
  const door = await serve(withFrontDoor({ store, cache, catalog: () => catalog, records, metrics }, counted));
  const bare = await serve(app);
  t.after(async () => {
    await Promise.all([close(door), close(bare)]);
    cache.close();
    await store.close();
  });
  await store.upsertArticles(Array.from({ length: 30 }, (_, i) => makeArticle(i + 1, { topics: ['ukraine'], title: `Київ news ${i + 1}` })));
  return {
    store,
    metrics,
    expressCalls: () => calls,
    records,
    viaDoor: (method, path, headers) => send(door, method, path, headers),
    viaExpress: (method, path, headers) => send(bare, method, path, headers),
  };
}

function serve(listener: RequestListener): Promise<Server> {
  const server = createServer(listener);
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

function close(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

function send(server: Server, method: string, path: string, headers: Record<string, string> = {}): Promise<Answer> {
  const { port } = server.address() as AddressInfo;
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, method, path, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const lines: string[] = [];
        for (let i = 0; i < res.rawHeaders.length; i += 2) {
          if (res.rawHeaders[i]!.toLowerCase() !== 'date') lines.push(`${res.rawHeaders[i]}: ${res.rawHeaders[i + 1]}`);
        }
        resolve({ status: res.statusCode!, headers: lines, body: Buffer.concat(chunks) });
      });
    });
    req.on('error', reject);
    req.end();
  });
}

function header(answer: Answer, name: string): string | undefined {
  const line = answer.headers.find((l) => l.toLowerCase().startsWith(`${name.toLowerCase()}: `));
  return line?.slice(name.length + 2);
}

it('the front door records only what the cache holds: a one-off query from its second request, when it is cached', async (t) => {
  const rig = await startRig(t);
  const path = '/feeds/ukraine.rss?q=%D0%BA%D0%B8%D1%97%D0%B2';
  const asked = { headers: {}, url: path } as IncomingMessage;
  assert.equal((await rig.viaDoor('GET', path)).status, 200);
  assert.equal(rig.records.lookup(asked), undefined, 'the first answer was not cached: no record to answer from');
  assert.equal((await rig.viaDoor('GET', path)).status, 200);
  assert.ok(rig.records.lookup(asked), 'the second answer was cached, and recorded');
  const before = rig.expressCalls();
  assert.equal((await rig.viaDoor('GET', path)).status, 200);
  assert.equal(rig.expressCalls(), before, 'the third is the front door\'s');
});

/**
 * Primes the URL through the front-door server (Express answers and records; a one-off query such as
 * `q` is cached on its second request, so priming asks twice), then asks it again and checks that the
 * front door answered (Express was not called) exactly as Express alone answers.
 */
async function assertSameAnswer(rig: Rig, method: string, path: string, headers: Record<string, string> = {}): Promise<Answer> {
  const prime = { 'Accept-Encoding': headers['Accept-Encoding'] ?? '', ...(headers.Origin ? { Origin: headers.Origin } : {}) };
  await rig.viaDoor('GET', path, prime);
  await rig.viaDoor('GET', path, prime);
  const before = rig.expressCalls();
  const fromDoor = await rig.viaDoor(method, path, headers);
  assert.equal(rig.expressCalls(), before, `${method} ${path} ${JSON.stringify(headers)}: the front door should have answered`);
  const fromExpress = await rig.viaExpress(method, path, headers);
  assert.equal(fromDoor.status, fromExpress.status, `${method} ${path} ${JSON.stringify(headers)}: status`);
  assert.deepEqual(fromDoor.headers, fromExpress.headers, `${method} ${path} ${JSON.stringify(headers)}: headers`);
  assert.ok(fromDoor.body.equals(fromExpress.body), `${method} ${path} ${JSON.stringify(headers)}: body bytes`);
  // Asked again with the same headers, the front door repeats the answer it kept (one writeHead of the
  // headers it sent): the same status, header lines and bytes, with GET and HEAD sharing what they can.
  const repeated = await rig.viaDoor(method, path, headers);
  const other = await rig.viaDoor(method === 'HEAD' ? 'GET' : 'HEAD', path, headers);
  assert.equal(rig.expressCalls(), before, `${method} ${path} ${JSON.stringify(headers)}: the repeat should not reach Express`);
  assert.equal(repeated.status, fromExpress.status, `${method} ${path} ${JSON.stringify(headers)}: repeated status`);
  assert.deepEqual(repeated.headers, fromExpress.headers, `${method} ${path} ${JSON.stringify(headers)}: repeated headers`);
  assert.ok(repeated.body.equals(fromExpress.body), `${method} ${path} ${JSON.stringify(headers)}: repeated body bytes`);
  const otherFromExpress = await rig.viaExpress(method === 'HEAD' ? 'GET' : 'HEAD', path, headers);
  assert.equal(other.status, otherFromExpress.status, `the other method after ${method} ${path}: status`);
  assert.deepEqual(other.headers, otherFromExpress.headers, `the other method after ${method} ${path}: headers`);
  assert.ok(other.body.equals(otherFromExpress.body), `the other method after ${method} ${path}: body bytes`);
  return fromDoor;
}

const URLS = ['/feeds/ukraine.rss', '/feeds/ukraine.atom', '/feeds/ukraine.json', '/feeds/ukraine.rss?limit=5&q=news', '/embed/ukraine'];
const CODINGS = ['', 'gzip', 'br', 'gzip, br'];

describe('front door', () => {
  it('leaves a browser\'s request for a cached feed to Express, which sends the styled type', async (t) => {
    const rig = await startRig(t);
    const reader = await rig.viaDoor('GET', '/feeds/ukraine.rss');
    assert.equal(header(reader, 'content-type'), 'application/rss+xml; charset=utf-8');
    const before = rig.expressCalls();
    const browser = await rig.viaDoor('GET', '/feeds/ukraine.rss', { Accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8' });
    assert.equal(rig.expressCalls(), before + 1, 'Express answered the browser');
    assert.equal(header(browser, 'content-type'), 'application/xml; charset=utf-8');
    assert.ok(browser.body.equals(reader.body), 'the same bytes under the type a browser styles');
    // A reader after the browser is answered by the front door with the feed's own type again.
    const again = await rig.viaDoor('GET', '/feeds/ukraine.rss');
    assert.equal(rig.expressCalls(), before + 1);
    assert.equal(header(again, 'content-type'), 'application/rss+xml; charset=utf-8');
  });

  it('answers a repeated GET and HEAD exactly as Express does, in every format and coding', async (t) => {
    const rig = await startRig(t);
    for (const url of URLS) {
      for (const coding of CODINGS) {
        const headers: Record<string, string> = coding ? { 'Accept-Encoding': coding } : {};
        const got = await assertSameAnswer(rig, 'GET', url, headers);
        assert.equal(got.status, 200);
        assert.equal(header(got, 'Content-Length'), String(got.body.length));
        assert.equal(header(got, 'X-Content-Type-Options'), 'nosniff');
        if (coding === 'gzip') assert.equal(header(got, 'Content-Encoding'), 'gzip');
        if (coding.includes('br')) assert.equal(header(got, 'Content-Encoding'), 'br');
        const head = await assertSameAnswer(rig, 'HEAD', url, headers);
        assert.equal(head.body.length, 0);
        assert.equal(header(head, 'Content-Length'), String(got.body.length));
      }
    }
    // The feed's own headers made it through: CORS, WebSub discovery; the embed page's helmet set.
    const rss = await rig.viaDoor('GET', '/feeds/ukraine.rss');
    assert.equal(header(rss, 'Access-Control-Allow-Origin'), '*');
    assert.match(header(rss, 'Link') ?? '', /rel="hub"/);
    const embed = await rig.viaDoor('GET', '/embed/ukraine');
    assert.match(header(embed, 'Content-Security-Policy') ?? '', /frame-ancestors \*/);
  });

  it('answers every conditional case as Express does', async (t) => {
    const rig = await startRig(t);
    for (const url of ['/feeds/ukraine.rss', '/feeds/ukraine.json', '/embed/ukraine']) {
      const first = await rig.viaDoor('GET', url, { 'Accept-Encoding': 'gzip' });
      await rig.viaDoor('GET', url, { 'Accept-Encoding': 'br' });
      const gzTag = header(first, 'ETag')!;
      const tag = gzTag.replace(/-gz"$/, '"');
      const lastModified = header(first, 'Last-Modified')!;
      const cases: Array<[Record<string, string>, number]> = [
        [{ 'If-None-Match': tag }, 304],
        [{ 'If-None-Match': `W/${tag}` }, 304],
        [{ 'If-None-Match': `"other", ${tag}` }, 304],
        [{ 'If-None-Match': '*' }, 304],
        // The client holds the gzip form and now asks for br: its copy is still current.
        [{ 'If-None-Match': gzTag, 'Accept-Encoding': 'br' }, 304],
        [{ 'If-None-Match': '"other"' }, 200],
        [{ 'If-Modified-Since': lastModified }, 304],
        [{ 'If-Modified-Since': 'Mon, 01 Jan 2001 00:00:00 GMT' }, 200],
        [{ 'If-None-Match': '"other"', 'If-Modified-Since': lastModified }, 200],
        [{ 'If-None-Match': tag, 'Cache-Control': 'no-cache' }, 200],
      ];
      for (const [headers, status] of cases) {
        for (const method of ['GET', 'HEAD']) {
          const got = await assertSameAnswer(rig, method, url, headers);
          assert.equal(got.status, status, `${method} ${url} ${JSON.stringify(headers)}`);
          if (status === 304) assert.equal(got.body.length, 0);
        }
      }
    }
  });

  it('repeats the CORS headers of the request’s own Origin', async (t) => {
    const rig = await startRig(t, { corsOrigin: 'https://a.example, https://b.example' });
    for (const origin of ['https://a.example', 'https://b.example', 'https://evil.example']) {
      const got = await assertSameAnswer(rig, 'GET', '/feeds/ukraine.rss', { Origin: origin });
      assert.equal(header(got, 'Access-Control-Allow-Origin'), origin === 'https://evil.example' ? undefined : origin);
      // Origin (CORS by list), Accept (a browser gets the styled type), Accept-Encoding.
      assert.deepEqual((header(got, 'Vary') ?? '').split(/\s*,\s*/), ['Origin', 'Accept', 'Accept-Encoding']);
    }
    const none = await assertSameAnswer(rig, 'GET', '/feeds/ukraine.rss');
    assert.equal(header(none, 'Access-Control-Allow-Origin'), undefined);
  });

  it('leaves the CORS preflight and a first request to Express', async (t) => {
    const rig = await startRig(t);
    let before = rig.expressCalls();
    await rig.viaDoor('GET', '/feeds/europe.atom');
    assert.equal(rig.expressCalls(), before + 1, 'a first request goes through Express');
    before = rig.expressCalls();
    const preflight = await rig.viaDoor('OPTIONS', '/feeds/europe.atom', { Origin: 'https://a.example', 'Access-Control-Request-Method': 'GET' });
    assert.equal(rig.expressCalls(), before + 1, 'OPTIONS goes through Express');
    assert.equal(preflight.status, 204);
    assert.equal(header(preflight, 'Access-Control-Allow-Methods'), 'GET, HEAD, OPTIONS');
  });

  it('does not serve the old bytes after a write: Express answers, with the new article', async (t) => {
    const rig = await startRig(t);
    const old = await rig.viaDoor('GET', '/feeds/ukraine.rss');
    await assertSameAnswer(rig, 'GET', '/feeds/ukraine.rss');
    await rig.store.upsertArticles([makeArticle(99, { topics: ['ukraine'], title: 'Fresh from Kyiv' })]);
    const before = rig.expressCalls();
    const fresh = await rig.viaDoor('GET', '/feeds/ukraine.rss');
    assert.equal(rig.expressCalls(), before + 1, 'after a write the front door must fall through');
    assert.match(fresh.body.toString('utf8'), /Fresh from Kyiv/);
    assert.notEqual(header(fresh, 'ETag'), header(old, 'ETag'));
    // A client holding the old tag gets the new feed, not a 304.
    const stale = await rig.viaDoor('GET', '/feeds/ukraine.rss', { 'If-None-Match': header(old, 'ETag')! });
    assert.equal(stale.status, 200);
    // And the new revision's answer is repeated by the front door from then on.
    await assertSameAnswer(rig, 'GET', '/feeds/ukraine.rss');
  });

  it('counts its answers in the request metrics under the route', async (t) => {
    const rig = await startRig(t);
    await rig.viaDoor('GET', '/feeds/ukraine.json');
    const before = rig.expressCalls();
    for (let i = 0; i < 5; i++) await rig.viaDoor('GET', '/feeds/ukraine.json');
    assert.equal(rig.expressCalls(), before);
    const text = (await rig.metrics.render()).body;
    const count = /tidings_http_request_duration_seconds_count\{[^}]*route="\/feeds\/:spec",method="GET",status="200"\} (\d+)/.exec(text);
    assert.equal(count?.[1], '6', text.split('\n').filter((l) => l.includes('_count{route')).join('\n'));
  });
});
