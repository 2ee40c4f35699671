// Keeps the stored stories grouped with the configured STORY_WINDOW_HOURS: the store records the window
// its stories were grouped with, and a different one at start (or a first start) regroups the recent
// archive by the new window, then records it. Run by the sync-lock holder (the regroup itself on a
// thread of its own: regroup-thread.ts) and by `npm run regroup`.

import { describeError } from '../errors.ts';
import type { Logger } from '../log.ts';
import { LOCAL_SOURCE_ID } from '../normalize/normalize.ts';
import type { ArticleStore } from '../store/store.ts';
import type { RegroupResult } from '../store/stories.ts';

/** How far back a regroup looks by default: the CLI's `--days` and the worker's regroup at start. */
export const DEFAULT_REGROUP_DAYS = 30;
const DAY_MS = 86_400_000;

/** What a start-up check of the window came to. `from` is undefined when no window was recorded yet. */
export type WindowCheck =
  | { kind: 'unchanged'; hours: number }
  | { kind: 'regrouped'; from: number | undefined; to: number; since: Date; result: RegroupResult; ms: number }
  | { kind: 'failed'; from: number | undefined; to: number; error: unknown }
  | { kind: 'interrupted'; from: number | undefined; to: number };

/** What a regroup by `windowHours` that records it came to (regroupAndRecord, here or on a thread). */
export type Regroup = (windowHours: number) => Promise<{ since: Date; result: RegroupResult; ms: number }>;

/**
 * Merges the stand-alone articles published in the last `days` days by the store's current window
 * and records `windowHours` as the one the stories are grouped with. Of two stand-alone copies, a
 * local article (content/) leads, as it would had it been stored first.
 */
export async function regroupAndRecord(
  store: ArticleStore, windowHours: number, days = DEFAULT_REGROUP_DAYS, stopped?: () => boolean,
): Promise<{ since: Date; result: RegroupResult; ms: number }> {
  const started = Date.now();
  const since = new Date(started - days * DAY_MS);
  const result = await store.regroupStories({ since, leadingSource: LOCAL_SOURCE_ID, ...(stopped ? { stopped } : {}) });
  // Only after the whole regroup: an interrupted one leaves the old window, so the next start retries.
  await store.recordStoryWindow(windowHours);
  return { since, result, ms: Date.now() - started };
}

/**
 * The worker's start-up step: regroups when the recorded window differs from `windowHours` (the one
 * the store was opened with), and logs what happened. `regroup` does the work (default: on `store`,
 * in this thread); `signal` is shutdown. Never throws: a failure is logged with its cause, the
 * recorded window stays, and the next start tries again.
 */
export async function regroupIfWindowChanged(
  store: ArticleStore, windowHours: number, log: Logger,
  options: { regroup?: Regroup; signal?: AbortSignal } = {},
): Promise<WindowCheck> {
  const signal = options.signal;
  const regroup = options.regroup ?? ((hours: number) => regroupAndRecord(store, hours, DEFAULT_REGROUP_DAYS, signal && (() => signal.aborted)));
  let from: number | undefined;
  try {
    from = await store.recordedStoryWindow();
    if (from === windowHours) return { kind: 'unchanged', hours: windowHours };
    log.info({ from: from ?? null, to: windowHours }, `STORY_WINDOW_HOURS ${from ?? 'unrecorded'} → ${windowHours}: regrouping stories in the background`);
    const done = await regroup(windowHours);
    log.info({ from: from ?? null, to: windowHours, since: done.since.toISOString(), ...done.result, ms: done.ms },
      `stories regrouped for STORY_WINDOW_HOURS ${from ?? 'unrecorded'} → ${windowHours}: ${done.result.examined} stand-alone articles, ${done.result.joined} joined a story`);
    return { kind: 'regrouped', from, to: windowHours, ...done };
  } catch (error) {
    if (options.signal?.aborted) {
      log.info({ from: from ?? null, to: windowHours }, 'stories regroup stopped by shutdown; the next start regroups again');
      return { kind: 'interrupted', from, to: windowHours };
    }
    log.error({ err: error, from: from ?? null, to: windowHours },
      `stories not regrouped for STORY_WINDOW_HOURS ${from ?? 'unrecorded'} → ${windowHours} (retried at the next start): ${describeError(error)}`);
    return { kind: 'failed', from, to: windowHours, error };
  }
}
