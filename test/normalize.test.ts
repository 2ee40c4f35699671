// The shared normalizer: each test pins one rule of one field's fallback chain.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { capNesting, MAX_HTML_DEPTH } from '../src/normalize/html.ts';
import { parseDate } from '../src/normalize/dates.ts';
import { canonicalUrl, normalizeItem, normalizeLanguageTag, stripXmlIllegal, TITLE_MAX_CHARS, type NormalizeContext } from '../src/normalize/normalize.ts';
import { slugify } from '../src/text/slug.ts';
import type { ParsedItem } from '../src/parse/types.ts';

const NOW = new Date('2026-01-10T12:00:00Z');

function item(fields: Partial<ParsedItem> = {}): ParsedItem {
  return { authors: [], categories: [], enclosures: [], ...fields };
}

function ctx(fields: Partial<NormalizeContext> = {}): NormalizeContext & { logged: string[] } {
  const logged: string[] = [];
  return {
    sourceId: 'news',
    feedUrl: 'https://news.example/feeds/all.xml',
    now: NOW,
    baseUrl: 'https://tidings.example',
    log: (m) => logged.push(m),
    logged,
    ...fields,
  };
}

// ---- dates

test('RFC 822 dates with named zones', () => {
  const cases: Array<[string, string]> = [
    ['Tue, 06 Jan 2026 10:00:00 GMT', '2026-01-06T10:00:00.000Z'],
    ['Tue, 06 Jan 2026 10:00:00 UT', '2026-01-06T10:00:00.000Z'],
    ['Tue, 06 Jan 2026 10:00:00 Z', '2026-01-06T10:00:00.000Z'],
    ['Tue, 06 Jan 2026 10:00:00 EST', '2026-01-06T15:00:00.000Z'], // UTC-5
    ['Tue, 06 Jan 2026 10:00:00 EDT', '2026-01-06T14:00:00.000Z'], // UTC-4
    ['Tue, 06 Jan 2026 10:00:00 CST', '2026-01-06T16:00:00.000Z'], // UTC-6
    ['Tue, 06 Jan 2026 10:00:00 PST', '2026-01-06T18:00:00.000Z'], // UTC-8
    ['Tue, 06 Jan 2026 10:00:00 +0300', '2026-01-06T07:00:00.000Z'],
    ['Tue, 06 Jan 2026 10:00:00 -0130', '2026-01-06T11:30:00.000Z'],
    ['6 Jan 2026 10:00 +0200', '2026-01-06T08:00:00.000Z'], // no weekday, no seconds
    ['Tue, 06 Jan 26 10:00:00 GMT', '2026-01-06T10:00:00.000Z'], // two-digit year
    ['Tue,  06   Jan 2026 10:00:00 GMT', '2026-01-06T10:00:00.000Z'], // stray spaces
  ];
  for (const [input, expected] of cases) assert.equal(parseDate(input)?.toISOString(), expected, input);
});

test('RFC 822 military zones other than Z are read as UTC (RFC 2822 §4.3: their sign is unreliable)', () => {
  assert.equal(parseDate('Tue, 06 Jan 2026 10:00:00 A')?.toISOString(), '2026-01-06T10:00:00.000Z');
  assert.equal(parseDate('Tue, 06 Jan 2026 10:00:00 Y')?.toISOString(), '2026-01-06T10:00:00.000Z');
  assert.equal(parseDate('Tue, 06 Jan 2026 10:00:00 J'), undefined, 'J is not a zone');
});

test('ISO 8601 / RFC 3339 / dc:date and Date passthrough', () => {
  assert.equal(parseDate('2026-01-06T10:00:00Z')?.toISOString(), '2026-01-06T10:00:00.000Z');
  assert.equal(parseDate('2026-01-06T10:00:00+02:00')?.toISOString(), '2026-01-06T08:00:00.000Z');
  assert.equal(parseDate('2026-01-06T10:00:00.250-0500')?.toISOString(), '2026-01-06T15:00:00.250Z');
  assert.equal(parseDate('2026-01-06T10:00Z')?.toISOString(), '2026-01-06T10:00:00.000Z');
  assert.equal(parseDate('2026-01-06')?.toISOString(), '2026-01-06T00:00:00.000Z');
  assert.equal(parseDate('2026-01')?.toISOString(), '2026-01-01T00:00:00.000Z');
  const d = new Date('2025-05-05T05:05:05Z');
  assert.equal(parseDate(d)?.getTime(), d.getTime());
  assert.equal(parseDate('2026-02-30'), undefined);
  assert.equal(parseDate('yesterday'), undefined);
  assert.equal(parseDate(new Date(Number.NaN)), undefined);
});

test('an unreadable date is logged and replaced by now', () => {
  const c = ctx();
  const a = normalizeItem(item({ title: 't', link: 'https://news.example/a', published: 'not a date' }), c);
  assert.equal(a.published.getTime(), NOW.getTime());
  assert.equal(c.logged.length, 1);
  assert.match(c.logged[0] ?? '', /not a date/);
});

test('a date more than a day in the future is clamped to now; within a day it is kept', () => {
  const far = normalizeItem(item({ title: 't', published: '2026-03-01T00:00:00Z' }), ctx());
  assert.equal(far.published.getTime(), NOW.getTime());
  const near = normalizeItem(item({ title: 't', published: '2026-01-11T06:00:00Z' }), ctx());
  assert.equal(near.published.toISOString(), '2026-01-11T06:00:00.000Z');
});

test('missing dates: updated ← published, published ← updated ← now; published <= updated', () => {
  const onlyPublished = normalizeItem(item({ title: 't', published: '2026-01-05T00:00:00Z' }), ctx());
  assert.equal(onlyPublished.updated.toISOString(), '2026-01-05T00:00:00.000Z');
  const onlyUpdated = normalizeItem(item({ title: 't', updated: '2026-01-04T00:00:00Z' }), ctx());
  assert.equal(onlyUpdated.published.toISOString(), '2026-01-04T00:00:00.000Z');
  const none = normalizeItem(item({ title: 't' }), ctx());
  assert.equal(none.published.getTime(), NOW.getTime());
  assert.equal(none.updated.getTime(), NOW.getTime());
  const reversed = normalizeItem(item({ title: 't', published: '2026-01-05T00:00:00Z', updated: '2026-01-01T00:00:00Z' }), ctx());
  assert.ok(reversed.published.getTime() <= reversed.updated.getTime());
  assert.equal(reversed.published.toISOString(), '2026-01-05T00:00:00.000Z');
});

// ---- urls

test('tracking parameters and the fragment are dropped; other parameters stay', () => {
  assert.equal(
    canonicalUrl('https://news.example/a?id=7&utm_source=tw&utm_medium=social&fbclid=x&gclid=y&mc_cid=1&mc_eid=2#comments'),
    'https://news.example/a?id=7',
  );
  assert.equal(canonicalUrl('https://news.example/a?utm_campaign=z'), 'https://news.example/a');
  assert.equal(canonicalUrl('mailto:x@example.org'), 'mailto:x@example.org');
});

test('relative links resolve against item xml:base, then feed base, then feed URL', () => {
  const viaFeedUrl = normalizeItem(item({ title: 't', link: 'story/1' }), ctx());
  assert.equal(viaFeedUrl.url, 'https://news.example/feeds/story/1');
  const viaFeedBase = normalizeItem(item({ title: 't', link: 'story/1' }), ctx({ feedBase: 'https://www.news.example/blog/' }));
  assert.equal(viaFeedBase.url, 'https://www.news.example/blog/story/1');
  // A relative item base is itself resolved against the feed's base.
  const viaItemBase = normalizeItem(item({ title: 't', link: '1', base: 'posts/' }), ctx({ feedBase: 'https://www.news.example/blog/' }));
  assert.equal(viaItemBase.url, 'https://www.news.example/blog/posts/1');
});

test('relative URLs inside content, images and enclosures become absolute', () => {
  const a = normalizeItem(
    item({
      title: 't',
      link: 'https://news.example/a',
      contentHtml: '<p><a href="../b">b</a><img src="/i.png" alt=""></p>',
      image: 'cover.jpg',
      enclosures: [{ url: '/audio/ep1.mp3', type: 'audio/mpeg', length: 1234 }],
    }),
    ctx(),
  );
  assert.match(a.contentHtml, /href="https:\/\/news\.example\/b"/);
  assert.match(a.contentHtml, /src="https:\/\/news\.example\/i\.png"/);
  assert.equal(a.image, 'https://news.example/feeds/cover.jpg');
  assert.deepEqual(a.enclosures, [{ url: 'https://news.example/audio/ep1.mp3', type: 'audio/mpeg', length: 1234 }]);
});

test('only http(s) URLs are accepted for links, images, enclosures and author pages', () => {
  const a = normalizeItem(
    item({
      title: 't',
      link: 'javascript:alert(1)',
      image: 'data:image/png;base64,AAAA',
      enclosures: [{ url: 'javascript:void(0)' }],
      authors: [{ name: 'Eve', url: 'javascript:alert(2)' }],
    }),
    ctx({ feedBase: 'https://news.example/' }),
  );
  assert.equal(a.url, '', 'no link of its own: none at all');
  assert.equal(a.image, undefined);
  assert.deepEqual(a.enclosures, []);
  assert.deepEqual(a.authors, [{ name: 'Eve' }]);
});

test('local articles: url is the page path (the origin is added at render), id independent of baseUrl', () => {
  const one = normalizeItem(item({ title: 'Hello', slug: 'hello', published: '2026-01-01' }), ctx({ sourceId: 'local', baseUrl: 'https://a.example/' }));
  const two = normalizeItem(item({ title: 'Hello', slug: 'hello', published: '2026-01-01' }), ctx({ sourceId: 'local', baseUrl: 'https://b.example' }));
  assert.equal(one.url, '/articles/hello');
  assert.equal(two.url, one.url);
  assert.equal(one.id, 'urn:tidings:local:hello');
  assert.equal(two.id, one.id);
  assert.equal(one.slug, 'hello');
});

// ---- ids

test('id: an absolute-URI guid is used as is', () => {
  assert.equal(normalizeItem(item({ guid: 'tag:news.example,2026:1', link: 'https://news.example/a' }), ctx()).id, 'tag:news.example,2026:1');
  assert.equal(normalizeItem(item({ guid: 'https://news.example/?p=1', link: 'https://news.example/a' }), ctx()).id, 'https://news.example/?p=1');
});

test('id: a non-URI guid is scoped to the source and percent-encoded', () => {
  const a = normalizeItem(item({ guid: '12345 abc/é', guidIsPermaLink: false, title: 't' }), ctx());
  assert.equal(a.id, 'urn:tidings:news:12345%20abc%2F%C3%A9');
});

test('id: no guid → canonical url; neither → stable hash of title, raw date and content', () => {
  assert.equal(normalizeItem(item({ link: 'https://news.example/a?utm_source=x#top', title: 't' }), ctx()).id, 'https://news.example/a');
  const fields = { title: 'No link', published: 'garbage date', contentHtml: '<p>x</p>' };
  const first = normalizeItem(item(fields), ctx());
  const later = normalizeItem(item(fields), ctx({ now: new Date('2026-06-01T00:00:00Z') }));
  assert.match(first.id, /^urn:tidings:news:[0-9a-f]{32}$/);
  assert.equal(later.id, first.id, 'the hash must not depend on the fallback date');
  const other = normalizeItem(item({ ...fields, title: 'Other' }), ctx());
  assert.notEqual(other.id, first.id);
});

test('an item without a link of its own has none (every format leaves it out), not the feed site\'s', () => {
  // The feed's home page would be a link that does not lead to the item, and the store merges
  // articles by URL: every linkless item of a feed would collapse into one.
  const a = normalizeItem(item({ guid: 'x1', guidIsPermaLink: false, title: 't' }), ctx({ feedBase: 'https://news.example/' }));
  assert.equal(a.url, '');
});

// ---- text fields

test('title: HTML is reduced to text; entities are decoded exactly once', () => {
  const a = normalizeItem(item({ title: 'Fish &amp;amp; <b>chips</b>', link: 'https://n.example/a' }), ctx());
  assert.equal(a.title, 'Fish &amp; chips');
});

test('title fallback: the first ten words of the text and an ellipsis', () => {
  const a = normalizeItem(
    item({ contentHtml: '<p>one two three four five six seven eight nine ten eleven twelve</p>', link: 'https://n.example/a' }),
    ctx(),
  );
  assert.equal(a.title, 'one two three four five six seven eight nine ten…');
  const short = normalizeItem(item({ title: '   ', contentText: 'Just three words' }), ctx());
  assert.equal(short.title, 'Just three words');
  const nothing = normalizeItem(item({}), ctx());
  assert.ok(nothing.title.length > 0);
});

test('content: HTML content wins, then summary HTML, then text paragraphs (escaped)', () => {
  const both = normalizeItem(item({ title: 't', contentHtml: '<p>full</p>', summaryHtml: '<p>short</p>' }), ctx());
  assert.equal(both.contentHtml, '<p>full</p>');
  assert.equal(both.summary, 'short');
  const summaryOnly = normalizeItem(item({ title: 't', summaryHtml: '<p>only summary</p>' }), ctx());
  assert.equal(summaryOnly.contentHtml, '<p>only summary</p>');
  const text = normalizeItem(item({ title: 't', contentText: 'a < b\n\nsecond' }), ctx());
  assert.equal(text.contentHtml, '<p>a &lt; b</p>\n<p>second</p>');
  assert.equal(text.summary, 'a < b second');
});

test('content is sanitized: no script survives normalization', () => {
  const a = normalizeItem(item({ title: 't', contentHtml: '<p>ok</p><script>alert(1)</script>' }), ctx());
  assert.equal(a.contentHtml, '<p>ok</p>');
});

test('summary from content is an excerpt of about 300 characters cut at a word', () => {
  const words = Array.from({ length: 200 }, (_, i) => `word${i}`).join(' ');
  const a = normalizeItem(item({ title: 't', contentHtml: `<p>${words}</p>` }), ctx());
  assert.ok(a.summary.length <= 300, `summary is ${a.summary.length} chars`);
  assert.ok(a.summary.endsWith('…'));
  assert.match(a.summary, /word\d+…$/, 'cut after a whole word');
});

test('XML-illegal control characters are stripped from every text field', () => {
  const a = normalizeItem(
    item({
      title: 'Bad\u0000 ti\u0008tle\uFFFF',
      summaryHtml: 'sum\u001Bmary',
      contentHtml: '<p>con\u000Btent</p>',
      authors: [{ name: 'Au\u0001thor' }],
      categories: ['ca\u0002t'],
    }),
    ctx(),
  );
  assert.equal(a.title, 'Bad title');
  assert.equal(a.summary, 'summary');
  assert.equal(a.contentHtml, '<p>content</p>');
  assert.equal(a.authors[0]?.name, 'Author');
  assert.deepEqual(a.categories, ['cat']);
  assert.equal(stripXmlIllegal('tab\tnl\ncr\r ok'), 'tab\tnl\ncr\r ok', 'tab, LF and CR are legal');
  assert.equal(stripXmlIllegal('a\uD800b'), 'ab', 'a lone surrogate is dropped');
  assert.equal(stripXmlIllegal('😀'), '😀', 'a surrogate pair is kept');
});

test('stripXmlIllegal: clean text skips the exact pattern; anything it might remove still meets it', () => {
  assert.equal(stripXmlIllegal('Київ, clean text'), 'Київ, clean text');
  // A valid pair alongside a lone half and a control character: the pre-test flags it, the pattern decides.
  assert.equal(stripXmlIllegal('😀 a\uDC00b\u0007c 😀'), '😀 abc 😀');
  assert.equal(stripXmlIllegal('end\uD83D'), 'end');
  assert.equal(stripXmlIllegal('\uFFFE\uFFFFx'), 'x');
});

test('categories are trimmed and deduplicated; empty authors are dropped', () => {
  const a = normalizeItem(
    item({
      title: 't',
      categories: [' Politics ', 'politics', '', 'World'],
      authors: [{ name: '  Ann  ' }, { name: '   ' }, { name: '', email: 'bob@example.org' }],
    }),
    ctx(),
  );
  assert.deepEqual(a.categories, ['Politics', 'World']);
  assert.deepEqual(a.authors, [{ name: 'Ann' }, { name: 'bob@example.org', email: 'bob@example.org' }]);
});

// ---- language

test('language: item, then feed, then detection; tags normalized to BCP 47 case', () => {
  const ukText = 'Уряд ухвалив рішення про відновлення мостів у прифронтових громадах області.';
  assert.equal(normalizeItem(item({ title: 't', contentText: ukText, language: 'EN_gb' }), ctx()).language, 'en-GB');
  assert.equal(normalizeItem(item({ title: 't', contentText: ukText }), ctx({ feedLanguage: 'uk-UA' })).language, 'uk-UA');
  assert.equal(normalizeItem(item({ title: 't', contentText: ukText }), ctx()).language, 'uk');
  assert.equal(normalizeLanguageTag('UK'), 'uk');
  assert.equal(normalizeLanguageTag('zh-hant-tw'), 'zh-Hant-TW');
  assert.equal(normalizeLanguageTag('not a tag'), undefined);
});

test('a bogus item language falls through to the next rule', () => {
  const a = normalizeItem(item({ title: 't', contentText: 'x', language: '??' }), ctx({ feedLanguage: 'fr' }));
  assert.equal(a.language, 'fr');
});

// ---- slugs

test('slugify: KMU 2010 transliteration, including word-initial forms', () => {
  assert.equal(slugify('Щастя'), 'shchastia');
  assert.equal(slugify('Юрій Яготин'), 'yurii-yahotyn');
  assert.equal(slugify('Єнакієве'), 'yenakiieve');
  assert.equal(slugify('Їжакевич'), 'yizhakevych');
  assert.equal(slugify('Йосипівка'), 'yosypivka');
  assert.equal(slugify('Згорани'), 'zghorany');
  assert.equal(slugify('Ґалаґан'), 'galagan');
  assert.equal(slugify('п’ять ь'), 'piat');
  assert.equal(slugify('Хмельницький Чернівці'), 'khmelnytskyi-chernivtsi');
});

test('slugify: Russian letters, Latin diacritics, punctuation and length', () => {
  assert.equal(slugify('Объём съезд Электричка ёлка'), 'obyom-sezd-elektrychka-yolka');
  assert.equal(slugify('Crème brûlée, Straße & Łódź!'), 'creme-brulee-strasse-lodz');
  assert.equal(slugify('  --Hello,   World--  '), 'hello-world');
  assert.equal(slugify('!!!'), '');
  const long = slugify('word '.repeat(40));
  assert.ok(long.length <= 80);
  assert.match(long, /^(word-)*word$/, 'cut at a dash, never inside a word');
  assert.equal(slugify('Київ'), slugify('Київ'), 'stable');
});

// ---- hostile sizes (issue 8)

/**
 * Not a speed target: the quadratic versions took 5-6 s (or minutes) on these inputs, the linear ones
 * tens of milliseconds; the bound sits between, with room for a machine busy with other tests.
 */
const LINEAR_BOUND_MS = 2500;

test('a title longer than TITLE_MAX_CHARS is cut at a word boundary with an ellipsis', () => {
  const a = normalizeItem(item({ title: 'word '.repeat(300_000), link: 'https://x.example/t' }), ctx());
  assert.ok(a.title.length <= TITLE_MAX_CHARS, `title is ${a.title.length} chars`);
  assert.match(a.title, /^word( word)* word…$/);
  const short = normalizeItem(item({ title: 'A short title', link: 'https://x.example/s' }), ctx());
  assert.equal(short.title, 'A short title');
});

test('100,000 nested <div> are unwrapped past MAX_HTML_DEPTH before sanitizing: text kept, within a second', () => {
  const started = performance.now();
  const html = `${'<div>'.repeat(100_000)}deep text${'</div>'.repeat(100_000)}`;
  const a = normalizeItem(item({ contentHtml: html, link: 'https://x.example/d' }), ctx());
  assert.ok(performance.now() - started < LINEAR_BOUND_MS, `took ${Math.round(performance.now() - started)} ms`);
  assert.match(a.contentHtml, /deep text/);
  assert.equal(a.contentHtml.split('<div>').length - 1, MAX_HTML_DEPTH);
  assert.equal(a.contentHtml.split('</div>').length - 1, MAX_HTML_DEPTH);
});

test('capNesting leaves shallow HTML, void and self-closed elements as they are', () => {
  const html = '<div><p>a<br>b<img src="x.png"/></p><hr></div>';
  assert.equal(capNesting(html, 2), html);
  assert.equal(capNesting('<b><i><u>x</u></i></b>', 2), '<b><i>x</i></b>');
});

test('capNesting turns the rest of the HTML into text at a tag that never closes', () => {
  assert.equal(capNesting('<p>a</p><div<div<div'), '<p>a</p>&lt;div&lt;div&lt;div');
  const started = performance.now();
  const a = normalizeItem(item({ contentHtml: '<p x'.repeat(100_000), link: 'https://x.example/u' }), ctx());
  assert.ok(performance.now() - started < LINEAR_BOUND_MS, `took ${Math.round(performance.now() - started)} ms`);
  assert.ok(!a.contentHtml.includes('<p x'));
});

test('an item whose only identity is a javascript: guid has no link, never its guid', () => {
  const a = normalizeItem(item({ guid: 'javascript:alert(1)', title: 'x' }), ctx({ feedUrl: 'https://x.example/feed.xml' }));
  assert.equal(a.id, 'javascript:alert(1)', 'the id stays what the source said');
  assert.equal(a.url, '');
});
