// The real server process, as `npm start` runs it: boot on a temp config and content dir, serve
// local articles, pick up new, edited, broken and deleted files while running, and refuse bad config
// or a port in use; the web and worker roles as the Procfile starts them.

import { after, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync, mkdtempSync, mkdirSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../scripts/free-port.ts';
import { startUpstream } from './helpers/upstream.ts';
import { entryArgs, nodeOptionsOf, PRODUCTION_NODE_OPTIONS, startServerProcess, type ServerProcess } from './helpers/server-process.ts';
import { waitFor } from './helpers/wait.ts';

const TOPICS = `topics:
  - id: europe
    title: Europe
    description: Європа
    keywords: [Франція, Париж, Europe]
  - id: defense
    title: Defense
    keywords: [ППО, "air defense"]
`;

const UK_TEXT = `date 2026-03-02 Міністри Франції обговорили ППО

Зустріч відбулася в Парижі.

Йшлося про постачання систем ППО.
`;

const EN_MARKDOWN = `---
title: Europe's budget talks
date: 2026-03-03
lang: en
tags: [economy]
---
Ministers in **Europe** met to discuss the budget.
`;

/** The node options a command line gives before the script it runs (`node --x=1 dist/src/main.js`). */

test('npm start and the Procfile run the server with the same node options', () => {
  const scripts = (JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: Record<string, string> }).scripts;
  assert.deepEqual(nodeOptionsOf(scripts.start ?? ''), PRODUCTION_NODE_OPTIONS);
});

const startServer = (t: Pick<TestContext, 'after'>, env: Record<string, string>): Promise<ServerProcess> => startServerProcess(t, env, 15_000);

function tempDirs(t: Pick<TestContext, 'after'>): { feeds: string; content: string; data: string } {
  const root = mkdtempSync(join(tmpdir(), 'tidings-server-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const dirs = { feeds: join(root, 'feeds'), content: join(root, 'content'), data: join(root, 'data') };
  mkdirSync(dirs.feeds);
  mkdirSync(join(dirs.content, 'uk'), { recursive: true });
  writeFileSync(join(dirs.feeds, 'topics.yaml'), TOPICS);
  return dirs;
}

async function titles(url: string): Promise<string[]> {
  const feed = (await (await fetch(`${url}/feeds/all.json`)).json()) as { items: { title: string }[] };
  return feed.items.map((i) => i.title).sort();
}

/** Stops what the file shares once its last test is done. */
const fileCleanups: (() => unknown)[] = [];
after(async () => {
  for (const cleanup of fileCleanups.reverse()) await cleanup();
});
const fileScope: Pick<TestContext, 'after'> = { after: (fn) => void fileCleanups.push(fn as () => unknown) };

let contentServer: Promise<{ server: ServerProcess; dirs: ReturnType<typeof tempDirs> }> | undefined;

/**
 * One server process, its output piped, on a content directory that starts with one Ukrainian text:
 * the content test follows that directory through it, and the terminal test reads its output (one
 * boot less, about 2 s of CPU). Started by whichever of the two runs first.
 */
function contentServerOnce(): Promise<{ server: ServerProcess; dirs: ReturnType<typeof tempDirs> }> {
  contentServer ??= (async () => {
    const dirs = tempDirs(fileScope);
    writeFileSync(join(dirs.content, 'uk', 'ministry.txt'), UK_TEXT);
    const server = await startServer(fileScope, {
      FEEDS_DIR: dirs.feeds,
      CONTENT_DIR: dirs.content,
      DATABASE_URL: `sqlite:${join(dirs.data, 'tidings.db')}`,
      BASE_URL: 'https://news.example',
    });
    return { server, dirs };
  })();
  return contentServer;
}

test('serves the configured directories and follows content/ while running', { timeout: 60_000 }, async () => {
  const { server, dirs } = await contentServerOnce();

  const topics = (await (await fetch(`${server.url}/topics`)).json()) as { id: string; count: number }[];
  assert.deepEqual(topics.map((x) => [x.id, x.count]), [['europe', 1], ['defense', 1]], 'inflected Франції/Парижі match');
  const feed = (await (await fetch(`${server.url}/feeds/europe.json`)).json()) as { items: { url: string; language: string }[] };
  assert.match(feed.items[0]!.url, /^https:\/\/news\.example\/articles\/[a-z0-9-]+$/);
  assert.equal(feed.items[0]!.language, 'uk');
  const page = await fetch(feed.items[0]!.url.replace('https://news.example', server.url));
  assert.equal(page.status, 200);

  writeFileSync(join(dirs.content, 'budget.md'), EN_MARKDOWN);
  await waitFor(async () => (await titles(server.url)).includes("Europe's budget talks"), 10_000, () => 'new file not published');

  writeFileSync(join(dirs.content, 'budget.md'), EN_MARKDOWN.replace("Europe's budget talks", 'Budget talks resume'));
  await waitFor(async () => (await titles(server.url)).includes('Budget talks resume'), 10_000, () => 'edit not published');
  assert.equal((await titles(server.url)).length, 2, 'an edit replaces, never duplicates');

  writeFileSync(join(dirs.content, 'broken.md'), '---\ntitle: [unclosed\n---\nbody\n');
  await waitFor(async () => server.output().includes('broken.md:'), 10_000, () => `broken file not reported:\n${server.output()}`);
  assert.match(server.output(), /broken\.md:2/);
  assert.equal((await titles(server.url)).length, 2, 'the other articles stay published');

  unlinkSync(join(dirs.content, 'broken.md'));
  unlinkSync(join(dirs.content, 'budget.md'));
  await waitFor(async () => (await titles(server.url)).length === 1, 10_000, () => 'deleted file still published');
});

test('a bad environment variable or topic file stops the boot with a precise message', { timeout: 30_000 }, async (t) => {
  const dirs = tempDirs(t);
  const run = (env: Record<string, string>) => new Promise<{ code: number | null; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, entryArgs('src/main.ts'), {
      env: { ...process.env, FEEDS_DIR: dirs.feeds, CONTENT_DIR: dirs.content, DATABASE_URL: 'sqlite::memory:', ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('exit', (code) => resolve({ code, stderr }));
  });
  const badPort = await run({ PORT: 'abc' });
  assert.equal(badPort.code, 1);
  assert.match(badPort.stderr, /PORT/);
  assert.match(badPort.stderr, /abc/);

  writeFileSync(join(dirs.feeds, 'topics.yaml'), `topics:\n  - id: europe\n    title: Europe\n  - id: Bad Id\n    title: Bad\n`);
  const badTopic = await run({ PORT: String(await freePort()) });
  assert.equal(badTopic.code, 1);
  assert.match(badTopic.stderr, /topics\.yaml:4/);
});

test('a port already in use stops the server with one clear line and exit status 1', { timeout: 30_000 }, async (t) => {
  const dirs = tempDirs(t);
  const blocker = createServer((_req, res) => res.end('someone else'));
  await new Promise<void>((resolve) => blocker.listen(0, resolve));
  t.after(() => blocker.close());
  const port = (blocker.address() as AddressInfo).port;
  const child = spawn(process.execPath, entryArgs('src/main.ts'), {
    env: { ...process.env, PORT: String(port), FEEDS_DIR: dirs.feeds, CONTENT_DIR: dirs.content, DATABASE_URL: 'sqlite::memory:' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  assert.equal(code, 1);
  assert.equal(stderr, `tidings: config: PORT: port ${port} is already in use by another program; stop it or set PORT to a free port\n`);
  assert.doesNotMatch(stdout, /listening/i, 'it never claims to listen');
});

const RSS = (titles: string[]) => `<?xml version="1.0"?><rss version="2.0"><channel><title>Up</title><link>https://up.example/</link>
<description>d</description>${titles.map((title, i) => `<item><guid>https://up.example/${i}</guid><title>${title}</title><link>https://up.example/${i}</link></item>`).join('')}</channel></rss>`;

/** JSON log lines of a process's output. */
function logLines(output: string): Record<string, unknown>[] {
  return output.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
}

test('TIDINGS_ROLE=web serves and never polls; a worker polls, serves nothing but its metrics; logs name role and pid', { timeout: 60_000 }, async (t) => {
  const dirs = tempDirs(t);
  const up = await startUpstream();
  t.after(() => up.close());
  up.route('/feed.xml', { body: RSS(['Europe one']), etag: '"v1"' });
  writeFileSync(join(dirs.feeds, 'sources.yaml'), `sources:\n  - id: up\n    url: ${up.url('/feed.xml')}\n`);
  const env = { FEEDS_DIR: dirs.feeds, CONTENT_DIR: dirs.content, DATABASE_URL: `sqlite:${join(dirs.data, 'tidings.db')}` };

  const web = await startServer(t, { ...env, TIDINGS_ROLE: 'web' });
  await new Promise((r) => setTimeout(r, 1500));
  assert.equal(up.requests().length, 0, 'a web process polls nothing');
  const webLine = logLines(web.output()).find((l) => l.msg === 'Tidings listening');
  assert.equal(webLine?.role, 'web');
  assert.equal(webLine?.pid, web.child.pid);

  const metricsPort = await freePort();
  const worker = spawn(process.execPath, entryArgs('src/main.ts'), {
    env: { ...process.env, ...env, TIDINGS_ROLE: 'worker', PORT: web.url.split(':').pop(), METRICS_PORT: String(metricsPort), LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  worker.stdout.on('data', (c: Buffer) => (output += c.toString()));
  worker.stderr.on('data', (c: Buffer) => (output += c.toString()));
  t.after(() => worker.kill('SIGTERM'));
  await waitFor(async () => up.requests('/feed.xml').length === 1, 15_000, () => `the worker did not poll:\n${output}`);
  await waitFor(async () => (await titles(web.url)).includes('Europe one'), 5_000, () => 'the web process does not serve what the worker stored');
  const polled = logLines(output).filter((l) => l.source === 'up' && /polled|not modified|failed/.test(String(l.msg)));
  assert.equal(polled.length, 1, `one log line per poll, got ${JSON.stringify(polled)}`);
  assert.equal(polled[0]?.role, 'worker');
  assert.equal(polled[0]?.pid, worker.pid);

  const metrics = await fetch(`http://127.0.0.1:${metricsPort}/metrics`);
  assert.equal(metrics.status, 200);
  const text = await metrics.text();
  assert.match(text, /^tidings_poll_duration_seconds_count\{(?=[^}]*outcome="ok")(?=[^}]*role="worker")[^}]*\} 1$/m);
  assert.equal((await fetch(`http://127.0.0.1:${metricsPort}/feeds/all.json`)).status, 404, 'a worker serves no feeds');
  const health = await fetch(`http://127.0.0.1:${metricsPort}/healthz`);
  assert.equal(health.status, 200);
  const body = await health.json() as { status: string; articles: number; topics?: number };
  assert.equal(body.status, 'ok');
  assert.ok(body.articles >= 1, `the worker's health answer counts the stored articles: ${JSON.stringify(body)}`);
  assert.equal(body.topics, undefined, 'a worker serves no topics, so its health answer names none');
});

const SCRIPT = ['/usr/bin/script', '/bin/script'].find((p) => existsSync(p));

test('on a terminal the server prints one human line with the URL to open; off one, only JSON logs', { timeout: 60_000, ...(SCRIPT ? {} : { skip: 'util-linux `script` (to give the server a terminal) not found' }) }, async (t) => {
  const dirs = tempDirs(t);
  const port = await freePort();
  const env = { ...process.env, PORT: String(port), FEEDS_DIR: dirs.feeds, CONTENT_DIR: dirs.content, DATABASE_URL: 'sqlite::memory:' };
  // `script` runs the server on a pseudo-terminal and copies what it prints to our pipe.
  const child = spawn(SCRIPT!, ['-qec', [process.execPath, ...entryArgs('src/main.ts')].join(' '), '/dev/null'], { env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let output = '';
  child.stdout!.on('data', (c: Buffer) => (output += c.toString()));
  t.after(() => {
    if (child.pid !== undefined && child.exitCode === null) process.kill(-child.pid, 'SIGTERM');
  });
  await waitFor(() => output.includes('Tidings is ready'), 30_000, () => `no ready line:\n${output}`);
  const human = output.split(/\r?\n/).filter((l) => l.includes('Tidings is ready'));
  assert.deepEqual(human, [`Tidings is ready: open http://localhost:${port}/ (Ctrl-C stops it)`]);

  const { server: piped } = await contentServerOnce();
  await waitFor(() => piped.output().includes('Tidings listening'), 5_000, () => piped.output());
  assert.doesNotMatch(piped.output(), /Tidings is ready/);
  for (const line of piped.output().split('\n').filter((l) => l.trim() !== '')) assert.doesNotThrow(() => JSON.parse(line), line);
});
