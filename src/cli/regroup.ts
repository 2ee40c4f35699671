// `npm run regroup [-- --days N]`: merges into stories the stored articles published in the last N
// days (default 30) that stand alone, by the ingest rules and the current STORY_WINDOW_HOURS: after
// the window grew, or a batch of new sources brought copies of stories already stored. A story's
// published leader keeps its id; a second run finds nothing more. Exit 1 with one line on failure.

import { parseArgs } from 'node:util';
import { loadEnvConfig } from '../config.ts';
import { describeError, TidingsError } from '../errors.ts';
import { LOCAL_SOURCE_ID } from '../normalize/normalize.ts';
import { openStore } from '../store/store.ts';

const DEFAULT_DAYS = 30;
const DAY_MS = 86_400_000;

function days(argv: string[]): number {
  const { values } = parseArgs({ args: argv, options: { days: { type: 'string' } } });
  if (values.days === undefined) return DEFAULT_DAYS;
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
    const started = Date.now();
    const since = new Date(started - n * DAY_MS);
    // Of two stand-alone copies, a local article (content/) leads, as it would had it been stored first.
    const result = await store.regroupStories({ since, leadingSource: LOCAL_SOURCE_ID });
    process.stdout.write(`regroup: ${result.examined} stand-alone articles since ${since.toISOString()} `
      + `(window ${env.databaseOptions.storyWindowHours} h): ${result.joined} joined a story (${Date.now() - started} ms)\n`);
  } finally {
    await store.close();
  }
}

main(process.argv.slice(2)).then(() => process.exit(0), (err: unknown) => {
  process.stderr.write(`regroup: ${describeError(err)}\n`);
  process.exit(1);
});
