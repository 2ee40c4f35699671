// The site in a real headless Chromium: feeds opened from a link render as a readable page through
// /feed.xsl (not raw XML), in the browser's language. Screenshots land in test/screenshots/ (git-ignored).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeArticle } from './store.contract.ts';
import { startTestApp } from './helpers/app.ts';
import { browserSkip, listenLater, startBrowser } from './helpers/chromium.ts';

const skip = browserSkip();

for (const format of ['rss', 'atom'] as const) {
  test(`a ${format} feed opened in Chromium is a styled page: what it is, its address, its latest items linked`, { skip, timeout: 180_000 }, async (t) => {
    const { base, serve } = await listenLater(t);
    const { app, store } = await startTestApp(t, { baseUrl: base });
    await store.upsertArticles([
      makeArticle(1, { title: 'Kyiv metro extends', topics: ['ukraine'], language: 'en', url: 'https://example.org/kyiv-metro' }),
      makeArticle(2, { title: 'Київ & Париж: <ППО>', topics: ['ukraine'], language: 'uk', url: 'https://example.org/a?b=1&c=2' }),
    ]);
    serve(app);
    const browser = startBrowser(t);
    const url = `${base}/feeds/ukraine.${format}?limit=1`;

    const dom = await browser.dumpDom(url, 'en');
    assert.match(dom, /<h1>Tidings: Україна \(limit=1\)<\/h1>/, dom.slice(0, 2000));
    assert.match(dom, /This is a web feed/);
    assert.ok(dom.includes(`<code>${base}/feeds/ukraine.${format}?limit=1</code>`), 'the address to copy');
    // Escaped title text stays text: no <ППО> element came out of the feed.
    assert.ok(dom.includes('<a href="https://example.org/a?b=1&amp;c=2">Київ &amp; Париж: &lt;ППО&gt;</a>'), dom);
    assert.match(dom, /<a href="[^"]+before=[^"]+" rel="next">Older articles<\/a>/, 'paging to older items');
    assert.doesNotMatch(dom, /This XML file does not appear to have any style information/);

    const uk = await browser.dumpDom(url, 'uk');
    assert.match(uk, /<html lang="uk">/);
    assert.match(uk, /Це стрічка новин/);

    for (const width of [1280, 390]) await browser.screenshot(url, `feed-${format}`, width);
  });
}

test('the home and a topic page in Chromium: the language follows the browser, the switch and paging links are there', { skip, timeout: 180_000 }, async (t) => {
  const { base, serve } = await listenLater(t);
  const { app, store } = await startTestApp(t, { baseUrl: base });
  await store.upsertArticles([1, 2, 3].map((n) => makeArticle(n, { title: `Стаття ${n}`, topics: ['ukraine'], language: 'uk', url: `https://example.org/${n}` })));
  serve(app);
  const browser = startBrowser(t);

  const home = await browser.dumpDom(`${base}/`, 'uk');
  assert.match(home, /<html lang="uk">/);
  assert.match(home, /<h2>Теми<\/h2>/);
  const english = await browser.dumpDom(`${base}/`, 'en');
  assert.match(english, /<h2>Topics<\/h2>/);

  const topicUrl = `${base}/topics/ukraine?limit=2`;
  const topic = await browser.dumpDom(topicUrl, 'en');
  assert.match(topic, /<a href="[^"]+before=[^"]+" rel="next">Older articles<\/a>/);
  for (const width of [1280, 390]) {
    await browser.screenshot(`${base}/`, 'home', width);
    await browser.screenshot(topicUrl, 'topic', width);
  }
});
