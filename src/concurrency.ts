// The one concurrency helper: a bounded pool (`createLimiter`) that can refuse work beyond a queue bound
// instead of letting latency grow without end, and `SingleFlight`, which lets concurrent callers of one
// key share one run.

export interface LimiterOptions {
  /** Work waiting for a slot beyond which `run` refuses at once (a LimiterBusyError); default unbounded. */
  maxQueued?: number;
}

export interface Limiter {
  /** Runs `fn` when one of the `n` slots is free; rejects with LimiterBusyError when the queue is full. */
  run<T>(fn: () => Promise<T>): Promise<T>;
  /** Work running plus work waiting, for overload decisions and tests. */
  readonly pending: number;
}

/** The pool is full and so is its queue: the caller should shed the work (HTTP 503), not wait. */
export class LimiterBusyError extends Error {
  constructor(running: number, queued: number) {
    super(`limiter: busy: ${running} running and ${queued} queued`);
    this.name = 'LimiterBusyError';
  }
}

export function createLimiter(n: number, options: LimiterOptions = {}): Limiter {
  const maxQueued = options.maxQueued ?? Number.POSITIVE_INFINITY;
  let running = 0;
  const queue: (() => void)[] = [];
  return {
    get pending() {
      return running + queue.length;
    },
    async run<T>(fn: () => Promise<T>): Promise<T> {
      if (running >= n) {
        if (queue.length >= maxQueued) throw new LimiterBusyError(running, queue.length);
        await new Promise<void>((resolve) => queue.push(resolve));
      }
      running++;
      try {
        return await fn();
      } finally {
        running--;
        queue.shift()?.();
      }
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
