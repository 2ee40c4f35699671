// The one concurrency helper: a bounded limiter (at most n tasks at a time, the rest wait in order).

export interface Limiter {
  /** Runs `fn` once fewer than n tasks are running; settles as `fn` does. */
  run<T>(fn: () => Promise<T>): Promise<T>;
}

export function createLimiter(n: number): Limiter {
  let running = 0;
  const waiting: (() => void)[] = [];
  const next = (): void => {
    running--;
    waiting.shift()?.();
  };
  return {
    async run<T>(fn: () => Promise<T>): Promise<T> {
      if (running >= n) await new Promise<void>((resolve) => waiting.push(resolve));
      running++;
      try {
        return await fn();
      } finally {
        next();
      }
    },
  };
}
