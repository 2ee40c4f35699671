// The site's identity over HTTP: its icon (served, and named by every feed format), description and
// Open Graph tags on every page, and topics titled in the reader's language where topics.yaml says so.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { xml2js } from 'xml-js';
import { TidingsError } from '../src/errors.ts';
import { DEFAULT_ICON_FILE, loadSiteIcon } from '../src/http/icon.ts';
import { makeArticle } from './store.contract.ts';
import { BASE_URL, startTestApp, topic } from './helpers/app.ts';

const HTML_ACCEPT = { Accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8' };
const ICON_URL = `${BASE_URL}/icon.png`;

/** xml-js's compact form: element name → child object, text under `_text`. */
type Compact = { [name: string]: Compact & { _text?: string } };
const xml = (body: string) => xml2js(body, { compact: true }) as Compact;

function readPng(body: Buffer): { width: number; height: number } {
  assert.deepEqual([...body.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], 'a PNG signature');
  assert.equal(body.subarray(12, 16).toString('ascii'), 'IHDR');
  return { width: body.readUInt32BE(16), height: body.readUInt32BE(20) };
}

test('the default icon is a square PNG, served at /icon.png and /favicon.ico with an ETag', async (t) => {
  const { app } = await startTestApp(t);
  for (const path of ['/icon.png', '/favicon.ico']) {
    const res = await request(app).get(path).buffer(true).parse((r, done) => {
      const chunks: Buffer[] = [];
      r.on('data', (c: Buffer) => chunks.push(c));
      r.on('end', () => done(null, Buffer.concat(chunks)));
    }).expect(200);
    assert.equal(res.headers['content-type'], 'image/png');
    assert.deepEqual(res.body, readFileSync(DEFAULT_ICON_FILE));
    assert.deepEqual(readPng(res.body), { width: 256, height: 256 });
    await request(app).get(path).set('If-None-Match', res.headers.etag!).expect(304);
  }
});

test('SITE_ICON: its bytes are served; a missing or non-PNG file stops the boot naming SITE_ICON', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'tidings-icon-'));
  const own = Buffer.concat([readFileSync(DEFAULT_ICON_FILE), Buffer.from('trailing bytes make it another file')]);
  writeFileSync(join(dir, 'own.png'), own);
  writeFileSync(join(dir, 'fake.png'), 'GIF89a not a png');
  assert.deepEqual(loadSiteIcon(join(dir, 'own.png')), own);
  for (const [file, reason] of [['missing.png', /cannot read/], ['fake.png', /expected a PNG file/]] as const) {
    assert.throws(() => loadSiteIcon(join(dir, file)), (err: unknown) => {
      assert.ok(err instanceof TidingsError);
      assert.equal(err.where, 'SITE_ICON');
      assert.match(err.message, reason);
      return true;
    });
  }
  const { app } = await startTestApp(t, { siteIcon: own });
  const res = await request(app).get('/icon.png').buffer(true).parse((r, done) => {
    const chunks: Buffer[] = [];
    r.on('data', (c: Buffer) => chunks.push(c));
    r.on('end', () => done(null, Buffer.concat(chunks)));
  }).expect(200);
  assert.deepEqual(res.body, own);
});

test('every feed format names the icon: RSS <image> (linked like the channel), Atom <icon> and <logo>, JSON Feed icon and favicon', async (t) => {
  const { app, store } = await startTestApp(t);
  await store.upsertArticles([makeArticle(1, { topics: ['ukraine'] })]);
  for (const path of ['/feeds/ukraine.rss', '/feeds/all.rss?q=article']) {
    const channel = xml((await request(app).get(path).expect(200)).text).rss!.channel!;
    const image = channel.image!;
    assert.equal(image.url!._text, ICON_URL, path);
    assert.equal(image.link!._text, channel.link!._text, `${path}: the W3C validator wants the channel's link`);
    assert.equal(image.title!._text, path.includes('ukraine') ? 'Tidings: Україна' : 'Tidings: All articles (q=article)');
  }
  // A title with `&` is written as HTML in RSS (double escaped); the image's title must be the very same text.
  const amp = xml((await request(app).get('/feeds/all.rss?q=salt%20%26%20pepper').expect(200)).text).rss!.channel!;
  assert.match(amp.title!._text ?? '', /salt &amp; pepper/);
  assert.equal(amp.image!.title!._text, amp.title!._text, 'the W3C validator compares the image title with the channel title');
  const feed = xml((await request(app).get('/feeds/ukraine.atom').expect(200)).text).feed!;
  assert.equal(feed.icon!._text, ICON_URL);
  assert.equal(feed.logo!._text, ICON_URL);
  const json = (await request(app).get('/feeds/ukraine.json').expect(200)).body as { icon: string; favicon: string };
  assert.equal(json.icon, ICON_URL);
  assert.equal(json.favicon, ICON_URL);
});

test('every page has a description, an icon link and Open Graph tags; SITE_DESCRIPTION replaces the default', async (t) => {
  const { app, store } = await startTestApp(t, { siteTitle: 'Вісті' });
  await store.upsertArticles([makeArticle(1, { topics: ['ukraine'], url: '/articles/one', sourceId: 'local', slug: 'one', summary: 'One <summary> & more', language: 'uk' })]);
  const meta = (html: string, attr: 'name' | 'property', key: string) => new RegExp(`<meta ${attr}="${key}" content="([^"]*)">`).exec(html)?.[1];
  const cases: [string, string, string, string][] = [
    ['/?lang=en', 'Вісті', 'website', 'Вісті: news by topic'],
    ['/topics/ukraine?lang=uk', 'Україна — Вісті', 'website', 'About Україна'],
    ['/articles/one?lang=uk', 'Article 1 — Вісті', 'article', 'One &lt;summary&gt; &amp; more'],
    ['/search?q=article&lang=en', 'Search: article — Вісті', 'website', 'Articles matching “article”'],
    ['/nope?lang=en', 'Not found — Вісті', 'website', 'Вісті: news by topic'],
  ];
  for (const [path, title, type, description] of cases) {
    const html = (await request(app).get(path).set(HTML_ACCEPT)).text;
    assert.ok(meta(html, 'name', 'description')?.startsWith(description), `${path}: ${meta(html, 'name', 'description')}`);
    assert.equal(meta(html, 'property', 'og:description'), meta(html, 'name', 'description'), path);
    assert.equal(meta(html, 'property', 'og:title'), title, path);
    assert.equal(meta(html, 'property', 'og:type'), type, path);
    assert.equal(meta(html, 'property', 'og:url'), `${BASE_URL}${path.replace('&', '&amp;')}`, path);
    assert.equal(meta(html, 'property', 'og:image'), ICON_URL, path);
    assert.equal(meta(html, 'property', 'og:site_name'), 'Вісті', path);
    assert.equal(meta(html, 'property', 'og:locale'), path.includes('lang=uk') ? 'uk_UA' : 'en_GB', path);
    assert.ok(html.includes(`<link rel="icon" type="image/png" href="${ICON_URL}">`), path);
  }
  await store.upsertArticles([makeArticle(2, { url: '/articles/two', sourceId: 'local', slug: 'two', image: 'https://img.example/two.jpg' })]);
  const pictured = (await request(app).get('/articles/two').set(HTML_ACCEPT)).text;
  assert.equal(meta(pictured, 'property', 'og:image'), 'https://img.example/two.jpg', 'an article\'s own picture');

  const { app: described } = await startTestApp(t, { siteDescription: 'Headlines & more, twice a day' });
  const home = (await request(described).get('/').set(HTML_ACCEPT)).text;
  assert.equal(meta(home, 'name', 'description'), 'Headlines &amp; more, twice a day');
});

test('topics titled per language in topics.yaml: pages in the reader\'s language, else the other; feeds keep the plain title', async (t) => {
  const { app, store, catalog } = await startTestApp(t);
  catalog.topics = [
    { ...topic('ukraine', 'Україна'), titles: { uk: 'Україна', en: 'Ukraine' }, descriptions: { uk: 'Новини з України', en: 'News from Ukraine' } },
    { ...topic('europe', 'Europe'), titles: { en: 'Europe' } },
    topic('science', 'Наука'),
  ];
  await store.upsertArticles([makeArticle(1, { topics: ['ukraine', 'europe'], url: '/articles/one', sourceId: 'local', slug: 'one' })]);
  const en = (await request(app).get('/?lang=en').set(HTML_ACCEPT)).text;
  assert.match(en, /<strong>Ukraine<\/strong><\/a>\n <span class="meta">1 articles<\/span><br>News from Ukraine<br>/);
  assert.match(en, /<strong>Наука<\/strong>/, 'a plain title in every language');
  assert.ok(en.includes('<link rel="alternate" type="application/rss+xml" title="Ukraine (RSS)"'));
  const uk = (await request(app).get('/?lang=uk').set(HTML_ACCEPT)).text;
  assert.match(uk, /<strong>Україна<\/strong><\/a>\n <span class="meta">статей: 1<\/span><br>Новини з України<br>/);
  assert.match(uk, /<strong>Europe<\/strong>/, 'no Ukrainian title: the English one');
  const topicPage = (await request(app).get('/topics/ukraine?lang=en').set(HTML_ACCEPT)).text;
  assert.match(topicPage, /<title>Ukraine — Tidings<\/title>/);
  assert.match(topicPage, /<h1>Ukraine<\/h1>\n<p>News from Ukraine<\/p>/);
  assert.match((await request(app).get('/articles/one?lang=en').set(HTML_ACCEPT)).text, />Ukraine<\/a>, <a [^>]+>Europe<\/a>/);
  const feed = xml((await request(app).get('/feeds/ukraine.rss').expect(200)).text).rss!.channel!;
  assert.equal(feed.title!._text, 'Tidings: Україна');
  const topics = (await request(app).get('/topics').expect(200)).body as { id: string; title: string; titles?: Record<string, string> }[];
  assert.deepEqual(topics[0], { ...topics[0], title: 'Україна', titles: { uk: 'Україна', en: 'Ukraine' } });
});

test('a feed filtered by ?lang= takes its topics\' title and description in that language where topics.yaml has them, in all three formats', async (t) => {
  const texts = (enTitle: string) => [
    { ...topic('ukraine', 'Україна'), titles: { uk: 'Україна', en: enTitle }, descriptions: { uk: 'Новини з України', en: 'News from Ukraine' } },
    { ...topic('europe', 'Європа'), titles: { uk: 'Європа' } },
    topic('science', 'Наука'),
  ];
  const seeded = async (enTitle: string) => {
    const started = await startTestApp(t);
    started.catalog.topics = texts(enTitle);
    await started.store.upsertArticles([makeArticle(1, { topics: ['ukraine', 'europe'], language: 'en' })]);
    return started.app;
  };
  const app = await seeded('Ukraine');
  const rss = async (path: string) => xml((await request(app).get(path).expect(200)).text).rss!.channel!;
  const en = await rss('/feeds/ukraine.rss?lang=en');
  assert.equal(en.title!._text, 'Tidings: Ukraine (lang=en)');
  assert.equal(en.description!._text, 'News from Ukraine');
  const atom = xml((await request(app).get('/feeds/ukraine.atom?lang=en-GB').expect(200)).text).feed!;
  assert.equal(atom.title!._text, 'Tidings: Ukraine (lang=en-gb)', 'a regional tag is its primary language');
  assert.equal(atom.subtitle!._text, 'News from Ukraine');
  const json = (await request(app).get('/feeds/ukraine.json?lang=en').expect(200)).body as { title: string; description: string };
  assert.deepEqual([json.title, json.description], ['Tidings: Ukraine (lang=en)', 'News from Ukraine']);
  // Without the filter, or filtered to a language topics.yaml does not write, the text written first.
  assert.equal((await rss('/feeds/ukraine.rss')).title!._text, 'Tidings: Україна');
  assert.equal((await rss('/feeds/ukraine.rss?lang=de')).title!._text, 'Tidings: Україна (lang=de)');
  assert.equal((await rss('/feeds/ukraine.rss?lang=de')).description!._text, 'About Україна');
  // A topic without an English title keeps its own; several topics, each in the language it has.
  assert.equal((await rss('/feeds/ukraine,europe.rss?lang=en')).title!._text, 'Tidings: Європа + Ukraine (lang=en)');
  assert.equal((await rss('/feeds/all.rss?lang=uk')).title!._text, 'Tidings: Усі статті (lang=uk)');

  // The ETag follows the title: the same articles under another English title are another feed body.
  const renamed = await seeded('Ukrainian news');
  const etag = async (a: typeof app, path: string) => (await request(a).get(path).expect(200)).headers.etag;
  assert.equal((await rss('/feeds/ukraine.rss?lang=uk')).title!._text, 'Tidings: Україна (lang=uk)');
  assert.equal(await etag(app, '/feeds/ukraine.rss?lang=uk'), await etag(renamed, '/feeds/ukraine.rss?lang=uk'), 'same store, same Ukrainian title: same ETag');
  assert.notEqual(await etag(app, '/feeds/ukraine.rss?lang=en'), await etag(renamed, '/feeds/ukraine.rss?lang=en'), 'another English title: another ETag');
  assert.equal(xml((await request(renamed).get('/feeds/ukraine.rss?lang=en').expect(200)).text).rss!.channel!.title!._text, 'Tidings: Ukrainian news (lang=en)');
});
