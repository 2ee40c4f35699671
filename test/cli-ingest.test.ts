// `npm run ingest` as a process: one line per source off a terminal, a summary, exit 1 when a source
// failed, and the good source's articles stored all the same; it polls only what the store's schedule
// says is due (the one the server follows), unless --force.

import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from '../src/store/store.ts';
import { startUpstream, type Upstream } from './helpers/upstream.ts';
import { entryArgs } from './helpers/server-process.ts';

const FEED = `<?xml version="1.0"?><rss version="2.0"><channel><title>Good</title><link>https://good.example/</link>
<description>d</description><item><guid>https://good.example/1</guid><title>Перша новина</title>
<link>https://good.example/1</link><pubDate>Mon, 05 Jan 2026 09:00:00 GMT</pubDate></item></channel></rss>`;

function runIngest(env: Record<string, string>, args: string[] = []): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...entryArgs('src/cli/ingest.ts'), ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

/** An upstream and a project directory (feeds/ with one topic, empty content/), removed after the test. */
async function project(t: TestContext): Promise<{ up: Upstream; root: string }> {
  const up = await startUpstream();
  const root = mkdtempSync(join(tmpdir(), 'tidings-ingest-'));
  t.after(async () => {
    await up.close();
    rmSync(root, { recursive: true, force: true });
  });
  mkdirSync(join(root, 'feeds'));
  mkdirSync(join(root, 'content'));
  writeFileSync(join(root, 'feeds', 'topics.yaml'), 'topics:\n  - id: news\n    title: News\n    keywords: [новина]\n');
  return { up, root };
}

test('ingest polls every source once, reports each, and exits 1 when one failed', { timeout: 60_000 }, async (t) => {
  const { up, root } = await project(t);
  up.route('/good.xml', { body: FEED, etag: '"g1"' });
  up.route('/down.xml', { status: 500 });
  const sources = (list: string[]) => `sources:\n${list.map((id) => `  - id: ${id}\n    url: ${up.url(`/${id}.xml`)}\n`).join('')}`;
  writeFileSync(join(root, 'feeds', 'sources.yaml'), sources(['good', 'down']));
  const env = { FEEDS_DIR: join(root, 'feeds'), CONTENT_DIR: join(root, 'content'), DATABASE_URL: `sqlite:${join(root, 'db.sqlite')}` };

  const failing = await runIngest(env);
  assert.equal(failing.code, 1, failing.stderr);
  assert.match(failing.stdout, /^\[\d\/2\] good: ok, 1 new, 0 updated$/m);
  assert.match(failing.stdout, /^\[\d\/2\] down: FAILED fetch: .*down\.xml: .*500/m);
  assert.match(failing.stdout, /^2 sources: 1 new, 0 updated, 0 not modified, 1 failed, 0 not due, 0 busy elsewhere$/m);
  assert.match(failing.stderr, /"source":"down"/, 'log lines name the source');
  const logged = failing.stderr.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { source?: string; msg: string; role?: string; err?: { type: string; stack: string } });
  const failure = logged.find((l) => l.source === 'down');
  assert.match(failure?.msg ?? '', /^fetch failed: fetch: .*down\.xml: .*500/, 'the message says why');
  assert.equal(failure?.err?.type, 'FetchError', 'the error itself is logged, not only its message');
  assert.match(failure?.err?.stack ?? '', /\n\s+at /, 'with its stack');
  assert.equal(failure?.role, 'ingest');

  writeFileSync(join(root, 'feeds', 'sources.yaml'), sources(['good']));
  const soon = await runIngest(env);
  assert.equal(soon.code, 0, soon.stderr);
  assert.match(soon.stdout, /^\[1\/1\] good: not due until \d{4}-\d\d-\d\dT[\d:.]+Z \(--force polls it now\)$/m);
  assert.equal(up.requests('/good.xml').length, 1, 'a source polled a moment ago is not asked again');

  const again = await runIngest(env, ['--force']);
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stdout, /^\[1\/1\] good: not modified$/m);

  const store = await openStore(env.DATABASE_URL);
  try {
    const [article] = await store.queryArticles({ topics: ['news'], limit: 5 });
    assert.equal(article?.title, 'Перша новина');
  } finally {
    await store.close();
  }
});

test('ingest honours a Retry-After the server would honour, and --force overrides it', { timeout: 60_000 }, async (t) => {
  const { up, root } = await project(t);
  up.route('/busy.xml', { status: 503, headers: { 'retry-after': '3600' } });
  writeFileSync(join(root, 'feeds', 'sources.yaml'), `sources:\n  - id: busy\n    url: ${up.url('/busy.xml')}\n    interval: 1\n`);
  const env = { FEEDS_DIR: join(root, 'feeds'), CONTENT_DIR: join(root, 'content'), DATABASE_URL: `sqlite:${join(root, 'db.sqlite')}` };

  const first = await runIngest(env);
  assert.equal(first.code, 1);
  assert.match(first.stdout, /busy: FAILED .*503/);
  const store = await openStore(env.DATABASE_URL);
  const state = await store.getSourceState('busy');
  await store.close();
  const wait = (state?.nextPollAt?.getTime() ?? 0) - Date.now();
  assert.ok(wait > 55 * 60_000 && wait <= 60 * 60_000, `next poll in ${Math.round(wait / 60_000)} min, as Retry-After: 3600 asks`);

  const second = await runIngest(env);
  assert.equal(second.code, 0, second.stderr);
  assert.match(second.stdout, /busy: not due until/);
  assert.equal(up.requests('/busy.xml').length, 1, 'not asked again inside its Retry-After');

  const forced = await runIngest(env, ['--force']);
  assert.match(forced.stdout, /busy: FAILED/);
  assert.equal(up.requests('/busy.xml').length, 2, '--force asks anyway');
});

test('ingest refuses an unknown argument with its usage', async () => {
  const run = await runIngest({ DATABASE_URL: 'sqlite::memory:' }, ['--forse']);
  assert.equal(run.code, 2);
  assert.match(run.stderr, /unknown argument "--forse"/);
  assert.match(run.stderr, /usage: npm run ingest \[-- --force\]/);
});
