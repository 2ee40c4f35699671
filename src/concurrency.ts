// The one bounded pool of Tidings: at most `limit` tasks at once, and at most `perKey` of them per key
// (e.g. per host). A task whose key is full waits without holding up tasks of other keys.

export interface Limiter {
  /** Runs `fn` when a slot (and a slot of `key`, when given) is free; resolves or rejects as it does. */
  run<T>(fn: () => Promise<T>, key?: string): Promise<T>;
  /** Tasks running now. */
  readonly active: number;
}

export function createLimiter(limit: number, options: { perKey?: number } = {}): Limiter {
  const max = Math.max(1, limit);
  const perKey = Math.max(1, options.perKey ?? Number.POSITIVE_INFINITY);
  const queue: { key: string | undefined; start: () => void }[] = [];
  const byKey = new Map<string, number>();
  let active = 0;

  const fits = (key: string | undefined): boolean => key === undefined || (byKey.get(key) ?? 0) < perKey;

  const pump = (): void => {
    for (let i = 0; i < queue.length && active < max; ) {
      const task = queue[i]!;
      if (!fits(task.key)) {
        i += 1;
        continue;
      }
      queue.splice(i, 1);
      task.start();
    }
  };

  return {
    get active() {
      return active;
    },
    run<T>(fn: () => Promise<T>, key?: string): Promise<T> {
      return new Promise<T>((resolve, reject) => {
        queue.push({
          key,
          start: () => {
            active += 1;
            if (key !== undefined) byKey.set(key, (byKey.get(key) ?? 0) + 1);
            void Promise.resolve().then(fn).then(resolve, reject).finally(() => {
              active -= 1;
              if (key !== undefined) byKey.set(key, (byKey.get(key) ?? 1) - 1);
              pump();
            });
          },
        });
        pump();
      });
    },
  };
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
