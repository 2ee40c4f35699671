// The composition root: read config, open store and cache, load local content, start watchers and
// the scheduler, listen, and shut down gracefully. The only module that starts timers, listens or
// calls process.exit.

import type { Server } from 'node:http';
import { createCache } from './cache/cache.ts';
import { createApp } from './app.ts';
import type { HttpSettings } from './http/deps.ts';
import { feedTopicResolver } from './http/websub.ts';
import { loadEnvConfig, loadFeedsConfig, watchFeedsConfig, type FeedsConfig } from './config.ts';
import { describeError } from './errors.ts';
import { watchContentDir } from './fetch/local.ts';
import { userAgent } from './fetch/remote.ts';
import { syncLocalContent } from './ingest/local.ts';
import { pollSourceFromEnv } from './ingest/pipeline.ts';
import { createScheduler } from './ingest/scheduler.ts';
import { createLogger, type Logger } from './log.ts';
import { openStore, type ArticleStore } from './store/store.ts';
import { classify } from './classify/topics.ts';
import { LOCAL_SOURCE_ID } from './normalize/normalize.ts';
import { VERSION } from './version.ts';
import { createHub } from './websub/hub.ts';

const CACHE_MAX_ENTRIES = 5_000;
/** How often the WebSub hub looks for new content (remote polls have no hook of their own). */
const WEBSUB_NOTIFY_MS = 30_000;

async function main(): Promise<void> {
  const env = loadEnvConfig(process.env);
  const log = createLogger(env.logLevel);
  let feeds: FeedsConfig = loadFeedsConfig(env.feedsDir);
  const store = await openStore(env.databaseUrl);
  const cache = await createCache({ maxEntries: CACHE_MAX_ENTRIES, maxBytes: env.cacheMaxBytes, ttlSeconds: 0 });
  const settings: HttpSettings = {
    baseUrl: env.baseUrl,
    siteTitle: 'Tidings',
    maxAgeSeconds: env.cacheMaxAgeSeconds,
    staleWhileRevalidate: env.cacheMaxAgeSeconds,
    corsOrigin: env.corsOrigin,
    ...(env.websub ? { hubUrl: `${env.baseUrl}/websub` } : {}),
    limits: {
      trustProxy: env.trustProxy,
      missesPerMinute: env.rateLimitMisses,
      searchesPerMinute: env.rateLimitSearches,
      websubPerMinute: env.rateLimitWebsub,
      maxPendingMisses: env.maxPendingMisses,
      maxPageBytes: env.maxPageBytes,
    },
    ...(env.adminToken === undefined ? {} : { adminToken: env.adminToken }),
    ...sqliteDataFile(env.databaseUrl),
  };
  const websub = settings.hubUrl === undefined ? undefined : createHub({
    store,
    hubUrl: settings.hubUrl,
    resolveTopic: feedTopicResolver({ store, catalog: () => feeds, settings }),
    log: log.child({ module: 'websub' }),
    userAgent: userAgent(VERSION, env.userAgentUrl ?? env.baseUrl),
    allowPrivateCallbacks: env.websubAllowPrivateCallbacks,
  });
  // The hub's first look records each topic's version; it looks before ingestion, so what changes from
  // here on is delivered.
  await websub?.notify();

  const syncLocal = serialized(async () => {
    const result = await syncLocalContent({ store, contentDir: env.contentDir, baseUrl: env.baseUrl, compiled: () => feeds.compiled, log });
    log.info({ source: 'local', ...result }, 'local content synced');
    void websub?.notify();
  }, log);
  await syncLocal();

  const pollSource = pollSourceFromEnv(env, { store, compiled: () => feeds.compiled, log });
  const scheduler = createScheduler({
    sources: enabled(feeds),
    store,
    log,
    // Subscribers hear of a source's new items as soon as they are stored, not at the next timer tick.
    pollSource: async (source) => {
      const result = await pollSource(source);
      if (result.newItems > 0 || result.updatedItems > 0) void websub?.notify();
      return result;
    },
  });
  await scheduler.start();

  const websubTimer = websub && setInterval(() => void websub.notify(), WEBSUB_NOTIFY_MS);
  const contentWatcher = watchContentDir(env.contentDir, () => void syncLocal());
  const feedsWatcher = watchFeedsConfig(
    env.feedsDir,
    (next) => {
      feeds = next;
      scheduler.updateSources(enabled(next));
      log.info({ topics: next.topics.length, sources: next.sources.length }, 'feeds config reloaded');
      void reclassifyRemote(store, next, log).then(() => syncLocal());
    },
    (err) => log.error({ err: describeError(err) }, 'feeds config not reloaded; the previous one stays in force'),
  );
  process.on('SIGHUP', () => feedsWatcher.reload());

  const app = createApp({
    store,
    cache,
    catalog: () => feeds,
    settings,
    log,
    ...(websub ? { websub } : {}),
  });
  const server: Server = app.listen(env.port, () => log.info({ port: env.port, baseUrl: env.baseUrl }, 'Tidings listening'));

  let stopping = false;
  const shutdown = async (signal: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    server.close();
    server.closeIdleConnections();
    clearInterval(websubTimer);
    await Promise.allSettled([contentWatcher.close(), feedsWatcher.close(), scheduler.stop(), websub?.close()]);
    cache.close();
    await store.close();
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

/** New topic rules apply to the archive too; local articles are re-read from their files instead. */
async function reclassifyRemote(store: ArticleStore, feeds: FeedsConfig, log: Logger): Promise<void> {
  const sources = new Map(feeds.sources.map((s) => [s.id, s]));
  try {
    const changed = await store.reclassify(
      (a) => a.sourceId !== LOCAL_SOURCE_ID,
      (a) => a.sources.flatMap((id) => classify({ ...a, topics: [] }, feeds.compiled, sources.get(id))),
    );
    log.info({ changed }, 'archive reclassified under the new topic rules');
  } catch (err) {
    log.error({ err: describeError(err) }, 'reclassification failed');
  }
}

/** /healthz checks that the SQLite file is still there (a deleted data directory goes unnoticed otherwise). */
function sqliteDataFile(databaseUrl: string): { dataFile?: string } {
  const path = /^sqlite:(?!:memory:)(.+)$/i.exec(databaseUrl)?.[1];
  return path === undefined ? {} : { dataFile: path };
}

function enabled(feeds: FeedsConfig) {
  return feeds.sources.filter((s) => s.enabled);
}

/** Runs `task` one at a time; a call during a run schedules exactly one more run after it. */
function serialized(task: () => Promise<void>, log: Logger): () => Promise<void> {
  let running: Promise<void> | undefined;
  let again = false;
  const run = async (): Promise<void> => {
    if (running) {
      again = true;
      return running;
    }
    running = (async () => {
      do {
        again = false;
        try {
          await task();
        } catch (err) {
          log.error({ err: describeError(err) }, 'local content sync failed');
        }
      } while (again);
    })();
    try {
      await running;
    } finally {
      running = undefined;
    }
  };
  return run;
}

main().catch((err: unknown) => {
  // Config and startup errors are the operator's to fix: one clear line, no stack.
  process.stderr.write(`tidings: ${describeError(err)}\n`);
  process.exit(1);
});
