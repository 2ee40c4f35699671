// The ONE wrapper around rss-parser (and, through it, xml2js): XML text in, rss-parser's output out,
// with every raw node Tidings needs kept through customFields. rss.ts and atom.ts map that output to a
// ParsedFeed; nothing else in Tidings imports rss-parser. Also owns the small XML node helpers.

import Parser from 'rss-parser';
import { decodeHTML } from 'entities';
import { TidingsError, describeError } from '../errors.ts';
import { nestingDepth, scanXml } from './xml-scan.ts';

/** An xml2js node as rss-parser hands it over: a string, or an object with `_` text and `$` attributes. */
export type XNode = string | XElement;
export interface XElement {
  _?: string;
  $?: Record<string, string>;
  [child: string]: unknown;
}

/** rss-parser output with our raw fields: `raw:<name>` arrays of xml2js nodes, `raw:$` the attributes. */
export type RawRecord = Record<string, unknown>;
export interface RawFeed {
  fields: RawRecord;
  items: RawRecord[];
}

/**
 * Attribute injected on elements whose inner markup was wrapped in CDATA before parsing: their `_`
 * is the inner XML verbatim, in document order (xml2js would otherwise scatter mixed content).
 */
export const MARKUP_ATTR = 'tidings-markup';

// rss-parser reads these itself. It crashes on legal-but-odd input: `new Date(x).toISOString()` throws
// RangeError on a bad Atom <published>/<updated> (losing the WHOLE feed), and Atom getLink() throws on
// a <link> without attributes. And it strips the HTML of every description, content:encoded and Atom
// content into a "snippet" with a few regular expressions over the whole body, which nothing here reads.
// Renaming them means rss-parser never touches them; we read them raw.
const HIDDEN: Record<string, string> = {
  published: 'tidings:published',
  updated: 'tidings:updated',
  link: 'tidings:link',
  description: 'tidings:description',
  'content:encoded': 'tidings:content-encoded',
  content: 'tidings:content',
  summary: 'tidings:summary',
};
export function rawName(name: string): string {
  return HIDDEN[name] ?? name;
}

/** Elements whose inner content may be markup (RSS naked HTML, Atom xhtml). */
const MARKUP_CONTAINERS = new Set([
  'title',
  'description',
  'content:encoded',
  'summary',
  'content',
  'subtitle',
  'tagline',
  'rights',
  'copyright',
  'info',
  'dc:description',
  'itunes:summary',
  'atom:content',
  'atom:summary',
]);

/**
 * Repairs text before XML parsing, without decoding anything: a bare `&` becomes `&amp;`, an HTML named
 * entity XML does not know (`&nbsp;`) becomes a numeric reference — so the XML parser still decodes each
 * entity exactly once — and the inner XML of a markup container that has child elements is wrapped in
 * CDATA (marked with MARKUP_ATTR) so its HTML survives in order.
 */
export function prepareXml(xml: string): string {
  // Most feeds need no repair: then the text goes on as it is, without being rebuilt token by token.
  return needsRepair(xml) ? repairXml(xml) : xml;
}

/**
 * Whether repairXml changes anything: a text or attribute list fixEntities rewrites, or a container
 * wrapped — the same walk, building nothing. Otherwise its output is every token's text in order,
 * which is the input.
 */
function needsRepair(xml: string): boolean {
  let repair = false;
  const stack: { container: boolean; hasChild: boolean }[] = [];
  scanXml(xml, (token) => {
    // scanXml stops at the tag after a text token, not at the text: `repair` is only ever set.
    if (token.kind === 'text') {
      if (AMP_TO_FIX.test(token.text)) repair = true;
    } else if (token.kind === 'close') {
      const open = stack.pop();
      if (open !== undefined && open.container && open.hasChild && !stack.some((s) => s.container && s.hasChild)) repair = true;
    } else if (token.kind === 'open') {
      const parent = stack[stack.length - 1];
      if (parent) parent.hasChild = true;
      if (AMP_TO_FIX.test(token.attrs)) repair = true;
      if (!token.selfClose) stack.push({ container: MARKUP_CONTAINERS.has(token.name), hasChild: false });
    }
    return repair ? 'stop' : undefined;
  });
  return repair;
}

/** prepareXml's repairs, token by token (exported so a test holds prepareXml to it). */
export function repairXml(xml: string): string {
  const out: string[] = [];
  // Open elements; `wrapAt` is the index in `out` where a container's inner content starts.
  const stack: { name: string; container: boolean; wrapAt: number; hasChild: boolean }[] = [];
  scanXml(xml, (token) => {
    if (token.kind === 'text') {
      out.push(fixEntities(token.text));
    } else if (token.kind === 'markup') {
      out.push(token.text); // comment, CDATA, PI, doctype: verbatim
    } else if (token.kind === 'close') {
      const open = stack.pop();
      // A container nested in another (xhtml <title> inside <content>) is wrapped by the outer one only:
      // an open container that already has children means we are inside a region still to be wrapped.
      if (open && open.container && open.hasChild && !stack.some((s) => s.container && s.hasChild)) {
        const inner = out.splice(open.wrapAt).join('');
        const opening = (out.pop() ?? '').slice(0, -1).trimEnd();
        out.push(`${opening} ${MARKUP_ATTR}="inner">`, toCdata(inner));
      }
      out.push(token.text);
    } else {
      const parent = stack[stack.length - 1];
      if (parent) parent.hasChild = true;
      out.push(`<${token.name}${fixEntities(token.attrs)}${token.selfClose ? '/' : ''}>`);
      if (!token.selfClose) {
        stack.push({ name: token.name, container: MARKUP_CONTAINERS.has(token.name), wrapAt: out.length, hasChild: false });
      }
    }
  });
  return out.join('');
}

/**
 * An `&` that fixEntities would rewrite: not the start of a numeric reference or of one of XML's five
 * named entities. Escaped HTML (Atom content, most RSS descriptions) is full of &lt; and &quot;, which
 * stay as they are; testing for this first spares the replace callback for each of them.
 */
const AMP_TO_FIX = /&(?!#\d+;|#x[0-9a-fA-F]+;|(?:amp|lt|gt|quot|apos);)/;

function fixEntities(text: string): string {
  if (!AMP_TO_FIX.test(text)) return text;
  return text.replace(/&(#\d+;|#x[0-9a-fA-F]+;|([A-Za-z][A-Za-z0-9]*);)?/g, (whole, ref, name) => {
    if (ref === undefined) return '&amp;';
    if (name === undefined || ['amp', 'lt', 'gt', 'quot', 'apos'].includes(name)) return whole;
    const decoded = decodeHTML(whole);
    if (decoded === whole) return `&amp;${ref}`; // unknown name: keep it as literal text
    return [...decoded].map((c) => `&#${c.codePointAt(0) ?? 63};`).join('');
  });
}

/** Inner XML as one CDATA section: nested CDATA becomes escaped text so the result is plain HTML. */
function toCdata(inner: string): string {
  const html = inner.replace(/<!\[CDATA\[([\s\S]*?)\]\]>/g, (_m, body: string) =>
    body.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;'),
  );
  return `<![CDATA[${html.replace(/\]\]>/g, ']]]]><![CDATA[>')}]]>`;
}

/**
 * Every element we read ourselves, kept raw (all occurrences) through rss-parser's customFields; `raw`
 * names a HIDDEN one by its new name, the one rss-parser sees.
 */
const RAW_FEED_FIELDS = [
  '$', 'title', 'subtitle', 'tagline', 'description', 'language', 'ttl', 'image', 'logo', 'icon',
  'managingEditor', 'webMaster', 'author', 'id', 'link', 'updated', 'modified', 'lastBuildDate',
  'pubDate', 'dc:title', 'dc:description', 'dc:language', 'dc:creator', 'dc:author', 'dc:date',
  'atom:link', 'itunes:author', 'itunes:subtitle', 'itunes:summary', 'itunes:image', 'media:thumbnail',
  'media:content', 'category',
];
const RAW_ITEM_FIELDS = [
  '$', 'title', 'link', 'guid', 'id', 'description', 'summary', 'content', 'content:encoded',
  'pubDate', 'published', 'updated', 'issued', 'created', 'modified', 'author',
  'category', 'enclosure', 'source', 'dc:title', 'dc:description', 'dc:creator', 'dc:author', 'dc:date',
  'dc:modified', 'dc:language', 'dc:subject', 'atom:link', 'atom:author', 'atom:published',
  'atom:updated', 'atom:category', 'atom:content', 'atom:summary', 'itunes:author', 'itunes:summary', 'itunes:image', 'media:thumbnail',
  'media:content', 'media:group',
];
const raw = (f: string): [string, string, { keepArray: boolean }] => [rawName(f), `raw:${rawName(f)}`, { keepArray: true }];

/**
 * How deep elements may nest. Real feeds stay far below it (markup inside a container is wrapped as
 * CDATA before parsing); a hostile one nested 100,000 levels deep, and every walk over its tree.
 */
export const MAX_XML_DEPTH = 1000;

/** The part of xml2js' parser rss-parser calls (rss-parser keeps it as `xmlParser`). */
interface XmlStringParser {
  parseString(xml: string, done: (err: Error | null, result: unknown) => void): void;
}

function makeParser(): Parser<RawRecord, RawRecord> {
  const parser = new Parser<RawRecord, RawRecord>({
    // `<rss>` with no version (or an unknown one) is read as RSS 2.0 instead of rejected.
    defaultRSS: 2,
    xml2js: { tagNameProcessors: [rawName] },
    customFields: {
      // rss-parser's typings only allow keyof-string names; at runtime it takes [from, to, options].
      feed: RAW_FEED_FIELDS.map(raw) as unknown as (keyof RawRecord)[],
      item: RAW_ITEM_FIELDS.map(raw),
    },
  });
  // The tree is repaired after xml2js is done rather than through its `validator` option: with a
  // validator, xml2js joins the whole element path into a string at every element, which is quadratic
  // in depth (16,000 levels took 45 s).
  const host = parser as unknown as { xmlParser: XmlStringParser };
  const xml2js = host.xmlParser;
  host.xmlParser = {
    parseString: (xml, done) => xml2js.parseString(xml, (err, result) => done(err, err ? result : repairTree(result))),
  };
  return parser;
}

/**
 * Shapes rss-parser would crash on, made ordinary. rss-parser indexes rss.channel[0] and
 * rdf:RDF.channel[0] blindly: a root without a channel gets an empty one, so an empty feed is an empty
 * feed rather than a TypeError. An empty <entry/> or <item/> is the string '' to xml2js, and
 * rss-parser's `entry.link` then finds String.prototype.link (a function) and crashes: every such node
 * becomes an object.
 */
function repairTree(result: unknown): unknown {
  if (!isElement(result)) return result;
  const out: XElement = { ...result };
  for (const rootName of ['rss', 'rdf:RDF']) {
    if (rootName in out) out[rootName] = repairRssRoot(out[rootName]);
  }
  if (isElement(out.feed)) out.feed = { ...out.feed, entry: asElements(out.feed.entry) };
  return out;
}

function repairRssRoot(node: unknown): XElement {
  if (!isElement(node)) return { channel: [{}] };
  const first = Array.isArray(node.channel) ? node.channel[0] : undefined;
  const channel: XElement = isElement(first) ? { ...first } : typeof first === 'string' && first.trim() ? { _: first } : {};
  if (channel.item !== undefined) channel.item = asElements(channel.item);
  // RSS 0.90/1.0 put <image> beside the channel, where rss-parser does not look: hand it over.
  if (Array.isArray(node.image)) channel.image = [...(Array.isArray(channel.image) ? channel.image : []), ...node.image];
  const root: XElement = { ...node, channel: [channel] };
  if (node.item !== undefined) root.item = asElements(node.item);
  return root;
}

function asElements(nodes: unknown): unknown {
  if (!Array.isArray(nodes)) return nodes;
  return nodes.map((n: unknown) => (typeof n === 'string' ? (n.trim() ? { _: n } : {}) : n));
}

/**
 * A document nested past MAX_XML_DEPTH. It is refused, not recovered: no real feed nests that deep, and
 * such depth is how hostile feeds make parsers slow (issue 8).
 */
export class TooDeeplyNestedError extends TidingsError {
  constructor(where: string) {
    super('parse', where, `too deeply nested (> ${MAX_XML_DEPTH} levels)`);
  }
}

/** Parses XML text with rss-parser. Throws TidingsError('parse') when the text is not well-formed XML. */
export async function parseXmlFeed(xml: string, where: string): Promise<RawFeed> {
  if (nestingDepth(xml, MAX_XML_DEPTH) > MAX_XML_DEPTH) {
    throw new TooDeeplyNestedError(where);
  }
  const parser = makeParser();
  let out: RawRecord & { items: RawRecord[] };
  try {
    out = await parser.parseString(prepareXml(xml));
  } catch (err) {
    // xml2js reports syntax errors as "<reason>\nLine: n\nColumn: n\nChar: c"; anything else is a
    // shape rss-parser could not handle, said as such rather than blamed on the XML.
    const message = describeError(err);
    const syntax = /\nLine: \d+/.test(message);
    const why = syntax ? `invalid XML: ${message.replace(/\n/g, ' ')}` : `unreadable feed structure: ${message}`;
    throw new TidingsError('parse', where, why, { cause: err });
  }
  const { items, ...fields } = out;
  return { fields, items: items ?? [] };
}

// ---- node helpers: narrow xml2js' `unknown` shapes once, here ----

export function isElement(n: unknown): n is XElement {
  return typeof n === 'object' && n !== null && !Array.isArray(n);
}

/** All raw nodes of element `name` kept on an rss-parser record. */
export function rawNodes(rec: RawRecord, name: string): XNode[] {
  return asNodes(rec[`raw:${rawName(name)}`]);
}

/** Child element nodes of an xml2js element. */
export function children(n: XNode | undefined, name: string): XNode[] {
  return isElement(n) ? asNodes(n[rawName(name)]) : [];
}

function asNodes(v: unknown): XNode[] {
  if (!Array.isArray(v)) return [];
  return v.filter((x): x is XNode => typeof x === 'string' || isElement(x));
}

/** Attributes of the record's own element (`raw:$`). */
export function ownAttrs(rec: RawRecord): Record<string, string> {
  const a = rec['raw:$'];
  if (!isElement(a)) return {};
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(a)) if (typeof v === 'string') out[k] = v;
  return out;
}

export function attr(n: XNode | undefined, name: string): string | undefined {
  if (!isElement(n) || !n.$) return undefined;
  const v = n.$[name];
  return typeof v === 'string' ? v : undefined;
}

/** Character content of a node, trimmed; undefined when empty or element-only. */
export function text(n: XNode | undefined): string | undefined {
  const s = typeof n === 'string' ? n : n?._;
  if (typeof s !== 'string') return undefined;
  const t = s.trim();
  return t === '' ? undefined : t;
}

/** Whether the node's text is verbatim inner markup (see MARKUP_ATTR). */
export function isMarkup(n: XNode | undefined): boolean {
  return attr(n, MARKUP_ATTR) !== undefined;
}

/** First non-empty text among the named raw fields, in the order given: a fallback chain. */
export function firstText(rec: RawRecord, ...names: string[]): string | undefined {
  for (const name of names) {
    for (const n of rawNodes(rec, name)) {
      const t = text(n);
      if (t !== undefined) return t;
    }
  }
  return undefined;
}

/** Resolves an xml:base against the one in effect around it; a relative chain stays relative. */
export function joinBase(outer: string | undefined, inner: string | undefined): string | undefined {
  if (inner === undefined || inner.trim() === '') return outer;
  if (outer === undefined) return inner.trim();
  try {
    return new URL(inner.trim(), outer).href;
  } catch {
    // `outer` is itself relative (resolved later against the feed URL): join the paths on a dummy base,
    // keeping the result relative ("people/" + "jane" is "people/jane", not "/people/jane").
    const dummy = 'http://base.invalid/r/';
    const joined = new URL(inner.trim(), new URL(outer, dummy)).href;
    if (joined.startsWith(dummy)) return joined.slice(dummy.length);
    return joined.startsWith('http://base.invalid/') ? joined.slice('http://base.invalid'.length) : joined;
  }
}
