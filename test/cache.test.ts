// The response cache: bounds by entry count and bytes, TTL, entries kept by reference, compression
// done once per coding when first asked for, and the Accept-Encoding choice.

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { afterEach, describe, it, mock } from 'node:test';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import {
  MIN_COMPRESS_BYTES,
  addForm,
  createCache,
  missingForm,
  pickEncoding,
  prepareResponse,
  type CacheOptions,
  type CachedResponse,
  type ResponseCache,
} from '../src/cache/cache.ts';

const opened: ResponseCache[] = [];

async function freshCache(overrides: Partial<CacheOptions> = {}): Promise<ResponseCache> {
  const cache = await createCache({ maxEntries: 100, maxBytes: 10_000_000, ttlSeconds: 60, ...overrides });
  opened.push(cache);
  return cache;
}

afterEach(() => {
  for (const cache of opened.splice(0)) cache.close();
  mock.timers.reset();
});

function entry(bodyBytes: number, tag = 'x'): CachedResponse {
  return {
    body: Buffer.alloc(bodyBytes, 'a'),
    etag: `"${tag}"`,
    lastModified: new Date('2026-01-01T00:00:00Z'),
    contentType: 'application/rss+xml; charset=utf-8',
  };
}

describe('pickEncoding', () => {
  const cases: Array<[string | undefined, string, string]> = [
    [undefined, 'identity', 'no header means identity'],
    ['', 'identity', 'an empty header allows identity only'],
    ['gzip', 'gzip', 'gzip alone'],
    ['br', 'br', 'br alone'],
    ['gzip, deflate, br', 'br', 'br preferred on equal q'],
    ['br;q=0.5, gzip', 'gzip', 'higher q wins over preference'],
    ['gzip;q=0, br;q=0', 'identity', 'q=0 excludes both'],
    ['br;q=0, gzip', 'gzip', 'q=0 excludes br only'],
    ['*', 'br', 'star allows every coding'],
    ['gzip;q=0.2, *;q=0.8', 'br', 'star gives br its q'],
    ['*;q=0, gzip', 'gzip', 'star q=0 with a named coding'],
    ['identity', 'identity', 'identity named'],
    ['deflate', 'identity', 'only an unsupported coding'],
    ['x-gzip', 'gzip', 'x-gzip is gzip'],
    ['GZIP ; Q=0.9', 'gzip', 'case and spaces'],
  ];
  for (const [header, expected, why] of cases) {
    it(`${why}: ${JSON.stringify(header)} → ${expected}`, () => {
      assert.equal(pickEncoding(header), expected);
    });
  }

  it('falls back within what is available', () => {
    assert.equal(pickEncoding('br, gzip', ['gzip', 'identity']), 'gzip');
    assert.equal(pickEncoding('br, gzip', ['identity']), 'identity');
  });

  it('answers the same for a repeated header (memoized)', () => {
    assert.equal(pickEncoding('gzip, br;q=0.1'), 'gzip');
    assert.equal(pickEncoding('gzip, br;q=0.1'), 'gzip');
  });
});

const META = { etag: '"e"', lastModified: new Date(0), contentType: 'application/rss+xml; charset=utf-8' };

describe('prepareResponse and addForm', () => {
  it('makes no compressed form until one is asked for, then only that one', async () => {
    const xml = '<rss>' + '<item><title>Hello, світ</title></item>'.repeat(200) + '</rss>';
    const prepared = prepareResponse(xml, META);
    assert.equal(missingForm(prepared, 'gzip'), 'gzip');
    assert.equal(missingForm(prepared, 'gzip, br'), 'br');
    await addForm(prepared, 'br');
    assert.ok(prepared.br);
    assert.deepEqual(brotliDecompressSync(prepared.br), Buffer.from(xml));
    assert.ok(prepared.br.length < prepared.body.length);
    assert.equal(missingForm(prepared, 'gzip'), 'gzip', 'gzip is made only when a client wants it');
    assert.equal(missingForm(prepared, 'gzip, br'), undefined);
    assert.equal(missingForm(prepared, undefined), undefined, 'identity is always there');
    await addForm(prepared, 'gzip');
    assert.ok(prepared.gzip);
    assert.deepEqual(gunzipSync(prepared.gzip), Buffer.from(xml));
    assert.equal(prepared.etag, '"e"');
  });

  it('compresses once when many requests ask for the same new form at once', async () => {
    const prepared = prepareResponse('<item>абв</item>'.repeat(500), META);
    await Promise.all([addForm(prepared, 'gzip'), addForm(prepared, 'gzip'), addForm(prepared, 'gzip')]);
    const made = prepared.gzip;
    assert.ok(made);
    await addForm(prepared, 'gzip');
    assert.equal(prepared.gzip, made, 'an existing form is never made again');
  });

  it('compresses a body larger than the smallest Brotli window losslessly', async () => {
    const rand = (i: number): string => ((i * 2654435761) >>> 0).toString(36);
    const text = Array.from({ length: 40_000 }, (_, i) => rand(i)).join(' ');
    const prepared = prepareResponse(text, { ...META, contentType: 'text/plain' });
    assert.ok(prepared.body.length > 256 * 1024);
    await Promise.all([addForm(prepared, 'br'), addForm(prepared, 'gzip')]);
    assert.ok(prepared.br && prepared.gzip);
    assert.deepEqual(brotliDecompressSync(prepared.br), prepared.body);
    assert.deepEqual(gunzipSync(prepared.gzip), prepared.body);
  });

  it('never compresses a body under 1 KB', () => {
    const prepared = prepareResponse(Buffer.alloc(MIN_COMPRESS_BYTES - 1, 'z'), { ...META, contentType: 'text/plain' });
    assert.equal(prepared.gzip, null);
    assert.equal(prepared.br, null);
    assert.equal(missingForm(prepared, 'br, gzip'), undefined);
  });

  it('keeps no form that is not smaller than the body', async () => {
    // Random bytes do not compress: sending them "compressed" would only add bytes.
    const noise = randomBytes(4096);
    const prepared = prepareResponse(noise, { ...META, contentType: 'application/octet-stream' });
    await addForm(prepared, 'gzip');
    assert.equal(prepared.gzip, null);
    assert.equal(missingForm(prepared, 'gzip'), undefined, 'a form found useless is not tried again');
  });
});

describe('memory cache', () => {
  it('returns the very same object and Buffer that was stored (no clones)', async () => {
    const cache = await freshCache();
    const value = entry(5000);
    cache.set('k', value);
    const got = cache.get('k');
    assert.equal(got, value);
    assert.equal(got?.body, value.body);
  });

  it('counts hits and misses', async () => {
    const cache = await freshCache();
    cache.set('k', entry(10));
    cache.get('k');
    cache.get('nope');
    const stats = cache.stats();
    assert.equal(stats.hits, 1);
    assert.equal(stats.misses, 1);
    assert.equal(stats.entries, 1);
  });

  it('evicts the oldest entries when over the entry count', async () => {
    const cache = await freshCache({ maxEntries: 3 });
    for (const k of ['a', 'b', 'c', 'd']) cache.set(k, entry(10, k));
    assert.equal(cache.get('a'), undefined);
    assert.ok(cache.get('b') && cache.get('c') && cache.get('d'));
    assert.equal(cache.stats().entries, 3);
    assert.equal(cache.stats().evictions, 1);
  });

  it('evicts the least recently read entry first', async () => {
    const cache = await freshCache({ maxEntries: 2 });
    cache.set('a', entry(10, 'a'));
    cache.set('b', entry(10, 'b'));
    cache.get('a');
    cache.set('c', entry(10, 'c'));
    assert.ok(cache.get('a'));
    assert.equal(cache.get('b'), undefined);
  });

  it('evicts the oldest entries when over the byte budget, counting compressed forms', async () => {
    const cache = await freshCache({ maxBytes: 10_000 });
    const big = (tag: string): CachedResponse => ({ ...entry(2000, tag), gzip: Buffer.alloc(500), br: Buffer.alloc(400) });
    for (const k of ['a', 'b', 'c', 'd']) cache.set(k, big(k));
    // Each entry is about 2,900 bytes of buffers plus overhead: only three fit in 10,000.
    assert.equal(cache.get('a'), undefined);
    assert.ok(cache.get('d'));
    const stats = cache.stats();
    assert.ok(stats.bytes <= 10_000, `bytes ${stats.bytes}`);
    assert.ok(stats.bytes >= 3 * 2900);
    assert.equal(stats.entries, 3);
  });

  it('refuses an entry larger than the whole budget and keeps the others', async () => {
    const cache = await freshCache({ maxBytes: 10_000 });
    cache.set('small', entry(100));
    assert.equal(cache.set('huge', entry(20_000)), false);
    assert.equal(cache.get('huge'), undefined);
    assert.ok(cache.get('small'));
  });

  it('replacing a key does not double-count its bytes', async () => {
    const cache = await freshCache();
    cache.set('k', entry(1000));
    const once = cache.stats().bytes;
    cache.set('k', entry(1000));
    assert.equal(cache.stats().bytes, once);
    assert.equal(cache.stats().entries, 1);
  });

  it('expires entries after the TTL and releases their bytes', async () => {
    mock.timers.enable({ apis: ['Date'], now: 1_000_000 });
    const cache = await freshCache({ ttlSeconds: 10 });
    cache.set('k', entry(1000));
    mock.timers.tick(9_000);
    assert.ok(cache.get('k'));
    mock.timers.tick(2_000);
    assert.equal(cache.get('k'), undefined);
    assert.equal(cache.stats().bytes, 0);
    assert.equal(cache.stats().entries, 0);
  });

  it('flush empties the cache', async () => {
    const cache = await freshCache();
    cache.set('k', entry(10));
    cache.flush();
    assert.equal(cache.get('k'), undefined);
    assert.equal(cache.stats().bytes, 0);
  });
});

describe('createCache', () => {
  it('rejects an unknown scheme', async () => {
    await assert.rejects(createCache({ url: 'redis://x', maxEntries: 1, maxBytes: 1, ttlSeconds: 1 }), /CACHE_URL/);
  });

  it('rejects non-positive bounds', async () => {
    await assert.rejects(createCache({ maxEntries: 0, maxBytes: 1, ttlSeconds: 1 }), /maxEntries/);
  });
});
