// The common model: every step of the data flow speaks these types, and nothing here does I/O.
// Sources produce Articles, the classifier fills `topics`, the store keeps them, renderers print them.

import type { StorySignature } from './stories/signature.ts';

/** A person credited on an article or a feed. */
export interface Person {
  name: string;
  url?: string;
  email?: string;
}

/** A media file attached to an article (podcast audio, a PDF…). */
export interface Enclosure {
  url: string;
  type?: string;
  /** Size in bytes, when the source says. */
  length?: number;
  title?: string;
}

/**
 * One article, whatever it came from. Invariants every producer guarantees:
 * - `id` is an absolute IRI that never changes for the same article (feeds publish it as guid/id);
 * - `title` is plain text, never empty; `summary` is plain text; `contentHtml` is already sanitized;
 * - `published <= updated`, both real dates (no NaN).
 */
export interface Article {
  id: string;
  title: string;
  /** Canonical URL of the article's own page (tracking parameters and fragment removed); '' when the
   *  source gave it no link of its own (every format then leaves the link out). */
  url: string;
  summary: string;
  contentHtml: string;
  published: Date;
  updated: Date;
  authors: Person[];
  /** BCP 47 tag (`uk`, `en`, `en-GB`), when known. */
  language?: string;
  /** The source this copy was read from: a source id from `feeds/`, or `local` for `content/`. */
  sourceId: string;
  /** Categories as the source labelled them (RSS `<category>`, Atom `term`, front matter `tags`). */
  categories: string[];
  /** Topic ids assigned by Tidings (classification plus explicit front matter topics). */
  topics: string[];
  image?: string;
  enclosures: Enclosure[];
  /** URL-safe slug of a local article's page `/articles/<slug>`; absent for remote articles. */
  slug?: string;
  /** The source gave no readable date: `published`/`updated` are first-seen, and a store keeps its own. */
  datesUnknown?: true;
}

/** What normalize hands on: the article plus the plain text of its body, extracted once. */
export interface IndexedArticle extends Article {
  text: string;
  /** What the store compares to find other sources' copies of the same story (src/stories/). */
  story?: StorySignature;
  /**
   * Title, summary and text as the full-text index holds them (src/text/search.ts searchableText),
   * folded in the ingest worker so the store does not fold them again on the serving thread.
   */
  searchable?: { title: string; summary: string; text: string; stems: string };
}

/** Another source's copy of a story, listed under the article that leads it. */
export interface RelatedArticle {
  id: string;
  url: string;
  title: string;
  sourceId: string;
}

/** An article as the store returns it: plus every source it was seen in. */
export interface StoredArticle extends Article {
  sources: string[];
  /** Set when this article is another source's copy of a story: the id of the article that leads it. */
  storyId?: string;
  /** On a story's leading article, in query results: the other sources' copies, earliest first. */
  related?: RelatedArticle[];
}

/** Keyword, category and source rules that put an article into a topic. */
export interface TopicRules {
  /** Keywords in any language; see src/classify/topics.ts for the matching syntax. */
  keywords: string[];
  /** Source categories (case-insensitive, exact). */
  categories: string[];
  /** Source ids whose every article belongs to the topic. */
  sources: string[];
}

export interface Topic {
  /** URL-safe id: lowercase letters, digits and dashes. `all` is reserved. */
  id: string;
  /** The title and description feeds use (see localizedTopic in render/html.ts for pages). */
  title: string;
  description: string;
  /** Per interface language (`uk`, `en`), when feeds/topics.yaml gives them so. */
  titles?: Readonly<Record<string, string>>;
  descriptions?: Readonly<Record<string, string>>;
  rules: TopicRules;
  /** `separate` (topics.yaml `stories: off`): its feeds and page list every copy of a story on its own. */
  stories?: 'separate';
}

/** A remote feed polled over HTTP, as configured in `feeds/`. */
export interface Source {
  id: string;
  url: string;
  title?: string;
  /** Topics every article of this source gets. */
  topics: string[];
  /** Source category (lowercased) → topic ids. */
  categoryTopics: Record<string, string[]>;
  intervalMinutes: number;
  enabled: boolean;
  /** Items that arrive as teasers get their article page fetched and extracted (src/ingest/fulltext.ts). */
  fulltext?: boolean;
}

/** Position in a date-ordered list: the last article of the previous page. */
export interface Cursor {
  published: Date;
  id: string;
}

/**
 * One word of a search. `word`: the phrase of index words, whole; `prefix`: its last word may be the
 * start of a longer one (an explicit `*`); `stem`: a single stem, matching every word whose search
 * stem it is (Франція finds Франції) — the index keeps each article's stems beside its words.
 */
export interface SearchTerm {
  words: string[];
  match: 'word' | 'prefix' | 'stem';
}

/** What a feed request asks the store for. Newest first, always. */
export interface ArticleQuery {
  /** Union of topics; empty or absent means every article. */
  topics?: string[];
  excludeTopics?: string[];
  sources?: string[];
  /** Primary language subtag match: `uk` matches `uk` and `uk-UA`. */
  lang?: string;
  /** Full-text search over title, summary and text: every term must match (see src/text/search.ts). */
  terms?: SearchTerm[];
  /** Only articles published at or after this instant. */
  since?: Date;
  /** Only articles strictly older than this position (paging towards the past). */
  before?: Cursor;
  /**
   * Only articles strictly newer than this position: the `limit` of them closest to it, still returned
   * newest first (paging back towards the present: RFC 5005 "previous").
   */
  after?: Cursor;
  limit: number;
  /** `separate`: every article on its own; by default a story shows once, as its leading article. */
  stories?: 'separate';
}
