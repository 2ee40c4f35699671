// Conditional GET and encoded answers for cached feeds, through a real Express app: 304 on every
// form of a matching validator, precompressed bodies chosen by Accept-Encoding, HEAD, headers.

import assert from 'node:assert/strict';
import { beforeEach, describe, it } from 'node:test';
import express, { type Express } from 'express';
import request from 'supertest';
import { binary } from './helpers/binary-body.ts';
import { addForm, prepareResponse, type CachedResponse } from '../src/cache/cache.ts';
import { codedEtag, makeEtag, precheck, sendCached, type CachePolicy } from '../src/http/conditional.ts';

const policy: CachePolicy = { maxAgeSeconds: 300, staleWhileRevalidate: 60, corsOrigin: '*' };
const lastModified = new Date('2026-03-01T12:00:00Z');
const xml = '<?xml version="1.0"?><rss><channel>' + '<item><title>Новини дня</title></item>'.repeat(300) + '</channel></rss>';

interface Harness {
  app: Express;
  entry: CachedResponse;
  etag: string;
  /** How many times the route rendered: a 304 from precheck must not render. */
  renders: () => number;
}

async function buildApp(body: string = xml): Promise<Harness> {
  const etag = makeEtag(['v1', 'topic=tech&limit=50', 'rss@1']);
  const entry = prepareResponse(body, { etag, lastModified, contentType: 'application/rss+xml; charset=utf-8' });
  await Promise.all([addForm(entry, 'gzip'), addForm(entry, 'br')]);
  let renders = 0;
  const app = express();
  app.get('/feed', (req, res) => {
    if (precheck(req, res, etag, lastModified, policy)) return;
    renders++;
    sendCached(req, res, entry, policy);
  });
  // sendCached alone, to pin that it decides 304 by itself too.
  app.get('/direct', (req, res) => sendCached(req, res, entry, policy));
  return { app, entry, etag, renders: () => renders };
}

describe('makeEtag', () => {
  it('is strong, quoted, stable, and differs when any part differs', () => {
    const a = makeEtag(['v1', 'q', 'r1']);
    assert.match(a, /^"[A-Za-z0-9_-]+"$/);
    assert.equal(makeEtag(['v1', 'q', 'r1']), a);
    assert.notEqual(makeEtag(['v2', 'q', 'r1']), a);
    assert.notEqual(makeEtag(['v1', 'q', 'r2']), a);
    assert.notEqual(makeEtag(['a,b']), makeEtag(['a', 'b']));
  });
});

describe('conditional GET', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await buildApp();
  });

  it('answers 200 with validators, caching headers and CORS', async () => {
    const res = await request(h.app).get('/feed').set('Accept-Encoding', 'identity').expect(200);
    assert.equal(res.headers['etag'], h.etag);
    assert.equal(res.headers['last-modified'], 'Sun, 01 Mar 2026 12:00:00 GMT');
    assert.equal(res.headers['cache-control'], 'public, max-age=300, stale-while-revalidate=60');
    assert.equal(res.headers['vary'], 'Accept-Encoding');
    assert.equal(res.headers['access-control-allow-origin'], '*');
    assert.equal(res.headers['content-type'], 'application/rss+xml; charset=utf-8');
  });

  const matching: Array<[string, (etag: string) => Record<string, string>]> = [
    ['the strong ETag', (etag) => ({ 'If-None-Match': etag })],
    ['the weak form W/"…"', (etag) => ({ 'If-None-Match': `W/${etag}` })],
    ['a list holding the ETag', (etag) => ({ 'If-None-Match': `"a", ${etag}` })],
    ['*', () => ({ 'If-None-Match': '*' })],
    ['If-Modified-Since later than Last-Modified', () => ({ 'If-Modified-Since': 'Sun, 01 Mar 2026 13:00:00 GMT' })],
    ['If-Modified-Since equal to Last-Modified', () => ({ 'If-Modified-Since': 'Sun, 01 Mar 2026 12:00:00 GMT' })],
  ];
  for (const [why, headers] of matching) {
    it(`answers 304 with an empty body and no rendering for ${why}`, async () => {
      const res = await request(h.app).get('/feed').set('Accept-Encoding', 'identity').set(headers(h.etag)).buffer(true).parse(binary).expect(304);
      assert.equal((res.body as Buffer).length, 0);
      assert.equal(res.headers['etag'], h.etag);
      assert.equal(res.headers['cache-control'], 'public, max-age=300, stale-while-revalidate=60');
      assert.equal(res.headers['vary'], 'Accept-Encoding');
      assert.equal(h.renders(), 0);
    });
  }

  it('adds Accept-Encoding once to a Vary set earlier instead of replacing it', async () => {
    const app = express();
    app.get('/feed', (req, res) => {
      res.setHeader('Vary', 'Origin');
      if (precheck(req, res, h.etag, lastModified, policy)) return;
      sendCached(req, res, h.entry, policy);
    });
    const ok = await request(app).get('/feed').expect(200);
    assert.equal(ok.headers['vary'], 'Origin, Accept-Encoding');
    const notModified = await request(app).get('/feed').set('If-None-Match', h.etag).expect(304);
    assert.equal(notModified.headers['vary'], 'Origin, Accept-Encoding');
  });

  it('sendCached alone answers 304 for a matching ETag', async () => {
    await request(h.app).get('/direct').set('If-None-Match', h.etag).expect(304);
  });

  const stale: Array<[string, Record<string, string>]> = [
    ['a different ETag', { 'If-None-Match': '"other"' }],
    ['a list without the ETag', { 'If-None-Match': '"a", "b"' }],
    ['If-Modified-Since earlier than Last-Modified', { 'If-Modified-Since': 'Sun, 01 Mar 2026 11:00:00 GMT' }],
  ];
  for (const [why, headers] of stale) {
    it(`answers 200 with the body for ${why}`, async () => {
      const res = await request(h.app).get('/feed').set(headers).buffer(true).parse(binary).expect(200);
      assert.deepEqual(res.body, Buffer.from(xml));
      assert.equal(h.renders(), 1);
    });
  }

  it('answers 200 when the client asks for no-cache even with a matching ETag', async () => {
    await request(h.app).get('/feed').set({ 'If-None-Match': h.etag, 'Cache-Control': 'no-cache' }).expect(200);
  });

  it('answers HEAD with the headers of GET and no body', async () => {
    const res = await request(h.app).head('/feed').set('Accept-Encoding', 'gzip').expect(200);
    assert.equal(res.headers['etag'], codedEtag(h.etag, 'gzip'));
    assert.equal(res.headers['content-encoding'], 'gzip');
    assert.equal(Number(res.headers['content-length']), h.entry.gzip?.length);
    assert.equal(res.headers['vary'], 'Accept-Encoding');
    assert.deepEqual(res.body, {});
    assert.equal(res.text, undefined);
  });

  it('answers HEAD 304 for a matching ETag', async () => {
    await request(h.app).head('/feed').set('If-None-Match', h.etag).expect(304);
  });
});

describe('one strong ETag per content coding (RFC 9110 §8.8.3)', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await buildApp();
  });

  it('identity, gzip and br bodies each carry a strong tag of their own, of one version', async () => {
    const tags: string[] = [];
    for (const coding of ['identity', 'gzip', 'br']) {
      const res = await request(h.app).get('/feed').set('Accept-Encoding', coding).buffer(true).parse(binary).expect(200);
      tags.push(res.headers['etag']!);
    }
    assert.deepEqual(tags, [h.etag, h.etag.replace(/"$/, '-gz"'), h.etag.replace(/"$/, '-br"')]);
    for (const tag of tags) assert.match(tag, /^"[A-Za-z0-9_-]+"$/, 'strong: no W/');
  });

  // Decision: a tag of any coding of the current version is current, because the client's stored copy
  // decodes to the same bytes; the 304 names the tag of the coding this request would get.
  const sentBack: Array<[string, string, (etag: string) => string, string]> = [
    ['the gzip tag, asking for br now', 'br', (e) => e.replace(/"$/, '-gz"'), '-br'],
    ['the br tag, asking for identity', 'identity', (e) => e.replace(/"$/, '-br"'), ''],
    ['the weak form of the gzip tag', 'gzip', (e) => `W/${e.replace(/"$/, '-gz"')}`, '-gz'],
    ['a list holding the br tag', 'gzip, br', (e) => `"old", ${e.replace(/"$/, '-br"')}`, '-br'],
  ];
  for (const [why, accept, tag, suffix] of sentBack) {
    it(`answers 304 to ${why}, with the tag of the coding it would get`, async () => {
      const res = await request(h.app).get('/feed').set({ 'Accept-Encoding': accept, 'If-None-Match': tag(h.etag) }).expect(304);
      assert.equal(res.headers['etag'], h.etag.replace(/"$/, `${suffix}"`));
      assert.equal(h.renders(), 0);
    });
  }

  it('answers 200 to a coded tag of another version', async () => {
    const other = makeEtag(['v2', 'topic=tech&limit=50', 'rss@1']);
    await request(h.app).get('/feed').set({ 'Accept-Encoding': 'gzip', 'If-None-Match': codedEtag(other, 'gzip') }).expect(200);
    await request(h.app).get('/feed').set({ 'Accept-Encoding': 'gzip', 'If-None-Match': `${h.etag.slice(0, -1)}-zz"` }).expect(200);
  });
});

describe('encoded answers', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await buildApp();
  });

  const cases: Array<[string, 'br' | 'gzip' | undefined, (e: CachedResponse) => Buffer | null | undefined]> = [
    ['gzip, deflate, br', 'br', (e) => e.br],
    ['gzip', 'gzip', (e) => e.gzip],
    ['br;q=0, gzip', 'gzip', (e) => e.gzip],
    ['identity', undefined, (e) => e.body],
    ['gzip;q=0, br;q=0', undefined, (e) => e.body],
  ];
  for (const [accept, encoding, buffer] of cases) {
    it(`Accept-Encoding "${accept}" gets ${encoding ?? 'identity'}, decoding to the original bytes`, async () => {
      const res = await request(h.app).get('/feed').set('Accept-Encoding', accept).buffer(true).parse(binary).expect(200);
      assert.equal(res.headers['content-encoding'], encoding);
      // The precompressed buffer was sent as it is: its exact length is on the wire.
      assert.equal(Number(res.headers['content-length']), buffer(h.entry)?.length);
      assert.deepEqual(res.body, Buffer.from(xml));
    });
  }

  it('sends a tiny body as identity whatever the client accepts', async () => {
    const tiny = await buildApp('<rss/>');
    const res = await request(tiny.app).get('/feed').set('Accept-Encoding', 'br, gzip').buffer(true).parse(binary).expect(200);
    assert.equal(res.headers['content-encoding'], undefined);
    assert.deepEqual(res.body, Buffer.from('<rss/>'));
    assert.equal(res.headers['vary'], 'Accept-Encoding');
  });
});
