// The article Tidings started from, end to end: dropped into content/, read by the real loader,
// classified with the bundled topics, stored, and published. The seed lives in ../shared (CI has it);
// our own Ukrainian fixture proves the same behaviour on every machine.

import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import request from 'supertest';
import { createApp } from '../src/app.ts';
import { createCache } from '../src/cache/cache.ts';
import { loadFeedsConfig } from '../src/config.ts';
import { syncLocalContent } from '../src/ingest/local.ts';
import { silentLogger } from '../src/log.ts';
import { openStore } from '../src/store/store.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SEEDS = join(ROOT, '..', 'shared', 'seeds');
const OWN = join(ROOT, 'test', 'fixtures', 'content-uk');
const REQUIRED = ['ukraine', 'europe', 'diplomacy', 'defense'];
const NOT_EXPECTED = ['technology', 'science', 'climate', 'culture'];

async function publish(t: TestContext, files: string[]): Promise<ReturnType<typeof createApp>> {
  const content = mkdtempSync(join(tmpdir(), 'tidings-seed-'));
  for (const file of files) copyFileSync(file, join(content, file.split('/').pop()!));
  const store = await openStore('sqlite::memory:');
  const cache = await createCache({ maxEntries: 50, maxBytes: 4 * 1024 * 1024, ttlSeconds: 0 });
  t.after(async () => {
    cache.close();
    await store.close();
    rmSync(content, { recursive: true, force: true });
  });
  const feeds = loadFeedsConfig(join(ROOT, 'feeds'));
  const result = await syncLocalContent({ store, contentDir: content, baseUrl: 'http://tidings.test', compiled: () => feeds.compiled, log: silentLogger() });
  assert.equal(result.failed, 0);
  assert.equal(result.inserted, files.length);
  return createApp({
    store, cache, catalog: () => feeds, log: silentLogger(),
    settings: { baseUrl: 'http://tidings.test', siteTitle: 'Tidings', maxAgeSeconds: 60, staleWhileRevalidate: 0, corsOrigin: '*' },
  });
}

async function assertPublishedAsUkrainianNews(app: ReturnType<typeof createApp>, titleStart: string): Promise<void> {
  for (const topic of REQUIRED) {
    const feed = (await request(app).get(`/feeds/${topic}.json`).expect(200)).body as { items: { title: string; language: string; tags: string[]; url: string }[] };
    const item = feed.items.find((i) => i.title.startsWith(titleStart));
    assert.ok(item, `not in /feeds/${topic}.json`);
    assert.equal(item.language, 'uk');
    for (const other of NOT_EXPECTED) assert.ok(!item.tags.includes(other), `unexpectedly in ${other}: ${item.tags.join(',')}`);
    const page = await request(app).get(new URL(item.url).pathname).expect(200);
    assert.match(page.text, /<html lang="uk">/);
    assert.match(item.url, /^http:\/\/tidings\.test\/articles\/[A-Za-z0-9_-]+$/, 'a URL-safe slug: the ASCII file name, else the transliterated title');
  }
}

test('our own Ukrainian story (inflected forms only) is published as ukraine, europe, diplomacy, defense', async (t) => {
  const files = readdirSync(OWN).map((f) => join(OWN, f));
  const app = await publish(t, files);
  const title = (await request(app).get('/feeds/all.json').expect(200)).body.items[0].title as string;
  await assertPublishedAsUkrainianNews(app, title.slice(0, 20));
});

test('the seed article dropped into content/ is published as ukraine, europe, diplomacy, defense',
  { skip: existsSync(SEEDS) ? false : `../shared/seeds is not beside this clone (${SEEDS}); CI has it` },
  async (t) => {
    const seeds = readdirSync(SEEDS).filter((f) => f.endsWith('.txt')).map((f) => join(SEEDS, f));
    assert.ok(seeds.length > 0);
    const app = await publish(t, seeds);
    await assertPublishedAsUkrainianNews(app, 'Президенти України та Франції');
  });
