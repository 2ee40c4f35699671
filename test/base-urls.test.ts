// Relative URLs resolve like content does, everywhere: the xml:base in effect where they are written
// (an author's, a text construct's own), then the response's Content-Location, then the document URL.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileTopics } from '../src/classify/topics.ts';
import { createPollSource } from '../src/ingest/pipeline.ts';
import { silentLogger } from '../src/log.ts';
import { normalizeItem, type NormalizeContext } from '../src/normalize/normalize.ts';
import { parseFeed } from '../src/parse/index.ts';
import { openStore } from '../src/store/store.ts';
import { startUpstream } from './helpers/upstream.ts';

const FEED_URL = 'https://news.example/feeds/atom.xml';
const ctx = (feedBase?: string): NormalizeContext => ({
  sourceId: 'news', feedUrl: FEED_URL, now: new Date('2026-01-10T12:00:00Z'), baseUrl: 'https://t.example',
  ...(feedBase ? { feedBase } : {}),
});

async function normalizedEntries(xml: string) {
  const feed = await parseFeed(xml, { url: FEED_URL });
  return feed.items.map((i) => normalizeItem(i, ctx(feed.base)));
}

test('an author URI resolves against the author’s own xml:base before the entry’s', async () => {
  const [a, b] = await normalizedEntries(`<feed xmlns="http://www.w3.org/2005/Atom" xml:base="https://example.org/blog/">
    <entry><id>urn:x:1</id><title>A</title><updated>2026-01-01T00:00:00Z</updated>
      <author xml:base="https://github.com/"><name>John</name><uri>john</uri></author></entry>
    <entry><id>urn:x:2</id><title>B</title><updated>2026-01-01T00:00:00Z</updated>
      <author><name>Jane</name><uri xml:base="people/">jane</uri></author></entry>
  </feed>`);
  assert.equal(a?.authors[0]?.url, 'https://github.com/john');
  assert.equal(b?.authors[0]?.url, 'https://example.org/blog/people/jane');
});

test('an inherited feed author keeps the xml:base of its own element', async () => {
  const [a] = await normalizedEntries(`<feed xmlns="http://www.w3.org/2005/Atom" xml:base="https://example.org/">
    <author xml:base="https://github.com/"><name>John</name><uri>john</uri></author>
    <entry><id>urn:x:1</id><title>A</title><updated>2026-01-01T00:00:00Z</updated></entry>
  </feed>`);
  assert.equal(a?.authors[0]?.url, 'https://github.com/john');
});

test('content and a summary standing in for it resolve against the xml:base they set themselves', async () => {
  const [withContent, withSummary, plain] = await normalizedEntries(`<feed xmlns="http://www.w3.org/2005/Atom" xml:base="https://example.org/blog/">
    <entry><id>urn:x:1</id><title>A</title><updated>2026-01-01T00:00:00Z</updated>
      <content type="html" xml:base="https://cdn.example/img/">&lt;img src="a.png"&gt;</content></entry>
    <entry><id>urn:x:2</id><title>B</title><updated>2026-01-01T00:00:00Z</updated>
      <summary type="xhtml" xml:base="media/"><div xmlns="http://www.w3.org/1999/xhtml"><a href="b.html">b</a></div></summary></entry>
    <entry xml:base="2026/"><id>urn:x:3</id><title>C</title><updated>2026-01-01T00:00:00Z</updated>
      <content type="html">&lt;a href="c.html"&gt;c&lt;/a&gt;</content></entry>
  </feed>`);
  assert.match(withContent?.contentHtml ?? '', /src="https:\/\/cdn\.example\/img\/a\.png"/);
  assert.match(withSummary?.contentHtml ?? '', /href="https:\/\/example\.org\/blog\/media\/b\.html"/);
  assert.match(plain?.contentHtml ?? '', /href="https:\/\/example\.org\/blog\/2026\/c\.html"/);
});

test('Content-Location is the base after xml:base and before the URL the feed was fetched from', async (t) => {
  const up = await startUpstream();
  const store = await openStore('sqlite::memory:');
  t.after(async () => {
    await up.close();
    await store.close();
  });
  up.route('/feed', {
    headers: { 'content-type': 'application/rss+xml', 'content-location': '/archive/2026/feed.xml' },
    body: `<rss version="2.0"><channel><title>T</title>
      <item><guid>https://x.example/1</guid><title>One</title><link>one.html</link>
        <description>&lt;img src="pics/one.png"&gt;</description><author>a@x.example (A)</author>
        <enclosure url="one.mp3" type="audio/mpeg" length="1"/></item></channel></rss>`,
  });
  const poll = createPollSource({
    store, topics: () => ({ topics: [], compiled: compileTopics([]) }), baseUrl: 'http://tidings.test', userAgent: 'Tidings/test',
    log: silentLogger(), now: () => new Date('2026-01-10T12:00:00Z'),
  });
  const result = await poll({ id: 'cl', url: up.url('/feed'), topics: [], categoryTopics: {}, intervalMinutes: 30, enabled: true });
  assert.equal(result.outcome, 'ok');
  const [article] = await store.queryArticles({ limit: 1 });
  const archive = up.url('/archive/2026/');
  assert.equal(article?.url, `${archive}one.html`);
  assert.match(article?.contentHtml ?? '', new RegExp(`src="${archive.replace(/[.?]/g, '\\$&')}pics/one\\.png"`));
  assert.equal(article?.enclosures[0]?.url, `${archive}one.mp3`);
});
