// `npm run ingest [-- --force]`: reads content/ (unless a running worker holds the sync lock) and polls
// every enabled source that is due on the schedule the server follows (the one in the store, with its
// Retry-After, ttl, max-age and backoff), claiming each with a lease as a worker does; `--force` polls
// every source but gone ones. Exits 0 when every polled source was read, 1 when any failed. A progress
// bar on a terminal, one line per source otherwise; structured logs go to stderr at LOG_LEVEL.

import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { loadEnvConfig, loadFeedsConfig } from '../config.ts';
import { describeError } from '../errors.ts';
import { syncLocalContent } from '../ingest/local.ts';
import { pollSourceFromEnv } from '../ingest/pipeline.ts';
import { createScheduler, type OnceOutcome } from '../ingest/scheduler.ts';
import { createLogger } from '../log.ts';
import { SYNC_LOCK } from '../roles/worker.ts';
import { openStore } from '../store/store.ts';
import { createProgress } from './progress.ts';

const USAGE = 'usage: npm run ingest [-- --force]';

async function main(argv: string[]): Promise<number> {
  const unknown = argv.filter((a) => a !== '--force');
  if (unknown.length > 0) {
    process.stderr.write(`ingest: unknown argument ${JSON.stringify(unknown[0])}\n${USAGE}\n`);
    return 2;
  }
  const force = argv.includes('--force');
  const env = loadEnvConfig(process.env);
  const log = createLogger(process.env.LOG_LEVEL ? env.logLevel : 'warn', { destination: process.stderr, role: 'ingest' });
  const feeds = loadFeedsConfig(env.feedsDir);
  const store = await openStore(env.databaseUrl, env.databaseOptions);
  const owner = `ingest:${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  const leaseMs = env.sourceLeaseSeconds * 1000;
  try {
    let localFailed = 0;
    const at = new Date();
    if (await store.tryLock(SYNC_LOCK, owner, at, new Date(at.getTime() + leaseMs))) {
      try {
        const local = await syncLocalContent({ store, contentDir: env.contentDir, baseUrl: env.baseUrl, compiled: () => feeds.compiled, log });
        localFailed = local.failed;
        process.stdout.write(`local: ${local.inserted} new, ${local.updated} updated, ${local.removed} removed, ${local.failed} failed\n`);
      } finally {
        await store.unlock(SYNC_LOCK, owner);
      }
    } else {
      process.stdout.write('local: skipped, a running Tidings worker syncs content/\n');
    }

    const sources = feeds.sources.filter((s) => s.enabled);
    const progress = createProgress(sources.length, process.stdout);
    const poll = pollSourceFromEnv(env, { store, topics: () => feeds, log });
    const scheduler = createScheduler({ sources, store, log, owner, leaseMs, pollSource: poll });
    const outcomes = await Promise.all((await scheduler.pollDueOnce({ force })).map(async (o) => {
      progress.done(describe(o));
      return o;
    }));
    progress.finish();
    process.stdout.write(`${summary(outcomes, sources.length)}\n`);
    const failed = outcomes.some((o) => o.kind === 'polled' && (o.result.outcome === 'error' || o.result.outcome === 'gone'));
    return failed || localFailed > 0 ? 1 : 0;
  } finally {
    await store.close();
  }
}

function describe(o: OnceOutcome): string {
  switch (o.kind) {
    case 'not-due': return `${o.sourceId}: not due until ${o.nextPollAt.toISOString()} (--force polls it now)`;
    case 'leased': return `${o.sourceId}: skipped, being polled by another process`;
    case 'gone': return `${o.sourceId}: gone (HTTP 410); not polled until its URL changes in feeds/`;
    case 'polled': {
      const r = o.result;
      switch (r.outcome) {
        case 'ok': return `${r.sourceId}: ok, ${r.newItems} new, ${r.updatedItems} updated`;
        case 'not-modified': return `${r.sourceId}: not modified`;
        case 'gone': return `${r.sourceId}: GONE ${r.error ?? ''}`;
        case 'error': return `${r.sourceId}: FAILED ${r.error ?? ''}`;
      }
    }
  }
}

function summary(outcomes: OnceOutcome[], total: number): string {
  const results = outcomes.flatMap((o) => (o.kind === 'polled' ? [o.result] : []));
  const count = (pred: (o: OnceOutcome) => boolean): number => outcomes.filter(pred).length;
  const sum = (k: 'newItems' | 'updatedItems'): number => results.reduce((n, r) => n + r[k], 0);
  return `${total} sources: ${sum('newItems')} new, ${sum('updatedItems')} updated, `
    + `${results.filter((r) => r.outcome === 'not-modified').length} not modified, `
    + `${results.filter((r) => r.outcome === 'error' || r.outcome === 'gone').length} failed, `
    + `${count((o) => o.kind === 'not-due')} not due, ${count((o) => o.kind === 'leased')} busy elsewhere`;
}

main(process.argv.slice(2)).then((code) => process.exit(code), (err: unknown) => {
  process.stderr.write(`ingest: ${describeError(err)}\n`);
  process.exit(1);
});
