// GET /metrics: the Prometheus text of one process, with requests by route pattern and status, cache
// hits and misses, polls and sources; behind ADMIN_TOKEN (a bearer token) when one is set.

import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import request from 'supertest';
import { createApp } from '../src/app.ts';
import { createCache } from '../src/cache/cache.ts';
import { compileTopics } from '../src/classify/topics.ts';
import { silentLogger } from '../src/log.ts';
import { createMetrics } from '../src/metrics.ts';
import { openStore } from '../src/store/store.ts';
import { TEST_TOPICS } from './helpers/app.ts';

const TOKEN = 'a-long-enough-admin-token-0123456789';

async function app(t: TestContext, adminToken?: string) {
  const store = await openStore('sqlite::memory:');
  const cache = await createCache({ maxEntries: 100, maxBytes: 8 * 1024 * 1024, ttlSeconds: 0 });
  t.after(async () => {
    cache.close();
    await store.close();
  });
  const metrics = createMetrics({ role: 'all' });
  metrics.attach({ cacheStats: () => cache.stats(), subscriptions: () => store.countSubscriptions() });
  const catalog = { topics: TEST_TOPICS, sources: [], compiled: compileTopics(TEST_TOPICS) };
  const express = createApp({
    store,
    cache,
    catalog: () => catalog,
    settings: { baseUrl: 'http://tidings.test', siteTitle: 'Tidings', maxAgeSeconds: 300, staleWhileRevalidate: 60, corsOrigin: '*', ...(adminToken ? { adminToken } : {}) },
    log: silentLogger(),
    metrics,
  });
  return { express, metrics };
}

/** The value of one sample whose labels include all of `labels`. */
function sample(text: string, name: string, labels: Record<string, string>): number | undefined {
  for (const line of text.split('\n')) {
    const m = /^([a-z_]+)(?:\{([^}]*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = Object.fromEntries([...(m[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((x) => [x[1], x[2]]));
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) return Number(m[3]);
  }
  return undefined;
}

test('requests are counted by route pattern and status, with latency, and the cache by hits and misses', async (t) => {
  const { express } = await app(t);
  await request(express).get('/feeds/ukraine.rss').expect(200);
  await request(express).get('/feeds/ukraine.rss').expect(200);
  await request(express).get('/feeds/europe.json').expect(200);
  await request(express).get('/feeds/nope.rss').expect(404);
  await request(express).get('/no/such/page').expect(404);

  const res = await request(express).get('/metrics').expect(200);
  assert.match(res.headers['content-type'] ?? '', /^text\/plain; version=0\.0\.4/);
  const text = res.text;
  assert.equal(sample(text, 'tidings_http_request_duration_seconds_count', { route: '/feeds/:spec', method: 'GET', status: '200' }), 3);
  assert.equal(sample(text, 'tidings_http_request_duration_seconds_count', { route: '/feeds/:spec', status: '404' }), 1);
  assert.equal(sample(text, 'tidings_http_request_duration_seconds_count', { route: 'unmatched', status: '404' }), 1, 'raw paths never become labels');
  assert.ok((sample(text, 'tidings_http_request_duration_seconds_sum', { route: '/feeds/:spec', status: '200' }) ?? 0) > 0);
  assert.equal(sample(text, 'tidings_cache_hits', {}), 1, 'the second ukraine.rss');
  assert.equal(sample(text, 'tidings_cache_misses', {}), 2);
  assert.ok((sample(text, 'tidings_cache_bytes', {}) ?? 0) > 1000);
  assert.equal(sample(text, 'tidings_websub_subscriptions', {}), 0);
  assert.equal(sample(text, 'tidings_cache_hits', { role: 'all' }), 1, 'every sample names the process role');
});

test('polls, due and leased sources and WebSub deliveries are exposed as the worker reports them', async (t) => {
  const { express, metrics } = await app(t);
  metrics.observePoll('ok', 0.2);
  metrics.observePoll('ok', 0.4);
  metrics.observePoll('error', 10);
  metrics.setSources(7, 2);
  metrics.observeDelivery('delivered');
  metrics.observeDelivery('failed');
  metrics.attach({ storePool: () => ({ total: 4, idle: 3, waiting: 0 }) });
  const text = (await request(express).get('/metrics').expect(200)).text;
  assert.equal(sample(text, 'tidings_poll_duration_seconds_count', { outcome: 'ok' }), 2);
  assert.equal(sample(text, 'tidings_poll_duration_seconds_sum', { outcome: 'ok' }), 0.6000000000000001);
  assert.equal(sample(text, 'tidings_poll_duration_seconds_bucket', { outcome: 'error', le: '5' }), 0);
  assert.equal(sample(text, 'tidings_poll_duration_seconds_bucket', { outcome: 'error', le: '10' }), 1);
  assert.equal(sample(text, 'tidings_sources_due', {}), 7);
  assert.equal(sample(text, 'tidings_sources_leased', {}), 2);
  assert.equal(sample(text, 'tidings_websub_deliveries_total', { outcome: 'delivered' }), 1);
  assert.equal(sample(text, 'tidings_websub_deliveries_total', { outcome: 'failed' }), 1);
  assert.equal(sample(text, 'tidings_store_pool_connections', { state: 'total' }), 4);
  assert.equal(sample(text, 'tidings_store_pool_connections', { state: 'idle' }), 3);
});

test('with ADMIN_TOKEN set, /metrics answers only the bearer of that token', async (t) => {
  const { express } = await app(t, TOKEN);
  const none = await request(express).get('/metrics').expect(401);
  assert.equal(none.headers['www-authenticate'], 'Bearer realm="tidings-admin"');
  assert.equal(none.body.error, 'unauthorized');
  assert.doesNotMatch(none.text, /tidings_/);
  await request(express).get('/metrics').set('Authorization', `Bearer ${TOKEN}x`).expect(401);
  await request(express).get('/metrics').set('Authorization', `Bearer ${TOKEN.slice(0, -1)}`).expect(401);
  await request(express).get('/metrics').set('Authorization', TOKEN).expect(401);
  await request(express).get('/metrics').set('Authorization', `Basic ${Buffer.from(`x:${TOKEN}`).toString('base64')}`).expect(401);
  const ok = await request(express).get('/metrics').set('Authorization', `Bearer ${TOKEN}`).expect(200);
  assert.match(ok.text, /^# TYPE tidings_http_request_duration_seconds histogram$/m);
  assert.equal(ok.headers['cache-control'], 'no-store');
  // The feeds stay public.
  await request(express).get('/feeds/ukraine.rss').expect(200);
});
