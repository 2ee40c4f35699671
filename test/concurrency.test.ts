// createLimiter: the overall bound, the per-key bound, arrival order, and that a task blocked on its
// key holds no slot another key could use.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createLimiter } from '../src/concurrency.ts';

/** A task that runs until released, recording when it started. */
function gate(log: string[], name: string): { task: () => Promise<string>; release: () => void } {
  let release = (): void => {};
  const done = new Promise<void>((resolve) => (release = resolve));
  return { task: async () => (log.push(name), await done, name), release: () => release() };
}

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

test('at most max tasks run; the others start in arrival order as slots free', async () => {
  const limiter = createLimiter(2);
  const started: string[] = [];
  const gates = ['a', 'b', 'c', 'd'].map((n) => gate(started, n));
  const results = gates.map((g) => limiter.run(g.task));
  await tick();
  assert.deepEqual(started, ['a', 'b']);
  assert.equal(limiter.active, 2);
  assert.equal(limiter.waiting, 2);
  gates[1]!.release();
  await tick();
  assert.deepEqual(started, ['a', 'b', 'c']);
  for (const g of gates) g.release();
  assert.deepEqual(await Promise.all(results), ['a', 'b', 'c', 'd']);
  assert.equal(limiter.active, 0);
});

test('perKey: one key never takes more than its share; a task of another key starts past it', async () => {
  const limiter = createLimiter(3, { perKey: 1 });
  const started: string[] = [];
  const slow1 = gate(started, 'slow-1');
  const slow2 = gate(started, 'slow-2');
  const other = gate(started, 'other');
  const runs = [limiter.run(slow1.task, 'slow.test'), limiter.run(slow2.task, 'slow.test'), limiter.run(other.task, 'real.test')];
  await tick();
  assert.deepEqual(started, ['slow-1', 'other'], 'slow-2 waits on its key without holding a slot');
  assert.equal(limiter.active, 2);
  slow1.release();
  await tick();
  assert.deepEqual(started, ['slow-1', 'other', 'slow-2']);
  slow2.release();
  other.release();
  await Promise.all(runs);
});

test('a failing task frees its slot and its error reaches the caller', async () => {
  const limiter = createLimiter(1, { perKey: 1 });
  await assert.rejects(limiter.run(async () => Promise.reject(new Error('boom')), 'k'), /boom/);
  assert.equal(await limiter.run(async () => 'next', 'k'), 'next');
  assert.throws(() => createLimiter(0), /max must be a positive integer, got 0/);
});
