// What every format parser produces before normalization: the source's own words, untrusted and
// unresolved (relative URLs, raw date strings, unsanitized HTML). src/normalize/ turns a ParsedItem
// into an Article; nothing else does.

import type { Enclosure, Person } from '../model.ts';

export type FeedFormat =
  | 'rss-0.9x'
  | 'rss-1.0'
  | 'rss-2.0'
  | 'atom-0.3'
  | 'atom-1.0'
  | 'jsonfeed'
  | 'markdown'
  | 'text';

export interface ParsedItem {
  /** RSS guid, Atom id, JSON Feed id: the source's own identity for the item, if any. */
  guid?: string;
  /** RSS says isPermaLink="false": the guid is not a URL to link to. */
  guidIsPermaLink?: boolean;
  link?: string;
  /**
   * The title as HTML, as RSS and Atom type="html" carry it: normalize turns it into plain text once.
   * A parser that reads a plain-text title (Atom type="text", JSON Feed, content/ files) escapes it,
   * or `Vec<T>` would lose its `<T>` as a tag.
   */
  title?: string;
  /** Full content as HTML (untrusted). */
  contentHtml?: string;
  /** Full content as plain text, for formats that give text (JSON Feed content_text). */
  contentText?: string;
  /** Summary/description as HTML (untrusted); normalize derives plain text from it. */
  summaryHtml?: string;
  /** Raw date strings exactly as found (RFC 822, ISO 8601, dc:date…), or Dates where already typed. */
  published?: string | Date;
  updated?: string | Date;
  authors: Person[];
  categories: string[];
  /** xml:lang / JSON Feed language of the item. */
  language?: string;
  /** xml:base in effect for the item, if any. */
  base?: string;
  /** xml:base the content (or summary, when it stands in for content) sets for itself, over `base`. */
  contentBase?: string;
  image?: string;
  enclosures: Enclosure[];
  /** Local articles only: topics named explicitly in front matter. */
  topics?: string[];
  /** Local articles only: the slug from front matter or the file name. */
  slug?: string;
}

export interface ParsedFeed {
  format: FeedFormat;
  title?: string;
  /** The feed's home page. */
  link?: string;
  description?: string;
  language?: string;
  authors: Person[];
  image?: string;
  /** RSS <ttl>, in minutes. */
  ttlMinutes?: number;
  /** xml:base of the feed element. */
  base?: string;
  items: ParsedItem[];
  /** Items that could not be read, with why; the rest of the feed is still used. */
  itemErrors: string[];
  /** Set when the text was not well-formed and was read leniently: the strict error and the repairs. */
  recovered?: string;
}
