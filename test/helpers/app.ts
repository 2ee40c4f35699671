// A fresh Tidings app per test: a real in-memory SQLite store, a real cache, a fixed topic catalog.
// Tests seed articles through the store (or local content) and close everything in `t.after`.

import type { TestContext } from 'node:test';
import { createApp } from '../../src/app.ts';
import { createCache, type ResponseCache } from '../../src/cache/cache.ts';
import { compileTopics, type CompiledTopics } from '../../src/classify/topics.ts';
import type { Catalog, HttpSettings } from '../../src/http/deps.ts';
import { silentLogger } from '../../src/log.ts';
import type { Topic } from '../../src/model.ts';
import { openStore, type ArticleStore } from '../../src/store/store.ts';

export const BASE_URL = 'http://tidings.test';

export function topic(id: string, title: string, keywords: string[] = []): Topic {
  return { id, title, description: `About ${title}`, rules: { keywords, categories: [], sources: [] } };
}

export const TEST_TOPICS: Topic[] = [
  topic('ukraine', 'Україна', ['Україна', 'Київ', 'Ukraine', 'Kyiv']),
  topic('europe', 'Europe', ['Європа', 'Франція', 'Париж', 'Europe', 'France', 'Paris']),
  topic('science', 'Science & <Research>', ['наука', 'science', 'research']),
];

export interface TestApp {
  app: ReturnType<typeof createApp>;
  store: ArticleStore;
  cache: ResponseCache;
  catalog: Catalog & { compiled: CompiledTopics };
}

/** `store`: one the test opened (it is closed with the app); an in-memory SQLite store by default. */
export async function startTestApp(t: TestContext, over: Partial<HttpSettings> & { now?: () => Date; store?: ArticleStore } = {}): Promise<TestApp> {
  const store = over.store ?? await openStore('sqlite::memory:');
  const cache = await createCache({ maxEntries: 100, maxBytes: 8 * 1024 * 1024, ttlSeconds: 0 });
  const catalog = { topics: TEST_TOPICS, sources: [], compiled: compileTopics(TEST_TOPICS) };
  const { now, store: _store, ...settings } = over;
  const app = createApp({
    store,
    cache,
    catalog: () => catalog,
    settings: { baseUrl: BASE_URL, siteTitle: 'Tidings', maxAgeSeconds: 300, staleWhileRevalidate: 60, corsOrigin: '*', ...settings },
    log: silentLogger(),
    ...(now ? { now } : {}),
  });
  t.after(async () => {
    cache.close();
    await store.close();
  });
  return { app, store, cache, catalog };
}
