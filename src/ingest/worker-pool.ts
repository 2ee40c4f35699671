// The ingest worker pool: fetched feeds are parsed, normalized, sanitized and classified on worker
// threads (piscina), never on the thread that serves readers. Each feed runs under a time budget and a
// heap cap; a worker past either is terminated and replaced, and the feed fails with a clear error.

import { availableParallelism } from 'node:os';
import { Piscina } from 'piscina';
import { createLimiter } from '../concurrency.ts';
import { TidingsError, describeError } from '../errors.ts';
import type { Logger } from '../log.ts';
import type { ExtractJob, ExtractOutcome } from '../normalize/extract.ts';
import type { FeedJob, FeedOutcome } from './process-feed.ts';

export const DEFAULT_PARSE_TIMEOUT_MS = 10_000;
export const DEFAULT_WORKER_HEAP_MB = 256;

/** One worker per core but the one that serves: 1 on a 2-core machine. */
export function defaultWorkerCount(): number {
  return Math.max(1, availableParallelism() - 1);
}

export interface IngestPoolOptions {
  workers: number;
  timeoutMs?: number;
  /** V8 old-generation cap per worker, in MB. */
  maxHeapMb?: number;
  log: Logger;
}

export interface IngestPool {
  process(job: FeedJob): Promise<FeedOutcome>;
  /** Readability on a fetched article page, under the same time budget and heap cap. */
  extract(job: ExtractJob): Promise<ExtractOutcome>;
  close(): Promise<void>;
}

export function createIngestPool(options: IngestPoolOptions): IngestPool {
  const timeoutMs = options.timeoutMs ?? DEFAULT_PARSE_TIMEOUT_MS;
  const maxHeapMb = options.maxHeapMb ?? DEFAULT_WORKER_HEAP_MB;
  // Started by the first job, not at boot: a process with no remote source to poll (a content-only
  // site, or any boot that is stopped before its first poll) never pays for the threads (about 0.25 s
  // of CPU and 25 MB a process). In production the first poll pays it instead, before its budget starts.
  let started: { pool: IngestThreads; warm: Promise<unknown> } | undefined;
  let closed = false;
  const threads = (): { pool: IngestThreads; warm: Promise<unknown> } => {
    if (started) return started;
    const pool = startThreads(options.workers, maxHeapMb);
    // A worker that dies (out of memory, a crash) is replaced by piscina; its task already failed.
    pool.on('error', (err: unknown) => options.log.warn({ err }, `ingest worker replaced: ${describeError(err)}`));
    started = { pool, warm: warmUp(pool, options.workers, options.log) };
    return started;
  };
  // A job is handed over only when a worker is free, so its budget counts running time, not queueing.
  const limiter = createLimiter(options.workers);
  /** Runs one task under the budget; a failure replaces the worker, which is warmed up again. */
  const budgeted = <T>(url: string, task: (pool: IngestThreads, signal: AbortSignal) => Promise<T>): Promise<T | { kind: 'failed'; error: string }> =>
    limiter.run(async () => {
      // Never started after close(): its threads would outlive the process's shutdown.
      if (closed) return { kind: 'failed' as const, error: describeError(new TidingsError('parse', url, 'the ingest pool is closed')) };
      const current = threads();
      await current.warm;
      try {
        return await task(current.pool, AbortSignal.timeout(timeoutMs));
      } catch (err) {
        current.warm = warmUp(current.pool, 1, options.log);
        return { kind: 'failed' as const, error: describeError(workerFailure(err, url, timeoutMs, maxHeapMb)) };
      }
    });
  const extractEntry = workerFile('extract-worker');
  return {
    process: async (job) => {
      const outcome = await budgeted(job.url, async (pool, signal) => (await pool.run(job, { signal })) as FeedOutcome | undefined);
      return outcome ?? { kind: 'failed', error: `parse: ${job.url}: worker returned nothing` };
    },
    extract: (job) => budgeted(job.url, async (pool, signal) => (await pool.run(job, { filename: extractEntry, signal })) as ExtractOutcome),
    close: async () => {
      closed = true;
      await started?.pool.destroy();
    },
  };
}

type IngestThreads = Piscina<WorkerTask | ExtractJob, FeedOutcome | ExtractOutcome | undefined>;

function startThreads(workers: number, maxHeapMb: number): IngestThreads {
  return new Piscina<WorkerTask | ExtractJob, FeedOutcome | ExtractOutcome | undefined>({
    ...workerEntry(),
    minThreads: workers,
    maxThreads: workers,
    idleTimeout: Number.POSITIVE_INFINITY,
    resourceLimits: { maxOldGenerationSizeMb: maxHeapMb, maxYoungGenerationSizeMb: Math.min(32, maxHeapMb) },
  });
}

/**
 * A budget counts no loading either: a new worker first loads the whole parse → classify graph (seconds
 * under tsx on a busy machine), so every worker is warmed up before a budget starts, and a replacement
 * before the next job.
 */
function warmUp(pool: IngestThreads, count: number, log: Logger): Promise<unknown> {
  return Promise.all(Array.from({ length: count }, () => pool.run(WARM_UP))).catch((err: unknown) => {
    log.warn({ err }, `ingest worker did not warm up: ${describeError(err)}`);
  });
}

/** What a worker is sent: a feed, or the warm-up that makes it load its modules before any budget runs. */
export type WorkerTask = FeedJob | typeof WARM_UP;
export const WARM_UP = { warmUp: true } as const;

function workerFailure(err: unknown, url: string, timeoutMs: number, maxHeapMb: number): unknown {
  const { code, name } = typeof err === 'object' && err !== null ? (err as { code?: unknown; name?: unknown }) : {};
  if (name === 'AbortError') return new TidingsError('parse', url, `exceeded ${timeoutMs / 1000} s`, { cause: err });
  if (code === 'ERR_WORKER_OUT_OF_MEMORY') {
    return new TidingsError('parse', url, `worker ran out of memory (heap cap ${maxHeapMb} MB)`, { cause: err });
  }
  return new TidingsError('parse', url, `worker failed: ${describeError(err)}`, { cause: err });
}

/**
 * The worker's file beside this one: `.ts` under `node --import tsx` (tests, `npm run dev`), where the
 * worker needs tsx too, and `.js` in the compiled dist/ that production runs.
 */
function workerEntry(): { filename: string; execArgv: string[] } {
  const typescript = import.meta.url.endsWith('.ts');
  return { filename: workerFile('parse-worker'), execArgv: typescript ? ['--import', import.meta.resolve('tsx')] : [] };
}

function workerFile(name: string): string {
  return new URL(`./${name}${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url).href;
}
