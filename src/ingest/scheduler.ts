// When remote sources are polled: the pure rule nextPollAt() (jittered interval, cache hints,
// Retry-After, backoff, gone), and createScheduler(): a loop that reads the schedule from the store
// (shared by every process and by `npm run ingest`), claims each due source with a lease so exactly
// one process polls it at a time, and starts polls within an overall and a per-host bound.

import { createLimiter, serialized } from '../concurrency.ts';
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
  /** This process's name on the leases it takes (unique per process). */
  owner: string;
  /** How long a claim lasts unless renewed; renewed every third of it while a poll runs (default 60 s). */
  leaseMs?: number;
  /** Longest wait between two reads of the schedule, so other processes' work and dead workers' expired leases are seen (default 5 s). */
  scanMs?: number;
  now?: () => Date;
  random?: () => number;
  /** Polls running at once in this process, over all sources (default 4). */
  maxConcurrency?: number;
  /** Polls running at once in this process against one host (default 2): politeness towards publishers. */
  perHostConcurrency?: number;
  /** Told after each scan how many sources were due and how many this process holds a lease on. */
  onScan?: (due: number, leased: number) => void;
}

/** What one `pollDueOnce()` did with a source. */
export type OnceOutcome =
  | { kind: 'polled'; result: PollResult }
  | { kind: 'not-due'; sourceId: string; nextPollAt: Date }
  | { kind: 'leased'; sourceId: string }
  | { kind: 'gone'; sourceId: string };

export interface Scheduler {
  /** Reads the schedule from the store, then polls whatever falls due, forever. */
  start(): Promise<void>;
  /** Starts no new poll, and resolves when the running ones have finished and released their leases. */
  stop(): Promise<void>;
  /** Applies a reloaded config: the next scan polls new sources and drops removed and disabled ones. */
  updateSources(sources: Source[]): void;
  /**
   * For `npm run ingest`: polls every source that is due (with `force`, every one but gone sources),
   * within the same bounds and leases, and says what happened to each.
   */
  pollDueOnce(options?: { force?: boolean }): Promise<OnceOutcome[]>;
}

export const DEFAULT_LEASE_MS = MINUTE;
const DEFAULT_SCAN_MS = 5 * SECOND;

interface Dueness {
  due: boolean;
  gone: boolean;
  /** Epoch ms the source falls due (Infinity when gone). */
  at: number;
  /** The saved state is of another configured URL (the config was edited). */
  stale: boolean;
}

/** Whether a source's saved state (or its absence) makes it due at `nowMs`. */
function dueness(source: Source, saved: SourceState | undefined, nowMs: number): Dueness {
  // A state saved for another configured URL is the old feed's: its schedule, failures and 410 do not
  // apply, and the new URL is polled at once, as the pipeline also starts it over.
  const stale = saved !== undefined && (saved.configuredUrl ?? saved.url) !== source.url;
  const state = stale ? undefined : saved;
  if (state?.status === 'gone') return { due: false, gone: true, at: Number.POSITIVE_INFINITY, stale };
  const at = state?.nextPollAt?.getTime();
  const dueAt = at !== undefined && Number.isFinite(at) ? at : nowMs;
  return { due: dueAt <= nowMs, gone: false, at: dueAt, stale };
}

type Claim = 'claimed' | 'leased' | 'not-due';

export function createScheduler(deps: SchedulerDeps): Scheduler {
  const now = deps.now ?? (() => new Date());
  const random = deps.random ?? Math.random;
  const leaseMs = Math.max(1_000, deps.leaseMs ?? DEFAULT_LEASE_MS);
  const scanMs = Math.max(50, Math.min(deps.scanMs ?? DEFAULT_SCAN_MS, leaseMs / 2));
  const limiter = createLimiter(deps.maxConcurrency ?? 4, { perKey: deps.perHostConcurrency ?? 2 });
  const { log, store, owner } = deps;

  let sources = new Map(deps.sources.filter((s) => s.enabled).map((s) => [s.id, s]));
  /** Sources waiting for a slot or being polled by this process: never queued twice. */
  const pending = new Map<string, Promise<OnceOutcome>>();
  let leased = 0;
  /** This process's own floor per source (a throwing poller, a too-early nextPollAt, another process's lease). */
  const notBefore = new Map<string, number>();
  let started = false;
  /** The first scan of start(): its failure rejects start() instead of being retried. */
  let booting = false;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;

  const leaseUntil = (at: Date): Date => new Date(at.getTime() + leaseMs);

  /** Claims the source, then re-reads its state under the lease: a poll another process just made is not repeated. */
  const claim = async (source: Source, force: boolean): Promise<Claim> => {
    const at = now();
    const before = dueness(source, await store.getSourceState(source.id), at.getTime());
    if (before.gone) return 'not-due';
    // A stale state's nextPollAt is the old URL's: the edited source is due whatever it says.
    const claimed = await store.claimSource({ sourceId: source.id, url: source.url, owner, now: at, until: leaseUntil(at), force: force || before.stale });
    if (!claimed) return before.due || force || before.stale ? 'leased' : 'not-due';
    const fresh = dueness(source, await store.getSourceState(source.id), now().getTime());
    if (fresh.gone || (!force && !fresh.due && !fresh.stale)) {
      await store.releaseSource(source.id, owner);
      return 'not-due';
    }
    return 'claimed';
  };

  /** Polls a claimed source, renewing the lease while the poll runs and releasing it after. */
  const pollClaimed = async (source: Source): Promise<PollResult> => {
    leased += 1;
    log.debug({ source: source.id, owner }, 'claimed');
    const renew = setInterval(() => {
      const at = now();
      store.claimSource({ sourceId: source.id, url: source.url, owner, now: at, until: leaseUntil(at), force: true }).then(
        (held) => {
          if (!held) log.warn({ source: source.id }, 'lease lost while polling: another process may poll this source too');
        },
        (err: unknown) => log.error({ source: source.id, err }, `lease not renewed: ${describeError(err)}`),
      );
    }, leaseMs / 3);
    try {
      return await runPoll(source);
    } finally {
      clearInterval(renew);
      leased -= 1;
      await store.releaseSource(source.id, owner).catch((err: unknown) => {
        log.error({ source: source.id, err }, `lease not released (it expires by itself): ${describeError(err)}`);
      });
    }
  };

  const runPoll = async (source: Source): Promise<PollResult> => {
    const startedAt = now().getTime();
    let result: PollResult;
    try {
      result = await deps.pollSource(source);
    } catch (err) {
      log.error({ source: source.id, err }, `pollSource threw; counted as a failed poll: ${describeError(err)}`);
      const failures = (await store.getSourceState(source.id).catch(() => undefined))?.consecutiveFailures ?? 0;
      const at = nextPollAt({ now: now(), intervalMinutes: source.intervalMinutes, outcome: 'error', consecutiveFailures: failures + 1, random });
      result = { sourceId: source.id, outcome: 'error', newItems: 0, updatedItems: 0, error: describeError(err), nextPollAt: at };
    }
    // The pipeline's time is trusted, but never sooner than half the interval: a bug there must not
    // turn into a request loop against someone's server.
    notBefore.set(source.id, Math.max(result.nextPollAt.getTime(), startedAt + intervalMsOf(source.intervalMinutes) / 2));
    return result;
  };

  /** Queues a source for a slot; once it has one, claims it and polls it when the claim holds. */
  const enqueue = (source: Source, force: boolean): Promise<OnceOutcome> => {
    const known = pending.get(source.id);
    if (known) return known;
    const outcome = limiter
      .run(async (): Promise<OnceOutcome> => {
        if (stopped || sources.get(source.id) !== source) return { kind: 'leased', sourceId: source.id };
        const claimed = await claim(source, force);
        if (claimed === 'leased') {
          // Held by another process: look again at the next scan, not in a loop of failed claims.
          notBefore.set(source.id, now().getTime() + scanMs);
          return { kind: 'leased', sourceId: source.id };
        }
        if (claimed === 'not-due') {
          const state = await store.getSourceState(source.id);
          return state?.status === 'gone'
            ? { kind: 'gone', sourceId: source.id }
            : { kind: 'not-due', sourceId: source.id, nextPollAt: state?.nextPollAt ?? now() };
        }
        return { kind: 'polled', result: await pollClaimed(source) };
      }, hostOf(source.url))
      .catch((err: unknown): OnceOutcome => {
        log.error({ source: source.id, err }, `source not claimed: ${describeError(err)}`);
        return { kind: 'leased', sourceId: source.id };
      })
      .then((o) => {
        pending.delete(source.id);
        // A finished poll frees a slot that a waiting source may take now.
        if (o.kind === 'polled' && started && !stopped) void scan();
        return o;
      });
    pending.set(source.id, outcome);
    return outcome;
  };

  /** Reads the schedule, queues what is due, and sleeps until the next source falls due (or scanMs). */
  const scanOnce = async (): Promise<void> => {
    const states = new Map((await store.listSourceStates()).map((s) => [s.sourceId, s]));
    const nowMs = now().getTime();
    let next = nowMs + scanMs;
    let due = 0;
    for (const source of sources.values()) {
      const d = dueness(source, states.get(source.id), nowMs);
      if (d.gone) continue;
      const at = Math.max(d.at, d.stale ? 0 : (notBefore.get(source.id) ?? 0));
      if (at > nowMs) {
        next = Math.min(next, at);
        continue;
      }
      due += 1;
      if (!stopped) void enqueue(source, false);
    }
    deps.onScan?.(due, leased);
    if (timer) clearTimeout(timer);
    timer = started && !stopped ? setTimeout(() => void scan(), Math.max(0, next - now().getTime())) : undefined;
  };

  /** One scan at a time; a call during a scan runs one more after it. Rejects only before start() succeeded. */
  const scan = serialized(async () => {
    try {
      await scanOnce();
    } catch (err) {
      if (booting) throw err;
      log.error({ err }, `schedule not read; trying again: ${describeError(err)}`);
      if (timer) clearTimeout(timer);
      timer = stopped ? undefined : setTimeout(() => void scan(), scanMs);
    }
  });

  return {
    async start() {
      if (started) return;
      started = true;
      booting = true;
      try {
        await scan();
      } catch (err) {
        started = false; // the next start() reads the store again
        throw err;
      } finally {
        booting = false;
      }
    },

    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      timer = undefined;
      await scan().catch(() => undefined);
      await Promise.all(pending.values());
    },

    updateSources(next) {
      sources = new Map(next.filter((s) => s.enabled).map((s) => [s.id, s]));
      if (started && !stopped) void scan();
    },

    async pollDueOnce(options = {}) {
      const force = options.force ?? false;
      const states = new Map((await store.listSourceStates()).map((s) => [s.sourceId, s]));
      const nowMs = now().getTime();
      return Promise.all([...sources.values()].map((source): Promise<OnceOutcome> => {
        const d = dueness(source, states.get(source.id), nowMs);
        if (d.gone) return Promise.resolve({ kind: 'gone', sourceId: source.id });
        if (!d.due && !d.stale && !force) return Promise.resolve({ kind: 'not-due', sourceId: source.id, nextPollAt: new Date(d.at) });
        return enqueue(source, force);
      }));
    },
  };
}

/** The config guarantees at least a minute; a broken value means a minute rather than a request loop. */
function intervalMsOf(intervalMinutes: number): number {
  return Number.isFinite(intervalMinutes) && intervalMinutes > 0 ? intervalMinutes * MINUTE : MINUTE;
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
