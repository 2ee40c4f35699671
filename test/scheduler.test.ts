// The scheduling rule nextPollAt() with a fixed clock and fixed randomness, and live runs of the
// scheduler with real async pollers (slow, failing, fast) against a real store: alone, and two
// schedulers (two processes' worth) sharing one SQLite file through leases. The live runs that wait
// for time to pass do so on a fake clock (test/helpers/fake-clock.ts): the scheduler's timers, leases
// and the pollers' delays all run on it, so seconds of schedule take milliseconds.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { TestContext } from 'node:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '../src/log.ts';
import type { Source } from '../src/model.ts';
import { compileTopics } from '../src/classify/topics.ts';
import { createPollSource } from '../src/ingest/pipeline.ts';
import { MAX_DELAY_MS, NEVER, createScheduler, nextPollAt } from '../src/ingest/scheduler.ts';
import { delay, fakeClock, type FakeClock } from './helpers/fake-clock.ts';
import { startUpstream } from './helpers/upstream.ts';
import type { NextPollInput, OnceOutcome, SchedulerDeps } from '../src/ingest/scheduler.ts';
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

interface Poll {
  id: string;
  owner: string;
  start: number;
  end: number;
}

/**
 * A real async poller that saves each source's state as the pipeline does (so the schedule lives in
 * the store) and records when each poll ran, by which scheduler, and how many ran at once.
 */
function recorder(behaviours: Record<string, Behaviour>) {
  const polls: Poll[] = [];
  let active = 0;
  let maxActive = 0;
  const hostActive = new Map<string, number>();
  const maxHostActive = new Map<string, number>();
  const sourceActive = new Map<string, number>();
  let overlaps = 0;

  const pollerFor = (store: ArticleStore, owner = 'a') => async (src: Source): Promise<PollResult> => {
    const behaviour = behaviours[src.id] ?? { delayMs: 10, outcome: 'ok' };
    const host = new URL(src.url).host;
    active += 1;
    maxActive = Math.max(maxActive, active);
    hostActive.set(host, (hostActive.get(host) ?? 0) + 1);
    maxHostActive.set(host, Math.max(maxHostActive.get(host) ?? 0, hostActive.get(host) ?? 0));
    sourceActive.set(src.id, (sourceActive.get(src.id) ?? 0) + 1);
    if ((sourceActive.get(src.id) ?? 0) > 1) overlaps += 1;
    const start = Date.now();
    await delay(behaviour.delayMs);
    active -= 1;
    hostActive.set(host, (hostActive.get(host) ?? 1) - 1);
    sourceActive.set(src.id, (sourceActive.get(src.id) ?? 1) - 1);
    polls.push({ id: src.id, owner, start, end: Date.now() });
    if (behaviour.throws) throw new Error(`${src.id} exploded`);
    const previous = await store.getSourceState(src.id);
    const failed = behaviour.outcome === 'error' ? (previous?.consecutiveFailures ?? 0) + 1 : 0;
    const at = nextPollAt({ now: new Date(), intervalMinutes: src.intervalMinutes, outcome: behaviour.outcome, consecutiveFailures: failed, random: () => 0.5 });
    await store.saveSourceState({ sourceId: src.id, url: src.url, configuredUrl: src.url, status: behaviour.outcome, consecutiveFailures: failed, nextPollAt: at });
    return {
      sourceId: src.id,
      outcome: behaviour.outcome,
      newItems: 1,
      updatedItems: 0,
      error: behaviour.outcome === 'ok' ? undefined : 'HTTP 500',
      nextPollAt: at,
    };
  };
  return {
    pollerFor,
    polls,
    count: (id: string) => polls.filter((p) => p.id === id).length,
    maxActive: () => maxActive,
    maxHostActive: (host: string) => maxHostActive.get(host) ?? 0,
    overlaps: () => overlaps,
  };
}

async function memoryStore(t: TestContext): Promise<ArticleStore> {
  const store = await openStore(':memory:');
  t.after(() => store.close());
  return store;
}

type Rec = ReturnType<typeof recorder>;

/** The fake clock of each test that runs on one: its schedulers are stopped on it after the test. */
const clocks = new WeakMap<TestContext, FakeClock>();

function clockFor(t: TestContext): FakeClock {
  const clock = fakeClock(t);
  clocks.set(t, clock);
  return clock;
}

function scheduler(t: TestContext, store: ArticleStore, rec: Rec, sources: Source[], over: Partial<SchedulerDeps> = {}) {
  const owner = over.owner ?? 'a';
  const s = createScheduler({ sources, store, pollSource: rec.pollerFor(store, owner), log: silentLogger(), owner, scanMs: 50, ...over });
  // A test that failed halfway leaves polls waiting on its fake clock: stop() must move it to end them.
  t.after(() => clocks.get(t)?.until(s.stop()) ?? s.stop());
  return s;
}

function polledIds(outcomes: OnceOutcome[]): string[] {
  return outcomes.flatMap((o) => (o.kind === 'polled' ? [o.result.sourceId] : [])).sort();
}

test('a slow and a failing source do not hold up a fast one; at most 2 polls per host', async (t) => {
  const clock = clockFor(t);
  const store = await memoryStore(t);
  const interval = 0.003; // 180 ms
  const rec = recorder({
    slow: { delayMs: 1200, outcome: 'ok' },
    failing: { delayMs: 5, outcome: 'error' },
    fast: { delayMs: 20, outcome: 'ok' },
  });
  const s = scheduler(t, store, rec, [source('slow', 'news.example', interval), source('failing', 'news.example', interval), source('fast', 'news.example', interval)]);

  await clock.until(s.start());
  await clock.advance(1000);
  const fastPolls = rec.polls.filter((p) => p.id === 'fast');
  const failingPolls = rec.polls.filter((p) => p.id === 'failing');

  assert.equal(rec.count('slow'), 0, 'the slow poll is still running');
  assert.ok(fastPolls.length >= 3, `fast polled ${fastPolls.length} times while slow ran`);
  // failing backs off: 2×, then 4× the interval (360 ms, 720 ms), so at most 3 polls in a second.
  assert.ok(failingPolls.length >= 1 && failingPolls.length <= 3, `failing polled ${failingPolls.length} times`);
  const [f1, f2] = failingPolls;
  if (f1 && f2) assert.ok(f2.start - f1.end >= 300, 'the second attempt waited for the backoff');
  assert.equal(rec.maxHostActive('news.example'), 2, 'two polls of one host ran at once, never three');

  const stopping = Date.now();
  await clock.until(s.stop());
  assert.equal(rec.count('slow'), 1, 'stop() waited for the running poll');
  assert.ok(Date.now() - stopping < 1000, 'stop() waited only for the running poll');
  assert.equal((await store.listSourceStates()).length, 3);
  const after = rec.polls.length;
  await clock.advance(400);
  assert.equal(rec.polls.length, after, 'nothing is polled after stop()');
});

test('the overall bound holds across hosts', async (t) => {
  const store = await memoryStore(t);
  const rec = recorder({});
  const sources = ['a', 'b', 'c', 'd', 'e', 'f', 'g'].map((id) => source(id, `${id}.example`));
  const s = scheduler(t, store, rec, sources, { maxConcurrency: 3 });

  assert.deepEqual(polledIds(await s.pollDueOnce()), ['a', 'b', 'c', 'd', 'e', 'f', 'g']);
  assert.equal(rec.maxActive(), 3);
});

test('pollDueOnce keeps the per-host bound and the default overall bound of 4', async (t) => {
  const store = await memoryStore(t);
  const behaviours = Object.fromEntries(['a1', 'a2', 'a3', 'a4', 'b1', 'c1', 'd1'].map((id) => [id, { delayMs: 80, outcome: 'ok' as const }]));
  const rec = recorder(behaviours);
  const sources = [
    ...['a1', 'a2', 'a3', 'a4'].map((id) => source(id, 'a.example')),
    source('b1', 'b.example'),
    source('c1', 'c.example'),
    source('d1', 'd.example'),
  ];
  const s = scheduler(t, store, rec, sources);

  const started = Date.now();
  assert.equal(polledIds(await s.pollDueOnce()).length, 7);
  assert.equal(rec.maxHostActive('a.example'), 2);
  assert.equal(rec.maxActive(), 4);
  assert.ok(Date.now() - started < 500, 'the other hosts ran beside a.example');
});

test('the schedule is the store\'s: a restart resumes it, pollDueOnce polls only what is due unless forced, gone stays gone', async (t) => {
  const clock = clockFor(t);
  const store = await memoryStore(t);
  const now = Date.now();
  const sources = [source('due', 'a.example'), source('later', 'b.example'), source('gone', 'c.example'), source('new', 'd.example')];
  const saved = (id: string, url: string, extra: object) => store.saveSourceState({ sourceId: id, url, configuredUrl: url, status: 'ok', consecutiveFailures: 0, ...extra });
  await saved('due', sources[0]!.url, { nextPollAt: new Date(now - MIN) });
  // As a 503 with Retry-After: 1 h leaves it.
  await saved('later', sources[1]!.url, { status: 'error', consecutiveFailures: 1, nextPollAt: new Date(now + HOUR) });
  await saved('gone', sources[2]!.url, { status: 'gone', consecutiveFailures: 1 });
  const rec = recorder({});

  const cli = scheduler(t, store, rec, sources, { owner: 'cli' });
  const once = await clock.until(cli.pollDueOnce());
  assert.deepEqual(polledIds(once), ['due', 'new']);
  const later = once.find((o) => o.kind === 'not-due');
  assert.equal(later?.kind === 'not-due' && later.sourceId, 'later');
  assert.equal(later?.kind === 'not-due' && later.nextPollAt.getTime(), now + HOUR, 'it says until when');
  assert.deepEqual(once.filter((o) => o.kind === 'gone').map((o) => o.kind === 'gone' && o.sourceId), ['gone']);
  assert.deepEqual(polledIds(await clock.until(cli.pollDueOnce())), [], 'what was just polled is no longer due');

  const server = scheduler(t, store, rec, sources, { owner: 'server' });
  await clock.until(server.start());
  await clock.advance(200);
  assert.deepEqual(rec.polls.filter((p) => p.owner === 'server').map((p) => p.id), [], 'the server follows the schedule the CLI wrote');
  await clock.until(server.stop());

  assert.deepEqual(polledIds(await clock.until(cli.pollDueOnce({ force: true }))), ['due', 'later', 'new'], '--force polls all but gone');
});

test('a source that answers gone is not polled again until its URL changes', async (t) => {
  const clock = clockFor(t);
  const store = await memoryStore(t);
  const interval = 0.002; // 120 ms
  const rec = recorder({ g: { delayMs: 5, outcome: 'gone' }, ok: { delayMs: 5, outcome: 'ok' } });
  const s = scheduler(t, store, rec, [source('g', 'g.example', interval), source('ok', 'ok.example', interval)]);

  await clock.until(s.start());
  await clock.advance(500);
  assert.equal(rec.count('g'), 1);
  assert.ok(rec.count('ok') >= 3, `ok polled ${rec.count('ok')} times`);
  assert.deepEqual(polledIds(await clock.until(s.pollDueOnce({ force: true }))), ['ok']);

  s.updateSources([{ ...source('g', 'g2.example', interval) }, source('ok', 'ok.example', interval)]);
  await clock.advance(150);
  assert.equal(rec.count('g'), 2, 'the new URL is tried');
  await clock.until(s.stop());
});

test('config reload: added sources are polled, removed and disabled ones are not', async (t) => {
  const clock = clockFor(t);
  const store = await memoryStore(t);
  const interval = 0.002;
  const rec = recorder({});
  const s = scheduler(t, store, rec, [source('kept', 'a.example', interval), source('dropped', 'b.example', interval)]);

  await clock.until(s.start());
  await clock.advance(50);
  s.updateSources([source('kept', 'a.example', interval), source('added', 'c.example', interval), { ...source('off', 'd.example', interval), enabled: false }]);
  await clock.advance(50);
  const dropped = rec.count('dropped');
  await clock.advance(400);
  assert.equal(rec.count('dropped'), dropped);
  assert.ok(rec.count('added') >= 2, `added polled ${rec.count('added')} times`);
  assert.equal(rec.count('off'), 0);
  assert.ok(rec.count('kept') >= 3, `kept polled ${rec.count('kept')} times`);
  await clock.until(s.stop());
});

test('a pollSource that throws counts as a failure and backs off; the loop survives', async (t) => {
  const clock = clockFor(t);
  const store = await memoryStore(t);
  const interval = 0.002; // 120 ms: backoff 240 ms, then 480 ms
  const rec = recorder({ bad: { delayMs: 5, outcome: 'ok', throws: true }, good: { delayMs: 5, outcome: 'ok' } });
  const s = scheduler(t, store, rec, [source('bad', 'bad.example', interval), source('good', 'good.example', interval)]);

  await clock.until(s.start());
  await clock.advance(700);
  assert.ok(rec.count('bad') >= 2 && rec.count('bad') <= 4, `bad polled ${rec.count('bad')} times`);
  assert.ok(rec.count('good') >= 4, `good polled ${rec.count('good')} times`);
  await clock.until(s.stop());
  const results = await clock.until(scheduler(t, store, rec, [source('bad', 'bad.example', interval)]).pollDueOnce({ force: true }));
  const bad = results[0];
  assert.equal(bad?.kind === 'polled' && bad.result.outcome, 'error');
  assert.match(bad?.kind === 'polled' ? bad.result.error ?? '' : '', /bad exploded/);
});

test('start() rejects when the saved states cannot be read, and a later start() reads them again', async (t) => {
  const clock = clockFor(t);
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
  const s = scheduler(t, flaky, rec, [source('a', 'a.example')]);

  await assert.rejects(clock.until(s.start()), /database is locked/);
  assert.equal(rec.count('a'), 0, 'nothing is polled blind');
  await clock.until(s.start());
  await clock.advance(100);
  assert.equal(rec.count('a'), 1);
  await clock.until(s.stop());
});

test('a saved state of another configured URL does not hold back the edited source', async (t) => {
  const clock = clockFor(t);
  const store = await memoryStore(t);
  const edited = source('moved', 'new.example');
  const kept = source('kept', 'b.example');
  const goneOld = { status: 'gone' as const, consecutiveFailures: 3, nextPollAt: new Date(Date.now() + HOUR) };
  await store.saveSourceState({ sourceId: 'moved', url: 'http://old.example/moved.xml', configuredUrl: 'http://old.example/moved.xml', ...goneOld });
  // Moved by a 301 (url differs) but configured as now: its gone status still holds.
  await store.saveSourceState({ sourceId: 'kept', url: 'http://elsewhere.example/kept.xml', configuredUrl: kept.url, ...goneOld });
  const rec = recorder({});
  const s = scheduler(t, store, rec, [edited, kept]);

  await clock.until(s.start());
  await clock.advance(150);
  assert.equal(rec.count('moved'), 1, 'the edited URL is polled at once');
  assert.equal(rec.count('kept'), 0, 'a source gone after a permanent redirect stays gone');
  await clock.until(s.stop());
});

// --- several processes on one store ------------------------------------------------------------

async function sharedFile(t: TestContext): Promise<[ArticleStore, ArticleStore]> {
  const dir = mkdtempSync(join(tmpdir(), 'tidings-sched-'));
  const url = `sqlite:${join(dir, 'shared.db')}`;
  const a = await openStore(url);
  const b = await openStore(url);
  t.after(async () => {
    await a.close();
    await b.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return [a, b];
}

test('two schedulers on one store: each source polled by one at a time, once per interval', async (t) => {
  const clock = clockFor(t);
  const [storeA, storeB] = await sharedFile(t);
  const interval = 0.005; // 300 ms
  const ids = ['s1', 's2', 's3', 's4', 's5', 's6'];
  const rec = recorder(Object.fromEntries(ids.map((id) => [id, { delayMs: 60, outcome: 'ok' as const }])));
  const sources = ids.map((id) => source(id, `${id}.example`, interval));
  const a = scheduler(t, storeA, rec, sources, { owner: 'A' });
  const b = scheduler(t, storeB, rec, sources, { owner: 'B' });

  const started = Date.now();
  await clock.until(Promise.all([a.start(), b.start()]));
  await clock.advance(2000);
  await clock.until(Promise.all([a.stop(), b.stop()]));
  const elapsed = Date.now() - started;

  assert.equal(rec.overlaps(), 0, 'no source was ever polled by both at once');
  for (const id of ids) {
    const polls = rec.polls.filter((p) => p.id === id).sort((x, y) => x.start - y.start);
    // Polls start about one interval (±10 % jitter) after the previous one ended: never twice in one.
    assert.ok(polls.length >= 4 && polls.length <= Math.ceil(elapsed / 270) + 1, `${id} polled ${polls.length} times in ${elapsed} ms`);
    for (let i = 1; i < polls.length; i++) {
      const gap = polls[i]!.start - polls[i - 1]!.end;
      assert.ok(gap >= 250, `${id}: poll ${i} started ${gap} ms after the previous one ended`);
    }
  }
  const owners = new Set(rec.polls.map((p) => p.owner));
  assert.deepEqual([...owners].sort(), ['A', 'B'], 'both schedulers took a share');
});

test('a source leased by a dead process is polled by another once the lease expires', async (t) => {
  const clock = clockFor(t);
  const [storeA, storeB] = await sharedFile(t);
  const now = Date.now();
  // The dead worker claimed it and never renewed nor released the lease (kill -9).
  assert.equal(await storeA.claimSource({ sourceId: 'held', url: 'http://h.example/held.xml', owner: 'dead', now: new Date(now), until: new Date(now + 800) }), true);
  const rec = recorder({});
  const s = scheduler(t, storeB, rec, [source('held', 'h.example'), source('free', 'f.example')], { owner: 'B' });

  const once = await clock.until(scheduler(t, storeB, rec, [source('held', 'h.example')], { owner: 'cli' }).pollDueOnce());
  assert.deepEqual(once, [{ kind: 'leased', sourceId: 'held' }], 'the CLI does not poll a source another process holds');

  await clock.until(s.start());
  await clock.advance(400);
  assert.deepEqual(rec.polls.map((p) => p.id), ['free'], 'not polled while the lease holds');
  await clock.advance(800);
  const held = rec.polls.find((p) => p.id === 'held');
  assert.ok(held, 'polled after the lease expired');
  assert.ok(held.start - now >= 800 && held.start - now < 800 + 300, `taken over ${held.start - now} ms after the claim (lease 800 ms, scan 50 ms)`);
  await clock.until(s.stop());
});

test('a long poll keeps its lease: another scheduler does not take the source meanwhile', async (t) => {
  const clock = clockFor(t);
  const [storeA, storeB] = await sharedFile(t);
  const rec = recorder({ long: { delayMs: 2500, outcome: 'ok' } });
  const src = [source('long', 'l.example')];
  const a = scheduler(t, storeA, rec, src, { owner: 'A', leaseMs: 1000 });
  await clock.until(a.start());
  await clock.advance(100);
  const b = scheduler(t, storeB, rec, src, { owner: 'B', leaseMs: 1000 });
  await clock.until(b.start());
  await clock.advance(2700);
  assert.equal(rec.overlaps(), 0, 'renewed every third of the lease, so B never got it');
  assert.deepEqual(rec.polls.map((p) => p.owner), ['A']);
  await clock.until(Promise.all([a.stop(), b.stop()]));
});

// --- freshness kept across 304s ----------------------------------------------------------------

test('an RSS <ttl> and a max-age hold across 304 responses, in the saved state', async (t) => {
  const up = await startUpstream();
  const store = await memoryStore(t);
  t.after(() => up.close());
  const feed = (ttl: string) => `<?xml version="1.0"?><rss version="2.0"><channel><title>T</title><link>https://t.example/</link>
<description>d</description>${ttl}<item><guid>https://t.example/1</guid><title>One</title><link>https://t.example/1</link></item></channel></rss>`;
  up.route('/ttl.xml', { body: feed('<ttl>180</ttl>'), etag: '"t1"' });
  up.route('/maxage.xml', { body: feed(''), etag: '"m1"', headers: { 'cache-control': 'max-age=7200' } });
  const poll = createPollSource({
    store,
    topics: () => ({ topics: [], compiled: compileTopics([]) }),
    baseUrl: 'http://tidings.test',
    userAgent: 'tidings-test',
    log: silentLogger(),
    random: () => 0.5,
  });
  const src = (id: string): Source => ({ id, url: up.url(`/${id}.xml`), topics: [], categoryTopics: {}, intervalMinutes: 30, enabled: true });
  const minutesAhead = (r: PollResult) => Math.round((r.nextPollAt.getTime() - Date.now()) / MIN);

  const first = await poll(src('ttl'));
  assert.equal(first.outcome, 'ok');
  assert.equal(minutesAhead(first), 180);
  const second = await poll(src('ttl'));
  assert.equal(second.outcome, 'not-modified');
  assert.equal(minutesAhead(second), 180, 'the 304 keeps the <ttl> of the body it confirms (the interval is 30 min)');
  assert.equal((await store.getSourceState('ttl'))?.ttlMinutes, 180);

  assert.equal(minutesAhead(await poll(src('maxage'))), 120);
  // The publisher's 304s carry no Cache-Control: the max-age of the last full response still holds.
  up.route('/maxage.xml', { body: feed(''), etag: '"m1"' });
  const revalidated = await poll(src('maxage'));
  assert.equal(revalidated.outcome, 'not-modified');
  assert.equal(minutesAhead(revalidated), 120);
  assert.equal((await store.getSourceState('maxage'))?.maxAgeSeconds, 7200);

  // A new body without <ttl> drops it.
  up.route('/ttl.xml', { body: feed(''), etag: '"t2"' });
  const changed = await poll(src('ttl'));
  assert.equal(changed.outcome, 'ok');
  assert.equal(minutesAhead(changed), 30);
});
