// A stand-in for src/main.ts while the real server is being written (`npm run bench:serve -- --stub`):
// the same routes and env as Tidings, built from the real store, cache, conditional GET and RSS
// renderer, so the harness and those parts can be measured before the HTTP layer lands.

import express from 'express';
import { addForm, createCache, missingForm, prepareResponse } from '../src/cache/cache.ts';
import { makeEtag, precheck, sendCached, type CachePolicy } from '../src/http/conditional.ts';
import type { ArticleQuery } from '../src/model.ts';
import { RSS_CONTENT_TYPE, renderRss } from '../src/render/rss.ts';
import { openStore, type QueryVersion } from '../src/store/store.ts';
import { searchTerms } from '../src/text/search.ts';

const RENDERER_VERSION = 'stub-rss-1';

function required(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === '') throw new Error(`stub: ${name} is not set`);
  return value;
}

const port = Number(required('PORT'));
const baseUrl = `http://127.0.0.1:${port}`;
const store = await openStore(required('DATABASE_URL'));
const cache = await createCache({ maxEntries: 2000, maxBytes: 64 * 1024 * 1024, ttlSeconds: 300 });
const policy: CachePolicy = { maxAgeSeconds: 300, staleWhileRevalidate: 60, corsOrigin: '*' };

// STUB_MEMO_VERSION=1 (`--stub-memo`) remembers each query's version for the whole run — right only
// because nothing writes during the bench — to show what the HTTP layer costs without the store's
// per-request version query.
const memoVersions = process.env['STUB_MEMO_VERSION'] === '1';
const versions = new Map<string, QueryVersion>();
async function versionOf(query: ArticleQuery, canonical: string): Promise<QueryVersion> {
  const known = memoVersions ? versions.get(canonical) : undefined;
  if (known !== undefined) return known;
  const version = await store.queryVersion(query);
  if (memoVersions && versions.size < 10_000) versions.set(canonical, version);
  return version;
}

const app = express();
app.disable('x-powered-by');
app.get('/healthz', (_req, res) => {
  res.json({ ok: true });
});
app.get('/feeds/:file', async (req, res) => {
  const m = /^([a-z0-9-]+)\.rss$/.exec(req.params.file);
  if (!m?.[1]) {
    res.status(404).end();
    return;
  }
  const query: ArticleQuery = { topics: [m[1]], limit: Math.min(Number(req.query['limit'] ?? 50) || 50, 200) };
  if (typeof req.query['q'] === 'string') query.terms = searchTerms(req.query['q']);
  if (typeof req.query['since'] === 'string') query.since = new Date(req.query['since']);
  const canonical = JSON.stringify(query);
  const version = await versionOf(query, canonical);
  const etag = makeEtag([version.tag, canonical, RENDERER_VERSION]);
  if (precheck(req, res, etag, version.lastModified, policy)) return;
  let entry = cache.get(etag);
  if (entry === undefined) {
    const articles = await store.queryArticles(query);
    const selfUrl = `${baseUrl}${req.originalUrl}`;
    const body = renderRss({
      id: selfUrl,
      title: `Topic ${m[1]}`,
      description: 'bench stub',
      homePageUrl: `${baseUrl}/topics/${m[1]}`,
      selfUrl,
      updated: version.lastModified,
      generator: 'Tidings bench stub',
      baseUrl,
      articles,
    });
    entry = prepareResponse(body, { etag, lastModified: version.lastModified, contentType: RSS_CONTENT_TYPE });
    cache.set(etag, entry);
  }
  const form = missingForm(entry, req.headers['accept-encoding']);
  if (form) {
    await addForm(entry, form);
    cache.set(etag, entry);
  }
  sendCached(req, res, entry, policy);
});

const server = app.listen(port, '127.0.0.1');
// Close the store only once in-flight requests are done, or they would fail on a closed database.
process.once('SIGTERM', () => {
  server.closeAllConnections();
  server.close(() => {
    cache.close();
    void store.close();
  });
});
