// When remote sources are polled: the pure rule nextPollAt() (jittered interval, cache hints,
// Retry-After, backoff, gone), and createScheduler(): one timer loop that starts whatever is due within
// an overall and a per-host concurrency bound, so a slow or failing source never holds up another.

import { describeError } from '../errors.ts';
import type { Logger } from '../log.ts';
import type { Source } from '../model.ts';
import type { ArticleStore, SourceState } from '../store/store.ts';
import type { CacheHints, PollOutcome, PollResult, PollSource } from './types.ts';

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

/** Backoff and cache hints never push a poll further out than this, or than the interval if longer. */
export const MAX_DELAY_MS = 24 * HOUR;
/** Retry-After is honoured up to a week; a server asking for more is more likely wrong than serious. */
export const MAX_RETRY_AFTER_MS = 7 * 24 * HOUR;
/** The next poll of a gone source: never (the largest Date), so any "is it due" test says no. */
export const NEVER = new Date(8.64e15);
/** ±10 %: sources configured alike drift apart instead of hitting their hosts in step. */
const JITTER = 0.1;

export interface NextPollInput {
  now: Date;
  intervalMinutes: number;
  outcome: PollOutcome;
  /** Failures in a row, this poll included (0 after a success or a 304). */
  consecutiveFailures: number;
  ttlMinutes?: number;
  cacheHints?: CacheHints;
  /** Returns a number in [0, 1): Math.random, or a constant in tests. */
  random: () => number;
}

/**
 * When to poll a source next. The rules, in order:
 * 1. `gone` (HTTP 410): NEVER.
 * 2. The base delay is the interval; after failures it is interval × 2^failures; either is jittered
 *    by ±10 % and capped at 24 h (or at the interval, when that is longer).
 * 3. The poll is never sooner than the RSS ttl, Cache-Control max-age or Expires; a far-future hint
 *    is capped like the backoff, so one misconfigured header cannot silence a feed for a year.
 * 4. Never before Retry-After (429/503), up to a week.
 */
export function nextPollAt(input: NextPollInput): Date {
  if (input.outcome === 'gone') return NEVER;
  const now = input.now.getTime();
  const intervalMs = intervalMsOf(input.intervalMinutes);
  const cap = Math.max(MAX_DELAY_MS, intervalMs);

  const failures = input.outcome === 'error' ? Math.max(1, input.consecutiveFailures) : 0;
  const jitter = 1 - JITTER + 2 * JITTER * Math.min(Math.max(input.random(), 0), 1);
  let at = now + Math.min(intervalMs * 2 ** failures * jitter, cap);

  const notBefore = (instant: number | undefined, limit: number): void => {
    if (instant !== undefined && Number.isFinite(instant)) at = Math.max(at, Math.min(instant, now + limit));
  };
  const hints = input.cacheHints ?? {};
  if (input.ttlMinutes !== undefined) notBefore(now + input.ttlMinutes * MINUTE, cap);
  if (hints.maxAgeSeconds !== undefined) notBefore(now + hints.maxAgeSeconds * SECOND, cap);
  notBefore(hints.expires?.getTime(), cap);
  notBefore(hints.retryAfter?.getTime(), MAX_RETRY_AFTER_MS);
  return new Date(at);
}

export interface SchedulerDeps {
  sources: Source[];
  store: ArticleStore;
  /** Never throws by contract; if it does anyway the poll counts as a failure and is logged. */
  pollSource: PollSource;
  log: Logger;
  now?: () => Date;
  random?: () => number;
  /** Polls running at once, over all sources (default 4). */
  maxConcurrency?: number;
  /** Polls running at once against one host (default 2): politeness towards publishers. */
  perHostConcurrency?: number;
}

export interface Scheduler {
  /** Reads each source's saved nextPollAt and status, then polls whatever is due, forever. */
  start(): Promise<void>;
  /** Starts no new poll, and resolves when the running ones have finished. */
  stop(): Promise<void>;
  /**
   * Applies a reloaded config: new sources are scheduled from their saved state, removed and disabled
   * ones dropped, a changed URL polled at once (even if the old one was gone); a changed interval takes
   * effect from the next poll.
   */
  updateSources(sources: Source[]): void;
  /** Polls every enabled source that is not gone once, now, within the same bounds; for the CLI. */
  pollAllOnce(): Promise<PollResult[]>;
}

interface Entry {
  source: Source;
  host: string;
  /** Epoch ms of the next poll; Infinity while gone or while the saved state is being read. */
  dueAt: number;
  gone: boolean;
  failures: number;
  /** A pollAllOnce() is waiting for this source: poll it now, whatever dueAt says. */
  forced: boolean;
  running?: Promise<PollResult>;
  waiters: ((result: PollResult) => void)[];
}

/** Longest single wait of the loop, so a clock jump (suspend, NTP) is noticed within a minute. */
const MAX_TIMER_MS = MINUTE;

export function createScheduler(deps: SchedulerDeps): Scheduler {
  const now = deps.now ?? (() => new Date());
  const random = deps.random ?? Math.random;
  const maxConcurrency = Math.max(1, deps.maxConcurrency ?? 4);
  const perHost = Math.max(1, deps.perHostConcurrency ?? 2);
  const log = deps.log;

  const entries = new Map<string, Entry>();
  const hostLoad = new Map<string, number>();
  let inFlight = 0;
  let started = false;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let statesLoaded: Promise<void> | undefined;

  const newEntry = (source: Source): Entry => ({
    source,
    host: hostOf(source.url),
    dueAt: Number.POSITIVE_INFINITY,
    gone: false,
    failures: 0,
    forced: false,
    waiters: [],
  });

  /**
   * Resumes a source's schedule from what the store remembers of it. A state saved for another
   * configured URL is the old feed's (the config was edited): its schedule, failures and 410 do not
   * apply, and the new URL is polled at once, as the pipeline also starts it over.
   */
  const applyState = (entry: Entry, saved: SourceState | undefined): void => {
    const state = saved && (saved.configuredUrl ?? saved.url) === entry.source.url ? saved : undefined;
    entry.failures = state?.consecutiveFailures ?? 0;
    entry.gone = state?.status === 'gone';
    const at = state?.nextPollAt?.getTime();
    entry.dueAt = entry.gone ? Number.POSITIVE_INFINITY : at !== undefined && Number.isFinite(at) ? at : now().getTime();
  };

  const loadStates = (): Promise<void> => {
    statesLoaded ??= deps.store.listSourceStates().then(
      (states) => {
        const byId = new Map(states.map((s) => [s.sourceId, s]));
        for (const entry of entries.values()) applyState(entry, byId.get(entry.source.id));
      },
      (err: unknown) => {
        statesLoaded = undefined; // the next start() or pollAllOnce() reads the store again
        throw err;
      },
    );
    return statesLoaded;
  };

  for (const source of deps.sources) if (source.enabled) entries.set(source.id, newEntry(source));

  const pump = (): void => {
    const nowMs = now().getTime();
    const ready = [...entries.values()]
      .filter((e) => !stopped && !e.running && !e.gone && (e.forced || (started && e.dueAt <= nowMs)))
      .sort((a, b) => Number(b.forced) - Number(a.forced) || (a.dueAt === b.dueAt ? 0 : a.dueAt < b.dueAt ? -1 : 1));
    for (const entry of ready) {
      if (inFlight >= maxConcurrency) break;
      // A busy host's source waits for one of its host's polls to end; the others go ahead.
      if ((hostLoad.get(entry.host) ?? 0) >= perHost) continue;
      launch(entry);
    }
    arm(nowMs);
  };

  /** Sleeps until the next source falls due; sources due but held by a bound wait for a poll to end. */
  const arm = (nowMs: number): void => {
    if (timer) clearTimeout(timer);
    timer = undefined;
    if (!started || stopped) return;
    let next = Number.POSITIVE_INFINITY;
    for (const e of entries.values()) if (!e.running && !e.gone && e.dueAt > nowMs) next = Math.min(next, e.dueAt);
    if (next === Number.POSITIVE_INFINITY) return;
    timer = setTimeout(pump, Math.min(next - nowMs, MAX_TIMER_MS));
  };

  const launch = (entry: Entry): void => {
    const { source, host } = entry;
    inFlight += 1;
    hostLoad.set(host, (hostLoad.get(host) ?? 0) + 1);
    entry.forced = false;
    const running = runPoll(source, entry.failures);
    entry.running = running;
    void running.then((result) => {
      inFlight -= 1;
      hostLoad.set(host, (hostLoad.get(host) ?? 1) - 1);
      entry.running = undefined;
      // A source removed, or given a new URL, by a config reload while it was polled keeps what the
      // reload decided rather than the outcome of its old URL.
      if (entries.get(source.id) === entry && entry.source.url === source.url) reschedule(entry, result);
      for (const resolve of entry.waiters.splice(0)) resolve(result);
      pump();
    });
  };

  const runPoll = async (source: Source, failures: number): Promise<PollResult> => {
    try {
      return await deps.pollSource(source);
    } catch (err) {
      log.error({ source: source.id, err: describeError(err) }, 'pollSource threw; counted as a failed poll');
      const at = nextPollAt({
        now: now(),
        intervalMinutes: source.intervalMinutes,
        outcome: 'error',
        consecutiveFailures: failures + 1,
        random,
      });
      return { sourceId: source.id, outcome: 'error', newItems: 0, updatedItems: 0, error: describeError(err), nextPollAt: at };
    }
  };

  const reschedule = (entry: Entry, result: PollResult): void => {
    const nowMs = now().getTime();
    const fields = { source: entry.source.id, outcome: result.outcome, nextPollAt: result.nextPollAt };
    if (result.outcome === 'gone') {
      entry.gone = true;
      entry.dueAt = Number.POSITIVE_INFINITY;
      log.warn({ ...fields, err: result.error }, 'source is gone (HTTP 410); not polled again until its URL changes');
      return;
    }
    entry.failures = result.outcome === 'error' ? entry.failures + 1 : 0;
    // The pipeline's time is trusted, but never sooner than half the interval: a bug there must not
    // turn into a request loop against someone's server.
    const floor = nowMs + intervalMsOf(entry.source.intervalMinutes) / 2;
    const at = result.nextPollAt.getTime();
    entry.dueAt = Number.isFinite(at) ? Math.max(at, floor) : floor;
    if (result.outcome === 'error') log.warn({ ...fields, failures: entry.failures, err: result.error }, 'poll failed');
    else log.info({ ...fields, newItems: result.newItems, updatedItems: result.updatedItems }, 'polled');
  };

  return {
    async start() {
      if (started) return;
      await loadStates();
      started = true;
      pump();
    },

    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      timer = undefined;
      const running: Promise<PollResult>[] = [];
      for (const entry of entries.values()) {
        if (entry.running) running.push(entry.running);
        else if (entry.forced) {
          entry.forced = false;
          const result = notPolled(entry, 'not polled: the scheduler stopped');
          for (const resolve of entry.waiters.splice(0)) resolve(result);
        }
      }
      await Promise.all(running);
    },

    updateSources(sources) {
      const next = new Map(sources.filter((s) => s.enabled).map((s) => [s.id, s]));
      for (const [id, entry] of entries) {
        if (next.has(id)) continue;
        entries.delete(id);
        for (const resolve of entry.waiters.splice(0)) resolve(notPolled(entry, 'not polled: removed from the config'));
      }
      for (const source of next.values()) {
        const entry = entries.get(source.id);
        if (!entry) {
          const fresh = newEntry(source);
          entries.set(source.id, fresh);
          void deps.store.getSourceState(source.id).then(
            (state) => applyState(fresh, state),
            (err: unknown) => {
              log.error({ source: source.id, err: describeError(err) }, 'source state unreadable; polling as new');
              applyState(fresh, undefined);
            },
          ).then(pump);
        } else if (entry.source.url !== source.url) {
          entry.source = source;
          entry.host = hostOf(source.url);
          entry.gone = false;
          entry.failures = 0;
          entry.dueAt = now().getTime();
        } else {
          entry.source = source;
        }
      }
      pump();
    },

    async pollAllOnce() {
      await loadStates();
      if (stopped) return [...entries.values()].map((e) => notPolled(e, 'not polled: the scheduler stopped'));
      const polls: Promise<PollResult>[] = [];
      for (const entry of entries.values()) {
        if (entry.gone) continue;
        if (entry.running) {
          polls.push(entry.running);
          continue;
        }
        entry.forced = true;
        polls.push(new Promise((resolve) => entry.waiters.push(resolve)));
      }
      pump();
      return Promise.all(polls);
    },
  };
}

/** The config guarantees at least a minute; a broken value means a minute rather than a request loop. */
function intervalMsOf(intervalMinutes: number): number {
  return Number.isFinite(intervalMinutes) && intervalMinutes > 0 ? intervalMinutes * MINUTE : MINUTE;
}

function notPolled(entry: Entry, why: string): PollResult {
  return {
    sourceId: entry.source.id,
    outcome: 'error',
    newItems: 0,
    updatedItems: 0,
    error: why,
    nextPollAt: new Date(Number.isFinite(entry.dueAt) ? entry.dueAt : Date.now()),
  };
}

/** Politeness is per host as written in the URL (host:port), lowercased; not per resolved address. */
function hostOf(url: string): string {
  try {
    return new URL(url).host.toLowerCase();
  } catch (err) {
    if (err instanceof TypeError) return url;
    throw err;
  }
}
