// Waiting on real processes: polls a condition until it holds or a deadline passes, then fails with
// a message built at that moment (e.g. the process's output so far).

import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';

export async function waitFor(check: () => Promise<boolean> | boolean, timeoutMs: number, message: () => string, everyMs = 50): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if (await check()) return;
    } catch {
      // Not up yet (connection refused): try again until the deadline.
    }
    if (Date.now() > deadline) assert.fail(message());
    await sleep(everyMs);
  }
}
