// Site pages and feeds as a browser meets them, over HTTP: the stylesheet instruction in RSS and Atom,
// the content type a browser applies it under (readers keep theirs), and /feed.xsl in the visitor's language.

import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import request from 'supertest';
import { makeArticle } from './store.contract.ts';
import { BASE_URL, startTestApp, type TestApp } from './helpers/app.ts';

/** What Chromium sends when a link is followed to a page. */
const BROWSER_ACCEPT = 'text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8';
const PI = `<?xml-stylesheet type="text/xsl" href="${BASE_URL}/feed.xsl"?>`;

async function seeded(t: TestContext): Promise<TestApp> {
  const app = await startTestApp(t);
  await app.store.upsertArticles([
    makeArticle(1, { title: 'Kyiv metro extends', topics: ['ukraine'], language: 'en', url: 'https://example.org/kyiv-metro' }),
    makeArticle(2, { title: 'Нова лабораторія <ППО> & Ко', topics: ['ukraine'], language: 'uk' }),
  ]);
  return app;
}

for (const format of ['rss', 'atom'] as const) {
  test(`${format}: the stylesheet instruction follows the XML declaration; readers get the feed type, browsers application/xml`, async (t) => {
    const { app } = await seeded(t);
    const reader = await request(app).get(`/feeds/ukraine.${format}`).set('Accept', `application/${format}+xml, application/xml;q=0.9, */*;q=0.8`).expect(200);
    assert.equal(reader.headers['content-type'], `application/${format}+xml; charset=utf-8`);
    assert.ok(reader.text.startsWith(`<?xml version="1.0" encoding="utf-8"?>\n${PI}\n<`), reader.text.slice(0, 200));
    const curl = await request(app).get(`/feeds/ukraine.${format}`).set('Accept', '*/*').expect(200);
    assert.equal(curl.headers['content-type'], `application/${format}+xml; charset=utf-8`, 'any type: the feed\'s own');

    const browser = await request(app).get(`/feeds/ukraine.${format}`).set('Accept', BROWSER_ACCEPT).expect(200);
    assert.equal(browser.headers['content-type'], 'application/xml; charset=utf-8');
    assert.equal(browser.text, reader.text, 'the same bytes either way');
    for (const res of [reader, browser]) assert.match(String(res.headers.vary), /\bAccept\b(?!-)/, 'caches key on Accept');
    // A revalidation still works for the browser, and a 304 sends no body to mistype.
    await request(app).get(`/feeds/ukraine.${format}`).set('Accept', BROWSER_ACCEPT).set('If-None-Match', browser.headers.etag!).expect(304);
  });
}

test('JSON Feed has no stylesheet, and its type does not depend on Accept', async (t) => {
  const { app } = await seeded(t);
  const res = await request(app).get('/feeds/ukraine.json').set('Accept', BROWSER_ACCEPT).expect(200);
  assert.equal(res.headers['content-type'], 'application/feed+json; charset=utf-8');
  assert.doesNotMatch(String(res.headers.vary ?? ''), /\bAccept\b(?!-)/);
});

test('/feed.xsl is an XSLT stylesheet in the visitor\'s language, English or Ukrainian, cached and revalidated', async (t) => {
  const { app } = await seeded(t);
  const en = await request(app).get('/feed.xsl').set('Accept-Language', 'en-GB,en;q=0.9').expect(200);
  assert.equal(en.headers['content-type'], 'text/xsl; charset=utf-8');
  assert.equal(en.headers.vary, 'Accept-Language');
  assert.match(en.text, /<xsl:stylesheet version="1\.0"/);
  assert.match(en.text, /This is a web feed/);
  assert.match(en.text, /<html lang="en">/);
  const uk = await request(app).get('/feed.xsl').set('Accept-Language', 'uk-UA,uk;q=0.9,en;q=0.5').expect(200);
  assert.match(uk.text, /Це стрічка новин/);
  assert.match(uk.text, /<html lang="uk">/);
  const fallback = await request(app).get('/feed.xsl').set('Accept-Language', 'fr').expect(200);
  assert.match(fallback.text, /<html lang="uk">/, 'SITE_LANGUAGE (default uk) when the visitor\'s languages are not offered');
  await request(app).get('/feed.xsl').set('Accept-Language', 'en').set('If-None-Match', en.headers.etag!).expect(304);
});

const HTML_ACCEPT = { Accept: BROWSER_ACCEPT };

test('pages speak the visitor\'s language: ?lang= first, then Accept-Language, then SITE_LANGUAGE', async (t) => {
  const { app } = await seeded(t);
  const byQuery = await request(app).get('/?lang=en').set(HTML_ACCEPT).set('Accept-Language', 'uk').expect(200);
  assert.match(byQuery.text, /<html lang="en">/);
  assert.match(byQuery.text, /<h2>Topics<\/h2>/);
  const byHeader = await request(app).get('/').set(HTML_ACCEPT).set('Accept-Language', 'en-US,en;q=0.9').expect(200);
  assert.match(byHeader.text, /<html lang="en">/);
  assert.equal(byHeader.headers.vary, 'Accept-Language', 'a shared cache keys on the language');
  const byDefault = await request(app).get('/').set(HTML_ACCEPT).set('Accept-Language', 'de').expect(200);
  assert.match(byDefault.text, /<html lang="uk">/);
  assert.match(byDefault.text, /<h2>Теми<\/h2>/);
  // The switch leads to the same page in the other language.
  assert.ok(byDefault.text.includes(`<a href="${BASE_URL}/?lang=en" hreflang="en" lang="en">English</a>`), byDefault.text);

  const { app: english } = await startTestApp(t, { siteLanguage: 'en' });
  assert.match((await request(english).get('/').set(HTML_ACCEPT).expect(200)).text, /<html lang="en">/, 'SITE_LANGUAGE=en');
});

test('a topic page shows dates in the reader\'s language and marks articles in another language', async (t) => {
  const { app } = await seeded(t);
  const uk = await request(app).get('/topics/ukraine?lang=uk').set(HTML_ACCEPT).expect(200);
  // makeArticle dates its articles in January 2026 (UTC).
  assert.match(uk.text, /<time datetime="2026-01-0\dT[^"]+">\d січня 2026 р\.<\/time>/);
  assert.match(uk.text, /<li lang="en"><a href="https:\/\/example.org\/kyiv-metro"/, 'the English article is marked');
  assert.doesNotMatch(uk.text, /<li lang="uk">/, 'the Ukrainian one is in the page\'s language');
  assert.ok(uk.text.includes(`<a href="${BASE_URL}/topics/ukraine?lang=en" hreflang="en" lang="en">English</a>`));
  const en = await request(app).get('/topics/ukraine?lang=en').set(HTML_ACCEPT).expect(200);
  assert.match(en.text, /<time datetime="2026-01-0\dT[^"]+">\d January 2026<\/time>/);
  assert.match(en.text, /<li lang="uk">/);
});

test('HTML 404s are in the visitor\'s language', async (t) => {
  const { app } = await seeded(t);
  const topic = await request(app).get('/topics/nope').set(HTML_ACCEPT).set('Accept-Language', 'uk').expect(404);
  assert.match(topic.text, /<h1>Не знайдено<\/h1>\n<p>Теми «nope» немає\.<\/p>/);
  const article = await request(app).get('/articles/nope?lang=en').set(HTML_ACCEPT).expect(404);
  assert.match(article.text, /<h1>Not found<\/h1>\n<p>There is no article &quot;nope&quot;\.<\/p>|<h1>Not found<\/h1>\n<p>There is no article "nope"\.<\/p>/);
});

test('every page passes html-validate (recommended rules) and stays under 100 KB', async (t) => {
  const { HtmlValidate } = await import('html-validate');
  const validator = new HtmlValidate({ extends: ['html-validate:recommended'] });
  const { app } = await seeded(t);
  for (const path of ['/', '/?lang=en', '/topics/ukraine', '/topics/ukraine?lang=en', '/topics/nope', '/nope']) {
    const res = await request(app).get(path).set(HTML_ACCEPT);
    assert.match(res.headers['content-type'] ?? '', /^text\/html/, path);
    const report = await validator.validateString(res.text);
    const problems = report.results.flatMap((r) => r.messages.map((m) => `${m.ruleId} ${m.line}:${m.column} ${m.message}`));
    assert.deepEqual(problems, [], `${path}\n${res.text}`);
    assert.ok(Buffer.byteLength(res.text) < 100 * 1024, `${path}: ${Buffer.byteLength(res.text)} bytes`);
  }
});

test('a topic page pages through the archive with the feeds\' cursors: older and newer links, rel=next/prev, each item\'s source', async (t) => {
  const { app, store } = await seeded(t);
  await store.upsertArticles([makeArticle(3, { title: 'Third', topics: ['ukraine'], language: 'uk' })]);
  const titles = (html: string) => [...html.matchAll(/<li[^>]*>(?:<a [^>]*>|<strong>)([^<]+)/g)].map((m) => m[1]);
  const next = (html: string, rel: 'next' | 'prev') => [...html.matchAll(/<a href="([^"]+)" rel="(next|prev)">/g)].find((m) => m[2] === rel)?.[1]?.replaceAll('&amp;', '&');

  const first = (await request(app).get('/topics/ukraine?limit=2&lang=en').set(HTML_ACCEPT).expect(200)).text;
  assert.deepEqual(titles(first), ['Third', 'Нова лабораторія &lt;ППО&gt; &amp; Ко'], 'newest first');
  assert.match(first, /<link rel="next" href="http:\/\/tidings\.test\/topics\/ukraine\?before=[^"]+&amp;lang=en&amp;limit=2">/);
  assert.doesNotMatch(first, /rel="prev"/, 'nothing is newer than the first page');
  const older = next(first, 'next');
  assert.ok(older, first);
  const second = (await request(app).get(older.replace(BASE_URL, '')).set(HTML_ACCEPT).expect(200)).text;
  assert.deepEqual(titles(second), ['Kyiv metro extends']);
  assert.match(second, /<span class="meta"><time [^>]+>[^<]+<\/time> · test<\/span>/, 'the source it was seen in (an unknown id shows as itself)');
  assert.match(second, /<html lang="en">/, 'the language is kept while paging');
  assert.doesNotMatch(second, /rel="next"/, 'the end of the archive');
  const newer = next(second, 'prev');
  assert.ok(newer, second);
  const back = (await request(app).get(newer.replace(BASE_URL, '')).set(HTML_ACCEPT).expect(200)).text;
  assert.deepEqual(titles(back), titles(first), 'newer leads back to the same page');

  await request(app).get('/topics/ukraine?limit=abc').set(HTML_ACCEPT).expect(400);
});

test('/sources: an HTML table for a browser, JSON for everyone else and for ?format=json; credentials redacted in both; ADMIN_TOKEN still guards it', async (t) => {
  const { app, catalog } = await startTestApp(t, { adminToken: 'a-long-enough-admin-token' });
  catalog.sources = [{ id: 'wire', url: 'https://user:pw@news.example/feed?api_key=s3cret', title: 'Newswire', topics: [], categoryTopics: {}, intervalMinutes: 30, enabled: true }];
  const auth = { Authorization: 'Bearer a-long-enough-admin-token' };
  await request(app).get('/sources').set(HTML_ACCEPT).expect(401);
  const html = await request(app).get('/sources?lang=en').set(HTML_ACCEPT).set(auth).expect(200);
  assert.match(html.headers['content-type'] ?? '', /^text\/html/);
  assert.match(html.text, /<h1>Sources<\/h1>/);
  assert.match(html.text, /<strong>Newswire<\/strong><br><span class="meta">https:\/\/REDACTED@news\.example\/feed\?api_key=REDACTED<\/span>/);
  assert.match(html.text, /<td>never<\/td><td>never<\/td><td>never<\/td><td>0<\/td>/, 'state, last fetch, next poll, items');
  assert.doesNotMatch(html.text, /s3cret|pw@/);
  assert.match(String(html.headers['content-security-policy']), /default-src 'none'/);
  const { HtmlValidate } = await import('html-validate');
  const report = await new HtmlValidate({ extends: ['html-validate:recommended'] }).validateString(html.text);
  assert.deepEqual(report.results.flatMap((r) => r.messages.map((m) => m.message)), []);

  const json = await request(app).get('/sources?format=json').set(HTML_ACCEPT).set(auth).expect(200);
  assert.equal(json.body[0].url, 'https://REDACTED@news.example/feed?api_key=REDACTED');
  const api = await request(app).get('/sources').set('Accept', 'application/json').set(auth).expect(200);
  assert.equal(api.body[0].title, 'Newswire');
  assert.equal(api.body[0].status, 'never');
});

test('every page of problems is in the visitor\'s language with the site\'s title: 404s anywhere, the embed page\'s 400s, Express\'s own 400s', async (t) => {
  const { app } = await startTestApp(t, { siteTitle: 'Вісті', siteLanguage: 'en' });
  const nowhere = await request(app).get('/no/such/page').set(HTML_ACCEPT).set('Accept-Language', 'uk').expect(404);
  assert.match(nowhere.text, /<h1>Не знайдено<\/h1>\n<p>За адресою \/no\/such\/page нічого немає\.<\/p>/);
  assert.match(nowhere.text, /<title>Не знайдено — Вісті<\/title>/);
  // No ?lang= and no Accept-Language the site speaks: SITE_LANGUAGE, and SITE_TITLE, on the embed page's problems too.
  const embedTopic = await request(app).get('/embed/nope').set(HTML_ACCEPT).set('Accept-Language', 'fr').expect(404);
  assert.match(embedTopic.text, /<html lang="en">/);
  assert.match(embedTopic.text, /<title>Not found — Вісті<\/title>/);
  assert.match(embedTopic.text, /<p>There is nothing at \/embed\/nope\.<\/p>/);
  const embedLimit = await request(app).get('/embed/ukraine?limit=abc&lang=uk').set(HTML_ACCEPT).expect(400);
  assert.match(embedLimit.text, /<h1>Хибний запит<\/h1>\n<p>Параметр «limit» має значення, з яким ця сторінка не працює: «abc»\.<\/p>/);
  assert.match(embedLimit.text, /<a href="http:\/\/tidings\.test\/\?lang=uk">Вісті<\/a>/);
  // Express refuses a path it cannot decode before any route runs.
  const undecodable = await request(app).get('/topics/%E0%A4%A?lang=uk').set(HTML_ACCEPT).expect(400);
  assert.match(undecodable.headers['content-type'] ?? '', /^text\/html/);
  assert.match(undecodable.text, /<h1>Хибний запит<\/h1>\n<p>Сервер не може прочитати адресу \/topics\/%E0%A4%A\?lang=uk\.<\/p>/);
  const api = await request(app).get('/topics/%E0%A4%A').set('Accept', 'application/json').expect(400);
  assert.equal(api.body.error, 'bad-request');
  const { HtmlValidate } = await import('html-validate');
  const validator = new HtmlValidate({ extends: ['html-validate:recommended'] });
  for (const res of [nowhere, embedTopic, embedLimit, undecodable]) {
    const report = await validator.validateString(res.text);
    assert.deepEqual(report.results.flatMap((r) => r.messages.map((m) => `${m.ruleId} ${m.message}`)), [], res.text);
  }
});
