// RSS 0.9x, 1.0 (RDF) and 2.0: maps rss-parser's raw output to a ParsedFeed. Each field's fallback chain
// is written once, in order (after gofeed's translator); values stay raw for src/normalize/.

import type { Enclosure, Person } from '../model.ts';
import type { FeedFormat, ParsedFeed, ParsedItem } from './types.ts';
import {
  attr, children, firstText, joinBase, ownAttrs, parseXmlFeed, rawNodes, text,
  type RawRecord,
} from './xml-feed.ts';
import { atomPeople, describeItemError, mediaEnclosures, mediaImage } from './extensions.ts';

export interface RssRoot {
  format: Extract<FeedFormat, 'rss-0.9x' | 'rss-1.0' | 'rss-2.0'>;
  /** Attributes of the root element (<rss> or <rdf:RDF>), read by the dispatcher. */
  rootAttrs: Record<string, string>;
}

export async function parseRss(xml: string, where: string, root: RssRoot): Promise<ParsedFeed> {
  const { fields: channel, items } = await parseXmlFeed(xml, where);
  const channelAttrs = ownAttrs(channel);
  const base = joinBase(root.rootAttrs['xml:base'], channelAttrs['xml:base']);
  const feed: ParsedFeed = {
    format: root.format,
    title: firstText(channel, 'title', 'dc:title'),
    link: rssLink(channel),
    description: firstText(channel, 'description', 'dc:description', 'itunes:summary'),
    language: firstText(channel, 'language', 'dc:language') ?? channelAttrs['xml:lang'] ?? root.rootAttrs['xml:lang'],
    authors: firstPeople(channel, 'managingEditor', 'webMaster', 'dc:author', 'dc:creator', 'itunes:author'),
    image: channelImage(channel),
    ttlMinutes: ttl(channel),
    base,
    items: [],
    itemErrors: [],
  };
  items.forEach((raw, i) => {
    try {
      feed.items.push(rssItem(raw, base));
    } catch (err) {
      feed.itemErrors.push(describeItemError(i, raw, err));
    }
  });
  return feed;
}

function rssItem(item: RawRecord, channelBase: string | undefined): ParsedItem {
  const attrs = ownAttrs(item);
  const guidNode = rawNodes(item, 'guid')[0];
  // RSS 1.0 has no guid: rdf:about is the item's URI, its identity.
  const guid = text(guidNode) ?? attrs['rdf:about']?.trim();
  const out: ParsedItem = {
    guid,
    guidIsPermaLink: guid === undefined || guidNode === undefined ? undefined : attr(guidNode, 'isPermaLink')?.trim().toLowerCase() !== 'false',
    link: rssLink(item),
    title: firstText(item, 'title', 'dc:title'),
    // Description is HTML in practice whether CDATA, escaped or naked (kept verbatim by xml-feed.ts).
    contentHtml: firstText(item, 'content:encoded', 'atom:content'),
    summaryHtml: firstText(item, 'description', 'dc:description', 'itunes:summary', 'atom:summary'),
    published: firstText(item, 'pubDate', 'dc:date', 'atom:published', 'issued'),
    updated: firstText(item, 'atom:updated', 'dc:modified', 'dc:date'),
    authors: firstPeople(item, 'author', 'dc:author', 'dc:creator', 'itunes:author'),
    categories: categories(item),
    language: firstText(item, 'dc:language') ?? attrs['xml:lang'],
    base: joinBase(channelBase, attrs['xml:base']),
    image: mediaImage(item),
    enclosures: enclosures(item),
  };
  if (out.authors.length === 0) out.authors = atomPeople(rawNodes(item, 'atom:author'));
  return out;
}

/** RSS <link> text (the first non-empty), else an atom:link to the alternate page. */
function rssLink(rec: RawRecord): string | undefined {
  const plain = firstText(rec, 'link');
  if (plain !== undefined) return plain;
  const links = [...rawNodes(rec, 'link'), ...rawNodes(rec, 'atom:link')];
  const alt = links.find((l) => attr(l, 'href') && (attr(l, 'rel') ?? 'alternate') === 'alternate');
  return attr(alt, 'href')?.trim();
}


function channelImage(channel: RawRecord): string | undefined {
  for (const img of rawNodes(channel, 'image')) {
    const url = text(children(img, 'url')[0]) ?? attr(img, 'rdf:resource');
    if (url !== undefined) return url;
  }
  const itunes = attr(rawNodes(channel, 'itunes:image')[0], 'href');
  return itunes?.trim() || mediaImage(channel);
}

function ttl(channel: RawRecord): number | undefined {
  const t = firstText(channel, 'ttl');
  if (t === undefined || !/^\d+$/.test(t)) return undefined;
  return Number(t);
}

/** Categories as labelled: every <category>, dc:subject and embedded atom:category term, deduplicated. */
function categories(item: RawRecord): string[] {
  const out: string[] = [];
  for (const n of [...rawNodes(item, 'category'), ...rawNodes(item, 'dc:subject')]) {
    const t = text(n);
    if (t !== undefined) out.push(t);
  }
  for (const n of rawNodes(item, 'atom:category')) {
    const t = attr(n, 'term')?.trim() || attr(n, 'label')?.trim();
    if (t) out.push(t);
  }
  return [...new Set(out)];
}

function enclosures(item: RawRecord): Enclosure[] {
  const out: Enclosure[] = [];
  for (const n of rawNodes(item, 'enclosure')) {
    const url = attr(n, 'url')?.trim() || text(n);
    if (!url) continue;
    const e: Enclosure = { url };
    const type = attr(n, 'type')?.trim();
    if (type) e.type = type;
    const length = Number(attr(n, 'length'));
    if (Number.isFinite(length) && length > 0) e.length = length;
    out.push(e);
  }
  for (const e of mediaEnclosures(item)) if (!out.some((o) => o.url === e.url)) out.push(e);
  return out;
}

/** The first field of the chain that names anyone gives the authors; every occurrence of it counts. */
function firstPeople(rec: RawRecord, ...names: string[]): Person[] {
  for (const name of names) {
    const people = rawNodes(rec, name)
      .map(text)
      .filter((t): t is string => t !== undefined)
      .map(parsePerson);
    if (people.length > 0) return people;
  }
  return [];
}

/** RSS people are free text: `email (Name)`, `Name (email)`, `Name <email>`, a bare email or a bare name. */
export function parsePerson(s: string): Person {
  const emailThenName = /^([^\s()<>]+@[^\s()<>]+)\s*\((.+)\)$/.exec(s);
  if (emailThenName?.[1] && emailThenName[2]) return { name: emailThenName[2].trim(), email: emailThenName[1] };
  const nameThenEmail = /^(.*?)\s*[(<]([^\s()<>]+@[^\s()<>]+)[)>]$/.exec(s);
  if (nameThenEmail?.[2]) return { name: nameThenEmail[1]?.trim() ?? '', email: nameThenEmail[2] };
  if (/^[^\s@]+@[^\s@]+$/.test(s)) return { name: '', email: s };
  return { name: s };
}
