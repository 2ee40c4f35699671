// Feed renderers: what goes into a FeedDocument comes back out of a real parser unchanged — titles with
// Cyrillic and XML metacharacters, IRI ids that are not URLs, authors, enclosures, paging links — and
// every format passes its validator (JSON Feed schema always; xmllint/jing when installed).

import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import Parser from 'rss-parser';
import { decodeHTML } from 'entities';
import { xml2js, type Element } from 'xml-js';
import type { StoredArticle } from '../src/model.ts';
import { renderAtom } from '../src/render/atom.ts';
import { buildFeed } from '../src/render/feed-library.ts';
import { FeedShapeError, readFeedXml } from '../src/render/feed-xml-reader.ts';
import { articleToJsonFeedItem, renderJsonFeed } from '../src/render/jsonfeed.ts';
import { renderOpml } from '../src/render/opml.ts';
import { renderRss } from '../src/render/rss.ts';
import type { FeedDocument } from '../src/render/types.ts';
import { jsonFeedValidator } from '../scripts/jsonfeed-schema.ts';

const SCHEMAS = process.env.TIDINGS_SCHEMAS_DIR ?? join(import.meta.dirname, '..', '..', 'shared', 'schemas');

const CYRILLIC = 'Привіт, світе: нова версія';
const METACHARS = `Q&A: x < y > z, "double" & 'single' &amp; stays literal`;
/** BEL, NUL, ESC and a lone surrogate cannot appear in XML 1.0; tab must survive. */
const WITH_CONTROLS = 'Bell\u0007 null\u0000 esc\u001B half\uD800 tab\there';
const WITHOUT_CONTROLS = 'Bell null esc half tab\there';

const published = new Date('2026-01-02T03:04:05Z');
const updated = new Date('2026-01-03T10:00:00Z');

function article(overrides: Partial<StoredArticle>): StoredArticle {
  return {
    id: 'urn:tidings:local:example',
    title: 'Example',
    url: 'https://example.org/articles/example',
    summary: 'A short summary.',
    contentHtml: '<p>Body</p>',
    published,
    updated,
    authors: [],
    sourceId: 'local',
    categories: [],
    topics: [],
    enclosures: [],
    sources: ['local'],
    ...overrides,
  };
}

const articles: StoredArticle[] = [
  article({
    id: 'urn:tidings:local:привіт-світе',
    title: CYRILLIC,
    url: 'https://example.org/articles/pryvit-svite',
    authors: [{ name: 'Олена Петренко', email: 'olena@example.org' }, { name: 'Bob & Co' }],
    topics: ['tech', 'ukraine'],
    categories: ['Новини'],
    language: 'uk',
    summary: 'Summary with <angle> & ampersand',
    enclosures: [
      { url: 'https://example.org/media/ep1.mp3', type: 'audio/mpeg', length: 12345, title: 'Episode 1' },
      { url: 'https://example.org/media/ep1.ogg', type: 'audio/ogg' },
    ],
  }),
  article({
    id: 'not a url at all',
    title: METACHARS,
    url: 'https://example.org/articles/q-and-a?x=1&y=2',
    topics: ['tech'],
    enclosures: [{ url: 'https://example.org/files/report.bin' }],
  }),
  article({
    id: 'https://example.org/articles/permalink',
    title: WITH_CONTROLS,
    url: 'https://example.org/articles/permalink',
    authors: [{ name: 'Carol', url: 'https://carol.example.org/' }],
    summary: '',
    contentHtml: '',
  }),
];

const doc: FeedDocument = {
  id: 'urn:tidings:feed:tech',
  title: `Tech & <Новини> "all" 'of it'`,
  description: 'Everything about tech',
  homePageUrl: 'https://example.org/topics/tech',
  selfUrl: 'https://example.org/feeds/tech.atom?limit=3&lang=uk',
  nextUrl: 'https://example.org/feeds/tech.atom?limit=3&before=abc',
  previousUrl: 'https://example.org/feeds/tech.atom?limit=3&after=xyz',
  firstUrl: 'https://example.org/feeds/tech.atom?limit=3',
  language: 'en',
  updated,
  generator: 'Tidings 0.1.0',
  baseUrl: 'https://example.org/',
  hubUrl: 'https://hub.example.org/',
  articles,
};

/** The titles a reader must see: control characters dropped, everything else byte for byte. */
const expectedTitles = [CYRILLIC, METACHARS, WITHOUT_CONTROLS];

/** rss-parser hands back raw xml2js nodes for custom fields: a string, or `{ _: text, $: attrs }`. */
interface XmlNode {
  _?: string;
  $?: Record<string, string>;
}

function nodeText(node: unknown): string {
  if (typeof node === 'string') return node;
  if (typeof node === 'object' && node !== null && '_' in node) return String((node as XmlNode)._);
  return '';
}

function nodeAttrs(node: unknown): Record<string, string> {
  // xml2js builds attribute maps without a prototype; copy so deepEqual compares plain objects.
  if (typeof node === 'object' && node !== null && '$' in node) return { ...(node as XmlNode).$ };
  return {};
}

interface RawItem {
  id?: string;
  rawGuid?: unknown[];
  rawAuthor?: unknown[];
  creators?: unknown[];
  rawCategories?: unknown[];
  rawLinks?: unknown[];
  rawAuthors?: unknown[];
  rawTitle?: unknown[];
}

interface RawFeed {
  rawAtomLinks?: unknown[];
  rawLinks?: unknown[];
  rawAuthors?: unknown[];
  language?: string;
  lastBuildDate?: string;
}

function parser(): Parser<RawFeed, RawItem> {
  return new Parser<RawFeed, RawItem>({
    customFields: {
      feed: [
        ['atom:link', 'rawAtomLinks', { keepArray: true }],
        ['link', 'rawLinks', { keepArray: true }],
        ['author', 'rawAuthors', { keepArray: true }],
        'language',
        'lastBuildDate',
      ] as unknown as (keyof RawFeed)[],
      item: [
        ['guid', 'rawGuid', { keepArray: true }],
        ['author', 'rawAuthor', { keepArray: true }],
        ['dc:creator', 'creators', { keepArray: true }],
        ['category', 'rawCategories', { keepArray: true }],
        ['link', 'rawLinks', { keepArray: true }],
        ['author', 'rawAuthors', { keepArray: true }],
        ['title', 'rawTitle', { keepArray: true }],
      ],
    },
  });
}

/** Runs a command-line validator, or skips the test when the tool is not installed. */
interface ToolResult {
  ok: boolean;
  stdout: string;
  output: string;
}

function runTool(t: TestContext, command: string, args: string[], input?: string): ToolResult | undefined {
  const result = spawnSync(command, args, { input, encoding: 'utf8' });
  if (result.error !== undefined) {
    t.skip(`${command} not available: ${result.error.message}`);
    return undefined;
  }
  return { ok: result.status === 0, stdout: result.stdout, output: `${result.stdout}${result.stderr}` };
}

function assertWellFormed(t: TestContext, xml: string): void {
  const result = runTool(t, 'xmllint', ['--noout', '-'], xml);
  if (result !== undefined) assert.ok(result.ok, result.output);
}

/** What jing said about one document: nothing (valid), its errors, or why it could not run. */
type JingVerdict = { kind: 'valid' } | { kind: 'invalid'; output: string } | { kind: 'unavailable'; reason: string };

/** jing's JVMs live for one batch: its quick-start compiler and GC save about a third of their CPU. */
const SHORT_JVM = { JAVA_TOOL_OPTIONS: '-XX:TieredStopAtLevel=1 -XX:+UseSerialGC' };

/** One jing run over every file: each error line starts with the path of the document it is about. */
function jingOver(schema: string, files: string[], grammar: boolean): Promise<JingVerdict[]> {
  return new Promise((resolve) => {
    const child = spawn('jing', [...(grammar ? ['-c'] : []), schema, ...files], { env: { ...process.env, ...SHORT_JVM } });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.on('error', (err) => resolve(files.map(() => ({ kind: 'unavailable', reason: `jing not available: ${err.message}` }))));
    child.on('close', (status) => {
      const lines = output.split('\n');
      const about = (file: string) => lines.filter((l) => l.startsWith(`${file}:`));
      // A failure no document is named in (a broken schema, a crashed JVM) fails every document.
      const unexplained = status !== 0 && files.every((f) => about(f).length === 0);
      resolve(files.map((f) => {
        const own = about(f);
        if (own.length > 0 || unexplained) return { kind: 'invalid', output: unexplained ? output : own.join('\n') };
        return { kind: 'valid' };
      }));
    });
  });
}

/**
 * Every Atom document this file validates, checked against atom.rnc and the RFC 4287 Schematron rules
 * in one jing run per schema (two JVMs for the file instead of two per document). Documents are added
 * while the describe blocks are read, before any test runs; the runs start at the first check.
 */
function atomValidator() {
  const documents: string[] = [];
  let verdicts: Promise<{ grammar: JingVerdict[]; rules: JingVerdict[] } | { skip: string }> | undefined;
  const validate = async () => {
    if (!existsSync(join(SCHEMAS, 'atom.rnc'))) return { skip: `no Atom schemas at ${SCHEMAS} (set TIDINGS_SCHEMAS_DIR)` };
    const dir = mkdtempSync(join(tmpdir(), 'tidings-render-'));
    try {
      const files = documents.map((xml, i) => {
        const file = join(dir, `feed-${i}.atom`);
        writeFileSync(file, xml);
        return file;
      });
      const [grammar, rules] = await Promise.all([
        jingOver(join(SCHEMAS, 'atom.rnc'), files, true),
        jingOver(join(SCHEMAS, 'atom-rules.sch'), files, false),
      ]);
      return { grammar, rules };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
  return {
    /** Starts both runs, so that they overlap the tests before the first check. */
    start(): void {
      verdicts ??= validate();
    },
    /** Adds a document to the batch; returns what to pass to `assertAtomValid`. */
    add(xml: string): number {
      if (verdicts) throw new Error('an Atom document was added after the batch was validated');
      return documents.push(xml) - 1;
    },
    /** jing's verdicts on the document: grammar, then rules; or the reason it could not run. */
    async verdicts(index: number): Promise<{ grammar: JingVerdict; rules: JingVerdict } | { skip: string }> {
      verdicts ??= validate();
      const all = await verdicts;
      if ('skip' in all) return all;
      return { grammar: all.grammar[index]!, rules: all.rules[index]! };
    },
  };
}

const atomJing = atomValidator();

/** Asserts jing found a batched document valid, or skips naming why it could not run. */
async function assertAtomValid(t: TestContext, index: number): Promise<void> {
  const result = await atomJing.verdicts(index);
  if ('skip' in result) return t.skip(result.skip);
  for (const verdict of [result.grammar, result.rules]) {
    if (verdict.kind === 'unavailable') return t.skip(verdict.reason);
    assert.equal(verdict.kind, 'valid', verdict.kind === 'invalid' ? verdict.output : '');
  }
}

/** The batch must still name a broken document: an Atom feed missing its required id and updated. */
const INVALID_ATOM = atomJing.add('<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>no id</title></feed>');

function rels(links: unknown[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const link of links ?? []) {
    const attrs = nodeAttrs(link);
    if (attrs.rel !== undefined && attrs.href !== undefined) out[attrs.rel] = attrs.href;
  }
  return out;
}

describe('RSS 2.0', () => {
  const xml = renderRss(doc);

  it('is well-formed and carries no XML-illegal characters', (t) => {
    assert.doesNotMatch(xml, /[\u0000-\u0008\u000B\u000C\u000E-\u001F]/);
    assertWellFormed(t, xml);
  });

  it('round-trips feed and item titles exactly, as the HTML readers take RSS titles for', async () => {
    // rss-parser stops at the XML layer; a reader then reads the title as HTML, which gives the text back.
    const feed = await parser().parseString(xml);
    assert.equal(decodeHTML(feed.title ?? ''), doc.title);
    assert.deepEqual(feed.items.map((i) => decodeHTML(i.title ?? '')), expectedTitles);
  });

  it('escapes a <script> title twice, so a reader shows it as text and never runs it', () => {
    const hostile = renderRss({ ...doc, articles: [{ ...articles[0]!, title: '<script>alert(1)</script> & co' }] });
    assert.ok(hostile.includes('<title>&amp;lt;script&amp;gt;alert(1)&amp;lt;/script&amp;gt; &amp;amp; co</title>'), hostile);
    assert.doesNotMatch(hostile, /<title>[^<]*&lt;script/);
  });

  it('writes guids as given, permalink only when the id is the URL', async () => {
    const feed = await parser().parseString(xml);
    const guids = feed.items.map((i) => i.rawGuid?.[0]);
    assert.deepEqual(guids.map(nodeText), articles.map((a) => a.id));
    assert.deepEqual(guids.map((g) => nodeAttrs(g).isPermaLink), ['false', 'false', 'true']);
    assert.deepEqual(feed.items.map((i) => i.link), articles.map((a) => a.url));
  });

  it('credits authors with dc:creator and never writes <author>', async () => {
    const feed = await parser().parseString(xml);
    assert.ok(feed.items.every((i) => i.rawAuthor === undefined));
    assert.doesNotMatch(xml, /<author[\s>]/);
    assert.deepEqual(feed.items.map((i) => (i.creators ?? []).map(nodeText)), [['Олена Петренко', 'Bob & Co'], [], ['Carol']]);
  });

  it('writes RFC 822 dates, language, one category per topic and the first enclosure', async () => {
    const feed = await parser().parseString(xml);
    const rfc822 = /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT$/;
    assert.match(feed.lastBuildDate ?? '', rfc822);
    assert.equal(Date.parse(feed.lastBuildDate ?? ''), updated.getTime());
    for (const item of feed.items) {
      assert.match(item.pubDate ?? '', rfc822);
      assert.equal(Date.parse(item.pubDate ?? ''), published.getTime());
    }
    assert.equal(feed.language, 'en');
    assert.deepEqual(feed.items.map((i) => (i.rawCategories ?? []).map(nodeText)), [['tech', 'ukraine'], ['tech'], []]);
    assert.deepEqual({ ...feed.items[0]?.enclosure }, { url: 'https://example.org/media/ep1.mp3', type: 'audio/mpeg', length: '12345' });
    // RSS requires type and length, so unknown ones get the generic type and 0.
    assert.deepEqual({ ...feed.items[1]?.enclosure }, { url: 'https://example.org/files/report.bin', type: 'application/octet-stream', length: '0' });
    assert.equal(feed.items[2]?.enclosure, undefined);
  });

  it('keeps the summary plain text (HTML-escaped in description) and the body in content:encoded', async () => {
    const feed = await parser().parseString(xml);
    assert.equal(feed.items[0]?.content, 'Summary with &lt;angle&gt; &amp; ampersand');
    assert.match(xml, /<content:encoded>&lt;p&gt;Body&lt;\/p&gt;<\/content:encoded>/);
  });

  it('links self, paging and hub with atom:link', async () => {
    const feed = await parser().parseString(xml);
    assert.deepEqual(rels(feed.rawAtomLinks), {
      self: doc.selfUrl,
      next: doc.nextUrl,
      previous: doc.previousUrl,
      first: doc.firstUrl,
      hub: doc.hubUrl,
    });
  });

  it('leaves out paging and hub links the document does not have', async () => {
    const { nextUrl: _n, previousUrl: _p, firstUrl: _f, hubUrl: _h, ...bare } = doc;
    const feed = await parser().parseString(renderRss(bare));
    assert.deepEqual(rels(feed.rawAtomLinks), { self: doc.selfUrl });
  });
});

describe('Atom 1.0', () => {
  const xml = renderAtom(doc);
  const xmlChecked = atomJing.add(xml);
  const authored = { ...doc, articles: articles.filter((a) => a.authors.length > 0) };
  const authoredXml = renderAtom(authored);
  const authoredChecked = atomJing.add(authoredXml);
  const emptyChecked = atomJing.add(renderAtom({ ...doc, articles: [] }));

  it('is valid against atom.rnc and the RFC 4287 Schematron rules', async (t) => {
    assert.doesNotMatch(xml, /[\u0000-\u0008\u000B\u000C\u000E-\u001F]/);
    assertWellFormed(t, xml);
    await assertAtomValid(t, xmlChecked);
  });

  it('the batched validation still names an invalid document', async (t) => {
    const result = await atomJing.verdicts(INVALID_ATOM);
    if ('skip' in result) return t.skip(result.skip);
    if (result.grammar.kind === 'unavailable') return t.skip(result.grammar.reason);
    assert.equal(result.grammar.kind, 'invalid');
    assert.match(result.grammar.kind === 'invalid' ? result.grammar.output : '', /missing required elements? "id"/);
  });

  it('round-trips titles as type="text" and keeps non-URL ids unchanged', async () => {
    const feed = await parser().parseString(xml);
    assert.equal(feed.title, doc.title);
    assert.deepEqual(feed.items.map((i) => i.title), expectedTitles);
    assert.deepEqual(feed.items.map((i) => nodeAttrs(i.rawTitle?.[0]).type), ['text', 'text', 'text']);
    assert.deepEqual(feed.items.map((i) => i.id), articles.map((a) => a.id));
    assert.deepEqual(feed.items.map((i) => i.link), articles.map((a) => a.url));
  });

  it('links self, alternate, paging and hub', async () => {
    const feed = await parser().parseString(xml);
    assert.deepEqual(rels(feed.rawLinks), {
      self: doc.selfUrl,
      alternate: doc.homePageUrl,
      next: doc.nextUrl,
      previous: doc.previousUrl,
      first: doc.firstUrl,
      hub: doc.hubUrl,
    });
  });

  it('names the feed author "Tidings" when an entry has none, and repeats it on that entry', async () => {
    const feed = await parser().parseString(xml);
    const names = (authors: unknown[] | undefined): string[] =>
      (authors ?? []).map((a) => {
        const name = (a as { name?: unknown[] }).name?.[0];
        return nodeText(name);
      });
    assert.deepEqual(names(feed.rawAuthors), ['Tidings']);
    assert.deepEqual(feed.items.map((i) => names(i.rawAuthors)), [['Олена Петренко', 'Bob & Co'], ['Tidings'], ['Carol']]);
  });

  it('has no feed author when every entry has one, and stays valid', async (t) => {
    const feed = await parser().parseString(authoredXml);
    assert.equal(feed.rawAuthors, undefined);
    await assertAtomValid(t, authoredChecked);
  });

  it('writes topics as category terms, enclosures as rel=enclosure links, dates in RFC 3339', async () => {
    const feed = await parser().parseString(xml);
    assert.deepEqual(feed.items.map((i) => (i.rawCategories ?? []).map((c) => nodeAttrs(c).term)), [['tech', 'ukraine'], ['tech'], []]);
    const enclosures = (feed.items[0]?.rawLinks ?? []).map(nodeAttrs).filter((l) => l.rel === 'enclosure');
    assert.deepEqual(enclosures, [
      { rel: 'enclosure', href: 'https://example.org/media/ep1.mp3', type: 'audio/mpeg', length: '12345', title: 'Episode 1' },
      { rel: 'enclosure', href: 'https://example.org/media/ep1.ogg', type: 'audio/ogg' },
    ]);
    assert.equal(feed.items[0]?.pubDate, published.toISOString());
    assert.match(xml, /<updated>2026-01-03T10:00:00(\.000)?Z<\/updated>/);
  });

  it('marks the feed language and an entry in another language with xml:lang', () => {
    assert.match(xml, /<feed xmlns="http:\/\/www\.w3\.org\/2005\/Atom" xml:lang="en">/);
    assert.match(xml, /<entry xml:lang="uk">/);
  });

  it('stays valid with no articles at all', async (t) => {
    await assertAtomValid(t, emptyChecked);
  });
});

/**
 * Values the `feed` package, which writes the RSS and Atom documents, gets wrong by itself: an IRI or
 * non-URL link (new URL() percent-encodes or throws), a literal `&amp;` (xml-js drops it), two `]]>` in a
 * body (xml-js splits only the first CDATA end), markup in an attribute (xml-js escapes only quotes), and a
 * bare origin (new URL() adds a slash). src/render/feed-fixes.ts must hand every one back exactly.
 */
describe('what the feed package gets wrong stays corrected', () => {
  const awkward: FeedDocument = {
    ...doc,
    title: 'AT&amp;T & friends',
    generator: 'Tidings &amp; co',
    homePageUrl: 'https://example.org',
    articles: [
      article({
        id: 'urn:tidings:local:привіт',
        url: 'https://example.org/статті/привіт',
        title: 'Ampersand &amp; entity',
        authors: [{ name: 'AT&amp;T <Labs>', url: 'https://example.org/люди/a' }],
        contentHtml: '<p>a ]]> b ]]> c</p>',
        enclosures: [{ url: 'https://example.org/media/a.mp3', type: 'audio/mpeg', title: 'Q&A <live> "now"' }],
      }),
      article({ id: 'not a url', url: 'not a url either', title: 'Unparseable' }),
    ],
  };
  const rss = renderRss(awkward);
  const atom = renderAtom(awkward);
  const atomChecked = atomJing.add(atom);

  it('RSS keeps IRI links, drops non-URL ones, keeps literal &amp;, and a body with two ]]>', async (t) => {
    assertWellFormed(t, rss);
    const feed = await parser().parseString(rss);
    assert.equal(decodeHTML(feed.title ?? ''), awkward.title);
    assert.equal(feed.link, 'https://example.org');
    assert.equal(Reflect.get(feed, 'generator'), awkward.generator);
    // A link that is not a web URL is left out: only http(s) ever becomes a link.
    assert.deepEqual(feed.items.map((i) => i.link), ['https://example.org/статті/привіт', undefined]);
    assert.deepEqual(feed.items.map((i) => nodeText(i.rawGuid?.[0])), ['urn:tidings:local:привіт', 'not a url']);
    assert.deepEqual(feed.items.map((i) => decodeHTML(i.title ?? '')), ['Ampersand &amp; entity', 'Unparseable']);
    assert.deepEqual((feed.items[0]?.creators ?? []).map(nodeText), ['AT&amp;T <Labs>']);
    assert.equal(Reflect.get(feed.items[0] ?? {}, 'content:encoded'), '<p>a ]]> b ]]> c</p>');
  });

  it('Atom does the same, with an enclosure title full of markup, and stays valid', async (t) => {
    assertWellFormed(t, atom);
    await assertAtomValid(t, atomChecked);
    const feed = await parser().parseString(atom);
    assert.equal(feed.title, awkward.title);
    assert.equal(rels(feed.rawLinks).alternate, 'https://example.org');
    assert.deepEqual(feed.items.map((i) => i.id), ['urn:tidings:local:привіт', 'not a url']);
    assert.deepEqual(feed.items.map((i) => i.link), ['https://example.org/статті/привіт', undefined]);
    assert.equal(feed.items[0]?.title, 'Ampersand &amp; entity');
    assert.equal(feed.items[0]?.content, '<p>a ]]> b ]]> c</p>');
    const author = feed.items[0]?.rawAuthors?.[0] as { name?: unknown[]; uri?: unknown[] } | undefined;
    assert.equal(nodeText(author?.name?.[0]), 'AT&amp;T <Labs>');
    assert.equal(nodeText(author?.uri?.[0]), 'https://example.org/люди/a');
    const enclosure = (feed.items[0]?.rawLinks ?? []).map(nodeAttrs).find((l) => l.rel === 'enclosure');
    assert.equal(enclosure?.title, 'Q&A <live> "now"');
  });
});

/**
 * src/render/feed-xml-reader.ts reads `feed`'s output instead of xml-js's xml2js, for speed: it must build
 * the very tree xml2js builds (whitespace-only text dropped, CDATA kept, entities decoded), and refuse
 * what `feed` never writes rather than guess.
 */
describe("reading the feed package's output back", () => {
  const XML_DECL = '<?xml version="1.0" encoding="utf-8"?>';
  const xml2jsTree = (xml: string): unknown => (xml2js(xml, { compact: false }) as Element).elements;

  it('builds the same tree as xml-js xml2js from what feed writes', () => {
    for (const document of [doc, { ...doc, articles: [] }]) {
      for (const xml of [buildFeed(document, 'rss').rss2(), buildFeed(document, 'atom').atom1()]) {
        assert.deepEqual(readFeedXml(xml).elements, xml2jsTree(xml));
      }
    }
  });

  it('decodes entities and character references and drops whitespace-only text as xml2js does', () => {
    const xml = `${XML_DECL}\n<a x="1 &amp; &lt;2&gt; &quot;q&quot; <raw>">
    <b> \u00A0 </b><c><![CDATA[  ]]></c><d> t &#13;&#x41;&apos; </d><e/><f><![CDATA[]]></f>
</a>`;
    assert.deepEqual(readFeedXml(xml).elements, xml2jsTree(xml));
  });

  it('throws FeedShapeError on markup feed never writes', () => {
    const bad = [
      '<a/>', // no declaration
      `${XML_DECL}<a><!-- c --></a>`,
      `${XML_DECL}<!DOCTYPE a><a/>`,
      `${XML_DECL}<a>&nbsp;</a>`,
      `${XML_DECL}<a>&#0;</a>`,
      `${XML_DECL}<a>AT&T</a>`,
      `${XML_DECL}<a><b></a>`,
      `${XML_DECL}<a>`,
      `${XML_DECL}<a x='1'/>`,
      `${XML_DECL}<a><![CDATA[x</a>`,
      `${XML_DECL}text<a/>`,
      `${XML_DECL}<a/><b/>`,
    ];
    for (const xml of bad) assert.throws(() => readFeedXml(xml), FeedShapeError, xml);
  });
});

describe('JSON Feed 1.1', () => {
  const text = renderJsonFeed(doc);
  const feed: unknown = JSON.parse(text);

  it('is valid against the jsonfeed-schema 1.1 schema', () => {
    assert.deepEqual(jsonFeedValidator()(feed), []);
  });

  it('carries version, links, next page, hub and the fallback feed author', () => {
    assert.ok(typeof feed === 'object' && feed !== null);
    assert.equal(Reflect.get(feed, 'version'), 'https://jsonfeed.org/version/1.1');
    assert.equal(Reflect.get(feed, 'title'), doc.title);
    assert.equal(Reflect.get(feed, 'feed_url'), doc.selfUrl);
    assert.equal(Reflect.get(feed, 'home_page_url'), doc.homePageUrl);
    assert.equal(Reflect.get(feed, 'next_url'), doc.nextUrl);
    assert.deepEqual(Reflect.get(feed, 'hubs'), [{ type: 'WebSub', url: doc.hubUrl }]);
    assert.deepEqual(Reflect.get(feed, 'authors'), [{ name: 'Tidings', url: doc.baseUrl }]);
  });

  it('maps an article to an item with tags, authors, attachments and the _tidings extension', () => {
    const first = articles[0];
    assert.ok(first !== undefined);
    assert.deepEqual(articleToJsonFeedItem(first), {
      id: first.id,
      url: first.url,
      title: CYRILLIC,
      content_html: '<p>Body</p>',
      summary: 'Summary with <angle> & ampersand',
      date_published: '2026-01-02T03:04:05.000Z',
      date_modified: '2026-01-03T10:00:00.000Z',
      authors: [{ name: 'Олена Петренко', url: 'mailto:olena@example.org' }, { name: 'Bob & Co' }],
      tags: ['tech', 'ukraine'],
      language: 'uk',
      attachments: [
        { url: 'https://example.org/media/ep1.mp3', mime_type: 'audio/mpeg', title: 'Episode 1', size_in_bytes: 12345 },
        { url: 'https://example.org/media/ep1.ogg', mime_type: 'audio/ogg' },
      ],
      _tidings: { topics: ['tech', 'ukraine'], categories: ['Новини'], sources: ['local'] },
    });
  });

  it('gives the same titles as the XML formats, control characters dropped', () => {
    assert.deepEqual(articles.map((a) => articleToJsonFeedItem(a).title), expectedTitles);
  });

  it('accepts a freshly ingested Article without sources, citing its source id', () => {
    const { sources: _sources, ...ingested } = article({ sourceId: 'hn' });
    const item = articleToJsonFeedItem(ingested);
    assert.deepEqual(item._tidings.sources, ['hn']);
    assert.equal(item.authors, undefined);
    assert.deepEqual(jsonFeedValidator()({ version: 'https://jsonfeed.org/version/1.1', title: 't', items: [item] }), []);
  });
});

describe('OPML 2.0', () => {
  const outline = {
    text: `Tech & <Новини>`,
    title: `"Tech" & 'more'`,
    xmlUrl: 'https://example.org/feeds/tech.rss?a=1&b=2',
    htmlUrl: 'https://example.org/topics/tech',
    type: 'rss' as const,
  };
  const xml = renderOpml({
    title: 'Tidings & friends',
    ownerName: 'Ада',
    dateCreated: updated,
    outlines: [outline],
  });

  it('is well-formed', (t) => {
    assertWellFormed(t, xml);
  });

  it('round-trips outline attributes and head fields through an XML parser', (t) => {
    const read = (xpath: string): string | undefined => {
      const result = runTool(t, 'xmllint', ['--xpath', xpath, '-'], xml);
      // xmllint ends an XPath string result with one newline of its own.
      return result === undefined ? undefined : result.stdout.replace(/\n$/, '');
    };
    const got = {
      text: read('string(/opml/body/outline/@text)'),
      title: read('string(/opml/body/outline/@title)'),
      xmlUrl: read('string(/opml/body/outline/@xmlUrl)'),
      htmlUrl: read('string(/opml/body/outline/@htmlUrl)'),
      type: read('string(/opml/body/outline/@type)'),
    };
    if (got.text === undefined) return;
    assert.deepEqual(got, outline);
    assert.equal(read('string(/opml/@version)'), '2.0');
    assert.equal(read('string(/opml/head/title)'), 'Tidings & friends');
    assert.equal(read('string(/opml/head/ownerName)'), 'Ада');
    assert.equal(Date.parse(read('string(/opml/head/dateCreated)') ?? ''), updated.getTime());
  });

  it('keeps tab, newline and carriage return that a parser would otherwise normalize away', (t) => {
    const awkward = 'a\tb\nc\rd';
    const doc = renderOpml({ title: awkward, dateCreated: updated, outlines: [{ ...outline, title: awkward }] });
    const read = (xpath: string): string | undefined => runTool(t, 'xmllint', ['--xpath', xpath, '-'], doc)?.stdout.replace(/\n$/, '');
    const attr = read('string(/opml/body/outline/@title)');
    if (attr === undefined) return;
    assert.equal(attr, awkward);
    assert.equal(read('string(/opml/head/title)'), awkward);
  });
});

// Every describe block above has added its documents by now.
atomJing.start();
