// The all page, the search box and /search over HTTP: the same query step, cursors and filters as the
// feeds, results in both interface languages, the search's own feeds, and 400s a reader can read.

import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import request from 'supertest';
import type { ArticleQuery } from '../src/model.ts';
import { makeArticle } from './store.contract.ts';
import { BASE_URL, startTestApp, type TestApp } from './helpers/app.ts';

const HTML_ACCEPT = { Accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8' };

/** Five articles; three mention "sanctions" (one in Ukrainian topics, one in Europe), two do not. */
async function seeded(t: TestContext): Promise<TestApp> {
  const app = await startTestApp(t);
  await app.store.upsertArticles([
    makeArticle(1, { title: 'Sanctions on steel', topics: ['europe'], url: 'https://example.org/steel' }),
    makeArticle(2, { title: 'Kyiv bridge opens', topics: ['ukraine'] }),
    makeArticle(3, { title: 'New sanctions package', topics: ['ukraine', 'europe'] }),
    makeArticle(4, { title: 'Санкції проти танкерів', summary: 'sanctions against tankers', topics: ['ukraine'], language: 'uk' }),
    makeArticle(5, { title: 'Science fair', topics: ['science'] }),
  ]);
  return app;
}

const titles = (html: string) => [...html.matchAll(/<li[^>]*>(?:<a [^>]*>|<strong>)([^<]+)/g)].map((m) => m[1]);
const relLink = (html: string, rel: 'next' | 'prev') =>
  [...html.matchAll(/<a href="([^"]+)" rel="(next|prev)">/g)].find((m) => m[2] === rel)?.[1]?.replaceAll('&amp;', '&').replace(BASE_URL, '');

async function validate(html: string, label: string): Promise<void> {
  const { HtmlValidate } = await import('html-validate');
  const report = await new HtmlValidate({ extends: ['html-validate:recommended'] }).validateString(html);
  const problems = report.results.flatMap((r) => r.messages.map((m) => `${m.ruleId} ${m.line}:${m.column} ${m.message}`));
  assert.deepEqual(problems, [], `${label}\n${html}`);
  assert.ok(Buffer.byteLength(html) < 100 * 1024, `${label}: ${Buffer.byteLength(html)} bytes`);
}

test('every page has the search box: a GET form to /search with a labelled search input that keeps the language', async (t) => {
  const { app } = await seeded(t);
  for (const path of ['/?lang=en', '/topics/ukraine?lang=en', '/topics/all?lang=en', '/search?q=kyiv&lang=en', '/nope?lang=en']) {
    const res = await request(app).get(path).set(HTML_ACCEPT);
    const form = /<form role="search" action="([^"]+)" method="get"[^>]*>([\s\S]*?)<\/form>/.exec(res.text);
    assert.ok(form, `${path}: ${res.text}`);
    assert.equal(form[1], `${BASE_URL}/search`);
    assert.match(form[2]!, /<label for="site-search">Search articles<\/label>/);
    assert.match(form[2]!, /<input type="search" id="site-search" name="q" value="[^"]*" maxlength="200" required>/);
    assert.match(form[2]!, /<input type="hidden" name="lang" value="en">/);
  }
  const uk = await request(app).get('/?lang=uk').set(HTML_ACCEPT);
  assert.match(uk.text, /<label for="site-search">Пошук статей<\/label>/);
  assert.match(uk.text, /<input type="hidden" name="lang" value="uk">/);
  // The page's CSP lets the form submit to this origin.
  assert.match(String(uk.headers['content-security-policy']), /form-action 'self'/);
});

test('/search lists matching articles, newest first, with their sources, and offers the search as three feeds with autodiscovery', async (t) => {
  const { app } = await seeded(t);
  const res = await request(app).get('/search?q=sanctions&lang=en').set(HTML_ACCEPT).expect(200);
  assert.match(res.headers['content-type'] ?? '', /^text\/html/);
  assert.deepEqual(titles(res.text), ['Санкції проти танкерів', 'New sanctions package', 'Sanctions on steel']);
  assert.match(res.text, /<h1>Search: sanctions<\/h1>/);
  assert.match(res.text, /<input type="search" id="site-search" name="q" value="sanctions"/, 'the box keeps the words');
  assert.match(res.text, /<li><a href="https:\/\/example.org\/steel" hreflang="en">Sanctions on steel<\/a>\n <span class="meta"><time [^>]+>[^<]+<\/time> · test<\/span>/,
    'a remote article links to its original page and names its source');
  for (const [format, type] of [['rss', 'application/rss+xml'], ['atom', 'application/atom+xml'], ['json', 'application/feed+json']] as const) {
    const url = `${BASE_URL}/feeds/all.${format}?q=sanctions`;
    assert.ok(res.text.includes(`<link rel="alternate" type="${type}" title="Search: sanctions (`), `${format} autodiscovery`);
    assert.ok(res.text.includes(`href="${url}"`), `${format}: ${url}`);
  }
  // The feed it offers is that search.
  const feed = await request(app).get('/feeds/all.json?q=sanctions').expect(200);
  assert.deepEqual(feed.body.items.map((i: { title: string }) => i.title), ['Санкції проти танкерів', 'New sanctions package', 'Sanctions on steel']);
  await validate(res.text, '/search?q=sanctions&lang=en');

  const uk = await request(app).get('/search?q=sanctions&lang=uk').set(HTML_ACCEPT).expect(200);
  assert.match(uk.text, /<html lang="uk">/);
  assert.match(uk.text, /<h1>Пошук: sanctions<\/h1>/);
  assert.match(uk.text, /<li lang="en">/, 'an English article on a Ukrainian page is marked');
  await validate(uk.text, '/search?q=sanctions&lang=uk');
  const none = await request(app).get('/search?q=nothingmatches&lang=en').set(HTML_ACCEPT).expect(200);
  assert.match(none.text, /<li>No articles match\.<\/li>/);
  await validate(none.text, 'no results');
});

test('/search takes the feeds\' filters: topics, exclude, source, language (the pages\' lang is the interface), and its feeds carry them', async (t) => {
  const { app } = await seeded(t);
  const inTopic = await request(app).get('/search?q=sanctions&topics=europe&lang=en').set(HTML_ACCEPT).expect(200);
  assert.deepEqual(titles(inTopic.text).slice(-2), ['New sanctions package', 'Sanctions on steel']);
  assert.ok(inTopic.text.includes(`href="${BASE_URL}/feeds/europe.rss?q=sanctions"`));
  assert.match(inTopic.text, /In topics: <a href="http:\/\/tidings\.test\/topics\/europe\?lang=en">Europe<\/a>/);
  const excluded = await request(app).get('/search?q=sanctions&exclude=europe&lang=en').set(HTML_ACCEPT).expect(200);
  assert.deepEqual(titles(excluded.text).filter((x) => x !== 'Europe'), ['Санкції проти танкерів']);
  assert.ok(excluded.text.includes(`href="${BASE_URL}/feeds/all.atom?exclude=europe&amp;q=sanctions"`));
  const ukrainian = await request(app).get('/search?q=sanctions&language=uk&lang=en').set(HTML_ACCEPT).expect(200);
  assert.match(ukrainian.text, /<html lang="en">/, 'lang stays the interface language');
  assert.deepEqual(titles(ukrainian.text), ['Санкції проти танкерів']);
  assert.ok(ukrainian.text.includes(`href="${BASE_URL}/feeds/all.json?lang=uk&amp;q=sanctions"`), 'the feed filters by lang');
  const local = await request(app).get('/search?q=sanctions&source=local&lang=en').set(HTML_ACCEPT).expect(200);
  assert.match(local.text, /No articles match/);
});

test('/search pages through its results with the feeds\' cursors, keeping q, filters and the language', async (t) => {
  const { app } = await seeded(t);
  const first = (await request(app).get('/search?q=sanctions&limit=2&lang=uk').set(HTML_ACCEPT).expect(200)).text;
  assert.deepEqual(titles(first), ['Санкції проти танкерів', 'New sanctions package']);
  assert.match(first, /<link rel="next" href="http:\/\/tidings\.test\/search\?before=[^"]+&amp;lang=uk&amp;limit=2&amp;q=sanctions">/);
  assert.doesNotMatch(first, /rel="prev"/);
  assert.ok(first.includes(`href="${BASE_URL}/feeds/all.rss?limit=2&amp;q=sanctions"`), 'an asked-for limit goes to the feed too');
  const olderUrl = relLink(first, 'next');
  assert.ok(olderUrl);
  const second = (await request(app).get(olderUrl).set(HTML_ACCEPT).expect(200)).text;
  assert.deepEqual(titles(second), ['Sanctions on steel']);
  assert.match(second, /<html lang="uk">/);
  assert.doesNotMatch(second, /rel="next"/, 'the last match');
  const newerUrl = relLink(second, 'prev');
  assert.ok(newerUrl);
  assert.deepEqual(titles((await request(app).get(newerUrl).set(HTML_ACCEPT).expect(200)).text), titles(first));

  const inTopic = (await request(app).get('/search?q=sanctions&topics=europe&limit=1&lang=en').set(HTML_ACCEPT).expect(200)).text;
  const next = relLink(inTopic, 'next');
  assert.ok(next?.includes('topics=europe'), `the topic filter is kept: ${next}`);
  assert.deepEqual(titles((await request(app).get(next!).set(HTML_ACCEPT).expect(200)).text).slice(-1), ['Sanctions on steel']);
});

test('a bad /search parameter is an HTML 400 in the visitor\'s language naming it; API clients get JSON', async (t) => {
  const { app } = await seeded(t);
  const cases: [string, string, RegExp, RegExp][] = [
    ['/search?lang=en', 'q', /The parameter “q” needs a value\./, /Параметрові «q» потрібне значення\./],
    ['/search?q=%20%20&lang=en', 'q', /The parameter “q” needs a value\./, /Параметрові «q» потрібне значення\./],
    [`/search?q=${'a'.repeat(201)}&lang=en`, 'q', /The parameter “q” has a value this page cannot use: “a{80}…”\.<\/p>\n<p>Give one to 200 characters/, /Від одного до 200 символів/],
    ['/search?q=a&q=b&lang=en', 'q', /“q” has a value this page cannot use: “a, b”/, /«q» має значення, з яким ця сторінка не працює: «a, b»/],
    ['/search?q=%21%21%21&lang=en', 'q', /“q” has a value this page cannot use: “!!!”/, /«q» має значення, з яким ця сторінка не працює: «!!!»/],
    ['/search?q=kyiv&limit=abc&lang=en', 'limit', /“limit”.*“abc”.*\n<p>Give a whole number from 1 to 500\./, /Ціле число від 1 до 500\./],
    ['/search?q=kyiv&topics=nope&lang=en', 'topics', /“topics”.*“nope”/, /Параметр «topics»/],
    ['/search?q=kyiv&language=x!&lang=en', 'language', /“language”.*Give a language tag/s, /Мовний тег/],
    ['/search?q=kyiv&since=yesterday&lang=en', 'since', /“since”/, /«since»/],
  ];
  for (const [path, parameter, en, uk] of cases) {
    const html = await request(app).get(path).set(HTML_ACCEPT).expect(400);
    assert.match(html.headers['content-type'] ?? '', /^text\/html/, path);
    assert.match(html.text, /<h1>Bad request<\/h1>/, path);
    assert.match(html.text, en, `${path}\n${html.text}`);
    await validate(html.text, path);
    const ukPath = path.replace('lang=en', 'lang=uk');
    const inUk = await request(app).get(ukPath).set(HTML_ACCEPT).expect(400);
    assert.match(inUk.text, /<h1>Хибний запит<\/h1>/, ukPath);
    assert.match(inUk.text, uk, `${ukPath}\n${inUk.text}`);
    assert.doesNotMatch(inUk.text.replace(/<header[\s\S]*?<\/header>/, ''), /\b(expected|give|the parameter)\b/i, `${ukPath}: no English left`);
    const json = await request(app).get(path).set('Accept', 'application/json').expect(400);
    assert.equal(json.body.parameter, parameter, path);
  }
});

test('the all page: every topic\'s articles, linked from the home page, paged with cursors, in both languages', async (t) => {
  const { app } = await seeded(t);
  const home = await request(app).get('/?lang=en').set(HTML_ACCEPT).expect(200);
  assert.ok(home.text.includes(`<a href="${BASE_URL}/topics/all"><strong>Everything</strong></a>`), home.text);
  const first = (await request(app).get('/topics/all?limit=3&lang=en').set(HTML_ACCEPT).expect(200)).text;
  assert.match(first, /<h1>All articles<\/h1>/);
  assert.deepEqual(titles(first), ['Science fair', 'Санкції проти танкерів', 'New sanctions package']);
  assert.ok(first.includes(`<link rel="alternate" type="application/rss+xml" title="All articles (RSS)" href="${BASE_URL}/feeds/all.rss">`));
  assert.match(first, /<link rel="next" href="http:\/\/tidings\.test\/topics\/all\?before=[^"]+&amp;lang=en&amp;limit=3">/);
  const second = (await request(app).get(relLink(first, 'next')!).set(HTML_ACCEPT).expect(200)).text;
  assert.deepEqual(titles(second), ['Kyiv bridge opens', 'Sanctions on steel']);
  assert.deepEqual(titles((await request(app).get(relLink(second, 'prev')!).set(HTML_ACCEPT).expect(200)).text), titles(first));
  await validate(first, '/topics/all?lang=en');
  const uk = (await request(app).get('/topics/all?lang=uk').set(HTML_ACCEPT).expect(200)).text;
  assert.match(uk, /<h1>Усі статті<\/h1>/);
  await validate(uk, '/topics/all?lang=uk');
  const filtered = (await request(app).get('/topics/all?exclude=ukraine&lang=en').set(HTML_ACCEPT).expect(200)).text;
  assert.deepEqual(titles(filtered), ['Science fair', 'Sanctions on steel']);
  await request(app).get('/topics/all?limit=0').set(HTML_ACCEPT).expect(400);
});

test('searches count against the per-client search limit like feed searches: a 429 once it is spent', async (t) => {
  const { app, store } = await startTestApp(t, { limits: { searchesPerMinute: 2 } });
  await store.upsertArticles([makeArticle(1, { title: 'Kyiv' })]);
  await request(app).get('/search?q=kyiv').set(HTML_ACCEPT).expect(200);
  await request(app).get('/search?q=kyiv&lang=en').set(HTML_ACCEPT).expect(200);
  const refused = await request(app).get('/search?q=other').set(HTML_ACCEPT).expect(429);
  assert.ok(refused.headers['retry-after']);
  // A browsing page is not a search: topic pages are not counted.
  await request(app).get('/topics/ukraine').set(HTML_ACCEPT).expect(200);
});

test('a refused search (429) is a page in the visitor\'s language for a browser, JSON for others, with Retry-After and RateLimit headers either way', async (t) => {
  const { app, store } = await startTestApp(t, { limits: { searchesPerMinute: 1, trustProxy: 1 } });
  await store.upsertArticles([makeArticle(1, { title: 'Kyiv' })]);
  const client = (n: number) => ({ 'X-Forwarded-For': `203.0.113.${n}` });
  const cases = [
    { n: 1, headers: { ...HTML_ACCEPT }, path: '/search?q=kyiv&lang=en', heading: 'Too many requests', line: /Try again in (\d+) seconds\./ },
    { n: 2, headers: { ...HTML_ACCEPT, 'Accept-Language': 'uk-UA,uk;q=0.9' }, path: '/search?q=kyiv', heading: 'Забагато запитів', line: /Спробуйте ще раз за (\d+) с\./ },
  ];
  for (const c of cases) {
    await request(app).get(c.path).set({ ...c.headers, ...client(c.n) }).expect(200);
    const refused = await request(app).get(`${c.path}&limit=5`).set({ ...c.headers, ...client(c.n) }).expect(429);
    assert.match(refused.headers['content-type'] ?? '', /^text\/html; charset=utf-8/);
    assert.equal(refused.headers['cache-control'], 'no-store');
    assert.match(refused.text, new RegExp(`<h1>${c.heading}</h1>`));
    const retry = refused.headers['retry-after'];
    assert.ok(retry && Number(retry) > 0 && Number(retry) <= 60, `Retry-After ${retry}`);
    // The page says the same wait the header does, and keeps the search box with the words searched.
    assert.equal(c.line.exec(refused.text)?.[1], retry);
    assert.match(refused.text, /<input type="search" id="site-search" name="q" value="kyiv"/);
    assert.match(String(refused.headers['ratelimit']), /limit=1, remaining=0, reset=\d+/);
    assert.match(String(refused.headers['ratelimit-policy']), /^1;w=60$/);
    await validate(refused.text, `429 ${c.path}`);
  }
  // A program (feed reader, script, curl) gets the JSON body as before.
  await request(app).get('/search?q=kyiv').set(client(3)).expect(200);
  const json = await request(app).get('/search?q=kyiv&limit=5').set({ ...client(3), Accept: '*/*' }).expect(429);
  assert.match(json.headers['content-type'] ?? '', /^application\/json/);
  assert.equal(json.body.error, 'rate-limited');
  assert.match(json.body.message, /too many searches from this address \(at most 1 a minute\); retry in \d+ s/);
  assert.ok(json.headers['retry-after']);
  assert.match(String(json.headers['ratelimit']), /remaining=0/);
});

test('a search shed under overload (503) is a page in the visitor\'s language for a browser, JSON for others, with Retry-After', async (t) => {
  const { app, store } = await startTestApp(t, { limits: { maxPendingMisses: 5 } });
  await store.upsertArticles([makeArticle(1, { title: 'Kyiv' })]);
  // A store that takes 300 ms per page read: searches pile up in the bound (4 running + 1 queued).
  const queryArticles = store.queryArticles.bind(store);
  store.queryArticles = async (q: ArticleQuery) => {
    await new Promise((r) => setTimeout(r, 300));
    return queryArticles(q);
  };
  const browsers = Array.from({ length: 6 }, (_, i) => request(app).get(`/search?q=kyiv${i}&lang=${i % 2 === 0 ? 'uk' : 'en'}`).set(HTML_ACCEPT));
  const programs = Array.from({ length: 6 }, (_, i) => request(app).get(`/search?q=word${i}`).set('Accept', 'application/json'));
  const answers = await Promise.all([...browsers, ...programs]);
  assert.equal(answers.filter((r) => r.status === 200).length, 5);
  const shed = answers.filter((r) => r.status === 503);
  assert.equal(shed.length, 7);
  for (const res of shed) {
    assert.equal(res.headers['retry-after'], '5');
    assert.equal(res.headers['cache-control'], 'no-store');
    const path = String((res as unknown as { req: { path: string } }).req.path);
    if (path.includes('kyiv')) {
      assert.match(res.headers['content-type'] ?? '', /^text\/html/);
      const uk = path.includes('lang=uk');
      assert.match(res.text, uk ? /<h1>Сервер зайнятий<\/h1>/ : /<h1>The server is busy<\/h1>/);
      assert.match(res.text, uk ? /Спробуйте ще раз за 5 с\./ : /Try again in 5 seconds\./);
      await validate(res.text, `503 ${path}`);
    } else {
      assert.match(res.headers['content-type'] ?? '', /^application\/json/);
      assert.equal(res.body.error, 'busy');
    }
  }
  assert.ok(shed.some((r) => r.headers['content-type']?.startsWith('text/html')), 'some browser was shed');
  assert.ok(shed.some((r) => r.headers['content-type']?.startsWith('application/json')), 'some program was shed');
});

test('a topic page is a store read: it counts against the client\'s miss limit (and search limit with a q), refused with a page', async (t) => {
  const { app, store } = await startTestApp(t, { limits: { missesPerMinute: 2, searchesPerMinute: 1, trustProxy: 1 } });
  await store.upsertArticles([makeArticle(1, { title: 'Kyiv', topics: ['ukraine'] })]);
  const client = (n: number) => ({ ...HTML_ACCEPT, 'X-Forwarded-For': `203.0.113.${n}` });
  await request(app).get('/topics/ukraine').set(client(1)).expect(200);
  await request(app).get('/topics/all').set(client(1)).expect(200);
  const refused = await request(app).get('/topics/ukraine?limit=5').set(client(1)).expect(429);
  assert.match(refused.headers['content-type'] ?? '', /^text\/html; charset=utf-8/);
  // No Accept-Language: the site's language.
  assert.match(refused.text, /<h1>Забагато запитів<\/h1>/);
  assert.ok(refused.headers['retry-after']);
  await validate(refused.text, '429 /topics/ukraine?limit=5');
  // Another client is not touched; its `q` on a topic page is a search, and its second one is over that limit.
  await request(app).get('/topics/ukraine?q=kyiv').set(client(2)).expect(200);
  const search = await request(app).get('/topics/ukraine?q=lviv').set({ ...client(2), Accept: 'application/json' }).expect(429);
  assert.match(search.body.message, /too many searches from this address/);
});

test('topic pages wait inside the overload bound: beyond it they are shed with 503 + Retry-After, a page for a browser', async (t) => {
  const { app, store } = await startTestApp(t, { limits: { maxPendingMisses: 5 } });
  await store.upsertArticles([makeArticle(1, { title: 'Kyiv', topics: ['ukraine'] })]);
  // A store that takes 300 ms per page read: topic pages pile up in the bound (4 running + 1 queued).
  const queryArticles = store.queryArticles.bind(store);
  store.queryArticles = async (q: ArticleQuery) => {
    await new Promise((r) => setTimeout(r, 300));
    return queryArticles(q);
  };
  const answers = await Promise.all(Array.from({ length: 8 }, (_, i) => request(app).get(`/topics/ukraine?limit=${i + 1}`).set(HTML_ACCEPT)));
  assert.equal(answers.filter((r) => r.status === 200).length, 5);
  const shed = answers.filter((r) => r.status === 503);
  assert.equal(shed.length, 3);
  for (const res of shed) {
    assert.equal(res.headers['retry-after'], '5');
    assert.match(res.text, /<h1>Сервер зайнятий<\/h1>/);
  }
});
