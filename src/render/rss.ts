// RSS 2.0 output: a FeedDocument as an RSS channel with Atom paging/self/hub links, content:encoded and
// dc:creator. Written by the `feed` package (v6), as the project asks, from the Feed that
// ./feed-library.ts builds; ./feed-fixes.ts corrects what feed gets wrong in RSS (name-only <author>,
// every guid isPermaLink="false", links rewritten by `new URL()`, CDATA titles, guessed enclosure types,
// namespaces declared only sometimes, no RFC 5005 paging links) and writes the result with ./xml.ts escaping.
// The result names /feed.xsl (./feed-style.ts) so that a browser opening it shows a page.

import { buildFeed } from './feed-library.ts';
import { fixRss } from './feed-fixes.ts';
import { withStylesheet } from './feed-style.ts';
import type { FeedDocument } from './types.ts';

export const RSS_CONTENT_TYPE = 'application/rss+xml; charset=utf-8';

export function renderRss(doc: FeedDocument): string {
  return withStylesheet(fixRss(buildFeed(doc, 'rss').rss2(), doc), doc.baseUrl);
}
