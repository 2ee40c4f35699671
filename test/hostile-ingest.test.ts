// Issue 8's hostile inputs against the real server process: while it polls a hostile upstream on
// 127.0.0.1, a probe keeps asking for /healthz and a cached feed, and neither may take more than a
// second (the archive-wide case is test/archive-reclassify.test.ts). Each hostile source ends with a clear status
// in /sources; healthy sources polled meanwhile are recorded ok.

import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { deeplyNested, manyItems, nestedDivs, unclosed } from './helpers/hostile-feeds.ts';
import { startUpstream } from './helpers/upstream.ts';
import { startServerProcess, type ServerProcess } from './helpers/server-process.ts';
import { waitFor } from './helpers/wait.ts';
import { MAX_WAIT_MS, startProbe, tempDirs } from './helpers/probe.ts';

const TOPICS = `topics:
  - id: europe
    title: Europe
    keywords: [Europe, Paris]
`;

const LOCAL_ARTICLE = `---
title: Europe's budget talks
date: 2026-03-03
---
Ministers in **Europe** met to discuss the budget.
`;


/** The Procfile's node options, as test/server.test.ts starts the server. */
const startServer = (t: TestContext, env: Record<string, string>): Promise<ServerProcess> => startServerProcess(t, env);

interface SourceRow {
  id: string;
  status: string;
  error: string | null;
  items: number;
  malformed?: string | null;
}

async function sources(base: string): Promise<Map<string, SourceRow>> {
  const rows = (await (await fetch(`${base}/sources`)).json()) as SourceRow[];
  return new Map(rows.map((r) => [r.id, r]));
}

function sourcesYaml(list: { id: string; url: string }[]): string {
  return `sources:\n${list.map((s) => `  - id: ${s.id}\n    url: ${s.url}\n    interval: 60\n`).join('')}`;
}

function healthyFeed(name: string): string {
  return manyItems(5, new Date(), name);
}

test('hostile feeds are parsed off the serving thread: readers wait < 1 s and each source says why', { timeout: 240_000 }, async (t) => {
  const up = await startUpstream();
  t.after(() => up.close());
  const hostile = {
    'deep': deeplyNested(100_000),
    'comment': unclosed('<!--', 256 * 1024),
    'cdata': unclosed('<![CDATA[', 256 * 1024),
    'pi': unclosed('<?', 256 * 1024),
    'doctype': unclosed('<!DOCTYPE [', 256 * 1024),
    'divs': nestedDivs(100_000),
    'many': manyItems(10_000),
  };
  const rss = { 'content-type': 'application/rss+xml' };
  for (const [id, body] of Object.entries(hostile)) up.route(`/${id}.xml`, { body, headers: rss });
  up.route('/good-1.xml', { body: healthyFeed('good-1'), headers: rss });
  up.route('/good-2.xml', { body: healthyFeed('good-2'), headers: rss });
  const healthy = [{ id: 'good-1', url: up.url('/good-1.xml') }];

  const dirs = tempDirs(t);
  writeFileSync(join(dirs.feeds, 'topics.yaml'), TOPICS);
  writeFileSync(join(dirs.feeds, 'sources.yaml'), sourcesYaml(healthy));
  writeFileSync(join(dirs.content, 'budget.md'), LOCAL_ARTICLE);
  const server = await startServer(t, {
    FEEDS_DIR: dirs.feeds,
    CONTENT_DIR: dirs.content,
    DATABASE_URL: `sqlite:${join(dirs.data, 'tidings.db')}`,
  });
  await waitFor(async () => (await sources(server.url)).get('good-1')?.status === 'ok', 30_000, () => `good-1 not polled:\n${server.output()}`);

  // Readers arrive first; then the hostile sources (and a second healthy one) are configured.
  const probe = await startProbe(server.url, ['/healthz', '/feeds/europe.rss']);
  const all = [
    ...healthy,
    ...Object.keys(hostile).map((id) => ({ id, url: up.url(`/${id}.xml`) })),
    { id: 'good-2', url: up.url('/good-2.xml') },
  ];
  writeFileSync(join(dirs.feeds, 'sources.yaml'), sourcesYaml(all));
  await waitFor(
    async () => {
      const now = await sources(server.url);
      return all.every((s) => now.has(s.id) && now.get(s.id)?.status !== 'never');
    },
    180_000,
    () => `not every source polled:\n${server.output()}`,
  );
  const report = await probe.stop();
  t.diagnostic(`probe: ${report.requests} requests, slowest ${report.slowestPath} ${report.slowestMs} ms`);

  const rows = await sources(server.url);
  const row = (id: string): SourceRow => rows.get(id) ?? assert.fail(`no /sources row for ${id}`);
  assert.match(row('deep').error ?? '', /^parse: \S+\/deep\.xml: too deeply nested \(> 1000 levels\)$/);
  for (const id of ['comment', 'cdata', 'pi', 'doctype']) {
    // Read as truncated feeds (issue 10's recovery): the one item before the construct, source marked.
    assert.equal(row(id).status, 'ok', `${id}: ${row(id).error}`);
    assert.equal(row(id).items, 1, id);
    assert.match(row(id).malformed ?? '', /recovered leniently/, id);
  }
  assert.equal(row('divs').status, 'ok', 'the nested item is kept, its nesting capped');
  assert.equal(row('divs').items, 1);
  assert.equal(row('many').status, 'ok');
  assert.equal(row('many').items, 1000, 'a 10,000-item feed keeps its newest 1,000');
  for (const id of ['good-1', 'good-2']) {
    assert.equal(row(id).status, 'ok', `${id}: ${row(id).error}`);
    assert.equal(row(id).items, 5);
  }
  assert.ok(report.requests > 10, `the probe ran (${report.requests} requests)`);
  assert.ok(report.slowestMs < MAX_WAIT_MS, `${report.slowestPath} took ${report.slowestMs} ms while hostile feeds were polled`);
});

