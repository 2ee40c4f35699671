// Reclassifying a whole archive after a topics edit runs beside readers: a probe keeps asking for
// /healthz and a cached feed from the real server process, and neither may take more than a second.
// (Its own file, named to sort first: the suite's longest test then starts with the run, not after it.)
// The archive is generateDataset's, copied from a template (test/helpers/dataset-template.ts).

import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { copyGeneratedDataset } from './helpers/dataset-template.ts';
import { MAX_WAIT_MS, startProbe, tempDirs } from './helpers/probe.ts';
import { startServerProcess, type ServerProcess } from './helpers/server-process.ts';
import { waitFor } from './helpers/wait.ts';

const startServer = (t: TestContext, env: Record<string, string>): Promise<ServerProcess> => startServerProcess(t, env);

test('reclassifying a 40,000-article archive after a topics edit keeps /healthz under 1 s', { timeout: 240_000 }, async (t) => {
  const dirs = tempDirs(t);
  const dbPath = join(dirs.data, 'tidings.db');
  const databaseUrl = `sqlite:${dbPath}`;
  // generateDataset's archive, copied from the one it wrote the first time for this code (9 s of CPU each run before).
  await copyGeneratedDataset({ articles: 40_000, topics: 10, batchSize: 2000 }, dbPath, dirs.feeds);
  const server = await startServer(t, { FEEDS_DIR: dirs.feeds, CONTENT_DIR: dirs.content, DATABASE_URL: databaseUrl });

  const probe = await startProbe(server.url, ['/healthz', '/feeds/all.rss']);
  // The generated archive's topics were assigned, not derived from rules (which are empty): under
  // any edited rules every article gets a new topic list, here [] or the new topic for one in ten.
  const topics = readFileSync(join(dirs.feeds, 'topics.yaml'), 'utf8');
  writeFileSync(
    join(dirs.feeds, 'topics.yaml'),
    `${topics}  - id: reclassified\n    title: Reclassified\n    description: d\n    keywords: []\n    categories: [category-3, category-13, category-23]\n    sources: []\n`,
  );
  await waitFor(async () => /archive reclassified/.test(server.output()), 180_000, () => `no reclassification:\n${server.output()}`);
  const report = await probe.stop();
  t.diagnostic(`probe: ${report.requests} requests, slowest ${report.slowestPath} ${report.slowestMs} ms`);

  const changed = /"changed":(\d+)[^\n]*archive reclassified/.exec(server.output())?.[1];
  assert.equal(Number(changed), 40_000);
  const reclassified = (await (await fetch(`${server.url}/topics`)).json()) as { id: string; count: number }[];
  assert.equal(reclassified.find((x) => x.id === 'reclassified')?.count, 4000, 'categories 3, 13 and 23: 3 in 30');
  assert.ok(report.requests > 10, `the probe ran (${report.requests} requests)`);
  assert.ok(report.slowestMs < MAX_WAIT_MS, `${report.slowestPath} took ${report.slowestMs} ms during the reclassification`);
});
