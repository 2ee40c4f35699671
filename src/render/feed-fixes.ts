// THE one place that works around the `feed` package (v6): what it cannot be handed as is (the input
// guards, used by feed-library.ts) and what it writes wrong (the fixes, run by rss.ts and atom.ts on an
// xml-js tree of its output). Each fix names the `feed` defect it corrects; node_modules/feed/lib/feed.js
// is the reference for what `feed` writes.

import type { Enclosure, Person, StoredArticle } from '../model.ts';
import { isLanguageTag, isMediaType, UNKNOWN_MEDIA_TYPE, webEnclosures, webLink } from './common.ts';
import {
  child,
  children,
  ensureChild,
  FeedShapeError,
  insertAfter,
  newElement,
  parseXml,
  removeChildren,
  replaceChild,
  requireChild,
  serializeXml,
  setAttributes,
  setText,
  type Element,
} from './feed-tree.ts';
import type { FeedDocument } from './types.ts';
import { alsoReportedBy } from './related.ts';
import { plainTextToHtml, stripIllegalXmlChars } from './xml.ts';

const RSS_TYPE = 'application/rss+xml';
const ATOM_TYPE = 'application/atom+xml';

const NS = {
  atom: 'http://www.w3.org/2005/Atom',
  content: 'http://purl.org/rss/1.0/modules/content/',
  dc: 'http://purl.org/dc/elements/1.1/',
};

// ---------------------------------------------------------------------------------------------
// Input guards: values `feed` would turn into an ill-formed document or an exception

/** feed keeps characters XML 1.0 cannot carry, making its whole output ill-formed: they are dropped first. */
export function feedText(value: string): string {
  return stripIllegalXmlChars(value);
}

/** What feed gets instead of a value `new URL()` cannot parse; the fixes write the real value back. */
const STAND_IN_URL = 'urn:tidings:stand-in';

/**
 * feed passes every link, and every Atom entry id, through `new URL()`, which throws on anything it cannot
 * parse (`not a url at all`); such a value goes in as a stand-in. `exactLinks` and `restoreIds` put back
 * every original value, parseable or not.
 */
export function feedUrl(value: string): string {
  const text = stripIllegalXmlChars(value);
  return URL.canParse(text) ? text : STAND_IN_URL;
}

/**
 * What feed gets instead of an article body: feed writes bodies as CDATA through xml-js, which splits only
 * the first `]]>` (a second one leaves the document ill-formed), so `bodies` writes every one itself; and
 * reading bodies back out of feed's output would be work thrown away (when xml-js parsed it, 6.4 ms rather
 * than 4.1 for 50 items of 4 KB in RSS; with ./feed-xml-reader.ts it is small).
 * feed still writes the body element (content:encoded, Atom content type="html"); `bodies` fills it in.
 */
export const FEED_BODY_STAND_IN = 'body';

// ---------------------------------------------------------------------------------------------
// RSS 2.0

/** Corrects feed's rss2() output for `doc`, which it was built from (see feed-library.ts). */
export function fixRss(xml: string, doc: FeedDocument): string {
  const root = parseXml(xml);
  const rss = requireChild(root, 'rss');
  const channel = requireChild(rss, 'channel');
  const items = pairWithArticles(children(channel, 'item'), doc.articles);

  declareRssNamespaces(rss);
  plainTextTitles(channel, doc);
  exactLinks(channel, doc, 'atom:link', RSS_TYPE);
  pagingLinks(channel, doc, 'atom:link', RSS_TYPE);
  for (const [item, article] of items) {
    plainTextItemTitle(item, article);
    exactItemLink(item, article);
    guidPermaLink(item, article);
    bodies(item, article, 'content:encoded', alsoReportedBy(article.related));
    replaceRssAuthorWithDcCreator(item, article);
    rssEnclosureType(item, article);
    rssSource(item, article, doc);
  }
  return serializeXml(root);
}

/**
 * feed declares xmlns:dc and xmlns:content only when some item has content (and never writes dc: itself),
 * and xmlns:atom only with a self or hub link; our items use dc:creator and content:encoded and our channel
 * always has atom:link, so all three are declared, always.
 */
function declareRssNamespaces(rss: Element): void {
  rss.attributes = {
    version: '2.0',
    'xmlns:atom': NS.atom,
    'xmlns:content': NS.content,
    'xmlns:dc': NS.dc,
  };
}

/**
 * feed writes entry titles and summaries as type="html" CDATA (Atom) and item titles as CDATA (RSS, where
 * readers take it as a sign of markup), so a title `a <b> c` is shown as `a  c`; and it writes feed-level
 * texts through xml-js's text writer, which turns a literal `&amp;` into `&`. Every title and description,
 * and the generator, gets its exact text back as character data (Atom text constructs: type="text").
 */
function plainTextTitles(head: Element, doc: FeedDocument): void {
  // RSS readers take the channel's title and description as HTML too (see plainTextItemTitle).
  const write = head.name === 'feed' ? setPlainText : (element: Element, text: string) => setText(element, plainTextToHtml(text));
  write(requireChild(head, 'title'), doc.title);
  // RSS <image><title> must say exactly what the channel's <title> says (the W3C validator compares them).
  const image = head.name === 'channel' ? child(head, 'image') : undefined;
  if (image !== undefined) write(requireChild(image, 'title'), doc.title);
  // RSS channel <description> is required (feed writes it even when empty); Atom's <subtitle> only if any.
  const description = head.name === 'channel' ? requireChild(head, 'description') : child(head, 'subtitle');
  if (description !== undefined) write(description, doc.description);
  setText(requireChild(head, 'generator'), doc.generator);
}

/**
 * `plainTextTitles` for an RSS item; feed leaves out a title that is empty, RSS readers expect one.
 * Readers take an RSS title as HTML, so the plain text is HTML-escaped before the XML escaping: a title
 * `<script>` arrives as `&amp;lt;script&amp;gt;` and is shown as text, never run as markup.
 */
function plainTextItemTitle(item: Element, article: StoredArticle): void {
  setText(ensureChild(item, 'title'), plainTextToHtml(article.title));
}

/**
 * feed rewrites every link with `new URL()`: it percent-encodes an IRI, adds a trailing slash to a bare
 * origin, and got a stand-in for what it could not parse; and it leaves the type off Atom's self and
 * alternate links. The feed's own links get the exact URLs back (`linkName`: `atom:link` in RSS, `link`
 * in Atom; `selfType`: this document's media type).
 */
function exactLinks(head: Element, doc: FeedDocument, linkName: string, selfType: string): void {
  for (const link of children(head, linkName)) {
    const rel = link.attributes?.rel;
    if (rel === 'self') link.attributes = { rel: 'self', type: selfType, href: doc.selfUrl };
    if (rel === 'hub' && doc.hubUrl !== undefined) link.attributes = { rel: 'hub', href: doc.hubUrl };
    if (rel === 'alternate') link.attributes = { rel: 'alternate', type: 'text/html', href: doc.homePageUrl };
  }
  // RSS names its home page in the channel's <link> text instead.
  const channelLink = head.name === 'channel' ? requireChild(head, 'link') : undefined;
  if (channelLink !== undefined) setText(channelLink, doc.homePageUrl);
}

/**
 * `exactLinks` for an RSS item's <link>. An item without a web link of its own has none (RSS allows it):
 * a `urn:` or `javascript:` value would be a link a reader shows and cannot (or must not) open.
 */
function exactItemLink(item: Element, article: StoredArticle): void {
  const link = webLink(article.url);
  if (link === undefined) removeChildren(item, 'link');
  else setText(ensureChild(item, 'link'), link);
}

/**
 * feed has no RFC 5005 paging links: first, previous and next go right after the self link, ahead of the
 * entries, where atom.rnc allows feed-level links.
 */
function pagingLinks(head: Element, doc: FeedDocument, linkName: string, type: string): void {
  const self = children(head, linkName).find((l) => l.attributes?.rel === 'self');
  if (self === undefined) throw new FeedShapeError(`no <${linkName} rel="self">`);
  const paging: [string, string | undefined][] = [
    ['first', doc.firstUrl],
    ['previous', doc.previousUrl],
    ['next', doc.nextUrl],
  ];
  const links = paging.flatMap(([rel, href]) => (href === undefined ? [] : [newElement(linkName, { rel, type, href })]));
  insertAfter(head, self, links);
}

/**
 * feed marks every guid isPermaLink="false" (and writes its text through xml-js, which loses a literal
 * `&amp;`): the guid is the exact id, a permalink only when the id is the article's URL, as our ids are
 * usually `urn:` IRIs.
 */
function guidPermaLink(item: Element, article: StoredArticle): void {
  const guid = requireChild(item, 'guid');
  guid.attributes = { isPermaLink: article.id === article.url && webLink(article.url) !== undefined ? 'true' : 'false' };
  setText(guid, article.id);
}

/** The body feed wrote as a stand-in (see `FEED_BODY_STAND_IN`) gets the article's HTML (and a footer). */
function bodies(parent: Element, article: StoredArticle, name: string, footer = ''): void {
  const body = child(parent, name);
  if (body !== undefined) setText(body, article.contentHtml + footer);
}

/** A story's other sources as `<link rel="related">`, after the entry's other links (RFC 4287 §4.2.7.2). */
function relatedLinks(entry: Element, article: StoredArticle): void {
  const links = (article.related ?? []).filter((r) => webLink(r.url) !== undefined)
    .map((r) => newElement('link', { rel: 'related', href: r.url, title: stripIllegalXmlChars(r.title) }));
  if (links.length) insertAfter(entry, children(entry, 'link').at(-1), links);
}

/**
 * feed writes each person as RSS `<author>`, which must be an e-mail address (it writes a bare name when
 * there is none). Names go to dc:creator, in the place of feed's authors, one per person.
 */
function replaceRssAuthorWithDcCreator(item: Element, article: StoredArticle): void {
  const creators = article.authors.map((a) => newElement('dc:creator', {}, a.name));
  const first = child(item, 'author');
  if (first === undefined) {
    insertAfter(item, undefined, creators);
    return;
  }
  replaceChild(item, first, creators);
  removeChildren(item, 'author');
}

/**
 * feed guesses an enclosure's type from its file extension (`image/mp3`, `image/bin`) whatever type it was
 * given, and rewrites its URL with `new URL()`. RSS requires url, length and type: the given type, or the
 * generic one; the given length, or the documented 0 for unknown. One enclosure per item, as the RSS Advisory
 * Board recommends; Atom and JSON Feed carry the rest.
 */
function rssEnclosureType(item: Element, article: StoredArticle): void {
  const element = child(item, 'enclosure');
  const given = webEnclosures(article.enclosures)[0];
  if (element === undefined || given === undefined) return;
  element.attributes = {
    url: given.url,
    length: given.length ?? 0,
    type: isMediaType(given.type) ? given.type : UNKNOWN_MEDIA_TYPE,
  };
}

/**
 * feed has no item `<source>` (RSS 2.0: "the RSS channel that the item came from", its feed URL as the
 * required `url`, its title as text; feedparser reads it as `entry.source.href`/`.title`). An article
 * from a remote source credits it here; a story's leader credits its own, original source (its copies
 * are in the body footer). Local articles came from no channel and have none.
 */
function rssSource(item: Element, article: StoredArticle, doc: FeedDocument): void {
  const source = doc.sources?.get(article.sourceId);
  if (source === undefined || webLink(source.url) === undefined) return;
  insertAfter(item, undefined, [newElement('source', { url: source.url }, stripIllegalXmlChars(source.title))]);
}

// ---------------------------------------------------------------------------------------------
// Atom 1.0

/** Corrects feed's atom1() output for `doc`, which it was built from (see feed-library.ts). */
export function fixAtom(xml: string, doc: FeedDocument): string {
  const root = parseXml(xml);
  const feed = requireChild(root, 'feed');
  const entries = pairWithArticles(children(feed, 'entry'), doc.articles);

  languages(feed, entries, doc);
  restoreIds(feed, doc.id);
  plainTextTitles(feed, doc);
  exactLinks(feed, doc, 'link', ATOM_TYPE);
  pagingLinks(feed, doc, 'link', ATOM_TYPE);
  for (const [entry, article] of entries) {
    restoreIds(entry, article.id);
    plainTextEntry(entry, article);
    entryAlternateLink(entry, article);
    bodies(entry, article, 'content');
    exactPersons(entry, article.authors);
    atomEnclosures(entry, webEnclosures(article.enclosures));
    relatedLinks(entry, article);
  }
  return serializeXml(root);
}

/**
 * feed writes no xml:lang. The feed's language goes on <feed>; an entry in another language says so on
 * <entry>, so a reader hyphenates and speaks it right. Malformed tags are left out (atom.rnc would fail).
 */
function languages(feed: Element, entries: [Element, StoredArticle][], doc: FeedDocument): void {
  feed.attributes = { xmlns: NS.atom, 'xml:lang': isLanguageTag(doc.language) ? doc.language : undefined };
  for (const [entry, article] of entries) {
    if (article.language !== doc.language && isLanguageTag(article.language)) {
      setAttributes(entry, { 'xml:lang': article.language });
    }
  }
}

/**
 * feed passes entry ids through `new URL()`: `urn:tidings:local:привіт` comes out percent-encoded (another
 * id, so readers show every article as new), and a non-URL id throws (it got a stand-in). The feed id is
 * written through xml-js, which loses a literal `&amp;`. Every id is put back exactly.
 */
function restoreIds(parent: Element, id: string): void {
  setText(requireChild(parent, 'id'), id);
}

/** `plainTextTitles` for an entry: its title and summary as exact text, type="text" (see above). */
function plainTextEntry(entry: Element, article: StoredArticle): void {
  setPlainText(requireChild(entry, 'title'), article.title);
  const summary = child(entry, 'summary');
  if (summary !== undefined) setPlainText(summary, article.summary);
}

/** An Atom text construct holding exactly `text`. */
function setPlainText(element: Element, text: string): void {
  element.attributes = { type: 'text' };
  setText(element, text);
}

/**
 * feed writes the entry's link as a bare `<link href>` rewritten by `new URL()` (see `exactLinks`); it
 * becomes the explicit alternate HTML page at the article's exact URL.
 */
function entryAlternateLink(entry: Element, article: StoredArticle): void {
  const link = children(entry, 'link').find((l) => l.attributes?.rel === undefined);
  if (link === undefined) throw new FeedShapeError('an <entry> has no <link> without rel');
  // No web link of its own: no alternate link (the entry then carries a <content>, see feed-library.ts).
  const href = webLink(article.url);
  if (href === undefined) replaceChild(entry, link, []);
  else link.attributes = { rel: 'alternate', type: 'text/html', href };
}

/**
 * feed writes person names through xml-js (a literal `&amp;` becomes `&`) and their URIs through
 * `new URL()`; each <author> it wrote, in order, gets the exact name, uri and email back.
 */
function exactPersons(entry: Element, authors: Person[]): void {
  const written = children(entry, 'author');
  // An entry without authors got the fallback author (feed-library.ts), which needs no correction.
  if (authors.length === 0) return;
  if (written.length !== authors.length) {
    throw new FeedShapeError(`an <entry> has ${written.length} <author> for ${authors.length} authors`);
  }
  written.forEach((element, i) => {
    const person = authors[i];
    if (person === undefined) return;
    const fields = [newElement('name', {}, person.name)];
    const uri = webLink(person.url);
    if (uri !== undefined) fields.push(newElement('uri', {}, uri));
    if (person.email !== undefined && person.email.includes('@')) fields.push(newElement('email', {}, person.email));
    element.elements = fields;
  });
}

/**
 * feed writes one enclosure per entry (plus one each for image, audio and video), typed by guess from the
 * file extension (`image/mp3`), with its URL rewritten by `new URL()`. Atom allows any number: the first
 * link feed wrote gets the given type (none when unknown: atom.rnc wants a real media type), length, title
 * and exact URL, and the other enclosures follow it.
 */
function atomEnclosures(entry: Element, enclosures: Enclosure[]): void {
  const written = children(entry, 'link').find((l) => l.attributes?.rel === 'enclosure');
  const [first, ...rest] = enclosures;
  if (written === undefined || first === undefined) return;
  written.attributes = enclosureAttributes(first);
  insertAfter(entry, written, rest.map((e) => newElement('link', enclosureAttributes(e))));
}

function enclosureAttributes(enclosure: Enclosure): Record<string, string | number | undefined> {
  return {
    rel: 'enclosure',
    href: enclosure.url,
    type: isMediaType(enclosure.type) ? enclosure.type : undefined,
    length: enclosure.length,
    title: enclosure.title,
  };
}

// ---------------------------------------------------------------------------------------------

/** feed writes one item or entry per added item, in order; anything else means its output changed shape. */
function pairWithArticles(elements: Element[], articles: StoredArticle[]): [Element, StoredArticle][] {
  const pairs: [Element, StoredArticle][] = [];
  elements.forEach((element, i) => {
    const article = articles[i];
    if (article !== undefined) pairs.push([element, article]);
  });
  if (pairs.length !== articles.length || elements.length !== articles.length) {
    throw new FeedShapeError(`${elements.length} items or entries for ${articles.length} articles`);
  }
  return pairs;
}
