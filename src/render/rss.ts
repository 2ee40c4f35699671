// RSS 2.0 output: a FeedDocument as an RSS channel with Atom paging/self/hub links, content:encoded and
// dc:creator. Escaping is delegated to ./xml.ts.
//
// Written by hand rather than with the `feed` package (v6), whose rss2() we measured to: emit name-only
// `<author>` (RSS wants an e-mail address there), declare xmlns:dc only when an item has content, mark every
// guid isPermaLink="false", pass links through `new URL()` (throws on IRIs it cannot parse, percent-encodes
// the rest so links differ from the JSON Feed), keep control characters, and lack RFC 5005 paging links.

import type { Enclosure, StoredArticle } from '../model.ts';
import { isLanguageTag, isMediaType, rfc822, UNKNOWN_MEDIA_TYPE } from './common.ts';
import type { FeedDocument } from './types.ts';
import {
  emptyElement,
  parentElement,
  plainTextToHtml,
  textElement,
  XML_DECLARATION,
} from './xml.ts';

export const RSS_CONTENT_TYPE = 'application/rss+xml; charset=utf-8';

const NS = {
  atom: 'http://www.w3.org/2005/Atom',
  content: 'http://purl.org/rss/1.0/modules/content/',
  dc: 'http://purl.org/dc/elements/1.1/',
};

export function renderRss(doc: FeedDocument): string {
  const channel: string[] = [
    textElement('title', doc.title),
    textElement('link', doc.homePageUrl),
    textElement('description', doc.description),
  ];
  if (isLanguageTag(doc.language)) channel.push(textElement('language', doc.language));
  channel.push(
    textElement('lastBuildDate', rfc822(doc.updated)),
    textElement('generator', doc.generator),
    textElement('docs', 'https://www.rssboard.org/rss-specification'),
    ...atomLinks(doc),
    ...doc.articles.map(renderItem),
  );
  const rss = parentElement('rss', [parentElement('channel', channel)], {
    version: '2.0',
    'xmlns:atom': NS.atom,
    'xmlns:content': NS.content,
    'xmlns:dc': NS.dc,
  });
  return `${XML_DECLARATION}\n${rss}\n`;
}

/** RSS has no self, paging or hub links of its own; atom:link is the convention readers follow. */
function atomLinks(doc: FeedDocument): string[] {
  const type = 'application/rss+xml';
  const links = [emptyElement('atom:link', { rel: 'self', type, href: doc.selfUrl })];
  const paging: [string, string | undefined][] = [
    ['first', doc.firstUrl],
    ['previous', doc.previousUrl],
    ['next', doc.nextUrl],
  ];
  for (const [rel, href] of paging) {
    if (href !== undefined) links.push(emptyElement('atom:link', { rel, type, href }));
  }
  if (doc.hubUrl !== undefined) links.push(emptyElement('atom:link', { rel: 'hub', href: doc.hubUrl }));
  return links;
}

function renderItem(article: StoredArticle): string {
  const children: string[] = [
    textElement('title', article.title),
    textElement('link', article.url),
    // A guid is a permalink only when it is the article's URL; our ids are usually `urn:` IRIs.
    textElement('guid', article.id, { isPermaLink: article.id === article.url ? 'true' : 'false' }),
    textElement('pubDate', rfc822(article.published)),
  ];
  // Readers treat <description> as HTML, so the plain-text summary is HTML-escaped before XML escaping.
  if (article.summary !== '') children.push(textElement('description', plainTextToHtml(article.summary)));
  if (article.contentHtml !== '') children.push(textElement('content:encoded', article.contentHtml));
  // RSS <author> must be an e-mail address; names go to dc:creator.
  for (const author of article.authors) children.push(textElement('dc:creator', author.name));
  for (const topic of article.topics) children.push(textElement('category', topic));
  // The RSS Advisory Board recommends at most one enclosure per item; Atom and JSON Feed carry the rest.
  const enclosure = article.enclosures[0];
  if (enclosure !== undefined) children.push(renderEnclosure(enclosure));
  return parentElement('item', children);
}

/** All three attributes are required by RSS 2.0; `0` is the documented value for an unknown length. */
function renderEnclosure(enclosure: Enclosure): string {
  return emptyElement('enclosure', {
    url: enclosure.url,
    length: enclosure.length ?? 0,
    type: isMediaType(enclosure.type) ? enclosure.type : UNKNOWN_MEDIA_TYPE,
  });
}
