// The threads that do a request's heavy work (query workers) yield the CPU to the serving thread: on
// Linux each runs at BACKGROUND_NICE, while the main thread keeps the process's own priority. The
// ingest workers keep it too: a feed's parse runs under a wall-clock budget that a lowered thread would
// spend waiting on a busy machine. Read from /proc, as the scheduler sees them.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { getPriority, tmpdir } from 'node:os';
import { join } from 'node:path';
import { statFields } from '../scripts/proc-stat.ts';
import { createIngestPool } from '../src/ingest/worker-pool.ts';
import { silentLogger } from '../src/log.ts';
import { openStore } from '../src/store/store.ts';
import { BACKGROUND_NICE } from '../src/thread-priority.ts';
import { makeArticle } from './store.contract.ts';

/** Thread id → nice value, for every thread of this process (statFields [16]). */
function niceByThread(): Map<number, number> {
  const nice = new Map<number, number>();
  for (const tid of readdirSync('/proc/self/task')) {
    try {
      nice.set(Number(tid), Number(statFields(readFileSync(`/proc/self/task/${tid}/stat`, 'utf8'))[16]));
    } catch {
      // A thread that ended between the listing and the read.
    }
  }
  return nice;
}

const linuxOnly = process.platform !== 'linux' && 'threads have nice values of their own only on Linux';

test('query worker threads run at the background priority; the serving thread and the ingest workers keep the process\'s', { skip: linuxOnly }, async () => {
  const own = getPriority();
  // Threads other than the main one at the background value (none can be told apart from the rest
  // when the process itself runs at it or above).
  const lowered = (): number[] => own >= BACKGROUND_NICE ? [] : [...niceByThread()].filter(([tid, nice]) => tid !== process.pid && nice === BACKGROUND_NICE).map(([tid]) => tid);
  assert.deepEqual(lowered(), [], 'no thread lowered before any pool starts');

  const dir = mkdtempSync(join(tmpdir(), 'tidings-nice-'));
  const store = await openStore(`sqlite:${join(dir, 'tidings.db')}`, { queryWorkers: 2 });
  const ingest = createIngestPool({ workers: 1, log: silentLogger() });
  try {
    await store.upsertArticles([makeArticle(1, { topics: ['a'] })]);
    // Two reads at once, so both query workers have loaded their module; one feed for the ingest worker.
    await Promise.all([store.queryArticles({ topics: ['a'], limit: 5 }), store.queryArticles({ topics: ['a'], limit: 6 })]);
    const outcome = await ingest.process({
      text: '<rss version="2.0"><channel><title>t</title><item><guid>g1</guid><title>Один</title></item></channel></rss>',
      url: 'https://upstream.example/feed.xml', baseUrl: 'http://tidings.test', now: new Date(), topics: [], maxItems: 10,
      source: { id: 's', url: 'https://upstream.example/feed.xml', topics: [], categoryTopics: {}, intervalMinutes: 15, enabled: true },
    });
    assert.equal(outcome.kind, 'ok');

    const nice = niceByThread();
    assert.equal(nice.get(process.pid), own, 'the main (serving) thread keeps the process priority');
    // Exactly the two query workers: the ingest worker, which has just parsed a feed, is not among them.
    if (own < BACKGROUND_NICE) assert.equal(lowered().length, 2, `the two query workers at nice ${BACKGROUND_NICE}, no other thread: ${JSON.stringify([...nice])}`);
    else assert.ok([...nice.values()].every((n) => n === own), 'a process already below the background priority: no thread raised above it');
  } finally {
    await ingest.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
