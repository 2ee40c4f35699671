// The worker role: polls remote sources (claimed from the store with leases, so any number of workers
// share the work and exactly one polls a source at a time), syncs content/ and feeds/ into the store
// and regroups stories after STORY_WINDOW_HOURS changed while it holds the sync lock (one process at a
// time; the others follow the store), and tells the WebSub hub when content may have changed.

import type { EnvConfig, FeedsConfig } from '../config.ts';
import { serialized, SingleFlight } from '../concurrency.ts';
import { classify } from '../classify/topics.ts';
import { describeError } from '../errors.ts';
import { watchContentDir } from '../fetch/local.ts';
import { syncLocalContent } from '../ingest/local.ts';
import { pollSourceFromEnv } from '../ingest/pipeline.ts';
import { createScheduler } from '../ingest/scheduler.ts';
import { createIngestPool, defaultWorkerCount } from '../ingest/worker-pool.ts';
import type { Logger } from '../log.ts';
import type { Metrics } from '../metrics.ts';
import type { Source } from '../model.ts';
import { LOCAL_SOURCE_ID } from '../normalize/normalize.ts';
import type { ArticleStore } from '../store/store.ts';
import type { WebSubHub } from '../websub/hub.ts';
import { regroupOffThread } from './regroup-thread.ts';
import { regroupIfWindowChanged, type WindowCheck } from './story-window.ts';

/** How often the WebSub hub looks for new content (a change another worker made has no hook here). */
const WEBSUB_NOTIFY_MS = 30_000;
/** The lock that makes one process at a time sync content/ and apply feeds/ to the archive. */
export const SYNC_LOCK = 'content-sync';

export interface WorkerDeps {
  env: EnvConfig;
  store: ArticleStore;
  feeds: () => FeedsConfig;
  log: Logger;
  metrics: Metrics;
  /** This process's name on leases and locks. */
  owner: string;
  websub?: WebSubHub;
}

export interface WorkerRole {
  /** A reloaded feeds/: new sources are polled, and the sync-lock holder reclassifies the archive. */
  configChanged(next: FeedsConfig): void;
  stop(): Promise<void>;
}

export async function startWorker(deps: WorkerDeps): Promise<WorkerRole> {
  const { env, store, log, metrics, websub, owner } = deps;
  const leaseMs = env.sourceLeaseSeconds * 1000;
  const notify = (): void => void websub?.notify();
  // The hub's first look records each topic's version; it looks before ingestion, so what changes from
  // here on is delivered.
  await websub?.notify();

  const sync = createSyncLock({ store, owner, leaseMs, log });
  const syncLocal = serialized(async () => {
    try {
      const result = await syncLocalContent({ store, contentDir: env.contentDir, baseUrl: env.baseUrl, compiled: () => deps.feeds().compiled, log });
      log.info({ source: LOCAL_SOURCE_ID, ...result }, 'local content synced');
      notify();
    } catch (err) {
      log.error({ err }, `local content sync failed: ${describeError(err)}`);
    }
  });
  // The regroup runs in the background on a thread of its own (serving and polling go on); one at a
  // time in this process; stopped at shutdown.
  const windowCheck = new SingleFlight<WindowCheck>();
  const stopping = new AbortController();
  let regrouping: Promise<unknown> = Promise.resolve();
  const checkStoryWindow = (): void => void (regrouping = windowCheck.run('story-window', async () => {
    const outcome = await regroupIfWindowChanged(store, env.databaseOptions.storyWindowHours, log.child({ module: 'stories' }), {
      signal: stopping.signal,
      ...(inMemory(env.databaseUrl) ? {} : {
        regroup: (windowHours) => regroupOffThread({ databaseUrl: env.databaseUrl, options: env.databaseOptions, windowHours }, stopping.signal),
      }),
    });
    if (outcome.kind === 'regrouped' && outcome.result.joined > 0) notify();
    return outcome;
  }));
  sync.onAcquired(async () => {
    await syncLocal();
    checkStoryWindow();
  });
  await sync.start();

  // Fetched feeds are untrusted CPU work: parsed, normalized and classified on worker threads.
  const ingestPool = createIngestPool({ workers: env.ingestWorkers ?? defaultWorkerCount(), log: log.child({ module: 'ingest-pool' }) });
  const pollSource = pollSourceFromEnv(env, { store, topics: deps.feeds, log, processFeed: (job) => ingestPool.process(job),
    extractArticle: (job) => ingestPool.extract(job) });
  const scheduler = createScheduler({
    sources: pollable(deps.feeds(), env),
    store,
    log,
    owner,
    leaseMs,
    onScan: (due, leased) => metrics.setSources(due, leased),
    // Subscribers hear of a source's new items as soon as they are stored, not at the next timer tick.
    pollSource: async (source) => {
      const started = performance.now();
      const result = await pollSource(source);
      metrics.observePoll(result.outcome, (performance.now() - started) / 1000);
      if (result.newItems > 0 || result.updatedItems > 0) notify();
      return result;
    },
  });
  await scheduler.start();

  const websubTimer = websub && setInterval(notify, WEBSUB_NOTIFY_MS);
  const contentWatcher = watchContentDir(env.contentDir, () => void sync.whileHeld(syncLocal));

  return {
    configChanged(next) {
      scheduler.updateSources(pollable(next, env));
      void sync.whileHeld(async () => {
        await reclassifyRemote(store, next, log);
        await syncLocal();
      });
    },
    async stop() {
      clearInterval(websubTimer);
      stopping.abort();
      // A regroup stops before its next page (a second or so at most): its thread ends on its own.
      await Promise.allSettled([contentWatcher.close(), scheduler.stop(), regrouping]);
      await Promise.allSettled([sync.stop(), ingestPool.close()]);
    },
  };
}

/** Another connection cannot see an in-memory SQLite database: its regroup stays on this thread. */
function inMemory(databaseUrl: string): boolean {
  return /^(sqlite:)?:memory:$/i.test(databaseUrl);
}

/** Enabled sources, at POLL_INTERVAL_SECONDS when that overrides their own intervals. */
function pollable(feeds: FeedsConfig, env: EnvConfig): Source[] {
  const sources = feeds.sources.filter((s) => s.enabled);
  const override = env.pollIntervalSeconds;
  return override === undefined ? sources : sources.map((s) => ({ ...s, intervalMinutes: override / 60 }));
}

interface SyncLock {
  /** Takes the lock if free, and keeps renewing or retaking it every third of its lease. */
  start(): Promise<void>;
  /** Runs `fn` whenever this process newly becomes the holder (awaited by start(), so a lone process boots synced). */
  onAcquired(fn: () => Promise<void>): void;
  /** Runs `task` only if this process holds (and has just renewed) the lock. */
  whileHeld(task: () => Promise<void>): Promise<void>;
  stop(): Promise<void>;
}

function createSyncLock(deps: { store: ArticleStore; owner: string; leaseMs: number; log: Logger }): SyncLock {
  const { store, owner, leaseMs, log } = deps;
  let held = false;
  let acquired: () => Promise<void> = async () => undefined;
  let timer: NodeJS.Timeout | undefined;

  const renew = async (): Promise<boolean> => {
    const now = new Date();
    const was = held;
    try {
      held = await store.tryLock(SYNC_LOCK, owner, now, new Date(now.getTime() + leaseMs));
    } catch (err) {
      held = false;
      log.error({ err }, `sync lock not renewed: ${describeError(err)}`);
    }
    if (held && !was) {
      log.info({ lock: SYNC_LOCK }, 'this process now syncs content/ and feeds/ into the store');
      await acquired();
    }
    return held;
  };

  return {
    async start() {
      await renew();
      timer = setInterval(() => void renew(), leaseMs / 3);
    },
    onAcquired(fn) {
      acquired = fn;
    },
    async whileHeld(task) {
      if (await renew()) await task();
    },
    async stop() {
      clearInterval(timer);
      if (held) await store.unlock(SYNC_LOCK, owner).catch((err: unknown) => log.error({ err }, `sync lock not released: ${describeError(err)}`));
      held = false;
    },
  };
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
    log.error({ err }, `reclassification failed: ${describeError(err)}`);
  }
}
