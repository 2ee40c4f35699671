// `npm run ingest`: polls every enabled source once (and reads content/), then exits: 0 when every
// source was read, 1 when any failed. A progress bar on a terminal, one line per source otherwise;
// structured logs go to stderr at LOG_LEVEL.

import { loadEnvConfig, loadFeedsConfig } from '../config.ts';
import { describeError } from '../errors.ts';
import { syncLocalContent } from '../ingest/local.ts';
import { pollSourceFromEnv } from '../ingest/pipeline.ts';
import { createScheduler } from '../ingest/scheduler.ts';
import type { PollResult } from '../ingest/types.ts';
import { createLogger } from '../log.ts';
import { openStore } from '../store/store.ts';
import { createProgress } from './progress.ts';

async function main(): Promise<number> {
  const env = loadEnvConfig(process.env);
  const log = createLogger(process.env.LOG_LEVEL ? env.logLevel : 'warn', process.stderr);
  const feeds = loadFeedsConfig(env.feedsDir);
  const store = await openStore(env.databaseUrl, env.databaseOptions);
  try {
    const local = await syncLocalContent({ store, contentDir: env.contentDir, baseUrl: env.baseUrl, compiled: () => feeds.compiled, log });
    process.stdout.write(`local: ${local.inserted} new, ${local.updated} updated, ${local.removed} removed, ${local.failed} failed\n`);

    const sources = feeds.sources.filter((s) => s.enabled);
    const progress = createProgress(sources.length, process.stdout);
    const poll = pollSourceFromEnv(env, { store, topics: () => feeds, log });
    const scheduler = createScheduler({
      sources,
      store,
      log,
      pollSource: async (source) => {
        const result = await poll(source);
        progress.done(describe(result));
        return result;
      },
    });
    const results = await scheduler.pollAllOnce();
    progress.finish();
    const failed = results.filter((r) => r.outcome === 'error' || r.outcome === 'gone');
    const sum = (k: 'newItems' | 'updatedItems') => results.reduce((n, r) => n + r[k], 0);
    process.stdout.write(`${results.length} sources: ${sum('newItems')} new, ${sum('updatedItems')} updated, `
      + `${results.filter((r) => r.outcome === 'not-modified').length} not modified, ${failed.length} failed\n`);
    return failed.length > 0 || local.failed > 0 ? 1 : 0;
  } finally {
    await store.close();
  }
}

function describe(r: PollResult): string {
  switch (r.outcome) {
    case 'ok': return `${r.sourceId}: ok, ${r.newItems} new, ${r.updatedItems} updated`;
    case 'not-modified': return `${r.sourceId}: not modified`;
    case 'gone': return `${r.sourceId}: GONE ${r.error ?? ''}`;
    case 'error': return `${r.sourceId}: FAILED ${r.error ?? ''}`;
  }
}

main().then((code) => process.exit(code), (err: unknown) => {
  process.stderr.write(`ingest: ${describeError(err)}\n`);
  process.exit(1);
});
