// Property tests (fast-check) of the ingest steps on any input: the parsers either read a feed or
// reject it with a typed parse error; the normalizer's output satisfies the model's invariants; the
// classifier is pure and only assigns known or explicit topics.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { classify, compileTopics } from '../src/classify/topics.ts';
import { TidingsError } from '../src/errors.ts';
import type { Article, Topic } from '../src/model.ts';
import { normalizeItem } from '../src/normalize/normalize.ts';
import { parseFeed } from '../src/parse/index.ts';
import type { ParsedItem } from '../src/parse/types.ts';

const RUNS = { numRuns: 300 };

/** Either a feed or a TidingsError of kind 'parse'; anything else fails the property. */
async function parsesOrRefuses(text: string): Promise<void> {
  try {
    const feed = await parseFeed(text, { url: 'https://p.example/feed' });
    assert.ok(Array.isArray(feed.items) && Array.isArray(feed.itemErrors));
  } catch (err) {
    assert.ok(err instanceof TidingsError, `not a TidingsError: ${String(err)}`);
    assert.equal(err.kind, 'parse');
  }
}

/** Pieces of RSS, Atom, JSON Feed and XML syntax, so random documents get past the first byte. */
const FRAGMENT = fc.constantFrom(
  '<?xml version="1.0"?>', '<rss version="2.0">', '</rss>', '<channel>', '</channel>', '<item>', '</item>', '<item/>',
  '<title>', '</title>', '<link>', '</link>', '<guid>', '</guid>', '<description>', '</description>', '<pubDate>',
  '</pubDate>', '<feed xmlns="http://www.w3.org/2005/Atom">', '</feed>', '<entry>', '</entry>', '<content type="xhtml">',
  '</content>', '<div>', '</div>', '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">', '</rdf:RDF>',
  '<!--', '-->', '<![CDATA[', ']]>', '<?pi', '?>', '<!DOCTYPE x [', ']>', '&amp;', '&nbsp;', '&#0;', '&lt;script&gt;',
  '"', "'", '<', '>', '=', ' ', 'text', 'Tue, 06 Jan 2026 10:00:00 +0200', '2026-01-06T10:00:00Z', 'javascript:alert(1)',
  '{', '}', '[', ']', ',', ':', '"version":"https://jsonfeed.org/version/1.1"', '"items":', '"title":', '"id":', '"url":', 'null',
);
const feedish = fc.array(FRAGMENT, { maxLength: 60 }).map((parts) => parts.join(''));

test('parseFeed on any string: a parsed feed or a typed parse error, never anything else', async () => {
  await fc.assert(fc.asyncProperty(fc.string({ maxLength: 400 }), parsesOrRefuses), RUNS);
  await fc.assert(fc.asyncProperty(feedish, parsesOrRefuses), RUNS);
});

test('parseFeed on any bytes decoded as UTF-8 or Latin-1: a parsed feed or a typed parse error', async () => {
  await fc.assert(
    fc.asyncProperty(fc.uint8Array({ maxLength: 400 }), async (bytes) => {
      await parsesOrRefuses(new TextDecoder().decode(bytes));
      await parsesOrRefuses(Buffer.from(bytes).toString('latin1'));
    }),
    RUNS,
  );
});

// ---- normalize

const maybeHostile = fc.oneof(
  fc.string({ maxLength: 80 }),
  fc.constantFrom(
    'javascript:alert(1)', ' JavaScript:alert(1)', 'data:text/html,<script>alert(1)</script>', '//evil.example/x',
    'https://ok.example/a?utm_source=x#frag', '/relative/path', 'mailto:a@b.example', 'urn:uuid:1', '',
  ),
);
const html = fc.oneof(
  fc.string({ maxLength: 200 }),
  fc.array(
    fc.constantFrom(
      '<script>alert(1)</script>', '<img src=x onerror=alert(1)>', '<a href="javascript:alert(1)">x</a>', '<p>', '</p>',
      '<div onclick="x()">', '</div>', '<iframe src="https://evil.example"></iframe>', '<svg onload=alert(1)>', 'text',
      '<a href="/rel">r</a>', '<style>*{}</style>', '&amp;', '<b>', '</b>', '<', '>', '"',
    ),
    { maxLength: 30 },
  ).map((parts) => parts.join('')),
);
const dateish = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.date({ min: new Date(-8.64e15), max: new Date(8.64e15) }).map((d) => (Number.isNaN(d.getTime()) ? 'x' : d.toUTCString())),
  fc.constantFrom('2026-01-06T10:00:00Z', 'Tue, 06 Jan 2026 10:00:00 +0200', '2026-02-31', '9999-12-31T23:59:59Z', '0000-01-01'),
);
const parsedItem: fc.Arbitrary<ParsedItem> = fc.record(
  {
    guid: maybeHostile,
    guidIsPermaLink: fc.boolean(),
    link: maybeHostile,
    title: html,
    contentHtml: html,
    summaryHtml: html,
    contentText: fc.string({ maxLength: 100 }),
    published: dateish,
    updated: dateish,
    authors: fc.array(fc.record({ name: fc.string({ maxLength: 20 }), url: maybeHostile }, { requiredKeys: ['name'] }), { maxLength: 3 }),
    categories: fc.array(fc.string({ maxLength: 20 }), { maxLength: 4 }),
    language: fc.string({ maxLength: 12 }),
    base: maybeHostile,
    image: maybeHostile,
    enclosures: fc.array(fc.record({ url: maybeHostile, type: fc.string({ maxLength: 10 }) }), { maxLength: 2 }),
  },
  { requiredKeys: ['authors', 'categories', 'enclosures'] },
);

const NOW = new Date('2026-01-10T12:00:00Z');
const XML_ILLEGAL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/;

function isHttp(url: string): boolean {
  return URL.canParse(url) && ['http:', 'https:'].includes(new URL(url).protocol);
}

function assertArticleInvariants(a: Article): void {
  assert.match(a.id, /^[a-z][a-z0-9+.-]*:\S+$/i, 'id is an absolute IRI');
  assert.ok(URL.canParse(a.id), `id ${JSON.stringify(a.id)} parses`);
  assert.ok(a.title.trim() !== '', 'title is not empty');
  assert.ok(!XML_ILLEGAL.test(a.title) && !XML_ILLEGAL.test(a.summary) && !XML_ILLEGAL.test(a.contentHtml), 'no XML-illegal characters');
  for (const d of [a.published, a.updated]) assert.ok(d instanceof Date && !Number.isNaN(d.getTime()), 'dates are valid');
  assert.ok(a.published.getTime() <= a.updated.getTime(), 'published <= updated');
  assert.ok(a.published.getTime() <= NOW.getTime() + 24 * 3600 * 1000, 'no date beyond tomorrow');
  assert.ok(!/<script|<style|<iframe\b[^>]*evil/i.test(a.contentHtml), `no script: ${a.contentHtml}`);
  assert.ok(!/<[^>]*\son[a-z]+\s*=/i.test(a.contentHtml), `no on* attribute: ${a.contentHtml}`);
  for (const m of a.contentHtml.matchAll(/\s(?:href|src)="([^"]*)"/g)) {
    assert.ok(isHttp(m[1]!) || m[1]!.startsWith('mailto:'), `content link ${m[1]} is http(s)`);
  }
  assert.ok(a.url === '' || isHttp(a.url), `url ${a.url} is http(s) or absent`);
  if (a.image !== undefined) assert.ok(isHttp(a.image), `image ${a.image} is http(s)`);
  for (const e of a.enclosures) assert.ok(isHttp(e.url), `enclosure ${e.url} is http(s)`);
  for (const p of a.authors) if (p.url !== undefined) assert.ok(isHttp(p.url), `author url ${p.url} is http(s)`);
}

test('normalizeItem on any parsed item: the model invariants hold', () => {
  fc.assert(
    fc.property(parsedItem, fc.option(maybeHostile, { nil: undefined }), (item, feedBase) => {
      const article = normalizeItem(item, {
        sourceId: 'prop',
        feedUrl: 'https://p.example/feed.xml',
        now: NOW,
        baseUrl: 'https://tidings.example',
        ...(feedBase === undefined ? {} : { feedBase }),
      });
      assertArticleInvariants(article);
    }),
    RUNS,
  );
});

// ---- classify

const TOPICS: Topic[] = [
  { id: 'europe', title: 'Europe', description: '', rules: { keywords: ['Франція', 'Paris', 'EU'], categories: ['politics'], sources: [] } },
  { id: 'tech', title: 'Tech', description: '', rules: { keywords: ['дрон*', 'air defence'], categories: [], sources: ['wire'] } },
];
const COMPILED = compileTopics(TOPICS);
const words = fc.array(fc.constantFrom('Франції', 'Paris', 'EU', 'EUR', 'дрони', 'air', 'defence', 'the', 'і', ' ', '.', 'x'), { maxLength: 20 }).map((w) => w.join(' '));
const article: fc.Arbitrary<Article> = fc.record({
  id: fc.constant('https://c.example/1'),
  title: fc.oneof(words, fc.string({ maxLength: 40 })),
  url: fc.constant('https://c.example/1'),
  summary: fc.oneof(words, fc.string({ maxLength: 40 })),
  contentHtml: fc.oneof(words.map((w) => `<p>${w}</p>`), fc.string({ maxLength: 60 })),
  published: fc.constant(NOW),
  updated: fc.constant(NOW),
  authors: fc.constant([]),
  sourceId: fc.constantFrom('wire', 'other'),
  categories: fc.array(fc.constantFrom('Politics', 'sport', ' POLITICS '), { maxLength: 2 }),
  topics: fc.array(fc.constantFrom('explicit', 'europe'), { maxLength: 2 }),
  enclosures: fc.constant([]),
});

test('classify is pure and deterministic, and assigns only known or explicit topics', () => {
  const known = new Set(TOPICS.map((t) => t.id));
  fc.assert(
    fc.property(article, (a) => {
      const before = JSON.stringify(a);
      const first = classify(a, COMPILED);
      assert.deepEqual(classify(a, COMPILED), first, 'same input, same output');
      assert.equal(JSON.stringify(a), before, 'the article is not changed');
      for (const id of first) assert.ok(known.has(id) || a.topics.includes(id), `${id} is known or explicit`);
      for (const id of a.topics) assert.ok(first.includes(id), `explicit ${id} is kept`);
      assert.equal(new Set(first).size, first.length, 'no duplicates');
    }),
    RUNS,
  );
});

// ---- query parsing: any path and parameters give a typed outcome; an accepted one is bounded and
// canonical (parsing its own canonical form again gives the same request).

const KNOWN_TOPICS = new Set(['ukraine', 'europe', 'science']);
const QUERY_CONTEXT = { knownTopics: KNOWN_TOPICS, knownSources: new Set(['local', 'wire']), now: new Date('2026-06-01T00:00:00Z') };
const PARAM_NAMES = ['limit', 'exclude', 'source', 'lang', 'q', 'since', 'before', 'after', 'stories', 'x'];
const paramValue = fc.oneof(
  { arbitrary: fc.string({ maxLength: 30 }), weight: 1 },
  { arbitrary: fc.array(fc.string({ maxLength: 8 }), { maxLength: 3 }), weight: 1 },
  { arbitrary: fc.constantFrom('10', '0', '501', '-1', '1e3', 'ukraine', 'europe,science', 'local', 'uk', 'en-GB', '24h', '2026-01-06', 'Франція ППО', '*', ''), weight: 6 },
);
const feedSpec = fc.tuple(
  fc.oneof(
    { arbitrary: fc.constantFrom('all', 'ukraine', 'europe,ukraine', 'nope', 'ukraine,ukraine', ''), weight: 6 },
    { arbitrary: fc.string({ maxLength: 20 }), weight: 1 },
  ),
  fc.constantFrom('.rss', '.atom', '.json', '.rss', '.atom', '.json', '.xml', ''),
).map(([path, ext]) => `${path}${ext}`);

test('parseFeedRequest on any path and parameters: a typed outcome; accepted requests are bounded and canonical', async () => {
  const { parseFeedRequest, MAX_LIMIT } = await import('../src/query/feed-query.ts');
  let accepted = 0;
  fc.assert(
    fc.property(feedSpec, fc.dictionary(fc.constantFrom(...PARAM_NAMES), paramValue, { maxKeys: 2 }), (spec, params) => {
      const result = parseFeedRequest(spec, params, QUERY_CONTEXT);
      assert.ok(['ok', 'not-found', 'bad-request'].includes(result.kind));
      if (result.kind === 'bad-request') assert.ok(result.parameter.length > 0 && result.message.length > 0);
      if (result.kind !== 'ok') return;
      const { request } = result;
      accepted++;
      assert.ok(request.query.limit >= 1 && request.query.limit <= MAX_LIMIT);
      for (const id of request.topics) assert.ok(KNOWN_TOPICS.has(id), `unknown topic ${id} accepted`);
      // The canonical form parses to the same request: one cache key, one ETag, one feed id per query.
      const again = parseFeedRequest(`${request.topicPath}.${request.format}`, Object.fromEntries(new URLSearchParams(request.queryString)), QUERY_CONTEXT);
      assert.equal(again.kind, 'ok');
      if (again.kind === 'ok') {
        assert.equal(again.request.queryString, request.queryString);
        assert.equal(again.request.topicPath, request.topicPath);
      }
    }),
    RUNS,
  );
  assert.ok(accepted > RUNS.numRuns / 10, `only ${accepted} of ${RUNS.numRuns} generated requests were accepted: the property says little`);
});
