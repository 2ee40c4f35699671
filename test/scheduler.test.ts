// The scheduling rule nextPollAt() with a fixed clock and fixed randomness, and live runs of the
// scheduler with real async pollers (slow, failing, fast) against a real in-memory store.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { TestContext } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { silentLogger } from '../src/log.ts';
import type { Source } from '../src/model.ts';
import { MAX_DELAY_MS, NEVER, createScheduler, nextPollAt } from '../src/ingest/scheduler.ts';
import type { NextPollInput } from '../src/ingest/scheduler.ts';
import type { PollOutcome, PollResult } from '../src/ingest/types.ts';
import { openStore } from '../src/store/store.ts';
import type { ArticleStore } from '../src/store/store.ts';

const NOW = new Date('2026-11-25T12:00:00Z');
const MIN = 60_000;
const HOUR = 60 * MIN;

function at(input: Partial<NextPollInput>): number {
  const full: NextPollInput = {
    now: NOW,
    intervalMinutes: 30,
    outcome: 'ok',
    consecutiveFailures: 0,
    random: () => 0.5,
    ...input,
  };
  return nextPollAt(full).getTime() - NOW.getTime();
}

// --- the pure rule -----------------------------------------------------------------------------

test('the interval is jittered by at most ±10 %', () => {
  assert.equal(at({ random: () => 0.5 }), 30 * MIN);
  assert.equal(at({ random: () => 0 }), 27 * MIN);
  assert.ok(Math.abs(at({ random: () => 0.999999 }) - 33 * MIN) < 10, 'just under +10 %');
  for (let i = 0; i < 200; i++) {
    const delay = at({ random: Math.random });
    assert.ok(delay >= 27 * MIN && delay < 33 * MIN, `${delay}`);
  }
});

test('not-modified is scheduled like ok', () => {
  assert.equal(at({ outcome: 'not-modified' }), 30 * MIN);
});

test('RSS ttl, max-age and Expires only ever delay the poll', () => {
  assert.equal(at({ ttlMinutes: 90 }), 90 * MIN);
  assert.equal(at({ ttlMinutes: 5 }), 30 * MIN, 'a short ttl does not poll sooner than the interval');
  assert.equal(at({ cacheHints: { maxAgeSeconds: 3600 } }), HOUR);
  assert.equal(at({ cacheHints: { maxAgeSeconds: 60 } }), 30 * MIN);
  assert.equal(at({ cacheHints: { expires: new Date(NOW.getTime() + 2 * HOUR) } }), 2 * HOUR);
  assert.equal(at({ ttlMinutes: 60, cacheHints: { maxAgeSeconds: 7200, expires: new Date(NOW.getTime() + HOUR) } }), 2 * HOUR, 'the largest wins');
});

test('a far-future hint is capped at 24 h', () => {
  assert.equal(at({ cacheHints: { expires: new Date('2027-11-25T12:00:00Z') } }), MAX_DELAY_MS);
  assert.equal(at({ ttlMinutes: 60 * 24 * 30 }), MAX_DELAY_MS);
  assert.equal(MAX_DELAY_MS, 24 * HOUR);
});

test('never before Retry-After, even after a success, up to a week', () => {
  const inTwoDays = new Date(NOW.getTime() + 48 * HOUR);
  assert.equal(at({ outcome: 'error', consecutiveFailures: 1, cacheHints: { retryAfter: inTwoDays } }), 48 * HOUR);
  assert.equal(at({ cacheHints: { retryAfter: new Date(NOW.getTime() + 5 * MIN) } }), 30 * MIN);
  assert.equal(at({ cacheHints: { retryAfter: new Date('2030-01-01T00:00:00Z') } }), 7 * 24 * HOUR);
});

test('failures back off exponentially from the interval, capped at 24 h', () => {
  assert.equal(at({ outcome: 'error', consecutiveFailures: 1 }), 60 * MIN);
  assert.equal(at({ outcome: 'error', consecutiveFailures: 2 }), 120 * MIN);
  assert.equal(at({ outcome: 'error', consecutiveFailures: 5 }), 16 * HOUR);
  assert.equal(at({ outcome: 'error', consecutiveFailures: 6 }), 24 * HOUR);
  assert.equal(at({ outcome: 'error', consecutiveFailures: 6, random: () => 0.999 }), 24 * HOUR, 'jitter cannot lift the cap');
  assert.equal(at({ outcome: 'error', consecutiveFailures: 5000 }), 24 * HOUR, 'no overflow');
  assert.equal(at({ outcome: 'error', consecutiveFailures: 0 }), 60 * MIN, 'an error is at least one failure');
  assert.equal(at({ outcome: 'ok', consecutiveFailures: 3 }), 30 * MIN, 'a success resets the backoff');
});

test('an interval longer than a day caps the backoff at the interval instead', () => {
  assert.equal(at({ intervalMinutes: 48 * 60, outcome: 'error', consecutiveFailures: 3 }), 48 * HOUR);
});

test('a gone source is never polled again', () => {
  assert.equal(nextPollAt({ now: NOW, intervalMinutes: 30, outcome: 'gone', consecutiveFailures: 0, random: () => 0.5 }), NEVER);
  assert.ok(NEVER.getTime() > new Date('9999-12-31').getTime(), 'NEVER is beyond any real date');
});

// --- live runs ---------------------------------------------------------------------------------

function source(id: string, host: string, intervalMinutes = 60): Source {
  return { id, url: `http://${host}/${id}.xml`, topics: [], categoryTopics: {}, intervalMinutes, enabled: true };
}

interface Behaviour {
  delayMs: number;
  outcome: PollOutcome;
  throws?: boolean;
}

/** A real async poller that records when each poll ran, and how many ran at once overall and per host. */
function recorder(behaviours: Record<string, Behaviour>) {
  const polls: { id: string; start: number; end: number }[] = [];
  const failures = new Map<string, number>();
  let active = 0;
  let maxActive = 0;
  const hostActive = new Map<string, number>();
  const maxHostActive = new Map<string, number>();

  const pollSource = async (src: Source): Promise<PollResult> => {
    const behaviour = behaviours[src.id] ?? { delayMs: 10, outcome: 'ok' };
    const host = new URL(src.url).host;
    active += 1;
    maxActive = Math.max(maxActive, active);
    hostActive.set(host, (hostActive.get(host) ?? 0) + 1);
    maxHostActive.set(host, Math.max(maxHostActive.get(host) ?? 0, hostActive.get(host) ?? 0));
    const start = Date.now();
    await sleep(behaviour.delayMs);
    active -= 1;
    hostActive.set(host, (hostActive.get(host) ?? 1) - 1);
    polls.push({ id: src.id, start, end: Date.now() });
    if (behaviour.throws) throw new Error(`${src.id} exploded`);
    // As the pipeline does: count failures in the source state and ask nextPollAt().
    const failed = behaviour.outcome === 'error' ? (failures.get(src.id) ?? 0) + 1 : 0;
    failures.set(src.id, failed);
    return {
      sourceId: src.id,
      outcome: behaviour.outcome,
      newItems: 1,
      updatedItems: 0,
      error: behaviour.outcome === 'ok' ? undefined : 'HTTP 500',
      nextPollAt: nextPollAt({
        now: new Date(),
        intervalMinutes: src.intervalMinutes,
        outcome: behaviour.outcome,
        consecutiveFailures: failed,
        random: () => 0.5,
      }),
    };
  };
  return {
    pollSource,
    polls,
    count: (id: string) => polls.filter((p) => p.id === id).length,
    maxActive: () => maxActive,
    maxHostActive: (host: string) => maxHostActive.get(host) ?? 0,
  };
}

async function memoryStore(t: TestContext): Promise<ArticleStore> {
  const store = await openStore(':memory:');
  t.after(() => store.close());
  return store;
}

test('a slow and a failing source do not hold up a fast one; at most 2 polls per host', async (t) => {
  const store = await memoryStore(t);
  const interval = 0.003; // 180 ms
  const rec = recorder({
    slow: { delayMs: 1200, outcome: 'ok' },
    failing: { delayMs: 5, outcome: 'error' },
    fast: { delayMs: 20, outcome: 'ok' },
  });
  const scheduler = createScheduler({
    sources: [source('slow', 'news.example', interval), source('failing', 'news.example', interval), source('fast', 'news.example', interval)],
    store,
    pollSource: rec.pollSource,
    log: silentLogger(),
  });
  t.after(() => scheduler.stop());

  await scheduler.start();
  await sleep(1000);
  const slowDone = rec.count('slow');
  const fastPolls = rec.polls.filter((p) => p.id === 'fast');
  const failingPolls = rec.polls.filter((p) => p.id === 'failing');

  assert.equal(slowDone, 0, 'the slow poll is still running');
  assert.ok(fastPolls.length >= 3, `fast polled ${fastPolls.length} times while slow ran`);
  // failing backs off: 2×, then 4× the interval (360 ms, 720 ms), so at most 3 polls in a second.
  assert.ok(failingPolls.length >= 1 && failingPolls.length <= 3, `failing polled ${failingPolls.length} times`);
  const [f1, f2] = failingPolls;
  if (f1 && f2) assert.ok(f2.start - f1.end >= 300, 'the second attempt waited for the backoff');
  assert.equal(rec.maxHostActive('news.example'), 2, 'two polls of one host ran at once, never three');

  const stopping = Date.now();
  await scheduler.stop();
  assert.equal(rec.count('slow'), 1, 'stop() waited for the running poll');
  assert.ok(Date.now() - stopping < 1000, 'stop() waited only for the running poll');
  const after = rec.polls.length;
  await sleep(400);
  assert.equal(rec.polls.length, after, 'nothing is polled after stop()');
});

test('the overall bound holds across hosts', async (t) => {
  const store = await memoryStore(t);
  const rec = recorder({});
  const sources = ['a', 'b', 'c', 'd', 'e', 'f', 'g'].map((id) => source(id, `${id}.example`));
  const scheduler = createScheduler({ sources, store, pollSource: rec.pollSource, log: silentLogger(), maxConcurrency: 3 });
  t.after(() => scheduler.stop());

  const results = await scheduler.pollAllOnce();
  assert.deepEqual(results.map((r) => r.sourceId).sort(), ['a', 'b', 'c', 'd', 'e', 'f', 'g']);
  assert.equal(rec.maxActive(), 3);
});

test('pollAllOnce keeps the per-host bound and the default overall bound of 4', async (t) => {
  const store = await memoryStore(t);
  const behaviours = Object.fromEntries(['a1', 'a2', 'a3', 'a4', 'b1', 'c1', 'd1'].map((id) => [id, { delayMs: 80, outcome: 'ok' as const }]));
  const rec = recorder(behaviours);
  const sources = [
    ...['a1', 'a2', 'a3', 'a4'].map((id) => source(id, 'a.example')),
    source('b1', 'b.example'),
    source('c1', 'c.example'),
    source('d1', 'd.example'),
  ];
  const scheduler = createScheduler({ sources, store, pollSource: rec.pollSource, log: silentLogger() });
  t.after(() => scheduler.stop());

  const started = Date.now();
  const results = await scheduler.pollAllOnce();
  assert.equal(results.length, 7);
  assert.equal(rec.maxHostActive('a.example'), 2);
  assert.equal(rec.maxActive(), 4);
  assert.ok(Date.now() - started < 500, 'the other hosts ran beside a.example');
});

test('a restart resumes from the saved nextPollAt and skips gone sources', async (t) => {
  const store = await memoryStore(t);
  const now = Date.now();
  const sources = [source('due', 'a.example'), source('later', 'b.example'), source('gone', 'c.example'), source('new', 'd.example')];
  await store.saveSourceState({ sourceId: 'due', url: sources[0]?.url ?? '', status: 'ok', consecutiveFailures: 0, nextPollAt: new Date(now - MIN) });
  await store.saveSourceState({ sourceId: 'later', url: sources[1]?.url ?? '', status: 'ok', consecutiveFailures: 0, nextPollAt: new Date(now + HOUR) });
  await store.saveSourceState({ sourceId: 'gone', url: sources[2]?.url ?? '', status: 'gone', consecutiveFailures: 1 });
  const rec = recorder({});
  const scheduler = createScheduler({ sources, store, pollSource: rec.pollSource, log: silentLogger() });
  t.after(() => scheduler.stop());

  await scheduler.start();
  await sleep(200);
  assert.deepEqual(rec.polls.map((p) => p.id).sort(), ['due', 'new']);

  const once = await scheduler.pollAllOnce();
  assert.deepEqual(once.map((r) => r.sourceId).sort(), ['due', 'later', 'new'], 'the CLI polls all but gone');
});

test('a source that answers gone is not polled again until its URL changes', async (t) => {
  const store = await memoryStore(t);
  const interval = 0.002; // 120 ms
  const rec = recorder({ g: { delayMs: 5, outcome: 'gone' }, ok: { delayMs: 5, outcome: 'ok' } });
  const scheduler = createScheduler({
    sources: [source('g', 'g.example', interval), source('ok', 'ok.example', interval)],
    store,
    pollSource: rec.pollSource,
    log: silentLogger(),
  });
  t.after(() => scheduler.stop());

  await scheduler.start();
  await sleep(500);
  assert.equal(rec.count('g'), 1);
  assert.ok(rec.count('ok') >= 3, `ok polled ${rec.count('ok')} times`);
  assert.deepEqual(await scheduler.pollAllOnce().then((rs) => rs.map((r) => r.sourceId)), ['ok']);

  scheduler.updateSources([{ ...source('g', 'g2.example', interval) }, source('ok', 'ok.example', interval)]);
  await sleep(100);
  assert.equal(rec.count('g'), 2, 'the new URL is tried');
});

test('config reload: added sources are polled, removed and disabled ones are not', async (t) => {
  const store = await memoryStore(t);
  const interval = 0.002;
  const rec = recorder({});
  const scheduler = createScheduler({
    sources: [source('kept', 'a.example', interval), source('dropped', 'b.example', interval)],
    store,
    pollSource: rec.pollSource,
    log: silentLogger(),
  });
  t.after(() => scheduler.stop());

  await scheduler.start();
  await sleep(50);
  scheduler.updateSources([source('kept', 'a.example', interval), source('added', 'c.example', interval), { ...source('off', 'd.example', interval), enabled: false }]);
  const dropped = rec.count('dropped');
  await sleep(400);
  assert.equal(rec.count('dropped'), dropped);
  assert.ok(rec.count('added') >= 2, `added polled ${rec.count('added')} times`);
  assert.equal(rec.count('off'), 0);
  assert.ok(rec.count('kept') >= 3, `kept polled ${rec.count('kept')} times`);
});

test('a pollSource that throws counts as a failure and backs off; the loop survives', async (t) => {
  const store = await memoryStore(t);
  const interval = 0.002; // 120 ms: backoff 240 ms, then 480 ms
  const rec = recorder({ bad: { delayMs: 5, outcome: 'ok', throws: true }, good: { delayMs: 5, outcome: 'ok' } });
  const scheduler = createScheduler({
    sources: [source('bad', 'bad.example', interval), source('good', 'good.example', interval)],
    store,
    pollSource: rec.pollSource,
    log: silentLogger(),
  });
  t.after(() => scheduler.stop());

  await scheduler.start();
  await sleep(700);
  assert.ok(rec.count('bad') >= 2 && rec.count('bad') <= 3, `bad polled ${rec.count('bad')} times`);
  assert.ok(rec.count('good') >= 4, `good polled ${rec.count('good')} times`);
  const results = await scheduler.pollAllOnce();
  const bad = results.find((r) => r.sourceId === 'bad');
  assert.equal(bad?.outcome, 'error');
  assert.match(bad?.error ?? '', /bad exploded/);
});

test('start() rejects when the saved states cannot be read, and a later start() reads them again', async (t) => {
  const store = await memoryStore(t);
  let failOnce = true;
  const flaky: ArticleStore = Object.assign(Object.create(store) as ArticleStore, {
    listSourceStates: () => {
      if (failOnce) {
        failOnce = false;
        return Promise.reject(new Error('database is locked'));
      }
      return store.listSourceStates();
    },
  });
  const rec = recorder({});
  const scheduler = createScheduler({ sources: [source('a', 'a.example')], store: flaky, pollSource: rec.pollSource, log: silentLogger() });
  t.after(() => scheduler.stop());

  await assert.rejects(scheduler.start(), /database is locked/);
  assert.equal(rec.count('a'), 0, 'nothing is polled blind');
  await scheduler.start();
  await sleep(50);
  assert.equal(rec.count('a'), 1);
});

test('a saved state of another configured URL does not hold back the edited source', async (t) => {
  const store = await memoryStore(t);
  const edited = source('moved', 'new.example');
  const kept = source('kept', 'b.example');
  const goneOld = { status: 'gone' as const, consecutiveFailures: 3, nextPollAt: new Date(Date.now() + HOUR) };
  await store.saveSourceState({ sourceId: 'moved', url: 'http://old.example/moved.xml', configuredUrl: 'http://old.example/moved.xml', ...goneOld });
  // Moved by a 301 (url differs) but configured as now: its gone status still holds.
  await store.saveSourceState({ sourceId: 'kept', url: 'http://elsewhere.example/kept.xml', configuredUrl: kept.url, ...goneOld });
  const rec = recorder({});
  const scheduler = createScheduler({ sources: [edited, kept], store, pollSource: rec.pollSource, log: silentLogger() });
  t.after(() => scheduler.stop());

  await scheduler.start();
  await sleep(100);
  assert.equal(rec.count('moved'), 1, 'the edited URL is polled at once');
  assert.equal(rec.count('kept'), 0, 'a source gone after a permanent redirect stays gone');
});
