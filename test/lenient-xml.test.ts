// Malformed feeds are read leniently instead of refused: every entry that can be read is kept, the feed
// says it was recovered and why, and recovery stays linear and depth-limited on hostile input.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileTopics } from '../src/classify/topics.ts';
import { TidingsError } from '../src/errors.ts';
import { createPollSource } from '../src/ingest/pipeline.ts';
import { silentLogger } from '../src/log.ts';
import { openStore, type SourceState } from '../src/store/store.ts';
import { startUpstream } from './helpers/upstream.ts';
import { parseFeed } from '../src/parse/index.ts';
import { RECOVERY_MAX_DEPTH, recoverXml } from '../src/parse/lenient-xml.ts';
import type { ParsedFeed } from '../src/parse/types.ts';

const URL = 'https://x.example/feed';
const parse = (text: string): Promise<ParsedFeed> => parseFeed(text, { url: URL });
const titles = (feed: ParsedFeed): (string | undefined)[] => feed.items.map((i) => i.title);

function rss(items: string, channel = '<title>T</title>'): string {
  return `<?xml version="1.0"?>\n<rss version="2.0"><channel>${channel}\n${items}\n</channel></rss>`;
}

test('an unclosed <br> in naked description markup keeps every item and its text', async () => {
  const feed = await parse(rss(`
    <item><title>One</title><description>line one<br>line two</description></item>
    <item><title>Two</title><description>fine</description></item>`));
  assert.deepEqual(titles(feed), ['One', 'Two']);
  assert.equal(feed.items[0]?.summaryHtml, 'line one<br/>line two');
  assert.match(feed.recovered ?? '', /^line 4, column \d+: unexpected close tag — recovered leniently \(unclosed <br>\)$/);
});

test('an unclosed inline tag is closed where its parent closes', async () => {
  const feed = await parse(rss(`
    <item><title>A</title><description>some <b>bold text</description><link>https://x.example/a</link></item>
    <item><title>B</title></item>`));
  assert.deepEqual(titles(feed), ['A', 'B']);
  assert.equal(feed.items[0]?.summaryHtml, 'some <b>bold text</b>');
  assert.equal(feed.items[0]?.link, 'https://x.example/a');
  assert.match(feed.recovered ?? '', /unclosed <b>/);
});

test('a misspelt end tag closes the text-only element it was meant for', async () => {
  const feed = await parse(rss(`<item><title>A</titel><link>https://x.example/a</link></item>`, '<language>en-us</langauge>'));
  assert.equal(feed.language, 'en-us');
  assert.equal(feed.items[0]?.title, 'A');
  assert.equal(feed.items[0]?.link, 'https://x.example/a');
});

test('an end tag in other case closes the element it names', async () => {
  const feed = await parse(rss(`<item><title>A</title><link>https://x.example/a</link></ITEM><item><title>B</title></item>`));
  assert.deepEqual(titles(feed), ['A', 'B']);
  assert.match(feed.recovered ?? '', /<\/ITEM> closes <item>/);
});

test('a truncated body keeps the entries before the cut and what can be read of the last', async () => {
  const whole = rss(`
    <item><title>A</title><link>https://x.example/a</link></item>
    <item><title>B</title><link>https://x.example/b</link></item>
    <item><title>C</title><description>half a sent`);
  const cut = whole.slice(0, whole.indexOf('half a sent') + 'half a sent'.length);
  const feed = await parse(cut);
  assert.deepEqual(titles(feed), ['A', 'B', 'C']);
  assert.equal(feed.items[2]?.summaryHtml, 'half a sent');
  assert.match(feed.recovered ?? '', /truncated/);
});

test('undefined HTML entities, bare ampersands and a stray < in text are read as characters', async () => {
  // The stray `<` is what makes this one malformed; the entities ride along in the recovered text.
  const feed = await parse(rss(`<item><title>Caf&eacute; &nbsp;AT&T &amp; 3 < 4 &bogus;</title><description>x<br>y</description></item>`));
  assert.equal(feed.items[0]?.title, 'Café \u00a0AT&T & 3 < 4 &bogus;');
  assert.ok(feed.recovered);
});

test('a namespace-prefixed <r:rss> root and its prefixed elements are read as RSS', async () => {
  const feed = await parse(
    '<r:rss xmlns:r="http://backend.userland.com/rss2" version="2.0"><r:channel><r:title>T</r:title>' +
      '<r:item><r:title>A</r:title><r:link>https://x.example/a</r:link></r:item></r:channel></r:rss>',
  );
  assert.equal(feed.format, 'rss-2.0');
  assert.equal(feed.title, 'T');
  assert.deepEqual(titles(feed), ['A']);
  assert.equal(feed.items[0]?.link, 'https://x.example/a');
  assert.match(feed.recovered ?? '', /prefixed root <r:rss>/);
});

test('RSS 1.0 roots spelt <RDF:RDF> or a default-namespace <RDF> are read as rdf:RDF', async () => {
  const body = (root: string, ns: string): string =>
    `<${root} ${ns} xmlns="http://purl.org/rss/1.0/"><channel><title>T</title></channel>` +
    `<item ${root.includes(':') ? 'RDF:' : ''}about="https://x.example/1"><title>A</title><link>https://x.example/1</link></item></${root}>`;
  const prefixed = await parse(body('RDF:RDF', 'xmlns:RDF="http://www.w3.org/1999/02/22-rdf-syntax-ns#"'));
  assert.equal(prefixed.format, 'rss-1.0');
  assert.deepEqual(titles(prefixed), ['A']);
  assert.equal(prefixed.items[0]?.guid, 'https://x.example/1', 'RDF:about is the item identity');
  const bare = await parse(body('RDF', ''));
  assert.equal(bare.format, 'rss-1.0');
  assert.deepEqual(titles(bare), ['A']);
});

test('an Atom <feed> without its namespace is read as Atom 1.0', async () => {
  const feed = await parse('<feed><title>T</title><entry><id>urn:x:1</id><title>A</title><updated>2026-01-01T00:00:00Z</updated></entry></feed>');
  assert.equal(feed.format, 'atom-1.0');
  assert.deepEqual(titles(feed), ['A']);
  assert.match(feed.recovered ?? '', /without its namespace/);
});

test('a well-formed feed is not marked recovered', async () => {
  const feed = await parse(rss('<item><title>A</title></item>'));
  assert.equal(feed.recovered, undefined);
});

test('what is not a feed stays refused, with the strict parser’s message', async () => {
  for (const [text, message] of [
    ['<note><to>x</to></note>', `parse: ${URL}: not a feed: root element <note>`],
    ['<html><body><p>hi</body></html>', `parse: ${URL}: not a feed: root element <html>`],
    ['   ', `parse: ${URL}: not a feed: no XML root element`],
  ] as const) {
    await assert.rejects(parse(text), (err: unknown) => err instanceof TidingsError && err.message === message);
  }
});

test('recovery output is well-formed: duplicate attributes, bad names and illegal characters repaired', () => {
  const { xml } = recoverXml('<rss a="1" a="2"><channel x=unquoted y><title>\u0001T &#0; &#x41;</title><3 oops></channel>');
  assert.equal(
    xml,
    '<?xml version="1.0" encoding="UTF-8"?>\n<rss a="1"><channel x="unquoted" y=""><title>T &#xFFFD; &#x41;</title>&lt;3 oops&gt;</channel></rss>',
  );
});

test('hostile input: 100,000 nested elements are flattened below the depth limit, without a quadratic path', () => {
  const deep = `<rss version="2.0"><channel><item><description>${'<div>'.repeat(100_000)}deep text</description></item></channel></rss>`;
  const started = performance.now();
  const { xml, fixes } = recoverXml(deep);
  // Linear work is well under a second here; a quadratic path would take minutes. The bound leaves room
  // for a loaded machine.
  assert.ok(performance.now() - started < 5000, 'no quadratic path');
  assert.equal(xml.split('<div>').length - 1, RECOVERY_MAX_DEPTH - 4, 'divs kept only down to the limit');
  assert.ok(xml.includes('deep text'));
  assert.ok(fixes.some((f) => f.includes('flattened')));
});

test('hostile input: unclosed comments, CDATA and stray end tags cost no quadratic time', () => {
  for (const body of ['<!--'.repeat(64_000), '<![CDATA['.repeat(30_000), '<a>'.repeat(100_000) + '</x>'.repeat(100_000)]) {
    const started = performance.now();
    recoverXml(`<rss version="2.0"><channel>${body}`);
    assert.ok(performance.now() - started < 5000, `no quadratic path for ${body.slice(0, 12)}…`);
  }
});

test('a polled malformed feed is stored, not failed, and the source is marked malformed until it is fixed', async (t) => {
  const up = await startUpstream();
  const real = await openStore('sqlite::memory:');
  t.after(async () => {
    await up.close();
    await real.close();
  });
  // The real store, with the states the pipeline hands it kept for the assertions.
  const saved: SourceState[] = [];
  const store = new Proxy(real, {
    get(target, prop, receiver) {
      if (prop === 'saveSourceState') return async (s: SourceState) => (saved.push({ ...s }), target.saveSourceState(s));
      const value: unknown = Reflect.get(target, prop, receiver);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  const broken = rss(`
      <item><guid>https://x.example/1</guid><title>First</title><description>a<br>b &nbsp; c</description></item>
      <item><guid>https://x.example/2</guid><title>Second</title><description>fine</description></item>`);
  up.route('/feed.xml', { body: broken });
  const poll = createPollSource({
    store,
    topics: () => ({ topics: [], compiled: compileTopics([]) }),
    baseUrl: 'http://tidings.test',
    userAgent: 'Tidings/test',
    log: silentLogger(),
    now: () => new Date('2026-01-10T12:00:00Z'),
  });
  const source = { id: 'broken', url: up.url('/feed.xml'), topics: [], categoryTopics: {}, intervalMinutes: 30, enabled: true };
  const result = await poll(source);
  assert.equal(result.outcome, 'ok');
  assert.equal(result.newItems, 2);
  assert.deepEqual((await real.queryArticles({ limit: 10 })).map((a) => a.title).sort(), ['First', 'Second']);
  assert.match(saved.at(-1)?.malformed ?? '', /^line 4, column \d+: unexpected close tag — recovered leniently \(unclosed <br>; HTML entity &nbsp;\)$/);

  up.route('/feed.xml', { body: broken.replace('a<br>b', 'a<br/>b') });
  assert.equal((await poll(source)).outcome, 'ok');
  assert.equal(saved.at(-1)?.malformed, undefined, 'a well-formed body clears the mark');
});
