// Feed parsing: format detection by content and every field each format parser must produce, one
// fixture per behaviour in test/fixtures/feeds/. Values are raw (dates as written, URLs unresolved).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { TidingsError } from '../src/errors.ts';
import { parseFeed } from '../src/parse/index.ts';
import { MAX_XML_DEPTH, prepareXml } from '../src/parse/xml-feed.ts';
import type { ParsedFeed } from '../src/parse/types.ts';
import { deeplyNested, unclosed, UNCLOSED } from './helpers/hostile-feeds.ts';

const FIXTURES = new URL('./fixtures/feeds/', import.meta.url);

async function fixture(name: string): Promise<string> {
  return readFile(new URL(name, FIXTURES), 'utf8');
}
async function parseFixture(name: string): Promise<ParsedFeed> {
  return parseFeed(await fixture(name), { url: name });
}
function item(feed: ParsedFeed, i: number) {
  const it = feed.items[i];
  assert.ok(it, `item ${i} exists`);
  return it;
}
async function rejects(text: string, message: string | RegExp): Promise<void> {
  await assert.rejects(parseFeed(text, { url: 'https://x.example/feed' }), (err: unknown) => {
    assert.ok(err instanceof TidingsError, 'a TidingsError');
    assert.equal(err.kind, 'parse');
    if (typeof message === 'string') assert.equal(err.message, message);
    else assert.match(err.message, message);
    return true;
  });
}

// ---- detection ----

test('detects RSS after a BOM, whitespace, an XML declaration and a comment', async () => {
  const feed = await parseFeed(
    '\uFEFF  \n<?xml version="1.0"?>\n<!-- generator: x -->\n<rss version="2.0"><channel><title>T</title></channel></rss>',
    {},
  );
  assert.equal(feed.format, 'rss-2.0');
  assert.equal(feed.title, 'T');
});

test('detects JSON Feed by its first character, after a BOM and whitespace', async () => {
  const feed = await parseFeed('\uFEFF \n{"version":"https://jsonfeed.org/version/1.1","title":"J","items":[]}', {});
  assert.equal(feed.format, 'jsonfeed');
  assert.equal(feed.title, 'J');
});

test('rejects an HTML page naming its root element', async () => {
  await rejects(await fixture('not-a-feed.html'), 'parse: https://x.example/feed: not a feed: root element <html>');
});

// A <feed> without the Atom namespace and malformed XML are recovered: see lenient-xml.test.ts.
test('rejects an empty body', async () => {
  await rejects('   ', 'parse: https://x.example/feed: not a feed: no XML root element');
});

test('invalid JSON says where', async () => {
  const text = await fixture('jsonfeed-invalid.json');
  // The trailing comma makes the first `}` of the file the unexpected character.
  await rejects(text, `parse: https://x.example/feed: invalid JSON at position ${text.indexOf('}')}`);
});

// ---- RSS ----

test('rss2-dc-creator: every dc:creator is an author; RSS author "email (Name)" wins over dc:creator', async () => {
  const feed = await parseFixture('rss2-dc-creator.xml');
  assert.equal(feed.format, 'rss-2.0');
  assert.equal(feed.title, 'DC Creator Feed');
  assert.equal(feed.link, 'https://example.org/');
  assert.equal(feed.description, 'Authors from Dublin Core');
  assert.deepEqual(feed.authors, [{ name: 'Ed Itor', email: 'editor@example.org' }]);
  assert.equal(feed.items.length, 2);
  const two = item(feed, 0);
  assert.equal(two.title, 'Two creators');
  assert.equal(two.link, 'https://example.org/two');
  assert.equal(two.guid, 'tag:example.org,2024:two');
  assert.equal(two.guidIsPermaLink, false);
  assert.deepEqual(two.authors, [{ name: 'Alice Example' }, { name: 'Bob Example' }]);
  // No pubDate: dc:date is the published date (and, as in gofeed, the updated one).
  assert.equal(two.published, '2024-03-01T10:00:00+02:00');
  assert.equal(two.updated, '2024-03-01T10:00:00+02:00');
  const three = item(feed, 1);
  assert.deepEqual(three.authors, [{ name: 'Jane Roe', email: 'jane@example.org' }]);
  assert.equal(three.guid, 'https://example.org/three');
  assert.equal(three.guidIsPermaLink, true);
  assert.equal(three.published, 'Fri, 01 Mar 2024 08:00:00 GMT');
  assert.equal(three.updated, undefined);
  assert.deepEqual(feed.itemErrors, []);
});

test('rss-no-version: <rss> without a version is RSS 2.0, with <ttl>', async () => {
  const feed = await parseFixture('rss-no-version.xml');
  assert.equal(feed.format, 'rss-2.0');
  assert.equal(feed.title, 'No Version');
  assert.equal(feed.ttlMinutes, 30);
  assert.equal(feed.items.length, 1);
  assert.equal(item(feed, 0).title, 'Still read');
  assert.equal(item(feed, 0).link, 'https://example.org/still-read');
  assert.equal(item(feed, 0).summaryHtml, 'Item of a version-less feed');
});

test('an <rss> without a channel is an empty feed, not a crash', async () => {
  const feed = await parseFeed('<?xml version="1.0"?>\n<rss>\n</rss>', {});
  assert.equal(feed.format, 'rss-2.0');
  assert.deepEqual(feed.items, []);
});

test('rss090-rdf: RSS 0.90 (RDF with the Netscape namespace) is rss-0.9x, items beside the channel', async () => {
  const feed = await parseFixture('rss090-rdf.xml');
  assert.equal(feed.format, 'rss-0.9x');
  assert.equal(feed.title, 'Mozilla Dot Org');
  assert.equal(feed.link, 'http://www.mozilla.org');
  assert.equal(feed.description, 'the Mozilla Organization web site');
  // The image is a sibling of <channel> in RDF feeds.
  assert.equal(feed.image, 'http://www.mozilla.org/images/moz.gif');
  assert.deepEqual(
    feed.items.map((i) => [i.title, i.link]),
    [
      ['New Status Updates', 'http://www.mozilla.org/status/'],
      ['Bugzilla Reorganized', 'http://www.mozilla.org/bugs/'],
    ],
  );
});

test('rss10-rdf: RSS 1.0 with Dublin Core and content:encoded; rdf:about is the guid', async () => {
  const feed = await parseFixture('rss10-rdf.xml');
  assert.equal(feed.format, 'rss-1.0');
  assert.equal(feed.title, 'RSS One');
  assert.equal(feed.language, 'fr');
  const one = item(feed, 0);
  assert.equal(one.guid, 'https://example.org/one');
  assert.equal(one.link, 'https://example.org/one');
  assert.equal(one.title, 'Premier');
  assert.equal(one.summaryHtml, 'Court résumé');
  assert.equal(one.contentHtml, '<p>Texte <em>complet</em></p>');
  assert.deepEqual(one.authors, [{ name: 'Marie Curie' }]);
  assert.equal(one.published, '2024-01-15T08:30:00Z');
  assert.deepEqual(one.categories, ['science']);
});

test('rss091: RSS 0.91 with a DOCTYPE, language and channel image', async () => {
  const feed = await parseFixture('rss091.xml');
  assert.equal(feed.format, 'rss-0.9x');
  assert.equal(feed.language, 'en-us');
  assert.equal(feed.image, 'http://example.org/old.gif');
  assert.equal(item(feed, 0).title, 'Old news');
  assert.equal(item(feed, 0).summaryHtml, 'Nothing new');
});

test('rss092-enclosure: enclosure url/type/length and every category', async () => {
  const feed = await parseFixture('rss092-enclosure.xml');
  assert.equal(feed.format, 'rss-0.9x');
  const song = item(feed, 0);
  assert.equal(song.title, undefined);
  assert.equal(song.summaryHtml, 'A song');
  assert.deepEqual(song.categories, ['Jazz', 'Live']);
  assert.deepEqual(song.enclosures, [{ url: 'http://example.org/song.mp3', type: 'audio/mpeg', length: 5588242 }]);
});

test('rss2-cdata-entities: entities and CDATA are decoded exactly once', async () => {
  const feed = await parseFixture('rss2-cdata-entities.xml');
  assert.equal(feed.title, 'Fish &amp; Chips');
  // A bare & (invalid XML) is tolerated as the character it meant.
  assert.equal(feed.link, 'https://example.org/?a=1&b=2');
  assert.equal(feed.description, 'Tom & Jerry <b>show</b>');
  const qa = item(feed, 0);
  assert.equal(qa.title, 'Q&A: <b> is not bold \u2014 it\u2019s text');
  assert.equal(qa.link, 'https://example.org/qa?x=1&y=2');
  assert.equal(qa.summaryHtml, '<p>Escaped &amp; markup</p>');
  // CDATA is verbatim: the HTML entities inside stay for the HTML layer to decode.
  assert.equal(qa.contentHtml, '<p>Kept &amp; verbatim &nbsp; <i>once</i></p>');
  // An HTML entity XML does not define (&nbsp;) in plain XML text is still the character it names.
  assert.deepEqual(qa.categories, ['News\u00A0Today']);
});

test('rss2-naked-markup: unescaped HTML in <description> keeps its order', async () => {
  const feed = await parseFixture('rss2-naked-markup.xml');
  assert.equal(
    item(feed, 0).summaryHtml,
    '<p>Hello <b>bold</b> world &amp; <a href="/x">link</a> end</p><p>Second</p>',
  );
  assert.equal(item(feed, 0).title, 'Unescaped HTML in description');
});

test('media-thumbnail: media:thumbnail beats an image media:content; video media:content is an enclosure', async () => {
  const feed = await parseFixture('media-thumbnail.xml');
  assert.equal(feed.image, 'https://example.org/show.jpg');
  const thumb = item(feed, 0);
  assert.equal(thumb.image, 'https://example.org/thumb.jpg');
  assert.deepEqual(thumb.enclosures, [
    { url: 'https://example.org/clip.mp4', type: 'video/mp4', length: 2048, title: 'The clip' },
  ]);
  assert.equal(item(feed, 1).image, 'https://example.org/grouped.png');
  assert.deepEqual(item(feed, 1).enclosures, []);
  const enc = item(feed, 2);
  assert.equal(enc.image, 'https://example.org/enc.jpg');
  // length="0" means unknown: no length rather than a zero-byte file.
  assert.deepEqual(enc.enclosures, [{ url: 'https://example.org/enc.jpg', type: 'image/jpeg' }]);
});

test('rss2-cyrillic: Cyrillic titles, description and categories come through intact', async () => {
  const feed = await parseFixture('rss2-cyrillic.xml');
  assert.equal(feed.title, 'Новини України');
  assert.equal(feed.description, 'Стрічка українською');
  assert.equal(feed.language, 'uk');
  const it = item(feed, 0);
  assert.equal(it.title, 'Київ: погода на вихідні');
  assert.deepEqual(it.categories, ['Погода']);
  assert.equal(it.published, 'Sat, 02 Mar 2024 09:00:00 +0200');
});

// ---- Atom ----

test('atom10-multiple-authors: every author, categories by term else label, content types, enclosure links', async () => {
  const feed = await parseFixture('atom10-multiple-authors.xml');
  assert.equal(feed.format, 'atom-1.0');
  assert.equal(feed.title, 'Many Authors');
  assert.equal(feed.description, 'A feed <em>with</em> people');
  assert.equal(feed.link, 'https://example.org/');
  assert.equal(feed.language, 'en-GB');
  assert.equal(feed.image, 'https://example.org/logo.png');
  assert.deepEqual(feed.authors, [{ name: 'Feed Owner', email: 'owner@example.org' }]);
  const e = item(feed, 0);
  assert.equal(e.guid, 'urn:uuid:1225c695-cfb8-4ebb-aaaa-80da344efa6a');
  assert.equal(e.link, 'https://example.org/three-hands');
  assert.equal(e.title, 'Three hands');
  assert.deepEqual(e.authors, [
    { name: 'Ann One', email: 'ann@example.org', url: 'https://ann.example.org/' },
    { name: 'Ben Two' },
    { name: 'Cy Three' },
  ]);
  assert.deepEqual(e.categories, ['tech', 'Label Only']);
  assert.equal(e.contentHtml, '<p>Hello <b>world</b></p>');
  assert.equal(e.contentText, undefined);
  // A text summary becomes HTML text: its "<summary>" is characters, not a tag.
  assert.equal(e.summaryHtml, 'Plain &lt;summary&gt; text');
  assert.equal(e.published, '2024-03-01T09:00:00Z');
  assert.equal(e.updated, '2024-03-02T09:30:00+01:00');
  assert.deepEqual(e.enclosures, [
    { url: 'https://example.org/three.mp3', type: 'audio/mpeg', length: 12345, title: 'Episode' },
  ]);
  const inherits = item(feed, 1);
  // ParsedItem titles are HTML (types.ts): a type="text" title is escaped once, so `Vec<T>` stays text.
  assert.equal(inherits.title, 'Inherits the feed author: Vec&lt;T&gt; &amp; co');
  assert.deepEqual(inherits.authors, [{ name: 'Feed Owner', email: 'owner@example.org' }]);
  assert.equal(inherits.contentText, 'Just text & more');
  assert.equal(inherits.contentHtml, undefined);
  assert.equal(inherits.published, undefined);
  assert.equal(inherits.updated, '2024-03-01T00:00:00Z');
});

test('atom10-bad-date-one-item: an unreadable date loses nothing; the raw strings go to normalize', async () => {
  const feed = await parseFixture('atom10-bad-date-one-item.xml');
  assert.deepEqual(
    feed.items.map((i) => i.title),
    ['Before', 'Broken dates', 'After'],
  );
  assert.equal(item(feed, 1).published, 'last tuesday, probably');
  assert.equal(item(feed, 1).updated, '2024-13-45T99:99:99Z');
  assert.equal(item(feed, 2).published, '2024-02-28T00:00:00Z');
  assert.deepEqual(feed.itemErrors, []);
});

test('atom10-link-without-href: a text <link> (RSS habit) is read, not a crash', async () => {
  const feed = await parseFixture('atom10-link-without-href.xml');
  assert.equal(feed.link, 'https://example.org/');
  assert.equal(item(feed, 0).link, 'https://example.org/text-link');
});

test('atom10-xml-base: bases chain feed → entry; xhtml content keeps its inline markup in order', async () => {
  const feed = await parseFixture('atom10-xml-base.xml');
  assert.equal(feed.base, 'https://example.org/blog/');
  assert.equal(feed.link, './');
  const rel = item(feed, 0);
  assert.equal(rel.base, 'https://example.org/blog/2024/');
  assert.equal(rel.link, 'post.html');
  assert.equal(rel.contentHtml, '<p>Hello <a href="x.png">world</a> again &amp; more</p>');
  assert.equal(item(feed, 1).base, 'https://example.org/blog/');
  assert.equal(item(feed, 1).link, 'other.html');
});

test('atom03: Atom 0.3 tagline, issued/modified, escaped mode, base64 mode, author url', async () => {
  const feed = await parseFixture('atom03.xml');
  assert.equal(feed.format, 'atom-0.3');
  assert.equal(feed.title, 'Atom Null Drei');
  assert.equal(feed.description, 'Die alte Version');
  assert.equal(feed.link, 'http://example.org/');
  assert.equal(feed.language, 'de');
  assert.deepEqual(feed.authors, [{ name: 'Hans Muster', url: 'http://hans.example.org/', email: 'hans@example.org' }]);
  const e = item(feed, 0);
  assert.equal(e.guid, 'tag:example.org,2004:1');
  assert.equal(e.link, 'http://example.org/erster');
  assert.equal(e.published, '2004-01-01T10:00:00+01:00');
  assert.equal(e.updated, '2004-01-01T12:00:00Z');
  assert.equal(e.contentHtml, '<p>Hallo <i>Welt</i></p>');
  assert.equal(e.summaryHtml, 'Kurz und bündig');
  assert.deepEqual(e.authors, feed.authors);
});

// ---- JSON Feed ----

test('jsonfeed10: 1.0 author, external_url, content_text, summary as text, tags, attachments, bad items', async () => {
  const feed = await parseFixture('jsonfeed10.json');
  assert.equal(feed.format, 'jsonfeed');
  assert.equal(feed.title, 'JSON One');
  assert.equal(feed.link, 'https://example.org/');
  assert.equal(feed.description, 'JSON Feed 1.0');
  assert.equal(feed.image, 'https://example.org/icon.png');
  assert.deepEqual(feed.authors, [{ name: 'Solo Writer', url: 'https://solo.example.org/' }]);
  assert.equal(feed.items.length, 2);
  assert.equal(feed.itemErrors.length, 1);
  assert.match(feed.itemErrors[0] ?? '', /^item 2: /);
  const linked = item(feed, 0);
  assert.equal(linked.guid, '1');
  assert.equal(linked.link, 'https://elsewhere.example.com/story');
  // Plain-text JSON Feed title as HTML: escaped once.
  assert.equal(linked.title, 'Linked story: Vec&lt;T&gt; &amp; &quot;co&quot;');
  assert.equal(linked.contentText, 'Plain body\nsecond line');
  assert.equal(linked.contentHtml, undefined);
  assert.equal(linked.summaryHtml, 'Short &lt;not html&gt;');
  assert.equal(linked.published, '2024-03-01T10:00:00+01:00');
  assert.deepEqual(linked.authors, [{ name: 'Guest Writer' }]);
  assert.deepEqual(linked.categories, ['links', 'web']);
  assert.equal(linked.image, 'https://example.org/banner.png');
  assert.deepEqual(linked.enclosures, [
    { url: 'https://example.org/a.mp3', type: 'audio/mpeg', length: 1000, title: 'Audio' },
  ]);
  const numbered = item(feed, 1);
  assert.equal(numbered.guid, '42');
  assert.equal(numbered.link, 'https://example.org/42');
  assert.equal(numbered.contentHtml, '<p>Numbered</p>');
});

test('jsonfeed11: authors beat the deprecated author, mailto is an email, language, image over banner', async () => {
  const feed = await parseFixture('jsonfeed11.json');
  assert.equal(feed.format, 'jsonfeed');
  assert.equal(feed.language, 'uk');
  assert.deepEqual(feed.authors, [
    { name: 'Перша Авторка', url: 'https://one.example.org/' },
    { name: 'Mail Only', email: 'mail@example.org' },
  ]);
  const post = item(feed, 0);
  assert.equal(post.guid, 'https://example.org/posts/1');
  assert.equal(post.link, 'https://example.org/posts/1');
  assert.equal(post.title, 'Привіт, світе');
  assert.equal(post.contentHtml, '<p>Вміст</p>');
  assert.equal(post.contentText, 'Вміст');
  assert.equal(post.image, 'https://example.org/main.png');
  assert.equal(post.published, '2024-03-01T10:00:00Z');
  assert.equal(post.updated, '2024-03-02T10:00:00Z');
  assert.equal(post.language, 'uk-UA');
  assert.deepEqual(post.authors, [{ name: 'Item Author' }]);
});

test('root attributes are XML-decoded: an xml:base with &amp; is one URL', async () => {
  const feed = await parseFeed(
    '<rss version="2.0" xml:base="https://example.org/?a=1&amp;b=2"><channel><item><link>x</link></item></channel></rss>',
    {},
  );
  assert.equal(feed.base, 'https://example.org/?a=1&b=2');
  assert.equal(item(feed, 0).base, 'https://example.org/?a=1&b=2');
});

test('empty <entry/> and <item/> are empty items, not a crash (rss-parser would find String.prototype.link)', async () => {
  const atom = await parseFeed('<feed xmlns="http://www.w3.org/2005/Atom"><entry/><entry><title>B</title></entry></feed>', {});
  assert.deepEqual(
    atom.items.map((i) => i.title),
    [undefined, 'B'],
  );
  const rss = await parseFeed('<rss version="2.0"><channel><item/><item><title>B</title></item></channel></rss>', {});
  assert.deepEqual(
    rss.items.map((i) => i.title),
    [undefined, 'B'],
  );
});

test('prepareXml leaves XML entities and numeric references alone and repairs every other ampersand', () => {
  const untouched = '<t>&lt;p&gt; &amp; &quot;a&quot; &apos;b&apos; &#38; &#x26; &#X26</t>';
  // `&#X26` (capital X, no semicolon) is no reference: only its ampersand is escaped.
  assert.equal(prepareXml(untouched), untouched.replace('&#X26', '&amp;#X26'));
  assert.equal(prepareXml('<t>a &lt; b &nbsp;c</t>'), '<t>a &lt; b &#160;c</t>');
  // `&ampx;` is the legacy HTML reference &amp followed by "x;": each character becomes a reference.
  assert.equal(prepareXml('<t>AT&T &amp;&unknown; &ampx; &lt</t>'), '<t>AT&amp;T &amp;&amp;unknown; &#38;&#120;&#59; &amp;lt</t>');
  assert.equal(prepareXml('<t a="x&y">&#12a;</t>'), '<t a="x&amp;y">&amp;#12a;</t>');
});

// ---- hostile shapes (issue 8): each once cost the server seconds to minutes; now each is a typed
// error or a parsed feed, in time linear in its size.

/**
 * Not a speed target: the quadratic versions took 5-6 s (or minutes) on these inputs, the linear ones
 * tens of milliseconds; the bound sits between, with room for a machine busy with other tests.
 */
const LINEAR_BOUND_MS = 2500;

test('a feed nested deeper than MAX_XML_DEPTH is refused as too deeply nested, before xml2js builds it', async () => {
  const started = performance.now();
  await rejects(deeplyNested(100_000), `parse: https://x.example/feed: too deeply nested (> ${MAX_XML_DEPTH} levels)`);
  assert.ok(performance.now() - started < LINEAR_BOUND_MS, '100,000 levels are refused without walking them twice');
});

test('nesting just inside MAX_XML_DEPTH still parses, and its item is read', async () => {
  const feed = await parseFeed(deeplyNested(MAX_XML_DEPTH - 10), { url: 'deep.xml' });
  assert.equal(feed.items.length, 1);
  assert.equal(item(feed, 0).title, 'deep');
});

test('256 KB of an unclosed comment, CDATA section, PI or doctype is read in linear time, as a truncated feed', async () => {
  // Strictly invalid XML; recovery (issue 10) reads what precedes the construct and marks the feed.
  for (const construct of UNCLOSED) {
    const started = performance.now();
    const feed = await parseFeed(unclosed(construct, 256 * 1024), { url: 'u.xml' });
    assert.equal(feed.items.length, 1, construct);
    assert.equal(item(feed, 0).title, 'unclosed', construct);
    assert.match(feed.recovered ?? '', /recovered leniently/, construct);
    assert.ok(performance.now() - started < LINEAR_BOUND_MS, `${construct} took ${Math.round(performance.now() - started)} ms`);
  }
});

test('prepareXml reads an unclosed construct and everything after it as text (the XML parser then says where)', () => {
  assert.equal(prepareXml('<a>x &nbsp;</a><!-- never closed <b>&nbsp;</b>'), '<a>x &#160;</a><!-- never closed <b>&#160;</b>');
  assert.equal(prepareXml('<a>1</a><b x="never closed>&nbsp;'), '<a>1</a><b x="never closed>&#160;');
  assert.equal(prepareXml('<?xml version="1.0"?><!DOCTYPE r [<!ENTITY e "v">]><r>a &lt; b</r>'), '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY e "v">]><r>a &lt; b</r>');
});

test('an empty <item/> and a root without a channel are still an empty item and an empty feed', async () => {
  const feed = await parseFeed('<rss version="2.0"><channel><title>t</title><item/><item><title>x</title></item></channel></rss>', { url: 'e.xml' });
  assert.deepEqual(feed.items.map((i) => i.title), [undefined, 'x']);
  const bare = await parseFeed('<rss version="2.0"></rss>', { url: 'bare.xml' });
  assert.deepEqual(bare.items, []);
  const atom = await parseFeed('<feed xmlns="http://www.w3.org/2005/Atom"><title>a</title><entry/></feed>', { url: 'a.xml' });
  assert.equal(atom.items.length, 1);
});
