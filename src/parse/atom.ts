// Atom 1.0 and 0.3: maps rss-parser's raw output to a ParsedFeed — every author, categories, text
// construct types (text / html / xhtml, 0.3 modes), xml:base and xml:lang per entry, enclosure links.

import type { Enclosure } from '../model.ts';
import { escapeHtml } from '../text/escape-html.ts';
import type { ParsedFeed, ParsedItem } from './types.ts';
import { atomPeople, describeItemError, mediaImage } from './extensions.ts';
import {
  attr, children, firstText, isMarkup, joinBase, ownAttrs, parseXmlFeed, rawNodes, text,
  type RawRecord, type XNode,
} from './xml-feed.ts';

export async function parseAtom(xml: string, where: string, format: 'atom-0.3' | 'atom-1.0'): Promise<ParsedFeed> {
  const { fields: feedRec, items } = await parseXmlFeed(xml, where);
  const attrs = ownAttrs(feedRec);
  const base = attrs['xml:base']?.trim() || undefined;
  const authors = atomPeople(rawNodes(feedRec, 'author'));
  const feed: ParsedFeed = {
    format,
    title: textConstruct(rawNodes(feedRec, 'title')[0])?.value,
    link: alternateLink(rawNodes(feedRec, 'link')),
    description: textConstruct(rawNodes(feedRec, 'subtitle')[0] ?? rawNodes(feedRec, 'tagline')[0])?.value,
    language: attrs['xml:lang']?.trim() || undefined,
    authors,
    image: firstText(feedRec, 'logo', 'icon') ?? mediaImage(feedRec),
    base,
    items: [],
    itemErrors: [],
  };
  items.forEach((raw, i) => {
    try {
      feed.items.push(atomEntry(raw, base, authors));
    } catch (err) {
      feed.itemErrors.push(describeItemError(i, raw, err));
    }
  });
  return feed;
}

function atomEntry(entry: RawRecord, feedBase: string | undefined, feedAuthors: ParsedFeed['authors']): ParsedItem {
  const attrs = ownAttrs(entry);
  const base = joinBase(feedBase, attrs['xml:base']);
  const contentNode = rawNodes(entry, 'content')[0];
  const content = textConstruct(contentNode);
  const summary = textConstruct(rawNodes(entry, 'summary')[0]);
  const source = rawNodes(entry, 'source')[0];
  const links = rawNodes(entry, 'link');
  let authors = atomPeople(rawNodes(entry, 'author'));
  // RFC 4287 §4.2.1: an entry without authors inherits those of its <source>, then of the feed.
  if (authors.length === 0) authors = atomPeople(children(source, 'author'));
  if (authors.length === 0) authors = feedAuthors;
  return {
    guid: firstText(entry, 'id'),
    link: alternateLink(links),
    title: asHtml(textConstruct(rawNodes(entry, 'title')[0])),
    contentHtml: content && content.type !== 'text' ? content.value : undefined,
    contentText: content?.type === 'text' ? content.value : undefined,
    summaryHtml: asHtml(summary),
    // Atom 1.0 published/updated; Atom 0.3 issued (or created) / modified.
    published: firstText(entry, 'published', 'issued', 'created'),
    updated: firstText(entry, 'updated', 'modified'),
    authors,
    categories: categories(entry),
    language: attrs['xml:lang']?.trim() || attr(contentNode, 'xml:lang')?.trim() || undefined,
    // The entry's base (over the feed's): what its link and, almost always, its content resolve against.
    base,
    ...constructBase(base, content ? contentNode : rawNodes(entry, 'summary')[0]),
    image: mediaImage(entry),
    enclosures: enclosureLinks(links),
  };
}

/** The xml:base a text construct sets for itself, over the entry's: `{}` when it sets none. */
function constructBase(entryBase: string | undefined, n: XNode | undefined): { contentBase?: string } {
  const own = attr(n, 'xml:base');
  const joined = own?.trim() ? joinBase(entryBase, own) : undefined;
  return joined ? { contentBase: joined } : {};
}

interface TextValue {
  /** `text` is plain text; `html` is HTML (escaped or inline xhtml, both returned as HTML). */
  type: 'text' | 'html';
  value: string;
}

/**
 * An Atom text construct. 1.0: type text | html | xhtml (or a MIME type); 0.3: type is a MIME type
 * and mode is xml | escaped | base64. The xhtml wrapper <div> is not part of the value (RFC 4287 §3.1.1.3).
 */
export function textConstruct(n: XNode | undefined): TextValue | undefined {
  if (n === undefined) return undefined;
  const type = (attr(n, 'type') ?? 'text').trim().toLowerCase();
  const mode = attr(n, 'mode')?.trim().toLowerCase();
  let value = text(n);
  if (value === undefined) return undefined;
  // Base64: Atom 0.3 says so with mode="base64"; Atom 1.0 with any MIME type that is neither text nor
  // XML (RFC 4287 §4.1.3.3). The decoded bytes are read as UTF-8 markup.
  // Feeds mislabel text with odd MIME types (application/json, x-custom), so a value is decoded only
  // when it is base64 and decodes to UTF-8 text; otherwise it stays as written.
  const mime = type.includes('/');
  const decoded =
    mode === 'base64' || (mime && !type.startsWith('text/') && !/[/+]xml$/.test(type)) ? fromBase64(value) : undefined;
  if (decoded !== undefined) value = decoded;
  // After decoding, the type still decides: only text / text/plain is plain text (0.3 defaults to it).
  const plain = type === 'text' || type === 'text/plain';
  const html = isMarkup(n) || (decoded !== undefined ? !plain : !plain && (type === 'html' || type === 'text/html' || type.includes('xhtml')));
  // Only xhtml content has the wrapper <div> that is not part of the value.
  if (isMarkup(n) && type.includes('xhtml')) value = unwrapDiv(value);
  return { type: html ? 'html' : 'text', value };
}

function fromBase64(s: string): string | undefined {
  const compact = s.replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(compact) || compact.length % 4 !== 0) return undefined;
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(Buffer.from(compact, 'base64')).trim();
  } catch (err) {
    void err; // not UTF-8 text: the value was not base64 after all, or is binary we cannot show
    return undefined;
  }
}

/** Removes the single xhtml <div> wrapper around xhtml content, keeping what is inside it. */
function unwrapDiv(markup: string): string {
  const m = /^\s*<(?:[\w-]+:)?div\b[^>]*>([\s\S]*)<\/(?:[\w-]+:)?div>\s*$/.exec(markup);
  return (m?.[1] ?? markup).trim();
}

/** A text construct as HTML: ParsedItem titles and summaries are HTML, so plain text is escaped once here. */
function asHtml(v: TextValue | undefined): string | undefined {
  if (v === undefined) return undefined;
  return v.type === 'text' ? escapeHtml(v.value) : v.value;
}

/**
 * The rel="alternate" link (rel absent means alternate, RFC 4287 §4.2.7.2); never self or enclosure,
 * which are not the page. An attribute-less <link>text</link> (RSS habits in Atom) is the last resort.
 */
function alternateLink(links: XNode[]): string | undefined {
  const alt = links.find((l) => attr(l, 'href')?.trim() && (attr(l, 'rel')?.trim() || 'alternate') === 'alternate');
  return attr(alt, 'href')?.trim() ?? links.map((l) => (attr(l, 'href') === undefined ? text(l) : undefined)).find((t) => t !== undefined);
}

function enclosureLinks(links: XNode[]): Enclosure[] {
  const out: Enclosure[] = [];
  for (const l of links) {
    const url = attr(l, 'href')?.trim();
    if (attr(l, 'rel')?.trim() !== 'enclosure' || !url) continue;
    const e: Enclosure = { url };
    const type = attr(l, 'type')?.trim();
    if (type) e.type = type;
    const length = Number(attr(l, 'length'));
    if (Number.isFinite(length) && length > 0) e.length = length;
    const title = attr(l, 'title')?.trim();
    if (title) e.title = title;
    out.push(e);
  }
  return out;
}

/** Category term (the identity topics match on), else its human label. */
function categories(entry: RawRecord): string[] {
  const out: string[] = [];
  for (const c of rawNodes(entry, 'category')) {
    const t = attr(c, 'term')?.trim() || attr(c, 'label')?.trim() || text(c);
    if (t) out.push(t);
  }
  return [...new Set(out)];
}
