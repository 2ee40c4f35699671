// The composition root: read config, open the store, start this process's role (TIDINGS_ROLE: `web`
// serves HTTP, `worker` polls and syncs, `all` does both), follow feeds/, and shut down gracefully.
// The only module that calls process.exit.

import { randomUUID } from 'node:crypto';
import { availableParallelism, hostname } from 'node:os';
import { createAdminApp } from './app.ts';
import { loadEnvConfig, loadFeedsConfig, watchFeedsConfig, type EnvConfig, type FeedsConfig, type ProcessRole } from './config.ts';
import { describeError } from './errors.ts';
import { userAgent } from './fetch/remote.ts';
import type { HttpSettings } from './http/deps.ts';
import { loadSiteIcon } from './http/icon.ts';
import { feedTopicResolver } from './http/websub.ts';
import { createLogger, type Logger } from './log.ts';
import { createMetrics } from './metrics.ts';
import { listen, startWeb, type WebRole } from './roles/web.ts';
import { startWorker, type WorkerRole } from './roles/worker.ts';
import { openStore } from './store/store.ts';
import { VERSION } from './version.ts';
import { createHub } from './websub/hub.ts';

/**
 * Query workers read, render and compress feed pages where feeds are served. A `web` process has the
 * cores besides its serving thread to itself: two workers doubled its miss capacity (100 → 150–200/s)
 * for 31 MB of peak RSS (191 → 222 MB in bench:serve). An all-in-one process shares them with the
 * ingest pool and keeps one (a second took it to 252 MB); a `worker` process serves no feeds.
 */
function defaultQueryWorkers(role: ProcessRole): number {
  if (role === 'worker') return 0;
  return role === 'web' ? Math.min(2, availableParallelism()) : 1;
}

async function main(): Promise<void> {
  const env = loadEnvConfig(process.env);
  const log = createLogger(env.logLevel, { role: env.role });
  const metrics = createMetrics({ role: env.role });
  let feeds: FeedsConfig = loadFeedsConfig(env.feedsDir);
  const store = await openStore(env.databaseUrl, { ...env.databaseOptions, queryWorkers: env.databaseOptions.queryWorkers ?? defaultQueryWorkers(env.role) });
  const settings: HttpSettings = {
    baseUrl: env.baseUrl,
    siteTitle: env.siteTitle,
    siteLanguage: env.siteLanguage,
    siteDescription: env.siteDescription,
    siteIcon: loadSiteIcon(env.siteIcon),
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
  // Web processes answer subscription requests; workers deliver. Both need the hub.
  const websub = settings.hubUrl === undefined ? undefined : createHub({
    store,
    hubUrl: settings.hubUrl,
    resolveTopic: feedTopicResolver({ store, catalog: () => feeds, settings }),
    log: log.child({ module: 'websub' }),
    userAgent: userAgent(VERSION, env.userAgentUrl ?? env.baseUrl),
    allowPrivateCallbacks: env.websubAllowPrivateCallbacks,
    onDelivery: (outcome) => metrics.observeDelivery(outcome),
    ...(env.websubMaxSubscriptions === undefined ? {} : { maxSubscriptions: env.websubMaxSubscriptions }),
    ...(env.websubMaxPerHost === undefined ? {} : { maxPerHost: env.websubMaxPerHost }),
    ...(env.websubTimeoutMs === undefined ? {} : { timeoutMs: env.websubTimeoutMs }),
  });
  metrics.attach({ subscriptions: () => store.countSubscriptions(), storePool: () => store.poolStats() });

  const owner = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  const worker: WorkerRole | undefined = env.role === 'web'
    ? undefined
    : await startWorker({ env, store, feeds: () => feeds, log, metrics, owner, ...(websub ? { websub } : {}) });
  const web: WebRole | undefined = env.role === 'worker'
    ? undefined
    : await startWeb({ env, settings, store, catalog: () => feeds, log, metrics, ...(websub ? { websub } : {}) });
  const admin = env.role === 'worker' && env.metricsPort !== undefined
    ? await listen(createAdminApp({ store, metrics, log, ...sqliteDataFile(env.databaseUrl), ...(env.adminToken ? { adminToken: env.adminToken } : {}) }), env.metricsPort)
    : undefined;
  announce(env, log);

  const feedsWatcher = watchFeedsConfig(
    env.feedsDir,
    (next) => {
      feeds = next;
      worker?.configChanged(next);
      log.info({ topics: next.topics.length, sources: next.sources.length }, 'feeds config reloaded');
    },
    (err) => log.error({ err }, `feeds config not reloaded; the previous one stays in force: ${describeError(err)}`),
  );
  process.on('SIGHUP', () => feedsWatcher.reload());

  let stopping = false;
  const shutdown = async (signal: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    admin?.close();
    await Promise.allSettled([web?.close(), worker?.stop(), feedsWatcher.close()]);
    await websub?.close();
    await store.close();
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

/** The log line every role writes when ready, and on a terminal one human line with the URL to open. */
function announce(env: EnvConfig, log: Logger): void {
  if (env.role === 'worker') {
    log.info({ metricsPort: env.metricsPort }, 'Tidings worker running');
    return;
  }
  log.info({ port: env.port, baseUrl: env.baseUrl }, 'Tidings listening');
  if (process.stdout.isTTY) process.stdout.write(`\nTidings is ready: open ${env.baseUrl}/ (Ctrl-C stops it)\n\n`);
}

/** /healthz checks that the SQLite file is still there (a deleted data directory goes unnoticed otherwise). */
function sqliteDataFile(databaseUrl: string): { dataFile?: string } {
  const path = /^sqlite:(?!:memory:)(.+)$/i.exec(databaseUrl)?.[1];
  return path === undefined ? {} : { dataFile: path };
}

main().catch((err: unknown) => {
  // Config and startup errors are the operator's to fix: one clear line, no stack.
  process.stderr.write(`tidings: ${describeError(err)}\n`);
  process.exit(1);
});
