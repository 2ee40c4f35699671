// A fake clock for tests that wait for time to pass: Node's mock timers (setTimeout, setInterval and
// Date) moved forward one millisecond at a time, letting every promise chain a timer started settle
// before the next millisecond, so code that only waits on timers and promises sees time pass as it
// would, without the test waiting for it. `node:timers/promises` is not mocked: code under such a
// clock waits with the global setTimeout (see `delay`).

import type { TestContext } from 'node:test';

export interface FakeClock {
  /** Moves time forward by `ms`, running every timer that falls due on the way. */
  advance(ms: number): Promise<void>;
  /** Moves time forward until `promise` settles (at most `limitMs`), and returns its value. */
  until<T>(promise: Promise<T>, limitMs?: number): Promise<T>;
}

/** Lets the promise chains that timers started run before time moves on (setImmediate stays real). */
function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Starts a fake clock at the real current time; the real timers come back after the test. */
export function fakeClock(t: TestContext): FakeClock {
  t.mock.timers.enable({ apis: ['setTimeout', 'setInterval', 'Date'], now: Date.now() });
  const advance = async (ms: number): Promise<void> => {
    await settle();
    for (let i = 0; i < ms; i++) {
      t.mock.timers.tick(1);
      await settle();
    }
  };
  return {
    advance,
    async until<T>(promise: Promise<T>, limitMs = 60_000): Promise<T> {
      let settled = false;
      const watched = promise.finally(() => {
        settled = true;
      });
      watched.catch(() => undefined);
      await settle();
      for (let i = 0; !settled && i < limitMs; i++) await advance(1);
      if (!settled) throw new Error(`still pending after ${limitMs} ms of fake time`);
      return watched;
    },
  };
}

/** Waits `ms` on the global setTimeout, which a fake clock controls (node:timers/promises it does not). */
export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
