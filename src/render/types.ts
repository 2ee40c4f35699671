// What a renderer needs to print a feed: the articles plus everything a reader needs to subscribe.
// Renderers know nothing of HTTP or the store; src/http/ builds a FeedDocument and picks one.

import type { StoredArticle } from '../model.ts';

export interface FeedDocument {
  /** Stable feed id (an absolute IRI); differs for every distinct filtered query. */
  id: string;
  title: string;
  description: string;
  /** The human page of this feed (a topic page or the home page). */
  homePageUrl: string;
  /** This document's own URL, with its query string. */
  selfUrl: string;
  /** RFC 5005 paging links, absolute. */
  nextUrl?: string;
  previousUrl?: string;
  firstUrl?: string;
  language?: string;
  /** Newest change among the articles (the feed's updated/lastBuildDate). */
  updated: Date;
  /** Human-readable generator string, e.g. "Tidings 0.1.0". */
  generator: string;
  /** Absolute base for links to local article pages and icons. */
  baseUrl: string;
  /** WebSub hub URL, when one is configured. */
  hubUrl?: string;
  articles: StoredArticle[];
  /** Remote sources by id: the channel an article came from, for RSS `<source>`. Local articles have none. */
  sources?: ReadonlyMap<string, FeedSource>;
}

/** A remote source as a feed credits it: its feed URL and its title. */
export interface FeedSource {
  url: string;
  title: string;
}

/** A rendered body ready to send, encoded. */
export interface Rendered {
  body: Buffer;
  contentType: string;
  /** Why the page holds fewer articles than asked for, when its byte budget cut it short. */
  truncated?: string;
}
