// JSON Feed 1.1 output (https://www.jsonfeed.org/version/1.1/), written by hand because the `feed` package
// only writes 1.0. `articleToJsonFeedItem` is shared with the `npm run parse` tool, which prints ingested
// articles in the same shape.

import type { Article, Enclosure, Person, RelatedArticle } from '../model.ts';
import { FALLBACK_AUTHOR_NAME, isMediaType, rfc3339, siteIconUrl, UNKNOWN_MEDIA_TYPE, webEnclosures, webLink } from './common.ts';
import type { FeedDocument } from './types.ts';
import { stripIllegalXmlChars } from './xml.ts';

export const JSON_FEED_CONTENT_TYPE = 'application/feed+json; charset=utf-8';
export const JSON_FEED_VERSION = 'https://jsonfeed.org/version/1.1';

export interface JsonFeedAuthor {
  name: string;
  url?: string;
}

export interface JsonFeedAttachment {
  url: string;
  mime_type: string;
  title?: string;
  size_in_bytes?: number;
}

/** Tidings' own extension object; JSON Feed reserves `_`-prefixed keys for publishers. */
export interface TidingsItemExtension {
  topics: string[];
  categories: string[];
  sources: string[];
  /** Other sources' copies of the story this item leads (see README "Stories"). */
  related?: { url: string; source: string; title: string }[];
}

export interface JsonFeedItem {
  id: string;
  /** Absent when the article has no web link of its own (JSON Feed 1.1 makes `url` optional). */
  url?: string;
  title: string;
  content_html: string;
  summary?: string;
  date_published: string;
  date_modified: string;
  authors?: JsonFeedAuthor[];
  tags?: string[];
  language?: string;
  image?: string;
  attachments?: JsonFeedAttachment[];
  _tidings: TidingsItemExtension;
}

export interface JsonFeedHub {
  type: string;
  url: string;
}

export interface JsonFeed {
  version: typeof JSON_FEED_VERSION;
  title: string;
  home_page_url: string;
  feed_url: string;
  description?: string;
  /** The site's icon: JSON Feed's `icon` (large, square) and `favicon` (small) are the one PNG. */
  icon: string;
  favicon: string;
  language?: string;
  authors: JsonFeedAuthor[];
  next_url?: string;
  hubs?: JsonFeedHub[];
  items: JsonFeedItem[];
}

/**
 * One article as a JSON Feed 1.1 item. Accepts a plain Article (ingestion output, before the store has
 * recorded where it was seen) as well as a StoredArticle; then `sources` is just the one it was read from.
 * Text goes through the same control-character filter as the XML formats, so a title reads the same in
 * all three.
 */
export function articleToJsonFeedItem(article: Article & { sources?: string[]; related?: RelatedArticle[] }): JsonFeedItem {
  const item: JsonFeedItem = {
    id: article.id,
    title: stripIllegalXmlChars(article.title),
    // content_html (or content_text) is required; an empty string is a valid "no body".
    content_html: stripIllegalXmlChars(article.contentHtml),
    date_published: rfc3339(article.published),
    date_modified: rfc3339(article.updated),
    _tidings: {
      topics: [...article.topics],
      categories: [...article.categories],
      sources: article.sources !== undefined ? [...article.sources] : [article.sourceId],
    },
  };
  if (article.related?.length) {
    item._tidings.related = article.related.map((r) => ({ url: r.url, source: r.sourceId, title: stripIllegalXmlChars(r.title) }));
  }
  const url = webLink(article.url);
  if (url !== undefined) item.url = url;
  if (article.summary !== '') item.summary = stripIllegalXmlChars(article.summary);
  // Without item authors, readers inherit the feed's `authors` (JSON Feed 1.1 §items.authors).
  if (article.authors.length > 0) item.authors = article.authors.map(toJsonAuthor);
  if (article.topics.length > 0) item.tags = [...article.topics];
  if (article.language !== undefined) item.language = article.language;
  const image = webLink(article.image);
  if (image !== undefined) item.image = image;
  const attachments = webEnclosures(article.enclosures);
  if (attachments.length > 0) item.attachments = attachments.map(toAttachment);
  return item;
}

export function renderJsonFeed(doc: FeedDocument): string {
  const feed: JsonFeed = {
    version: JSON_FEED_VERSION,
    title: stripIllegalXmlChars(doc.title),
    home_page_url: doc.homePageUrl,
    feed_url: doc.selfUrl,
    icon: siteIconUrl(doc.baseUrl),
    favicon: siteIconUrl(doc.baseUrl),
    authors: [{ name: FALLBACK_AUTHOR_NAME, url: doc.baseUrl }],
    items: doc.articles.map(articleToJsonFeedItem),
  };
  if (doc.description !== '') feed.description = stripIllegalXmlChars(doc.description);
  if (doc.language !== undefined) feed.language = doc.language;
  if (doc.nextUrl !== undefined) feed.next_url = doc.nextUrl;
  if (doc.hubUrl !== undefined) feed.hubs = [{ type: 'WebSub', url: doc.hubUrl }];
  return `${JSON.stringify(feed, null, 2)}\n`;
}

/** JSON Feed authors have no e-mail field; the spec allows a `mailto:` URL instead. */
function toJsonAuthor(person: Person): JsonFeedAuthor {
  const author: JsonFeedAuthor = { name: stripIllegalXmlChars(person.name) };
  if (webLink(person.url) !== undefined) author.url = person.url;
  else if (person.email !== undefined) author.url = `mailto:${person.email}`;
  return author;
}

function toAttachment(enclosure: Enclosure): JsonFeedAttachment {
  const attachment: JsonFeedAttachment = {
    url: enclosure.url,
    mime_type: isMediaType(enclosure.type) ? enclosure.type : UNKNOWN_MEDIA_TYPE,
  };
  if (enclosure.title !== undefined) attachment.title = stripIllegalXmlChars(enclosure.title);
  if (enclosure.length !== undefined) attachment.size_in_bytes = enclosure.length;
  return attachment;
}
