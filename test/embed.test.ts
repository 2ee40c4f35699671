// Embedding: the /embed/<topics>.js script and the /embed/<topics> iframe page over HTTP, the snippets
// on topic pages, and a real headless Chromium running embeds on a cross-origin host page: script
// embeds labelled in their language, and the topic page's iframe snippet fitting its list.

import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { Frame, Page } from 'playwright-core';
import request from 'supertest';
import type { IndexedArticle } from '../src/model.ts';
import { makeArticle } from './store.contract.ts';
import { BASE_URL, startTestApp, type TestApp } from './helpers/app.ts';
import { browserSkip, listen, openContext, saveScreenshot, sharedBrowser, WIDTHS } from './helpers/chromium.ts';
import { axeFindings, htmlFindings } from './helpers/page-checks.ts';

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

test('the iframe page lists the topic newest first, escaped exactly, in the site\'s language, with links to the top window', async (t) => {
  const { app } = await seeded(t);
  const res = await request(app).get('/embed/ukraine').expect(200);
  assert.equal(res.headers['content-type'], 'text/html; charset=utf-8');
  assert.equal(res.headers['cache-control'], 'public, max-age=60');
  assert.match(res.headers['content-security-policy'] ?? '', /default-src 'none'/);
  const html = res.text;
  assert.deepEqual(linkTexts(html), ['Нова лабораторія', TRICKY_HTML, 'Kyiv metro extends', 'Більше на Tidings']);
  assert.ok(html.includes(`<a href="https://example.org/a?b=1&amp;c=2" target="_top">${TRICKY_HTML}</a>`), html);
  // makeArticle(3) is published on 4 January 2026; SITE_LANGUAGE defaults to Ukrainian.
  assert.ok(html.includes('<time datetime="2026-01-04T12:00:00.000Z">4 січня 2026 р.</time>'), html);
  assert.equal((html.match(/<a /g) ?? []).length, (html.match(/target="_top"/g) ?? []).length, 'every link leaves the frame');
  assert.match(html, /^<!DOCTYPE html>\n<html lang="uk">/);
  assert.ok(html.includes('<a href="http://tidings.test/topics/ukraine?lang=uk" target="_top">Більше на Tidings</a>'), 'more, in the same language');
  assert.match(html, /<li lang="en"><a href="https:\/\/example.org\/kyiv-metro"/, 'an English article on a Ukrainian page says so');
  assert.deepEqual(await htmlFindings(html), []);
});

test('the iframe page runs exactly one script, its height reporter, allowed by its hash and nothing else', async (t) => {
  const { app } = await seeded(t);
  const res = await request(app).get('/embed/europe').expect(200);
  const scripts = [...res.text.matchAll(/<script>([\s\S]*?)<\/script>/g)].map((m) => m[1]!);
  assert.equal(scripts.length, 1, res.text);
  assert.equal((res.text.match(/<script/g) ?? []).length, 1, 'no other script element');
  assert.match(scripts[0]!, /parent\.postMessage\(\{type:'tidings:height',height:/);
  const hash = `'sha256-${createHash('sha256').update(scripts[0]!).digest('base64')}'`;
  const csp = String(res.headers['content-security-policy']);
  assert.ok(csp.split(';').includes(`script-src ${hash}`), `CSP names the script's hash and only it: ${csp}`);
  assert.match(csp, /frame-ancestors \*/, 'any site may frame it');
  const site = await request(app).get('/topics/europe').expect(200);
  assert.doesNotMatch(String(site.headers['content-security-policy']), /script-src/, 'the site\'s own pages run no script (default-src \'none\')');
});

test('the iframe page speaks the language of ?lang= (uk-UA counts as uk), else SITE_LANGUAGE; lang still filters articles', async (t) => {
  const { app } = await seeded(t);
  const uk = (await request(app).get('/embed/ukraine?lang=uk').expect(200)).text;
  assert.match(uk, /<html lang="uk">/);
  assert.deepEqual(linkTexts(uk), ['Нова лабораторія', TRICKY_HTML, 'Більше на Tidings']);
  // The filter keeps its own rule (uk-UA matches only uk-UA articles); the labels take the primary subtag.
  const ukUA = (await request(app).get('/embed/ukraine?lang=uk-UA').expect(200)).text;
  assert.match(ukUA, /<html lang="uk">/);
  assert.ok(ukUA.includes('<li>Статей поки немає.</li>'), ukUA);
  const en = (await request(app).get('/embed/ukraine?lang=en').expect(200)).text;
  assert.match(en, /<html lang="en">/);
  assert.deepEqual(linkTexts(en), ['Kyiv metro extends', 'More on Tidings']);
  assert.ok(en.includes('<time datetime="2026-01-02T12:00:00.000Z">2 January 2026</time>'), en);
  assert.ok(en.includes('<a href="http://tidings.test/topics/ukraine?lang=en" target="_top">More on Tidings</a>'));
  const mixed = (await request(app).get('/embed/ukraine,europe?limit=3').expect(200)).text;
  assert.deepEqual(linkTexts(mixed), ['Нова лабораторія', TRICKY_HTML, 'Paris summit', 'Більше на Tidings']);
  assert.ok(mixed.includes('<a href="http://tidings.test/?lang=uk" target="_top">Більше на Tidings</a>'), 'several topics: more leads home');
  const escapedTopicTitle = (await request(app).get('/embed/science').expect(200)).text;
  assert.ok(escapedTopicTitle.includes('<title>Science &amp; &lt;Research&gt; — Tidings</title>'));

  const { app: english } = await seeded(t, { siteLanguage: 'en', siteTitle: 'News & <Co>' });
  const byDefault = (await request(english).get('/embed/europe').expect(200)).text;
  assert.match(byDefault, /<html lang="en">/);
  assert.ok(byDefault.includes('>More on News &amp; &lt;Co&gt;</a>'), byDefault);
  assert.ok((await request(english).get('/embed/europe?lang=fr').expect(200)).text.includes('<html lang="en">'), 'a language without labels: the site\'s');
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
  assert.ok((await request(app).get('/embed/science').expect(200)).text.includes('<li>Статей поки немає.</li>'));
  assert.ok((await request(app).get('/embed/science?lang=en').expect(200)).text.includes('<li>No articles yet.</li>'));
});

test('the embed script carries its labels in both languages and the date format of the pages', async (t) => {
  const { app } = await seeded(t, { siteTitle: 'Tidings </script>' });
  const text = (await request(app).get('/embed/ukraine.js').expect(200)).text;
  assert.ok(text.includes('"more":"More on Tidings \\u003c/script>"'), 'the site title as a JS string, never closing a script');
  assert.ok(text.includes('"more":"Більше на Tidings \\u003c/script>"'));
  assert.ok(text.includes('"locale":"uk-UA"') && text.includes('"locale":"en-GB"'));
  assert.ok(text.includes('"empty":"Статей поки немає."'));
  assert.ok(text.includes(`var TOPIC_PAGE = "${BASE_URL}/topics/";`));
});

/** The iframe snippet as a site copies it from the topic page (the page shows it as text). */
function iframeSnippet(topicPage: string): string {
  const code = [...topicPage.matchAll(/<pre><code>([\s\S]*?)<\/code><\/pre>/g)].map((m) => m[1]!).find((c) => c.startsWith('&lt;iframe'));
  assert.ok(code, topicPage);
  return code.replaceAll('&lt;', '<').replaceAll('&gt;', '>').replaceAll('&quot;', '"').replaceAll('&amp;', '&');
}

test('the topic page shows both embed snippets, escaped; the iframe one with a height for its 5 items and a listener that trusts only its frame', async (t) => {
  const { app } = await seeded(t);
  const html = (await request(app).get('/topics/science?lang=en').expect(200)).text;
  assert.match(html, /<h2 id="embed">Embed on your site<\/h2>/);
  assert.ok(html.includes('<code>&lt;script async src="http://tidings.test/embed/science.js" data-limit="5"&gt;&lt;/script&gt;</code>'), html);
  assert.ok(html.includes('<code>&lt;iframe id="tidings-science" src="http://tidings.test/embed/science?limit=5" title="Science &amp;amp; &amp;lt;Research&amp;gt;"'), html);
  const snippet = iframeSnippet(html);
  const height = Number(/ height="(\d+)"/.exec(snippet)?.[1]);
  // Five items of a three-line title and a date (about 92 px each at 15px/1.45) and the "more" line.
  assert.ok(height >= 5 * 92 + 30 && height <= 560, `height ${height}`);
  assert.match(snippet, /var frame = document\.getElementById\("tidings-science"\);/);
  assert.match(snippet, /if \(e\.origin !== "http:\/\/tidings\.test" \|\| !frame \|\| e\.source !== frame\.contentWindow\) return;/);
  assert.match(snippet, /e\.data\.type === 'tidings:height' && typeof e\.data\.height === 'number'/);
});

// ---- a real browser -------------------------------------------------------------------------------

const skip = browserSkip();
const browser = sharedBrowser(skip);

/** A host page on another origin: two script embeds and, when given, the topic page's iframe snippet. */
function hostPage(base: string, iframe: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>A site that embeds Tidings</title>
<style>body{font:16px/1.5 Georgia,serif;margin:8px}section{border:1px solid #ccc;padding:0 .5rem;margin:0 0 1rem}</style></head>
<body>
<section id="one"><h2>Ukraine (script, the page's English)</h2>
<script async src="${base}/embed/ukraine.js" data-limit="2"></script>
</section>
<section id="two"><h2>Science (script, data-lang="uk")</h2>
<script async src="${base}/embed/science.js" data-lang="uk"></script>
</section>
<section id="three"><h2>Europe (iframe)</h2>
${iframe}
</section>
</body></html>
`;
}

/** Long enough to wrap at phone width, as real headlines do. */
function europeArticles(): IndexedArticle[] {
  return Array.from({ length: 8 }, (_, i) => makeArticle(10 + i, {
    title: i % 2 ? `Paris and Berlin agree on a common plan for the winter grid, part ${i}` : `Франція та Німеччина домовилися про спільний план для енергомережі, частина ${i}`,
    language: i % 2 ? 'en' : 'uk', topics: ['europe'], url: `https://example.org/europe/${i}`,
  }));
}

/**
 * The app on one origin and, on another, a host page with two script embeds and the topic page's iframe
 * snippet as a site would copy it: whole, or only its <iframe> tag (a site that runs no script).
 */
async function hostedEmbeds(t: TestContext, opts: { withListener: boolean }): Promise<{ base: string; hostUrl: string }> {
  let handle: Parameters<typeof listen>[0] = (_req, res) => res.writeHead(503).end();
  const appServer = await listen((req, res) => handle(req, res));
  t.after(() => appServer.close());
  const base = `http://127.0.0.1:${(appServer.address() as AddressInfo).port}`;
  const { app, store } = await seeded(t, { baseUrl: base });
  await store.upsertArticles(europeArticles());
  handle = app;
  const snippet = iframeSnippet((await request(app).get('/topics/europe?lang=en').expect(200)).text);
  const iframe = opts.withListener ? snippet : snippet.slice(0, snippet.indexOf('</iframe>') + '</iframe>'.length);
  const host = await listen((_req, res) => res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' }).end(hostPage(base, iframe)));
  t.after(() => host.close());
  return { base, hostUrl: `http://127.0.0.1:${(host.address() as AddressInfo).port}/` };
}

interface FrameFit {
  /** The frame's own height, as the host page sized it. */
  viewport: number;
  /** How tall its content is. */
  content: number;
  /** Bottom of the "more" link, in the frame. */
  moreBottom: number;
  scrollHeight: number;
  items: number;
}

async function embedFrame(page: Page): Promise<Frame> {
  const frame = await (await page.locator('#three iframe').elementHandle())?.contentFrame();
  assert.ok(frame, 'the iframe has a document');
  await frame.locator('.more').waitFor();
  return frame;
}

async function frameFit(page: Page): Promise<FrameFit> {
  return (await embedFrame(page)).evaluate(`({
    viewport: innerHeight,
    content: Math.ceil(document.body.getBoundingClientRect().height),
    moreBottom: document.querySelector('.more').getBoundingClientRect().bottom,
    scrollHeight: document.documentElement.scrollHeight,
    items: document.querySelectorAll('li').length,
  })`) as Promise<FrameFit>;
}

/** Nothing of the list is cut: every item and the "more" link lie inside the frame, nothing scrolls. */
function assertNothingCut(fit: FrameFit, where: string): void {
  assert.equal(fit.items, 5, `${where}: the snippet's five items`);
  assert.ok(fit.moreBottom <= fit.viewport, `${where}: "more" is inside the frame: ${JSON.stringify(fit)}`);
  assert.ok(fit.scrollHeight <= fit.viewport, `${where}: nothing to scroll to: ${JSON.stringify(fit)}`);
}

/** Waits until the frame is as tall as its content (the listener has acted on the frame's message). */
async function fitted(page: Page, where: string): Promise<FrameFit> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const fit = await frameFit(page);
    if (Math.abs(fit.viewport - fit.content) <= 1) return fit;
    if (Date.now() > deadline) assert.fail(`${where}: the frame never fitted its content: ${JSON.stringify(fit)}`);
    await page.waitForTimeout(100);
  }
}

test('Chromium: the topic page\'s iframe snippet fits the frame to its list at any width, and only trusts its own frame', { skip, timeout: 180_000 }, async (t) => {
  const { base, hostUrl } = await hostedEmbeds(t, { withListener: true });
  await Promise.all(WIDTHS.map((width) => t.test(`${width} px`, async (st) => {
    // The CSP is enforced here: the frame's height reporter runs only because its hash is allowed.
    const page = await (await openContext(st, browser.get(), { width })).newPage();
    await page.goto(hostUrl);
    const first = await fitted(page, `${width} px`);
    assertNothingCut(first, `${width} px`);

    // The other width: titles wrap differently, the frame says so, the host follows.
    const other = width === 1280 ? 390 : 1280;
    await page.setViewportSize({ width: other, height: 900 });
    const refit = await fitted(page, `${width} → ${other} px`);
    assertNothingCut(refit, `${width} → ${other} px`);
    assert.ok(other < width ? refit.content > first.content : refit.content < first.content, `${JSON.stringify(first)} → ${JSON.stringify(refit)}`);

    // A message from anyone but the frame (here the host page itself) changes nothing.
    await page.evaluate(`window.postMessage({ type: 'tidings:height', height: 5 }, '*')`);
    await page.waitForTimeout(300);
    assert.equal((await frameFit(page)).viewport, refit.viewport);

    const frame = await embedFrame(page);
    assert.deepEqual(await axeFindings(frame), [], 'the embed page');
    assert.deepEqual(await axeFindings(page), [], 'the host page with the script embeds');
    const embedUrl = `${base}/embed/europe?limit=5`;
    assert.equal(frame.url(), embedUrl);
    await page.setViewportSize({ width, height: 900 });
    await fitted(page, `back to ${width} px`);
    await saveScreenshot(page, 'embed-host', width);
  })));
});

test('Chromium: without the listener the iframe snippet\'s own height still shows its five items and "more"', { skip, timeout: 180_000 }, async (t) => {
  const { hostUrl } = await hostedEmbeds(t, { withListener: false });
  await Promise.all(WIDTHS.map((width) => t.test(`${width} px`, async (st) => {
    const page = await (await openContext(st, browser.get(), { width })).newPage();
    await page.goto(hostUrl);
    assertNothingCut(await frameFit(page), `${width} px`);
    await saveScreenshot(page, 'embed-host-no-listener', width);
  })));
});

test('Chromium: script embeds on another site list their articles, labelled and dated in data-lang\'s language, else the page\'s', { skip, timeout: 180_000 }, async (t) => {
  const { base, hostUrl } = await hostedEmbeds(t, { withListener: true });
  const page = await (await openContext(t, browser.get(), { width: 1280 })).newPage();
  await page.goto(hostUrl);
  await page.locator('ul.tidings-embed:not([aria-busy])').nth(1).waitFor();
  const list = (section: string) => page.locator(`#${section} ul.tidings-embed`);

  assert.deepEqual(await list('one').locator('li > a').allTextContents(), ['Нова лабораторія', TRICKY_TITLE], 'data-limit="2", newest first, text not markup');
  assert.equal(await list('one').locator('li > a').nth(1).getAttribute('href'), 'https://example.org/a?b=1&c=2');
  assert.deepEqual(await list('one').locator('time').allTextContents(), ['5 January 2026', '4 January 2026'], 'the host page is English');
  assert.equal(await list('one').getAttribute('lang'), 'en');
  assert.equal(await list('one').locator('li').first().getAttribute('lang'), 'uk', 'a Ukrainian article in an English list says so');
  const moreOne = page.locator('#one .tidings-embed-more a');
  assert.equal(await moreOne.textContent(), 'More on Tidings');
  assert.equal(await moreOne.getAttribute('href'), `${base}/topics/ukraine?lang=en`);

  assert.deepEqual(await list('two').locator('li > a').allTextContents(), ['Нова лабораторія'], 'data-lang="uk" filters');
  assert.deepEqual(await list('two').locator('time').allTextContents(), ['5 січня 2026 р.'], 'and labels');
  const moreTwo = page.locator('#two .tidings-embed-more a');
  assert.equal(await moreTwo.textContent(), 'Більше на Tidings');
  assert.equal(await moreTwo.getAttribute('href'), `${base}/topics/science?lang=uk`);
  assert.equal(await page.locator('#tidings-embed-style').count(), 1, 'the default style is added once');
  assert.equal(await page.locator('.tidings-embed-error').count(), 0, 'both fetches succeeded');
});

test('a refused embed (429) is a page in the visitor\'s language for a browser, JSON for a script', async (t) => {
  const { app, store } = await startTestApp(t, { limits: { missesPerMinute: 1, trustProxy: 1 } });
  await store.upsertArticles([makeArticle(1, { title: 'Kyiv', topics: ['ukraine'] })]);
  const browser = { Accept: 'text/html,application/xhtml+xml', 'Accept-Language': 'uk-UA,uk;q=0.9', 'X-Forwarded-For': '203.0.113.1' };
  await request(app).get('/embed/ukraine').set(browser).expect(200);
  const refused = await request(app).get('/embed/ukraine?limit=3').set(browser).expect(429);
  assert.match(refused.headers['content-type'] ?? '', /^text\/html; charset=utf-8/);
  assert.match(refused.text, /<h1>Забагато запитів<\/h1>/);
  assert.ok(Number(refused.headers['retry-after']) > 0, 'Retry-After is kept');
  // Another client's own first miss is allowed, its second refused (the browser's page was cached).
  const script = { Accept: '*/*', 'X-Forwarded-For': '203.0.113.2' };
  await request(app).get('/embed/ukraine?limit=5').set(script).expect(200);
  const json = await request(app).get('/embed/ukraine?limit=6').set(script).expect(429);
  assert.equal(json.body.error, 'rate-limited');
});
