// Builds a `feed` package (v6) Feed from a FeedDocument: everything `feed` can write correctly is handed
// to it here. What it cannot be handed as is, and what it writes wrong, is dealt with in ./feed-fixes.ts.

import { Feed, type Author, type Enclosure as FeedEnclosure, type Item } from 'feed';
import type { Enclosure, Person, StoredArticle } from '../model.ts';
import { FALLBACK_AUTHOR_NAME, isLanguageTag, siteIconUrl, webEnclosures, webLink } from './common.ts';
import { FEED_BODY_STAND_IN, feedText, feedUrl } from './feed-fixes.ts';
import type { FeedDocument } from './types.ts';
import { plainTextToHtml } from './xml.ts';

export type FeedFormat = 'rss' | 'atom';

/** Where an RSS reader learns the format (the channel's <docs>); feed's default is a validator page. */
export const RSS_DOCS_URL = 'https://www.rssboard.org/rss-specification';

const FALLBACK_AUTHOR: Person = { name: FALLBACK_AUTHOR_NAME };

export function buildFeed(doc: FeedDocument, format: FeedFormat): Feed {
  const feed = new Feed({
    id: feedText(doc.id),
    title: feedText(doc.title),
    description: feedText(doc.description),
    link: feedUrl(doc.homePageUrl),
    feedLinks: { [format]: feedUrl(doc.selfUrl) },
    hub: doc.hubUrl === undefined ? undefined : feedUrl(doc.hubUrl),
    // A malformed tag is left out rather than making the whole feed invalid.
    language: isLanguageTag(doc.language) ? doc.language : undefined,
    updated: doc.updated,
    generator: feedText(doc.generator),
    docs: RSS_DOCS_URL,
    // The site's icon: RSS <image> (its link is the channel's, as the W3C validator wants), Atom <logo>
    // from `image` and <icon> from `favicon`.
    image: feedUrl(siteIconUrl(doc.baseUrl)),
    favicon: feedUrl(siteIconUrl(doc.baseUrl)),
    // RFC 4287 §4.1.1: an Atom feed needs an author unless every entry has one (RSS ignores this option).
    author: doc.articles.some((a) => a.authors.length === 0) ? author(FALLBACK_AUTHOR) : undefined,
  });
  for (const article of doc.articles) feed.addItem(item(article, format));
  return feed;
}

function item(article: StoredArticle, format: FeedFormat): Item {
  // An Atom entry names the fallback author itself, so an entry copied out of the feed (an aggregator,
  // a reader's "share") is still self-contained; RSS has no such requirement and credits only real people.
  const people = format === 'atom' && article.authors.length === 0 ? [FALLBACK_AUTHOR] : article.authors;
  const first = webEnclosures(article.enclosures)[0];
  const link = webLink(article.url);
  return {
    title: feedText(article.title),
    id: feedUrl(article.id), // Atom <id>
    guid: feedText(article.id), // RSS <guid>
    // Without a web link feed-fixes.ts removes the link feed writes anyway (a stand-in here).
    link: feedUrl(link ?? ''),
    date: article.updated,
    published: article.published,
    // Readers treat RSS <description> as HTML, so the plain-text summary is HTML-escaped (Atom's summary
    // is set to the plain text by feed-fixes.ts).
    description: article.summary === '' ? undefined : plainTextToHtml(feedText(article.summary)),
    // RFC 4287 §4.1.1: an Atom entry without an alternate link must have a <content>, even an empty one.
    content: article.contentHtml === '' && (link !== undefined || format === 'rss') ? undefined : FEED_BODY_STAND_IN,
    author: people.map(author),
    // RSS writes a category's name, Atom its term: each format gets the field it reads.
    category: article.topics.map((topic) => (format === 'rss' ? { name: topic } : { term: topic })),
    enclosure: first === undefined ? undefined : enclosure(first),
  };
}

function author(person: Person): Author {
  const out: Author = { name: feedText(person.name) };
  if (webLink(person.url) !== undefined) out.link = feedUrl(person.url ?? '');
  // atom.rnc requires an "@" in atom:email; a malformed address is dropped, not published invalid.
  if (person.email !== undefined && person.email.includes('@')) out.email = feedText(person.email);
  return out;
}

/**
 * URL and length only: feed copies every given field into attributes (an `undefined` one would erase its
 * `length="0"` default) and guesses the type; the type and title are set by feed-fixes.ts.
 */
function enclosure(given: Enclosure): FeedEnclosure {
  const out: FeedEnclosure = { url: feedUrl(given.url) };
  if (given.length !== undefined) out.length = given.length;
  return out;
}
