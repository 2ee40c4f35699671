// Embedding: the /embed/<topics>.js script and the /embed/<topics> iframe page over HTTP, the snippets
// on topic pages, and a real headless Chromium running two embeds on one cross-origin host page.

import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import request from 'supertest';
import type { IndexedArticle } from '../src/model.ts';
import { makeArticle } from './store.contract.ts';
import { BASE_URL, startTestApp, type TestApp } from './helpers/app.ts';

const TRICKY_TITLE = 'Київ & Париж: <ППО> "сьогодні" — it\'s on';
const TRICKY_HTML = 'Київ &amp; Париж: &lt;ППО&gt; "сьогодні" — it\'s on';

function seedArticles(): IndexedArticle[] {
  return [
    makeArticle(1, { title: 'Kyiv metro extends', topics: ['ukraine'], language: 'en', url: 'https://example.org/kyiv-metro' }),
    makeArticle(2, { title: 'Paris summit', topics: ['europe'], language: 'en' }),
    makeArticle(3, { title: TRICKY_TITLE, topics: ['ukraine', 'europe'], language: 'uk', url: 'https://example.org/a?b=1&c=2' }),
    makeArticle(4, { title: 'Нова лабораторія', topics: ['science', 'ukraine'], language: 'uk' }),
    makeArticle(5, { title: 'Research budget', topics: ['science'], language: 'en' }),
  ];
}

async function seeded(t: TestContext, over: Parameters<typeof startTestApp>[1] = {}): Promise<TestApp> {
  const app = await startTestApp(t, over);
  await app.store.upsertArticles(seedArticles());
  return app;
}

/** The text of each link in an embed page or dumped DOM, in document order. */
function linkTexts(html: string): string[] {
  return [...html.matchAll(/<a href="[^"]*"[^>]*>([^<]*)<\/a>/g)].map((m) => m[1]!);
}

test('the embed script is JavaScript with CORS, Cache-Control and an ETag, and answers 304 to its ETag', async (t) => {
  const { app } = await seeded(t);
  const res = await request(app).get('/embed/ukraine.js').expect(200);
  assert.equal(res.headers['content-type'], 'application/javascript; charset=utf-8');
  assert.equal(res.headers['access-control-allow-origin'], '*');
  assert.equal(res.headers['cache-control'], 'public, max-age=300');
  assert.match(res.headers.etag ?? '', /^"[A-Za-z0-9_-]+"$/);
  await request(app).get('/embed/ukraine.js').set('If-None-Match', res.headers.etag!).expect(304);
  const preflight = await request(app).options('/embed/ukraine.js').set('Origin', 'https://site.example').expect(204);
  assert.equal(preflight.headers['access-control-allow-origin'], '*');
  const head = await request(app).head('/embed/ukraine.js').expect(200);
  assert.equal(head.headers.etag, res.headers.etag);
});

test('the embed script is the same text for every topic and request, carrying only the base URL', async (t) => {
  const { app } = await seeded(t);
  const ukraine = await request(app).get('/embed/ukraine.js').expect(200);
  const text = ukraine.text;
  assert.ok(text.includes(`var BASE = "${BASE_URL}";`), text.slice(0, 400));
  const others = await Promise.all([
    request(app).get('/embed/science,europe.js?limit=3&lang=uk').set('Host', 'evil.example').set('Origin', 'https://x.example'),
    request(app).get('/embed/all.js').set('Accept-Language', 'uk'),
  ]);
  for (const other of others) {
    assert.equal(other.status, 200);
    assert.equal(other.text, text, 'one static text: topics come from the script element, not the response');
    assert.equal(other.headers.etag, ukraine.headers.etag);
  }
  assert.doesNotMatch(text, /ukraine|evil\.example|x\.example|Kyiv|Київ/, 'no per-request or store data');
  assert.doesNotMatch(text, /innerHTML|insertAdjacentHTML|document\.write/, 'feed data goes in through textContent only');
  assert.match(text, /textContent/);
});

test('the embed script of a different base URL says so', async (t) => {
  const { app } = await seeded(t, { baseUrl: 'https://news.example/tidings' });
  const text = (await request(app).get('/embed/ukraine.js').expect(200)).text;
  assert.ok(text.includes('var BASE = "https://news.example/tidings";'));
  assert.ok(!text.includes(BASE_URL));
});

test('an unknown topic is a 404 naming the known ones, for the script and the page alike', async (t) => {
  const { app } = await seeded(t);
  for (const path of ['/embed/sport.js', '/embed/sport', '/embed/ukraine,sport.js', '/embed/ukraine,sport?limit=999']) {
    const res = await request(app).get(path).expect(404);
    assert.equal(res.headers['content-type'], 'application/json; charset=utf-8', path);
    assert.match(res.body.message, /unknown topic.*"sport"; known topics: all, europe, science, ukraine/, path);
  }
});

test('the iframe page lists the topic newest first, escaped exactly, with links to the top window', async (t) => {
  const { app } = await seeded(t);
  const res = await request(app).get('/embed/ukraine').expect(200);
  assert.equal(res.headers['content-type'], 'text/html; charset=utf-8');
  assert.equal(res.headers['cache-control'], 'public, max-age=60');
  assert.match(res.headers['content-security-policy'] ?? '', /default-src 'none'/);
  const html = res.text;
  assert.deepEqual(linkTexts(html), ['Нова лабораторія', TRICKY_HTML, 'Kyiv metro extends', 'More on Tidings']);
  assert.ok(html.includes(`<a href="https://example.org/a?b=1&amp;c=2" target="_top">${TRICKY_HTML}</a>`), html);
  assert.ok(html.includes('<time datetime="2026-01-04T12:00:00.000Z">2026-01-04</time>'), html);
  assert.equal((html.match(/<a /g) ?? []).length, (html.match(/target="_top"/g) ?? []).length, 'every link leaves the frame');
  assert.match(html, /^<!DOCTYPE html>\n<html lang="[a-z]+">/);
  assert.doesNotMatch(html, /<script/i);
  assert.ok(html.includes('<a href="http://tidings.test/topics/ukraine" target="_top">More on Tidings</a>'));
});

test('the iframe page honours lang and limit and sets the document language', async (t) => {
  const { app } = await seeded(t);
  const uk = (await request(app).get('/embed/ukraine?lang=uk').expect(200)).text;
  assert.match(uk, /<html lang="uk">/);
  assert.deepEqual(linkTexts(uk), ['Нова лабораторія', TRICKY_HTML, 'More on Tidings']);
  assert.match(uk, /<p class="more" lang="en">/, 'the page\'s own English words are marked');
  const one = (await request(app).get('/embed/ukraine,europe?limit=1').expect(200)).text;
  assert.deepEqual(linkTexts(one), ['Нова лабораторія', 'More on Tidings']);
  assert.match(one, /<html lang="uk">/, 'one language among the articles is the page\'s');
  const mixed = (await request(app).get('/embed/ukraine,europe?limit=3').expect(200)).text;
  assert.deepEqual(linkTexts(mixed), ['Нова лабораторія', TRICKY_HTML, 'Paris summit', 'More on Tidings']);
  assert.match(mixed, /<html lang="en">/);
  assert.match(mixed, /<li lang="uk">/, 'an article in another language says so');
  assert.ok(mixed.includes('<a href="http://tidings.test/" target="_top">More on Tidings</a>'), 'several topics: more leads home');
  const escapedTopicTitle = (await request(app).get('/embed/science').expect(200)).text;
  assert.ok(escapedTopicTitle.includes('<title>Science &amp; &lt;Research&gt; — Tidings</title>'));
});

test('the iframe page shows 10 by default and at most 50; other limits and filters are 400s', async (t) => {
  const { app, store } = await startTestApp(t);
  await store.upsertArticles(Array.from({ length: 60 }, (_, i) => makeArticle(i + 1, { topics: ['europe'] })));
  const count = (html: string) => (html.match(/<time /g) ?? []).length;
  assert.equal(count((await request(app).get('/embed/europe').expect(200)).text), 10);
  assert.equal(count((await request(app).get('/embed/europe?limit=50').expect(200)).text), 50);
  assert.equal(count((await request(app).get('/embed/all?limit=3').expect(200)).text), 3);
  for (const bad of ['0', '51', '500', 'abc', '5.5', '-1']) {
    const res = await request(app).get(`/embed/europe?limit=${bad}`).expect(400);
    assert.equal(res.body.parameter, 'limit', bad);
    assert.match(res.body.message, /^limit: expected a whole number from 1 to 50/);
  }
  await request(app).get('/embed/europe?limit=1&limit=2').expect(400);
  const lang = await request(app).get('/embed/europe?lang=english!').expect(400);
  assert.equal(lang.body.parameter, 'lang');
  const empty = (await request(app).get('/embed/science').expect(200)).text;
  assert.ok(empty.includes('<li>No articles yet.</li>'));
});

test('the topic page shows both embed snippets, escaped', async (t) => {
  const { app } = await seeded(t);
  const html = (await request(app).get('/topics/science?lang=en').expect(200)).text;
  assert.match(html, /<h2 id="embed">Embed on your site<\/h2>/);
  assert.ok(html.includes('<code>&lt;script async src="http://tidings.test/embed/science.js" data-limit="5"&gt;&lt;/script&gt;</code>'), html);
  assert.ok(html.includes('<code>&lt;iframe src="http://tidings.test/embed/science?limit=5" title="Science &amp;amp; &amp;lt;Research&amp;gt;"'), html);
});

// ---- a real browser -------------------------------------------------------------------------------

const CHROMIUM = '/usr/bin/chromium';
const run = promisify(execFile);

function listen(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<Server> {
  const server = createServer(handler);
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve(server));
  });
}

function portOf(server: Server): number {
  return (server.address() as AddressInfo).port;
}

function hostPage(base: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>A site that embeds Tidings</title>
<style>body{font:16px/1.5 Georgia,serif;margin:1.5rem;display:grid;grid-template-columns:1fr 1fr;gap:1.5rem}
section{border:1px solid #ccc;border-radius:6px;padding:0 1rem 1rem}iframe{width:100%;height:260px;border:0}</style></head>
<body>
<section id="one"><h2>Ukraine (script)</h2>
<script async src="${base}/embed/ukraine.js" data-limit="2"></script>
</section>
<section id="two"><h2>Science in English (script)</h2>
<script async src="${base}/embed/science.js" data-lang="en"></script>
</section>
<section id="three"><h2>Europe (iframe)</h2>
<iframe src="${base}/embed/europe?limit=3" title="Europe"></iframe>
</section>
</body></html>
`;
}

test('headless Chromium runs two embeds on one cross-origin page', {
  skip: existsSync(CHROMIUM) ? false : 'Chromium not installed: apt-get install chromium',
  timeout: 120_000,
}, async (t) => {
  // The app server's port has to be known before the app is built, since its base URL names it.
  let handle: (req: IncomingMessage, res: ServerResponse) => void = (_req, res) => res.writeHead(503).end();
  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    if (req.url === '/host.html') {
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' }).end(hostPage(base));
      return;
    }
    handle(req, res);
  };
  const appServer = await listen(handler);
  // The host page comes from another port, i.e. another origin, as it would on a real site.
  const hostServer = await listen(handler);
  const profile = mkdtempSync(join(tmpdir(), 'tidings-chromium-'));
  t.after(() => {
    appServer.close();
    hostServer.close();
    rmSync(profile, { recursive: true, force: true });
  });
  const base = `http://127.0.0.1:${portOf(appServer)}`;
  const { app } = await seeded(t, { baseUrl: base });
  handle = app;

  const flags = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
    '--disable-sync', '--no-first-run', `--user-data-dir=${profile}`, '--virtual-time-budget=5000'];
  const pageUrl = `http://127.0.0.1:${portOf(hostServer)}/host.html`;
  const { stdout: dom } = await run(CHROMIUM, [...flags, '--dump-dom', pageUrl], { timeout: 90_000, maxBuffer: 16 * 1024 * 1024 });

  const lists = [...dom.matchAll(/<script async="" src="([^"]+)"[^>]*><\/script><ul class="tidings-embed">([\s\S]*?)<\/ul>/g)];
  assert.equal(lists.length, 2, `two lists, each right after its script:\n${dom}`);
  assert.equal(lists[0]![1], `${base}/embed/ukraine.js`);
  assert.deepEqual(linkTexts(lists[0]![2]!), ['Нова лабораторія', TRICKY_HTML], 'data-limit="2", newest first, text not markup');
  assert.equal(lists[1]![1], `${base}/embed/science.js`);
  assert.deepEqual(linkTexts(lists[1]![2]!), ['Research budget'], 'data-lang="en"');
  assert.ok(lists[0]![2]!.includes('<a href="https://example.org/a?b=1&amp;c=2">'), lists[0]![2]);
  assert.ok(lists[0]![2]!.includes('<time datetime="2026-01-05T12:00:00.000Z">2026-01-05</time>'), lists[0]![2]);
  assert.doesNotMatch(dom, /aria-busy|tidings-embed-error/, 'both fetches finished and succeeded');
  assert.equal((dom.match(/id="tidings-embed-style"/g) ?? []).length, 1, 'the default style is added once');

  // For a human look at the result: EMBED_SCREENSHOT=/tmp/embed.png node --import tsx --test test/embed.test.ts
  const screenshot = process.env.EMBED_SCREENSHOT;
  if (screenshot) {
    await run(CHROMIUM, [...flags, `--screenshot=${screenshot}`, '--window-size=900,700', pageUrl], { timeout: 90_000 });
  }
});
