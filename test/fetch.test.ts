// fetchFeed against a real HTTP server on 127.0.0.1: conditional GET, redirects, statuses, limits,
// compression, and character sets encoded into real bytes with iconv-lite.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import type { TestContext } from 'node:test';
import zlib from 'node:zlib';
import iconv from 'iconv-lite';
import { FetchError, cacheHintsFrom, fetchFeed, parseRetryAfter, userAgent } from '../src/fetch/remote.ts';
import type { FetchOptions, FetchOutcome } from '../src/fetch/remote.ts';
import { startUpstream } from './helpers/upstream.ts';
import type { Upstream } from './helpers/upstream.ts';

const UA = userAgent('0.1.0', 'https://tidings.example/');
const RSS = 'application/rss+xml';

async function upstream(t: TestContext): Promise<Upstream> {
  const up = await startUpstream();
  t.after(() => up.close());
  return up;
}

function fetchOk(url: string, opts: Partial<FetchOptions> = {}): Promise<Extract<FetchOutcome, { kind: 'ok' }>> {
  return fetchFeed(url, { userAgent: UA, ...opts }).then((out) => {
    assert.equal(out.kind, 'ok');
    return out as Extract<FetchOutcome, { kind: 'ok' }>;
  });
}

/** Asserts that the fetch fails with a FetchError whose message matches, and returns the error. */
async function fetchFails(url: string, message: RegExp, opts: Partial<FetchOptions> = {}): Promise<FetchError> {
  let caught: unknown;
  await assert.rejects(fetchFeed(url, { userAgent: UA, ...opts }), (err: unknown) => {
    caught = err;
    return true;
  });
  assert.ok(caught instanceof FetchError, `expected FetchError, got ${String(caught)}`);
  assert.equal(caught.kind, 'fetch');
  assert.equal(caught.where, url);
  assert.match(caught.message, message);
  return caught;
}

function rss(title: string, encoding?: string): string {
  const decl = encoding ? `<?xml version="1.0" encoding="${encoding}"?>` : '<?xml version="1.0"?>';
  return `${decl}\n<rss version="2.0"><channel><title>${title}</title><link>https://x.example/</link></channel></rss>\n`;
}

// --- conditional GET ---------------------------------------------------------------------------

test('the second poll sends If-None-Match and gets 304 without a body', async (t) => {
  const up = await upstream(t);
  up.route('/feed.xml', { body: rss('One'), headers: { 'content-type': RSS }, etag: '"v1"' });

  const first = await fetchOk(up.url('/feed.xml'));
  assert.equal(first.etag, '"v1"');
  const second = await fetchFeed(up.url('/feed.xml'), { userAgent: UA, etag: first.etag });

  assert.equal(second.kind, 'not-modified');
  assert.equal(second.finalUrl, up.url('/feed.xml'));
  const seen = up.requests('/feed.xml');
  assert.equal(seen.length, 2);
  assert.equal(seen[0]?.headers['if-none-match'], undefined);
  assert.equal(seen[1]?.headers['if-none-match'], '"v1"');
});

test('Last-Modified comes back as If-Modified-Since and gets 304', async (t) => {
  const up = await upstream(t);
  const modified = new Date('2026-11-01T10:00:00Z');
  up.route('/feed.xml', { body: rss('One'), headers: { 'content-type': RSS }, lastModified: modified });

  const first = await fetchOk(up.url('/feed.xml'));
  assert.equal(first.lastModified, modified.toUTCString());
  const second = await fetchFeed(up.url('/feed.xml'), { userAgent: UA, lastModified: first.lastModified });

  assert.equal(second.kind, 'not-modified');
  assert.equal(up.requests('/feed.xml')[1]?.headers['if-modified-since'], modified.toUTCString());
});

test('a changed feed answers 200 despite the old ETag', async (t) => {
  const up = await upstream(t);
  up.route('/feed.xml', { body: rss('Two'), headers: { 'content-type': RSS }, etag: '"v2"' });
  const out = await fetchOk(up.url('/feed.xml'), { etag: '"v1"' });
  assert.equal(out.etag, '"v2"');
  assert.match(out.text, /<title>Two<\/title>/);
});

test('sends the configured User-Agent and asks for compressed bodies', async (t) => {
  const up = await upstream(t);
  up.route('/feed.xml', { body: rss('One'), headers: { 'content-type': RSS } });
  await fetchOk(up.url('/feed.xml'));
  const headers = up.requests('/feed.xml')[0]?.headers;
  assert.equal(headers?.['user-agent'], 'Tidings/0.1.0 (+https://tidings.example/)');
  assert.equal(headers?.['accept-encoding'], 'gzip, deflate, br');
});

// --- redirects ---------------------------------------------------------------------------------

test('a chain of 301 and 308 is a permanent redirect to the final URL', async (t) => {
  const up = await upstream(t);
  up.route('/old', { status: 301, location: '/older' });
  up.route('/older', { status: 308, location: up.url('/feed.xml') });
  up.route('/feed.xml', { body: rss('One'), headers: { 'content-type': RSS } });

  const out = await fetchOk(up.url('/old'));
  assert.equal(out.url, up.url('/old'));
  assert.equal(out.finalUrl, up.url('/feed.xml'));
  assert.equal(out.permanentRedirect, up.url('/feed.xml'));
});

test('one temporary hop (302) makes the whole chain not permanent', async (t) => {
  const up = await upstream(t);
  up.route('/old', { status: 301, location: '/moving' });
  up.route('/moving', { status: 302, location: '/feed.xml' });
  up.route('/feed.xml', { body: rss('One'), headers: { 'content-type': RSS } });

  const out = await fetchOk(up.url('/old'));
  assert.equal(out.finalUrl, up.url('/feed.xml'));
  assert.equal(out.permanentRedirect, undefined);
});

test('the redirect target gets the conditional headers and may answer 304', async (t) => {
  const up = await upstream(t);
  up.route('/old', { status: 301, location: '/feed.xml' });
  up.route('/feed.xml', { body: rss('One'), etag: '"v1"' });
  const out = await fetchFeed(up.url('/old'), { userAgent: UA, etag: '"v1"' });
  assert.equal(out.kind, 'not-modified');
  assert.equal(out.finalUrl, up.url('/feed.xml'));
});

test('five redirects are followed, a sixth is an error', async (t) => {
  const up = await upstream(t);
  for (let i = 0; i < 6; i++) up.route(`/hop${i}`, { status: 302, location: `/hop${i + 1}` });
  up.route('/hop6', { body: rss('End'), headers: { 'content-type': RSS } });

  const five = await fetchOk(up.url('/hop1'));
  assert.equal(five.finalUrl, up.url('/hop6'));
  await fetchFails(up.url('/hop0'), /too many redirects \(more than 5\)/);
  assert.equal(up.requests('/hop6').length, 1, 'the sixth redirect is not followed');
});

test('a redirect loop is an error, and stops at once', async (t) => {
  const up = await upstream(t);
  up.route('/a', { status: 302, location: '/b' });
  up.route('/b', { status: 302, location: '/a' });
  await fetchFails(up.url('/a'), /redirect loop at http:\/\/127\.0\.0\.1:\d+\/a/);
  assert.equal(up.requests('/a').length, 1);
});

test('a redirect to ftp:// is refused', async (t) => {
  const up = await upstream(t);
  up.route('/feed.xml', { status: 301, location: 'ftp://files.example/feed.xml' });
  await fetchFails(up.url('/feed.xml'), /redirect to unsupported URL "ftp:\/\/files\.example\/feed\.xml"/);
});

test('a non-http URL is refused without a request', async () => {
  await fetchFails('file:///etc/passwd', /unsupported URL "file:\/\/\/etc\/passwd"/);
});

test('a redirect without Location is an error with its status', async (t) => {
  const up = await upstream(t);
  up.route('/feed.xml', { status: 302 });
  const err = await fetchFails(up.url('/feed.xml'), /HTTP 302 without a Location header/);
  assert.equal(err.status, 302);
});

// --- statuses ----------------------------------------------------------------------------------

test('410 is gone', async (t) => {
  const up = await upstream(t);
  up.route('/feed.xml', { status: 410, body: 'gone' });
  const err = await fetchFails(up.url('/feed.xml'), /^fetch: http:\/\/127\.0\.0\.1:\d+\/feed\.xml: HTTP 410 Gone$/);
  assert.equal(err.gone, true);
  assert.equal(err.status, 410);
});

test('410 after a redirect names the URL that is gone', async (t) => {
  const up = await upstream(t);
  up.route('/old', { status: 301, location: '/feed.xml' });
  up.route('/feed.xml', { status: 410 });
  const err = await fetchFails(up.url('/old'), /HTTP 410 Gone at http:\/\/127\.0\.0\.1:\d+\/feed\.xml/);
  assert.equal(err.gone, true);
});

test('429 with Retry-After in seconds', async (t) => {
  const up = await upstream(t);
  up.route('/feed.xml', { status: 429, headers: { 'retry-after': '120' } });
  const before = Date.now();
  const err = await fetchFails(up.url('/feed.xml'), /HTTP 429 \(retry after /);
  assert.equal(err.status, 429);
  assert.equal(err.gone, false);
  const at = err.retryAfter?.getTime() ?? 0;
  assert.ok(at >= before + 120_000 && at <= Date.now() + 120_000, `retryAfter ${err.retryAfter?.toISOString()}`);
});

test('503 with Retry-After as an HTTP date', async (t) => {
  const up = await upstream(t);
  const when = new Date('2030-01-02T03:04:05Z');
  up.route('/feed.xml', { status: 503, headers: { 'retry-after': when.toUTCString() } });
  const err = await fetchFails(up.url('/feed.xml'), /HTTP 503/);
  assert.equal(err.status, 503);
  assert.equal(err.retryAfter?.toISOString(), when.toISOString());
});

test('503 without Retry-After has no retryAfter', async (t) => {
  const up = await upstream(t);
  up.route('/feed.xml', { status: 503 });
  const err = await fetchFails(up.url('/feed.xml'), /HTTP 503$/);
  assert.equal(err.retryAfter, undefined);
});

test('500 is an error with its status', async (t) => {
  const up = await upstream(t);
  up.route('/feed.xml', { status: 500, body: 'boom' });
  const err = await fetchFails(up.url('/feed.xml'), /HTTP 500$/);
  assert.equal(err.status, 500);
  assert.equal(err.gone, false);
  assert.equal(err.retryAfter, undefined);
});

test('a refused connection is a network error', async () => {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await fetchFails(`http://127.0.0.1:${port}/feed.xml`, /network error: ECONNREFUSED/);
});

// --- time and size limits ----------------------------------------------------------------------

test('a server slow to answer hits the headers timeout', async (t) => {
  const up = await upstream(t);
  up.route('/feed.xml', { body: rss('Late'), delayMs: 3000 });
  const started = Date.now();
  await fetchFails(up.url('/feed.xml'), /no response headers from .* within 300 ms/, { headersTimeoutMs: 300 });
  assert.ok(Date.now() - started < 1500, 'gave up promptly');
});

test('a body that trickles hits the total timeout', async (t) => {
  const up = await upstream(t);
  up.route('/feed.xml', { body: rss('x'.repeat(1000)), trickle: { everyMs: 100, chunks: 30 } });
  const started = Date.now();
  await fetchFails(up.url('/feed.xml'), /timeout after 300 ms$/, { totalTimeoutMs: 300 });
  assert.ok(Date.now() - started < 1500, 'gave up promptly');
});

test('the total timeout covers every redirect hop', async (t) => {
  const up = await upstream(t);
  up.route('/a', { status: 302, location: '/b', delayMs: 200 });
  up.route('/b', { status: 302, location: '/feed.xml', delayMs: 200 });
  up.route('/feed.xml', { body: rss('x'), delayMs: 200 });
  await fetchFails(up.url('/a'), /timeout after 450 ms$/, { totalTimeoutMs: 450, headersTimeoutMs: 1000 });
});

test('an endless body is cut off at the byte cap', async (t) => {
  const up = await upstream(t);
  up.route('/feed.xml', { endless: true, headers: { 'content-type': RSS } });
  const started = Date.now();
  await fetchFails(up.url('/feed.xml'), /response exceeds 100000 bytes$/, { maxBytes: 100_000 });
  assert.ok(Date.now() - started < 2000, 'cut off promptly');
});

test('the default byte cap is 10 MB', async (t) => {
  const up = await upstream(t);
  up.route('/feed.xml', { endless: true });
  await fetchFails(up.url('/feed.xml'), /response exceeds 10485760 bytes$/);
});

test('a declared Content-Length over the cap fails before reading', async (t) => {
  const up = await upstream(t);
  up.route('/feed.xml', { body: 'x'.repeat(5000) });
  await fetchFails(up.url('/feed.xml'), /response exceeds 1000 bytes$/, { maxBytes: 1000 });
});

test('a body exactly at the cap is accepted', async (t) => {
  const up = await upstream(t);
  up.route('/feed.xml', { body: 'x'.repeat(1000) });
  const out = await fetchOk(up.url('/feed.xml'), { maxBytes: 1000 });
  assert.equal(out.text.length, 1000);
});

test('the byte cap counts decompressed bytes (a gzip bomb)', async (t) => {
  const up = await upstream(t);
  const bomb = Buffer.alloc(20 * 1024 * 1024, 0x20);
  up.route('/feed.xml', { body: bomb, encoding: 'gzip' });
  assert.ok(zlib.gzipSync(bomb).length < 100_000, 'the compressed body is small');
  await fetchFails(up.url('/feed.xml'), /response exceeds 1000000 bytes$/, { maxBytes: 1_000_000 });
});

for (const encoding of ['gzip', 'deflate', 'br'] as const) {
  test(`a ${encoding} body is decoded`, async (t) => {
    const up = await upstream(t);
    const xml = rss('Стиснута стрічка — ґанок');
    up.route('/feed.xml', { body: xml, encoding, headers: { 'content-type': `${RSS}; charset=utf-8` } });
    const out = await fetchOk(up.url('/feed.xml'));
    assert.equal(out.text, xml);
  });
}

// --- cache hints -------------------------------------------------------------------------------

test('Cache-Control max-age less Age becomes maxAgeSeconds', async (t) => {
  const up = await upstream(t);
  up.route('/feed.xml', { body: rss('x'), headers: { 'cache-control': 'public, max-age=900', age: '100' } });
  const out = await fetchOk(up.url('/feed.xml'));
  assert.deepEqual(out.cacheHints, { maxAgeSeconds: 800 });
});

test('a 304 carries cache hints too', async (t) => {
  const up = await upstream(t);
  up.route('/feed.xml', { body: rss('x'), etag: '"a"', headers: { 'cache-control': 'max-age=60' } });
  const out = await fetchFeed(up.url('/feed.xml'), { userAgent: UA, etag: '"a"' });
  assert.equal(out.kind, 'not-modified');
  assert.deepEqual(out.cacheHints, { maxAgeSeconds: 60 });
});

test('Expires is read relative to the server Date; max-age wins over it', () => {
  const now = new Date('2026-11-25T12:00:00Z');
  const skewed = new Headers({
    date: 'Wed, 25 Nov 2026 12:10:00 GMT', // the server's clock is 10 minutes ahead
    expires: 'Wed, 25 Nov 2026 12:40:00 GMT',
  });
  assert.equal(cacheHintsFrom(skewed, now).expires?.toISOString(), '2026-11-25T12:30:00.000Z');
  assert.deepEqual(cacheHintsFrom(new Headers({ expires: '0' }), now), {}, 'an invalid Expires means already stale');
  const both = new Headers({ 'cache-control': 'max-age=60', expires: 'Wed, 25 Nov 2026 18:00:00 GMT' });
  assert.deepEqual(cacheHintsFrom(both, now), { maxAgeSeconds: 60 });
});

test('parseRetryAfter reads seconds and HTTP dates and ignores nonsense', () => {
  const now = new Date('2026-11-25T12:00:00Z');
  assert.equal(parseRetryAfter('90', now)?.toISOString(), '2026-11-25T12:01:30.000Z');
  assert.equal(parseRetryAfter('Wed, 25 Nov 2026 13:00:00 GMT', now)?.toISOString(), '2026-11-25T13:00:00.000Z');
  assert.equal(parseRetryAfter('soon', now), undefined);
  assert.equal(parseRetryAfter(null, now), undefined);
});

// --- character sets ----------------------------------------------------------------------------

const UKRAINIAN =
  'Садок вишневий коло хати, хрущі над вишнями гудуть, плугатарі з плугами йдуть, співають ідучи ' +
  'дівчата, а матері вечерять ждуть. Сем’я вечеря коло хати, вечірня зіронька встає. Дочка вечерять ' +
  'подає, а мати хоче научати, так соловейко не дає. Поклала мати коло хати маленьких діточок своїх; ' +
  'сама заснула коло їх. Затихло все, тілько дівчата та соловейко не затих. Їжак, єнот, Європа.';
// KOI8-U and windows-1251 have ґ; ISO-8859-5 has і, ї, є but no ґ; windows-1251 also has «» and —.
const SAMPLES: { charset: string; text: string; detectable: boolean }[] = [
  { charset: 'windows-1251', text: `«Ґанок» — ${UKRAINIAN.replace('’', "'")}`, detectable: true },
  { charset: 'koi8-u', text: `Ґанок, ґудзик. ${UKRAINIAN.replace('’', "'")}`, detectable: true },
  {
    charset: 'koi8-r',
    text:
      'Мой дядя самых честных правил, когда не в шутку занемог, он уважать себя заставил и лучше ' +
      'выдумать не мог. Его пример другим наука; но, боже мой, какая скука с больным сидеть и день и ' +
      'ночь, не отходя ни шагу прочь! Какое низкое коварство полуживого забавлять. Ёжик в тумане.',
    detectable: true,
  },
  { charset: 'iso-8859-5', text: UKRAINIAN.replace('’', "'"), detectable: true },
  {
    charset: 'iso-8859-2',
    text:
      'Zażółć gęślą jaźń. Pchnąć w tę łódź jeża lub ośm skrzyń fig. Mężny bądź, chroń pułk twój i ' +
      'sześć flag. Przyjechał do miasta późnym wieczorem, gdy już wszystkie sklepy były zamknięte. ' +
      'Příliš žluťoučký kůň úpěl ďábelské ódy.',
    // chardet takes Latin-2 for Latin-1 about as often as not once markup dilutes the letters.
    detectable: false,
  },
  // Statistics cannot tell ISO-8859-15 from ISO-8859-1 (€ and œ sit where ¤ and ½ were): declared only.
  { charset: 'iso-8859-15', text: 'Le cœur de l’œuvre coûte 20 € ; ma sœur a mangé un œuf à Noël. Œdipe, Ÿ.'.replace('’', "'"), detectable: false },
];

for (const { charset, text } of SAMPLES) {
  test(`${charset}: the sample survives an iconv round trip (fixture sanity)`, () => {
    assert.equal(iconv.decode(iconv.encode(text, charset), charset), text);
  });
}

/** Serves `bytes` and returns what fetchFeed made of them. */
async function serveBytes(t: TestContext, bytes: Uint8Array, contentType: string): Promise<Extract<FetchOutcome, { kind: 'ok' }>> {
  const up = await upstream(t);
  up.route('/feed.xml', { body: bytes, headers: { 'content-type': contentType } });
  return fetchOk(up.url('/feed.xml'));
}

for (const { charset, text, detectable } of SAMPLES) {
  test(`${charset} declared by HTTP charset`, async (t) => {
    const out = await serveBytes(t, iconv.encode(rss(text), charset), `${RSS}; charset=${charset.toUpperCase()}`);
    assert.equal(out.text, rss(text));
    assert.equal(out.charset, charset);
  });

  test(`${charset} declared only by the XML declaration, which is then rewritten`, async (t) => {
    const out = await serveBytes(t, iconv.encode(rss(text, charset.toUpperCase()), charset), RSS);
    assert.equal(out.text, rss(text, 'UTF-8'));
    assert.equal(out.charset, charset);
  });

  if (detectable) {
    test(`${charset} undeclared is detected`, async (t) => {
      const out = await serveBytes(t, iconv.encode(rss(text), charset), 'application/xml');
      assert.equal(out.text, rss(text));
      assert.equal(out.charset, charset);
    });
  }
}

for (const charset of ['utf-16le', 'utf-16be', 'utf-8'] as const) {
  const text = `${UKRAINIAN} «Ґанок» — 20 € 📰`;
  test(`${charset} with a BOM and no other declaration`, async (t) => {
    const out = await serveBytes(t, iconv.encode(rss(text), charset, { addBOM: true }), RSS);
    assert.equal(out.text, rss(text), 'exact text, BOM removed');
    assert.equal(out.charset, charset);
  });

  test(`${charset} with a BOM wins over HTTP and the XML declaration`, async (t) => {
    const bytes = iconv.encode(rss(text, 'windows-1251'), charset, { addBOM: true });
    const out = await serveBytes(t, bytes, `${RSS}; charset=koi8-r`);
    assert.equal(out.text, rss(text, 'UTF-8'));
    assert.equal(out.charset, charset);
  });
}

test('utf-16le without a BOM is recognised by the XML declaration bytes', async (t) => {
  const text = `${UKRAINIAN} «Ґанок»`;
  const out = await serveBytes(t, iconv.encode(rss(text, 'UTF-16'), 'utf-16le'), RSS);
  assert.equal(out.text, rss(text, 'UTF-8'));
  assert.equal(out.charset, 'utf-16le');
});

test('HTTP charset and XML declaration disagree: HTTP wins', async (t) => {
  const text = SAMPLES[0]?.text ?? '';
  const out = await serveBytes(t, iconv.encode(rss(text, 'KOI8-R'), 'windows-1251'), `${RSS}; charset=windows-1251`);
  assert.equal(out.text, rss(text, 'UTF-8'));
  assert.equal(out.charset, 'windows-1251');
});

test('an unknown HTTP charset falls through to the XML declaration', async (t) => {
  const text = SAMPLES[1]?.text ?? '';
  const out = await serveBytes(t, iconv.encode(rss(text, 'koi8-u'), 'koi8-u'), `${RSS}; charset=x-no-such-thing`);
  assert.equal(out.text, rss(text, 'UTF-8'));
  assert.equal(out.charset, 'koi8-u');
});

test('UTF-8 Cyrillic is decoded once: declared, undeclared, and declared by XML', async (t) => {
  const text = `${UKRAINIAN} «Ґанок» — 20 €`;
  const declared = await serveBytes(t, Buffer.from(rss(text), 'utf8'), `${RSS}; charset=utf-8`);
  assert.equal(declared.text, rss(text));
  const undeclared = await serveBytes(t, Buffer.from(rss(text), 'utf8'), RSS);
  assert.equal(undeclared.text, rss(text));
  assert.equal(undeclared.charset, 'utf-8');
  const xml = await serveBytes(t, Buffer.from(rss(text, 'utf-8'), 'utf8'), 'text/xml');
  assert.equal(xml.text, rss(text, 'UTF-8'));
});

test('ISO-8859-1 is read as windows-1252, as browsers do, and agrees on Latin-1 letters', async (t) => {
  const text = 'Café “quoted” – naïve façade';
  const out = await serveBytes(t, iconv.encode(rss(text), 'windows-1252'), `${RSS}; charset=ISO-8859-1`);
  assert.equal(out.text, rss(text));
  assert.equal(out.charset, 'windows-1252');
});

test('JSON Feed is UTF-8 unless a BOM or HTTP says otherwise', async (t) => {
  const json = JSON.stringify({ version: 'https://jsonfeed.org/version/1.1', title: 'Новини — Київ', items: [] });
  const plain = await serveBytes(t, Buffer.from(json, 'utf8'), 'application/feed+json');
  assert.equal(plain.text, json);
  assert.equal(plain.charset, 'utf-8');
  const legacy = await serveBytes(t, iconv.encode(json, 'windows-1251'), 'application/feed+json; charset=windows-1251');
  assert.equal(legacy.text, json);
  const bom = await serveBytes(t, iconv.encode(json, 'utf-16le', { addBOM: true }), 'application/feed+json');
  assert.equal(bom.text, json);
});

/**
 * A listener that never accepts: it fills its own accept queue (backlog 0), so the kernel drops
 * further SYNs and a client's connect hangs, as against a host that does not answer. Python, because
 * Node's net.Server always accepts.
 */
async function unansweringListener(t: TestContext): Promise<number> {
  const script = [
    'import socket, sys, time',
    's = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(0)',
    'held = []',
    'for _ in range(4):',
    '    try: held.append(socket.create_connection(s.getsockname(), timeout=0.3))',
    '    except OSError: pass',
    'print(s.getsockname()[1], flush=True)',
    'time.sleep(30)',
  ].join('\n');
  const child = spawn('/usr/bin/python3', ['-c', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  t.after(() => child.kill());
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout.once('data', (chunk: Buffer) => resolve(Number(chunk.toString().trim())));
    child.once('error', reject);
  });
  return port;
}

test('a host that never completes the connection is given up after the connect timeout', { timeout: 15_000 }, async (t) => {
  const port = await unansweringListener(t);
  const started = Date.now();
  await fetchFails(`http://127.0.0.1:${port}/feed.xml`, /no connection to 127\.0\.0\.1:\d+ within 300 ms/, {
    connectTimeoutMs: 300,
    headersTimeoutMs: 5_000,
    totalTimeoutMs: 8_000,
  });
  assert.ok(Date.now() - started < 4_000, 'it did not wait for the headers or total timeout');
});
