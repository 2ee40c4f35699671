// The one concurrency helper of Tidings: a bounded pool (`createLimiter`: at most n tasks at once,
// optionally at most `perKey` per key such as a host, and optionally refusing work beyond a queue
// bound instead of letting latency grow without end), `SingleFlight` (concurrent callers of one key
// share one run) and `serialized` (one run at a time, and exactly one more after calls made during it).

export interface LimiterOptions {
  /** Tasks of one key running at once (default: no limit but the overall one). */
  perKey?: number;
  /** Tasks waiting for a slot beyond which `run` refuses at once (a LimiterBusyError); default unbounded. */
  maxQueued?: number;
}

export interface Limiter {
  /**
   * Runs `task` once a slot is free, and — with a key — once fewer than `perKey` tasks of that key
   * run. Tasks start in arrival order among those allowed to start; a task waiting on its key holds
   * no slot. Rejects with LimiterBusyError when the queue is full.
   */
  run<T>(task: () => Promise<T>, key?: string): Promise<T>;
  /** Tasks running now. */
  readonly active: number;
  /** Tasks waiting for a slot. */
  readonly waiting: number;
  /** Tasks running plus waiting, for overload decisions. */
  readonly pending: number;
}

/** The pool is full and so is its queue: the caller should shed the work (HTTP 503), not wait. */
export class LimiterBusyError extends Error {
  constructor(running: number, queued: number) {
    super(`limiter: busy: ${running} running and ${queued} queued`);
    this.name = 'LimiterBusyError';
  }
}

export function createLimiter(max: number, options: LimiterOptions = {}): Limiter {
  if (!Number.isInteger(max) || max < 1) throw new RangeError(`createLimiter: max must be a positive integer, got ${max}`);
  const perKey = options.perKey ?? Number.POSITIVE_INFINITY;
  const maxQueued = options.maxQueued ?? Number.POSITIVE_INFINITY;
  const queue: { key: string | undefined; start: () => void }[] = [];
  const byKey = new Map<string, number>();
  let active = 0;

  const mayStart = (key: string | undefined): boolean => active < max && (key === undefined || (byKey.get(key) ?? 0) < perKey);
  const begin = (key: string | undefined): void => {
    active += 1;
    if (key !== undefined) byKey.set(key, (byKey.get(key) ?? 0) + 1);
  };
  const end = (key: string | undefined): void => {
    active -= 1;
    if (key !== undefined) {
      const left = (byKey.get(key) ?? 1) - 1;
      if (left === 0) byKey.delete(key);
      else byKey.set(key, left);
    }
    // Start every waiter that may start now, oldest first, skipping those whose key is full.
    for (let i = 0; i < queue.length && active < max; ) {
      const next = queue[i]!;
      if (!mayStart(next.key)) {
        i += 1;
        continue;
      }
      queue.splice(i, 1);
      begin(next.key);
      next.start();
    }
  };

  return {
    async run<T>(task: () => Promise<T>, key?: string): Promise<T> {
      // Every waiter that could start was started when a slot last freed: those left are blocked.
      if (mayStart(key)) begin(key);
      else {
        if (queue.length >= maxQueued) throw new LimiterBusyError(active, queue.length);
        await new Promise<void>((start) => queue.push({ key, start }));
      }
      try {
        return await task();
      } finally {
        end(key);
      }
    },
    get active() {
      return active;
    },
    get waiting() {
      return queue.length;
    },
    get pending() {
      return active + queue.length;
    },
  };
}

/**
 * One run per key at a time. A write changes the version of the feeds every poller asks for, so right
 * after it many requests miss on the same key at once; they all wait for the first one's render instead
 * of each rendering the same bytes.
 */
export class SingleFlight<T> {
  private readonly running = new Map<string, Promise<T>>();

  run(key: string, work: () => Promise<T>): Promise<T> {
    const known = this.running.get(key);
    if (known) return known;
    const started = work().finally(() => this.running.delete(key));
    this.running.set(key, started);
    return started;
  }
}

/**
 * Runs `task` one at a time: a call during a run gets that run's promise and makes exactly one more
 * run follow it, however many calls came meanwhile. A task that throws ends the runs and rejects.
 */
export function serialized(task: () => Promise<void>): () => Promise<void> {
  let running: Promise<void> | undefined;
  let again = false;
  return () => {
    if (running) {
      again = true;
      return running;
    }
    running = (async () => {
      try {
        do {
          again = false;
          await task();
        } while (again);
      } finally {
        running = undefined;
      }
    })();
    return running;
  };
}
