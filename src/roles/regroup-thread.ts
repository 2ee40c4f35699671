// Runs a worker's regroup at start (src/roles/story-window.ts) on a thread of its own with its own store
// connection, as `npm run regroup` runs in a process of its own: a SQLite regroup is synchronous work,
// up to a few hundred milliseconds per page, that must not hold up the thread serving readers.

import { Piscina } from 'piscina';
import { describeError, TidingsError } from '../errors.ts';
import type { StoreOptions } from '../store/store.ts';
import type { RegroupResult } from '../store/stories.ts';

export interface RegroupJob {
  databaseUrl: string;
  options: StoreOptions;
  windowHours: number;
  /** One Int32 the calling thread sets to 1 to stop the regroup before its next page. */
  stop?: SharedArrayBuffer;
}

/** What the thread answers: done, or the failure's message (an Error does not cross threads whole). */
export type RegroupReply =
  | { kind: 'done'; since: number; result: RegroupResult; ms: number }
  | { kind: 'failed'; message: string };

/**
 * Regroups and records `job.windowHours` on a thread of its own (piscina, as the ingest and query
 * workers; one thread, gone when done); rejects with the thread's failure. `signal` (shutdown) stops
 * the regroup before its next page, through a shared flag the thread reads: the thread is never
 * terminated, since terminating it inside a SQLite statement aborts the whole process (better-sqlite3
 * throws into the dying thread). The pages done stay committed and the old window stays recorded.
 */
export async function regroupOffThread(
  job: Omit<RegroupJob, 'stop'>, signal?: AbortSignal,
): Promise<{ since: Date; result: RegroupResult; ms: number }> {
  const stop = new SharedArrayBuffer(4);
  const raise = (): void => void Atomics.store(new Int32Array(stop), 0, 1);
  if (signal?.aborted) raise();
  signal?.addEventListener('abort', raise, { once: true });
  const typescript = import.meta.url.endsWith('.ts');
  const pool = new Piscina<RegroupJob, RegroupReply>({
    filename: new URL(`./regroup-worker${typescript ? '.ts' : '.js'}`, import.meta.url).href,
    // Under tsx (tests, `npm run dev`) the thread needs tsx too; dist/ runs plain JavaScript.
    execArgv: typescript ? ['--import', import.meta.resolve('tsx')] : [],
    minThreads: 0,
    maxThreads: 1,
  });
  try {
    const reply = await pool.run({ ...job, stop });
    if (reply.kind === 'failed') throw new TidingsError('store', 'regroup thread', reply.message);
    return { since: new Date(reply.since), result: reply.result, ms: reply.ms };
  } catch (err) {
    if (err instanceof TidingsError) throw err;
    throw new TidingsError('store', 'regroup thread', signal?.aborted ? 'stopped by shutdown' : describeError(err), { cause: err });
  } finally {
    signal?.removeEventListener('abort', raise);
    await pool.destroy();
  }
}
