// `npm run regroup [-- --days N]`: merges into stories the stored articles published in the last N
// days (default 30) that stand alone, by the ingest rules and the current STORY_WINDOW_HOURS: after
// the window grew, or a batch of new sources brought copies of stories already stored. A story's
// published leader keeps its id; a second run finds nothing more. Records the window in the store, as
// the worker's regroup at start does (src/roles/story-window.ts). Exit 1 with one line on failure.

import { parseArgs } from 'node:util';
import { loadEnvConfig } from '../config.ts';
import { describeError, TidingsError } from '../errors.ts';
import { DEFAULT_REGROUP_DAYS, regroupAndRecord } from '../roles/story-window.ts';
import { openStore } from '../store/store.ts';

function days(argv: string[]): number {
  const { values } = parseArgs({ args: argv, options: { days: { type: 'string' } } });
  if (values.days === undefined) return DEFAULT_REGROUP_DAYS;
  const n = Number(values.days);
  if (!/^\d{1,5}$/.test(values.days) || n < 1) {
    throw new TidingsError('config', '--days', `expected a whole number of days ≥ 1, got "${values.days}"`);
  }
  return n;
}

async function main(argv: string[]): Promise<void> {
  const n = days(argv);
  const env = loadEnvConfig(process.env);
  const store = await openStore(env.databaseUrl, env.databaseOptions);
  try {
    const { since, result, ms } = await regroupAndRecord(store, env.databaseOptions.storyWindowHours, n);
    process.stdout.write(`regroup: ${result.examined} stand-alone articles since ${since.toISOString()} `
      + `(window ${env.databaseOptions.storyWindowHours} h, recorded): ${result.joined} joined a story (${ms} ms)\n`);
  } finally {
    await store.close();
  }
}

main(process.argv.slice(2)).then(() => process.exit(0), (err: unknown) => {
  process.stderr.write(`regroup: ${describeError(err)}\n`);
  process.exit(1);
});
