// npm run bench:soak: the compiled server under 50 connections of mixed traffic (cached feeds, 304s,
// misses, searches, embed pages) for 10 minutes while a local upstream changes its feeds every 30 s.
// Prints every answer that is neither a success, a 304 nor a 429 (target: none) and the growth of the
// server's resident memory from the end of the first minute to the end (target: under 20 %).
// SOAK_SECONDS shortens the run; SOAK_SKIP_BUILD=1 reuses dist/.

import { spawn, spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import autocannon, { type RequestSpec } from 'autocannon';
import { freePort } from '../scripts/free-port.ts';

const REPO = resolve(import.meta.dirname, '..');
const SECONDS = Number(process.env.SOAK_SECONDS ?? 600);
const CONNECTIONS = 50;
const UPSTREAM_FEEDS = 5;
const CHANGE_EVERY_MS = 30_000;
const SAMPLE_EVERY_MS = 5_000;
const WORDS = ['Київ', 'Україна', 'ППО', 'Європа', 'energy', 'summit', 'drone', 'budget', 'metro', 'coffee', 'war', 'science'];

/** An upstream of RSS feeds whose items change every 30 s: 20 items each, two new ones per change. */
async function startUpstream(): Promise<{ origin: string; close: () => Promise<void> }> {
  let generation = 0;
  const timer = setInterval(() => generation++, CHANGE_EVERY_MS);
  const server = http.createServer((req, res) => {
    const match = /^\/feed(\d+)\.xml$/.exec(req.url ?? '');
    if (!match) return res.writeHead(404).end();
    const feed = Number(match[1]);
    const items = Array.from({ length: 20 }, (_, i) => {
      const n = generation * 2 + i;
      const word = WORDS[(n + feed) % WORDS.length];
      return `<item><title>Feed ${feed} story ${n}: ${word}</title><link>http://upstream.example/${feed}/${n}</link>`
        + `<guid>http://upstream.example/${feed}/${n}</guid><pubDate>${new Date(Date.UTC(2026, 0, 1) + n * 60_000).toUTCString()}</pubDate>`
        + `<description>&lt;p&gt;${word} ${'news text '.repeat(40)}&lt;/p&gt;</description></item>`;
    }).join('');
    res.writeHead(200, { 'content-type': 'application/rss+xml; charset=utf-8' });
    res.end(`<?xml version="1.0"?><rss version="2.0"><channel><title>Upstream ${feed}</title><link>http://upstream.example/</link><description>d</description>${items}</channel></rss>`);
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    origin,
    close: () => {
      clearInterval(timer);
      return new Promise((done) => server.close(() => done()));
    },
  };
}

function residentKb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN);
}

async function waitHealthy(url: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    try {
      if ((await fetch(`${url}/healthz`)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`server at ${url} not healthy after 60 s`);
}

/** One request of the mix, chosen afresh for every request a connection sends. */
function mixedRequest(topics: string[], etags: Map<string, string>): RequestSpec {
  const cached = ['/feeds/all.rss', '/feeds/all.atom', '/feeds/all.json', ...topics.flatMap((t) => [`/feeds/${t}.rss`, `/feeds/${t}.json`])];
  let sequence = 0;
  return {
    setupRequest: (req): RequestSpec => {
      const roll = Math.random();
      const pick = <T>(list: T[]): T => list[Math.floor(Math.random() * list.length)] as T;
      sequence++;
      if (roll < 0.4) return { ...req, method: 'GET', path: pick(cached), headers: { 'accept-encoding': 'gzip, br' } };
      if (roll < 0.65) {
        const path = pick([...etags.keys()]);
        return { ...req, method: 'GET', path, headers: { 'accept-encoding': 'gzip', 'if-none-match': etags.get(path) ?? '' } };
      }
      // A distinct `since` instant is a cache miss every time.
      if (roll < 0.8) return { ...req, method: 'GET', path: `/feeds/${pick(['all', ...topics])}.json?since=2026-01-01T00:${String(sequence % 60).padStart(2, '0')}:${String(Math.floor(Math.random() * 60)).padStart(2, '0')}Z`, headers: {} };
      if (roll < 0.9) return { ...req, method: 'GET', path: `/feeds/all.json?q=${encodeURIComponent(`${pick(WORDS)} ${pick(WORDS)}`)}`, headers: {} };
      return { ...req, method: 'GET', path: `/embed/${pick(topics)}?limit=${1 + Math.floor(Math.random() * 10)}`, headers: { accept: 'text/html' } };
    },
  };
}

async function main(): Promise<void> {
  if (process.env.SOAK_SKIP_BUILD !== '1') {
    console.log('building dist/ (npm run build)…');
    const build = spawnSync('npm', ['run', 'build', '--silent'], { cwd: REPO, stdio: 'inherit' });
    if (build.status !== 0) throw new Error('build failed');
  }
  const upstream = await startUpstream();
  const work = mkdtempSync(join(tmpdir(), 'tidings-soak-'));
  cpSync(join(REPO, 'feeds', 'topics.yaml'), join(work, 'topics.yaml'));
  writeFileSync(join(work, 'sources.yaml'), `sources:\n${Array.from({ length: UPSTREAM_FEEDS }, (_, i) =>
    `  - id: upstream-${i}\n    url: ${upstream.origin}/feed${i}.xml\n    interval: 1\n`).join('')}`);
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const server = spawn(process.execPath, ['--heap-growing-percent=100', 'dist/src/main.js'], {
    cwd: REPO,
    env: { ...process.env, PORT: String(port), BASE_URL: url, DATABASE_URL: `sqlite:${join(work, 'tidings.db')}`, FEEDS_DIR: work, LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  try {
    await waitHealthy(url);
    const topics = ((await (await fetch(`${url}/topics`)).json()) as { id: string }[]).map((t) => t.id);
    const etags = new Map<string, string>();
    for (const path of ['/feeds/all.rss', ...topics.map((t) => `/feeds/${t}.atom`)]) {
      const res = await fetch(`${url}${path}`, { headers: { 'accept-encoding': 'gzip' } });
      await res.arrayBuffer();
      etags.set(path, res.headers.get('etag') ?? '');
    }
    const samples: { at: number; kb: number }[] = [];
    const started = Date.now();
    const sampler = setInterval(() => samples.push({ at: Date.now() - started, kb: residentKb(server.pid!) }), SAMPLE_EVERY_MS);
    console.log(`soak: ${SECONDS} s, ${CONNECTIONS} connections against ${url}; upstream ${upstream.origin} changes every ${CHANGE_EVERY_MS / 1000} s`);
    const result = await autocannon({ url, connections: CONNECTIONS, duration: SECONDS, timeout: 10, requests: [mixedRequest(topics, etags)] });
    clearInterval(sampler);

    const statuses = Object.entries(result.statusCodeStats).map(([code, { count }]) => [Number(code), count] as const);
    const bad = statuses.filter(([code]) => !(code >= 200 && code < 300) && code !== 304 && code !== 429);
    const errors = bad.reduce((n, [, count]) => n + count, 0) + result.errors + result.timeouts;
    const afterWarmup = samples.find((s) => s.at >= Math.min(60_000, (SECONDS * 1000) / 4)) ?? samples[0];
    const last = samples[samples.length - 1];
    const peak = Math.max(...samples.map((s) => s.kb));
    const growth = afterWarmup && last ? ((last.kb - afterWarmup.kb) / afterWarmup.kb) * 100 : NaN;
    console.log(`requests: ${result.requests.total} (${Math.round(result.requests.average)}/s), latency p50 ${result.latency.p50} ms, p99 ${result.latency.p99} ms, max ${result.latency.max} ms`);
    console.log(`statuses: ${statuses.map(([code, count]) => `${code}×${count}`).join(', ')}`);
    console.log(`errors outside 429: ${errors} (connection errors ${result.errors}, timeouts ${result.timeouts}${bad.length ? `, ${bad.map(([c, n]) => `${c}×${n}`).join(', ')}` : ''}) — target 0`);
    // The curve, a point a minute: a plateau is a full cache and a settled heap; a slope is a leak.
    const perMinute = samples.filter((s, i) => i === samples.length - 1 || Math.floor(s.at / 60_000) !== Math.floor((samples[i + 1]?.at ?? 0) / 60_000));
    console.log(`server RSS by minute (MB): ${perMinute.map((s) => Math.round(s.kb / 1024)).join(' → ')}`);
    console.log(`server RSS: ${afterWarmup ? Math.round(afterWarmup.kb / 1024) : '?'} MB after warm-up → ${last ? Math.round(last.kb / 1024) : '?'} MB at the end (${growth.toFixed(1)} %), peak ${Math.round(peak / 1024)} MB — target < 20 %`);
    process.exitCode = errors === 0 && growth < 20 ? 0 : 1;
  } finally {
    server.kill('SIGTERM');
    await new Promise((done) => server.once('exit', done));
    await upstream.close();
    rmSync(work, { recursive: true, force: true });
  }
}

await main();
