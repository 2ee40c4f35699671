// The site in a real headless Chromium, clicked through as a reader would at desktop and phone width:
// home, a topic, older articles, an article, a feed link (a styled page, not raw XML), /sources, the
// all page, a search from the box and its feed, the language switch. Every page visited passes axe-core (no serious or critical violation) and
// html-validate. Screenshots land in test/screenshots/ (git-ignored) with TIDINGS_SCREENSHOTS=1.

import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import type { AxeResults } from 'axe-core';
import type { Page } from 'playwright-core';
import type { IndexedArticle } from '../src/model.ts';
import { formatDate } from '../src/render/i18n/messages.ts';
import { makeArticle } from './store.contract.ts';
import { startTestApp } from './helpers/app.ts';
import { browserSkip, listenLater, openContext, saveScreenshot, sharedBrowser, WIDTHS, type Width } from './helpers/chromium.ts';
import { axeFindings, htmlFindings, preloadAxe, removeXsltBanner, seriousViolations, trackDocuments } from './helpers/page-checks.ts';

const skip = browserSkip();
const browser = sharedBrowser(skip);

/** A topic one page longer than a topic page shows (30), the oldest a local article with its own page. */
function archive(): IndexedArticle[] {
  const remote = Array.from({ length: 31 }, (_, i) => makeArticle(i + 2, {
    title: i % 2 ? `Kyiv report ${i + 2}` : `Київ: новина ${i + 2}`,
    language: i % 2 ? 'en' : 'uk',
    topics: ['ukraine'],
    url: `https://example.org/news/${i + 2}`,
  }));
  const local = makeArticle(1, {
    title: 'Дахи Києва', language: 'uk', topics: ['ukraine'], sourceId: 'local', slug: 'dakhy-kyieva', url: '/articles/dakhy-kyieva',
    contentHtml: '<p>Київські дахи взимку: <a href="https://example.org/roofs">фото</a>.</p>',
  });
  return [local, ...remote, makeArticle(40, { title: 'Paris summit', topics: ['europe'], url: 'https://example.org/paris' })];
}

async function startSite(t: TestContext): Promise<string> {
  const { base, serve } = await listenLater(t);
  const { app, store, catalog } = await startTestApp(t, { baseUrl: base });
  catalog.sources = [{ id: 'wire', url: 'https://news.example/feed', title: 'Newswire', topics: ['ukraine'], categoryTopics: {}, intervalMinutes: 30, enabled: true }];
  await store.upsertArticles(archive());
  serve(app);
  return base;
}

/** Runs `visit` at both widths at once, each in its own context: the two are independent. */
async function atEveryWidth(t: TestContext, visit: (t: TestContext, width: Width) => Promise<void>): Promise<void> {
  await Promise.all(WIDTHS.map((width) => t.test(`${width} px`, (st) => visit(st, width))));
}

interface Visit {
  page: Page;
  width: Width;
  document: ReturnType<typeof trackDocuments>;
}

/** The checks every visited page passes, then its screenshot. `source` is the HTML to validate when it is not the document's bytes (a feed shown through XSLT). */
async function checkPage(v: Visit, name: string, source?: string): Promise<void> {
  const doc = await v.document();
  assert.equal(doc.status, 200, doc.url);
  const html = source ?? doc.body;
  assert.ok(Buffer.byteLength(doc.body) < 100 * 1024, `${doc.url}: ${Buffer.byteLength(doc.body)} bytes, over 100 KB`);
  const findings = [...await axeFindings(v.page), ...await htmlFindings(html)];
  assert.deepEqual(findings, [], `${doc.url} at ${v.width} px`);
  await saveScreenshot(v.page, name, v.width);
}

async function clickAndLoad(page: Page, link: ReturnType<Page['getByRole']>): Promise<void> {
  await Promise.all([page.waitForEvent('load'), link.click()]);
}

test('a reader clicks through the site: home, topic, older articles, an article, a styled feed, /sources, all, a search and its feed, the other language', { skip, timeout: 300_000 }, async (t) => {
  const base = await startSite(t);
  await atEveryWidth(t, async (st, width) => {
    const context = await openContext(st, browser.get(), { width, language: 'en-GB' });
    await preloadAxe(context);
    const page = await context.newPage();
    const v: Visit = { page, width, document: trackDocuments(page) };

    await page.goto(`${base}/`);
    assert.equal(await page.getAttribute('html', 'lang'), 'en', 'Accept-Language: en-GB picks English');
    await page.getByRole('heading', { name: 'Topics' }).waitFor();
    await checkPage(v, 'home');

    await clickAndLoad(page, page.getByRole('main').getByRole('link', { name: 'Україна', exact: true }));
    assert.equal(new URL(page.url()).pathname, '/topics/ukraine');
    assert.equal(await page.locator('main > ul > li').count(), 30, 'a page of 30 articles');
    await checkPage(v, 'topic');

    await clickAndLoad(page, page.getByRole('link', { name: 'Older articles' }));
    assert.match(page.url(), /before=/);
    assert.equal(await page.locator('main > ul > li').count(), 2, 'the rest of the archive');
    await page.getByRole('link', { name: 'Newer articles' }).waitFor();
    await checkPage(v, 'topic-older');

    await clickAndLoad(page, page.getByRole('link', { name: 'Дахи Києва' }));
    assert.equal(new URL(page.url()).pathname, '/articles/dakhy-kyieva');
    await page.getByRole('heading', { name: 'Дахи Києва', level: 1 }).waitFor();
    assert.equal(await page.getAttribute('article', 'lang'), 'uk', 'a Ukrainian article on an English page says so');
    await checkPage(v, 'article');

    await clickAndLoad(page, page.getByRole('link', { name: 'Україна', exact: true }));
    await clickAndLoad(page, page.getByRole('link', { name: 'RSS', exact: true }));
    assert.match(page.url(), /\/feeds\/ukraine\.rss$/);
    await page.getByText('This is a web feed').waitFor();
    assert.equal(await page.locator('text=This XML file does not appear to have any style information').count(), 0, 'not raw XML');
    assert.ok(await page.getByRole('link', { name: 'Київ: новина 32' }).isVisible(), 'the latest items, linked');
    await removeXsltBanner(page);
    await checkPage(v, 'feed-rss', await page.content());

    await page.goto(`${base}/sources`);
    await page.getByRole('heading', { name: 'Sources', level: 1 }).waitFor();
    assert.match((await v.document()).contentType, /^text\/html/, 'a browser gets the HTML page');
    assert.ok(await page.getByRole('cell', { name: /Newswire/ }).isVisible());
    await checkPage(v, 'sources');

    await page.goto(`${base}/`);
    await clickAndLoad(page, page.getByRole('main').getByRole('link', { name: 'Everything' }));
    assert.equal(new URL(page.url()).pathname, '/topics/all');
    await page.getByRole('heading', { name: 'All articles', level: 1 }).waitFor();
    assert.equal(await page.locator('main > ul > li').count(), 30, 'every topic\'s articles, a page of them');
    assert.ok(await page.getByRole('link', { name: 'Paris summit' }).isVisible(), 'Europe\'s article too');
    await checkPage(v, 'all');

    await page.getByRole('searchbox', { name: 'Search articles' }).fill('Kyiv');
    await Promise.all([page.waitForEvent('load'), page.getByRole('searchbox', { name: 'Search articles' }).press('Enter')]);
    assert.equal(new URL(page.url()).pathname, '/search');
    await page.getByRole('heading', { name: 'Search: Kyiv', level: 1 }).waitFor();
    const found = await page.locator('main > ul > li > a').allTextContents();
    assert.equal(found.length, 15, `the English reports only: ${found.join(' | ')}`);
    assert.ok(found.every((title) => /^Kyiv report \d+$/.test(title)), found.join(' | '));
    await checkPage(v, 'search');

    await clickAndLoad(page, page.getByRole('main').getByRole('link', { name: 'RSS', exact: true }));
    assert.equal(new URL(page.url()).searchParams.get('q'), 'Kyiv', 'the feed of that search');
    await page.getByText('This is a web feed').waitFor();
    const inFeed = await page.locator('main ul li > a').allTextContents();
    assert.ok(inFeed.length > 0 && inFeed.every((title) => /^Kyiv report \d+$/.test(title)), inFeed.join(' | '));
    await removeXsltBanner(page);
    await checkPage(v, 'search-feed-rss', await page.content());

    await page.goto(`${base}/`);
    await clickAndLoad(page, page.getByRole('link', { name: 'Українською' }));
    assert.equal(await page.getAttribute('html', 'lang'), 'uk');
    await page.getByRole('heading', { name: 'Теми' }).waitFor();
    await clickAndLoad(page, page.getByRole('main').getByRole('link', { name: 'Україна', exact: true }));
    await page.getByRole('link', { name: 'Старіші статті' }).waitFor();
    assert.match(page.url(), /lang=uk/, 'the language is kept from page to page');
    await checkPage(v, 'topic-uk');
  });
});

for (const format of ['rss', 'atom'] as const) {
  test(`a ${format} feed in Chromium is a styled page in the browser's language, its titles text and not markup`, { skip, timeout: 180_000 }, async (t) => {
    const { base, serve } = await listenLater(t);
    const { app, store } = await startTestApp(t, { baseUrl: base });
    const newest = makeArticle(2, { title: 'Київ & Париж: <ППО>', topics: ['ukraine'], language: 'uk', url: 'https://example.org/a?b=1&c=2' });
    await store.upsertArticles([
      makeArticle(1, { title: 'Kyiv metro extends', topics: ['ukraine'], language: 'en', url: 'https://example.org/kyiv-metro' }),
      newest,
    ]);
    serve(app);
    const url = `${base}/feeds/ukraine.${format}?limit=1`;
    await atEveryWidth(t, async (st, width) => {
      const englishContext = await openContext(st, browser.get(), { width, language: 'en' });
      await preloadAxe(englishContext);
      const english = await englishContext.newPage();
      const v: Visit = { page: english, width, document: trackDocuments(english) };
      await english.goto(url);
      await english.getByRole('heading', { name: 'Tidings: Україна (limit=1)', level: 1 }).waitFor();
      assert.equal(await english.locator('code', { hasText: url }).count(), 1, 'the address to copy');
      const item = english.getByRole('link', { name: 'Київ & Париж: <ППО>' });
      assert.equal(await item.getAttribute('href'), 'https://example.org/a?b=1&c=2', 'escaped title text stays text');
      // The item's date as the site's pages write it in the reader's language (the stylesheet has no Intl of its own).
      assert.ok(spaced(await english.locator('li', { has: item }).innerText()).includes(spaced(formatDate('en', newest.published))));
      assert.match(await english.getByRole('link', { name: 'Older articles' }).getAttribute('href') ?? '', /before=/, 'paging to older items');
      await removeXsltBanner(english);
      await checkPage(v, `feed-${format}`, await english.content());

      const ukrainian = await (await openContext(st, browser.get(), { width, language: 'uk-UA' })).newPage();
      await ukrainian.goto(url);
      await ukrainian.getByText('Це стрічка новин').waitFor();
      assert.equal(await ukrainian.getAttribute('html', 'lang'), 'uk');
      assert.ok(spaced(await ukrainian.locator('li', { hasText: 'ППО' }).innerText()).includes(spaced(formatDate('uk', newest.published))));
    });
  });
}

/** Text with every kind of space as one plain space: Intl writes no-break spaces a page may not keep. */
function spaced(text: string): string {
  return text.replace(/\s+/g, ' ');
}

/** One of each kind of violation axe ranks serious or critical, beside ones it ranks minor or moderate. */
const INACCESSIBLE = `<!doctype html><html><head><meta name="viewport" content="width=device-width, user-scalable=no"></head><body>
<img src="x.png"><div role="banner-ish">a</div><p style="color:#777;background:#888">low contrast</p><a href="/x"></a>
<h3></h3><h1>skipped levels</h1><table><tr><th scope="bogus">h</th></tr></table><ul><div>not an item</div></ul><input type="text">
</body></html>`;

test('axeFindings, which skips the rules that cannot rank serious or critical, finds what a full axe run finds', { skip, timeout: 60_000 }, async (t) => {
  const page = await (await openContext(t, browser.get(), { width: WIDTHS[0] })).newPage();
  await page.setContent(INACCESSIBLE);
  const findings = await axeFindings(page);
  const full = seriousViolations(await page.evaluate('axe.run(document)') as AxeResults);
  assert.deepEqual(findings, full);
  for (const rule of ['image-alt', 'aria-roles', 'color-contrast', 'link-name', 'list', 'label', 'html-has-lang', 'document-title']) {
    assert.ok(findings.some((f) => f.startsWith(`axe ${rule} `)), `${rule} among ${findings.join(' | ')}`);
  }
});
