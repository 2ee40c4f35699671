// Bounded concurrency: the one helper that limits how much work runs at once, overall and per key (a
// host, a source), so that one slow party can never take every slot from the others.

export interface Limiter {
  /**
   * Runs `task` once a slot is free, and — with a key — once fewer than `perKey` tasks of that key
   * run. Tasks start in arrival order among those allowed to start; a task waiting on its key holds
   * no slot.
   */
  run<T>(task: () => Promise<T>, key?: string): Promise<T>;
  /** Tasks running now. */
  readonly active: number;
  /** Tasks waiting for a slot. */
  readonly waiting: number;
}

export interface LimiterOptions {
  /** Tasks of one key running at once (default: no limit but the overall one). */
  perKey?: number;
}

export function createLimiter(max: number, options: LimiterOptions = {}): Limiter {
  if (!Number.isInteger(max) || max < 1) throw new RangeError(`createLimiter: max must be a positive integer, got ${max}`);
  const perKey = options.perKey ?? Number.POSITIVE_INFINITY;
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
      else await new Promise<void>((start) => queue.push({ key, start }));
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
  };
}
