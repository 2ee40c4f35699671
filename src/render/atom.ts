// Atom 1.0 (RFC 4287) output, valid against shared/schemas/atom.rnc and atom-rules.sch, with RFC 5005
// paging links and a WebSub hub link. Escaping is delegated to ./xml.ts.
//
// Written by hand rather than with the `feed` package (v6), whose atom1() we measured to: write titles and
// plain-text summaries as type="html" CDATA (so a title "a <b> c" loses its "<b>" in readers), put ids
// through `new URL()` (throws on `not-a-url`, percent-encodes `urn:tidings:local:привіт` into another id),
// derive enclosure types from the file extension ("image/mp3") ignoring the given type, keep control
// characters, and have no xml:lang, published-date fallback or paging links.

import type { Enclosure, Person, StoredArticle } from '../model.ts';
import { FALLBACK_AUTHOR_NAME, isLanguageTag, isMediaType, rfc3339 } from './common.ts';
import type { FeedDocument } from './types.ts';
import { emptyElement, parentElement, textElement, XML_DECLARATION } from './xml.ts';

export const ATOM_CONTENT_TYPE = 'application/atom+xml; charset=utf-8';

const ATOM_NS = 'http://www.w3.org/2005/Atom';
const FALLBACK_AUTHOR: Person = { name: FALLBACK_AUTHOR_NAME };

export function renderAtom(doc: FeedDocument): string {
  const children: string[] = [
    textElement('id', doc.id),
    textElement('title', doc.title, { type: 'text' }),
  ];
  if (doc.description !== '') children.push(textElement('subtitle', doc.description, { type: 'text' }));
  children.push(textElement('updated', rfc3339(doc.updated)), ...feedLinks(doc));
  // RFC 4287 §4.1.1: the feed needs an author unless every entry has one.
  if (doc.articles.some((a) => a.authors.length === 0)) children.push(renderPerson(FALLBACK_AUTHOR));
  children.push(textElement('generator', doc.generator));
  children.push(...doc.articles.map((a) => renderEntry(a, doc.language)));

  const attrs = { xmlns: ATOM_NS, 'xml:lang': isLanguageTag(doc.language) ? doc.language : undefined };
  return `${XML_DECLARATION}\n${parentElement('feed', children, attrs)}\n`;
}

function feedLinks(doc: FeedDocument): string[] {
  const type = 'application/atom+xml';
  const links = [
    emptyElement('link', { rel: 'self', type, href: doc.selfUrl }),
    emptyElement('link', { rel: 'alternate', type: 'text/html', href: doc.homePageUrl }),
  ];
  const paging: [string, string | undefined][] = [
    ['first', doc.firstUrl],
    ['previous', doc.previousUrl],
    ['next', doc.nextUrl],
  ];
  for (const [rel, href] of paging) {
    if (href !== undefined) links.push(emptyElement('link', { rel, type, href }));
  }
  if (doc.hubUrl !== undefined) links.push(emptyElement('link', { rel: 'hub', href: doc.hubUrl }));
  return links;
}

function renderEntry(article: StoredArticle, feedLanguage: string | undefined): string {
  const children: string[] = [
    textElement('id', article.id),
    textElement('title', article.title, { type: 'text' }),
    emptyElement('link', { rel: 'alternate', type: 'text/html', href: article.url }),
    textElement('published', rfc3339(article.published)),
    textElement('updated', rfc3339(article.updated)),
  ];
  // The feed-level author would be inherited too, but an entry copied out of the feed (an aggregator,
  // a reader's "share") then has none; naming it on the entry keeps every entry self-contained.
  const authors = article.authors.length > 0 ? article.authors : [FALLBACK_AUTHOR];
  for (const author of authors) children.push(renderPerson(author));
  for (const topic of article.topics) children.push(emptyElement('category', { term: topic }));
  if (article.summary !== '') children.push(textElement('summary', article.summary, { type: 'text' }));
  if (article.contentHtml !== '') {
    children.push(textElement('content', article.contentHtml, { type: 'html' }));
  }
  for (const enclosure of article.enclosures) children.push(renderEnclosure(enclosure));

  const lang = article.language !== feedLanguage && isLanguageTag(article.language) ? article.language : undefined;
  return parentElement('entry', children, { 'xml:lang': lang });
}

function renderPerson(person: Person): string {
  const children = [textElement('name', person.name)];
  if (person.url !== undefined) children.push(textElement('uri', person.url));
  // atom.rnc requires an "@" in atom:email; a malformed address is dropped, not published invalid.
  if (person.email !== undefined && person.email.includes('@')) {
    children.push(textElement('email', person.email));
  }
  return parentElement('author', children);
}

function renderEnclosure(enclosure: Enclosure): string {
  return emptyElement('link', {
    rel: 'enclosure',
    href: enclosure.url,
    type: isMediaType(enclosure.type) ? enclosure.type : undefined,
    length: enclosure.length,
    title: enclosure.title,
  });
}
