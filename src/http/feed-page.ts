// A feed page from its articles: the byte budget, the document (texts, links, paging) and the chosen
// format's renderer. Pure and self-contained, so a store's query worker can run it beside the read
// (see renderQuery in src/store/store.ts): neither the articles nor their rendering then touch the
// thread that serves readers. Its input crosses threads, so it is plain data.

import { isMainThread } from 'node:worker_threads';
import { compressNow, type CompressedEncoding } from '../cache/cache.ts';
import type { Source, StoredArticle, Topic } from '../model.ts';
import type { QueryVersion } from '../store/store.ts';
import { encodeCursor, pageNeighbours, type FeedFormat, type FeedRequest } from '../query/feed-query.ts';
import { renderAtom, ATOM_CONTENT_TYPE } from '../render/atom.ts';
import { renderJsonFeed, JSON_FEED_CONTENT_TYPE } from '../render/jsonfeed.ts';
import { renderRss, RSS_CONTENT_TYPE } from '../render/rss.ts';
import { commonLanguage } from '../render/common.ts';
import { isLanguage, t, type Language } from '../render/i18n/messages.ts';
import type { FeedDocument, FeedSource } from '../render/types.ts';
import { VERSION } from '../version.ts';
import { feedUrl, topicPageUrl, withPublicUrls } from './links.ts';

const RENDERERS: Record<FeedFormat, { render: (doc: FeedDocument) => string; contentType: string }> = {
  rss: { render: renderRss, contentType: RSS_CONTENT_TYPE },
  atom: { render: renderAtom, contentType: ATOM_CONTENT_TYPE },
  json: { render: renderJsonFeed, contentType: JSON_FEED_CONTENT_TYPE },
};

/** The texts of a topic a feed shows (its rules stay behind). */
export type FeedTopic = Pick<Topic, 'id' | 'title' | 'description' | 'titles' | 'descriptions'>;

/**
 * What an empty feed that never lost an article says for `updated` and Last-Modified: the store's
 * version is then the Unix epoch, which validators call implausible and readers show as 1970. A fixed
 * instant keeps the ETag and the body in step (the version alone decides both).
 */
export const EMPTY_FEED_UPDATED = new Date('2026-01-01T00:00:00Z');

/** A page version's Last-Modified as feeds say it: EMPTY_FEED_UPDATED for the epoch. */
export function plausible(lastModified: Date): Date {
  return lastModified.getTime() > 0 ? lastModified : EMPTY_FEED_UPDATED;
}

/** Everything but the articles that one feed page is made of. */
export interface FeedPageInput {
  request: FeedRequest;
  site: { baseUrl: string; siteTitle: string; hubUrl?: string };
  /** The request's topics, in its order. */
  topics: FeedTopic[];
  /** What RSS `<source>` credits, by source id (see feedSources). */
  sources: ReadonlyMap<string, FeedSource>;
  /**
   * The page's version's Last-Modified (plausible): the feed's `updated` when it has no articles.
   * Absent when the store reads the page for this render: then its version's (see renderQuery).
   */
  lastModified?: Date;
  maxPageBytes: number;
  /** The coding the request that renders the page accepts: made beside the render on a worker thread. */
  encoding?: CompressedEncoding;
}

/** A rendered feed page, its body encoded (a Uint8Array once it has crossed from a worker). */
export interface RenderedPage {
  body: Uint8Array;
  contentType: string;
  /** Why the page holds fewer articles than asked for, when its byte budget cut it short. */
  truncated?: string;
  /** The body in the input's `encoding` (null: not worth sending compressed). */
  compressed?: { encoding: CompressedEncoding; body: Uint8Array | null };
}

/**
 * The query worker's entry (see renderQuery): the page's articles, as the store read them, rendered.
 * `version`: the page's, when the store read it for this render.
 */
export function renderArticles(stored: StoredArticle[], input: FeedPageInput, version?: QueryVersion): RenderedPage {
  const { request, site, maxPageBytes } = input;
  const articles = withPublicUrls(site.baseUrl, stored);
  const page = withinBudget(articles, request, maxPageBytes);
  const lastModified = input.lastModified ?? (version && plausible(version.lastModified));
  // A caller's mistake, not the request's: renderFeed hands one or the other.
  if (!lastModified) throw new Error(`feed page ${request.topicPath}: neither a Last-Modified nor the page's version`);
  const doc = feedDocument(site, request, input.topics, page, lastModified);
  doc.sources = input.sources;
  const renderer = RENDERERS[request.format];
  const body = Buffer.from(renderer.render(doc), 'utf8');
  const rendered: RenderedPage = { body, contentType: renderer.contentType };
  // On the serving thread (no query worker) addForm compresses on the thread pool instead.
  if (input.encoding && !isMainThread) rendered.compressed = { encoding: input.encoding, body: compressNow(body, input.encoding) };
  // Said in a header (the formats have no field for it); the feed's next link carries on.
  if (page.truncated) rendered.truncated = `${page.articles.length} of ${articles.length} articles: the page reached its ${Math.round(maxPageBytes / 1024)} KB budget; its next link continues`;
  return rendered;
}

/**
 * The buffers a rendered page holds alone, for a query worker to move to the serving thread. A small
 * Buffer may be a slice of Node's shared pool, which must stay where it is: that one is copied.
 */
export function transferablesOf(page: RenderedPage): ArrayBuffer[] {
  const owned = [page.body, page.compressed?.body].filter((b): b is Uint8Array =>
    b != null && b.byteOffset === 0 && b.byteLength === b.buffer.byteLength && b.buffer instanceof ArrayBuffer);
  return [...new Set(owned.map((b) => b.buffer as ArrayBuffer))];
}

/**
 * The sources an RSS item credits in `<source>`: the configured feed URL and title (else the id). A
 * source whose URL carries credentials is a private feed: neither its URL nor its password is published.
 */
export function feedSources(sources: readonly Source[]): Map<string, FeedSource> {
  const credited = new Map<string, FeedSource>();
  for (const source of sources) {
    if (!URL.canParse(source.url)) continue;
    const url = new URL(source.url);
    if (url.username !== '' || url.password !== '') continue;
    credited.set(source.id, { url: source.url, title: source.title ?? source.id });
  }
  return credited;
}

/** The request's topics' texts, in its order. */
export function topicsOf(request: FeedRequest, topics: readonly Topic[]): FeedTopic[] {
  return request.topics.flatMap((id) => {
    const topic = topics.find((x) => x.id === id);
    if (!topic) return [];
    const { title, description, titles, descriptions } = topic;
    return [{ id, title, description, ...(titles ? { titles } : {}), ...(descriptions ? { descriptions } : {}) }];
  });
}

/**
 * A feed's title and description. Feeds have no interface language, so they take the topics' texts
 * written first in topics.yaml; but a feed filtered to `?lang=uk` (or `uk-UA`) is read in that
 * language, so it takes the topics' texts in it where topics.yaml has them.
 */
export function feedTexts(siteTitle: string, request: FeedRequest, topics: readonly FeedTopic[]): { title: string; description: string } {
  const lang = filterLanguage(request);
  const inFilterLanguage = (texts: Readonly<Record<string, string>> | undefined, plain: string): string => (lang && texts?.[lang]) ?? plain;
  const named = topics.length
    ? topics.map((topic) => inFilterLanguage(topic.titles, topic.title)).join(' + ')
    : lang ? t(lang, 'site.allTitle') : 'All articles';
  const single = topics.length === 1 ? topics[0] : undefined;
  return {
    title: `${siteTitle}: ${named}${request.filterString !== '' ? ` (${describeFilters(request)})` : ''}`,
    description: single ? inFilterLanguage(single.descriptions, single.description) : `${siteTitle} articles${topics.length ? ` on ${named}` : ''}`,
  };
}

/** The interface language of a feed's `?lang=` filter (its primary subtag), when Tidings has texts in it. */
function filterLanguage(request: FeedRequest): Language | undefined {
  const primary = request.query.lang?.split('-')[0];
  return isLanguage(primary) ? primary : undefined;
}

interface Page {
  articles: StoredArticle[];
  /** Articles of the query were left out to keep the page within its byte budget. */
  truncated: boolean;
}

/**
 * A page stops taking articles once their text (title, summary, body) passes `maxBytes`, so `limit=500`
 * of the longest articles cannot make one response of hundreds of megabytes; the rest is one paging
 * link away. At least one article is kept, so paging always moves. An `after` page keeps the articles
 * next to its cursor (the end of the list), so the pages still join up.
 */
function withinBudget(articles: StoredArticle[], request: FeedRequest, maxBytes: number): Page {
  const fromEnd = request.query.after !== undefined;
  const ordered = fromEnd ? [...articles].reverse() : articles;
  let bytes = 0;
  let kept = 0;
  for (const a of ordered) {
    bytes += Buffer.byteLength(a.title) + Buffer.byteLength(a.summary) + Buffer.byteLength(a.contentHtml);
    if (bytes > maxBytes && kept > 0) break;
    kept++;
  }
  if (kept === articles.length) return { articles, truncated: false };
  const page = ordered.slice(0, kept);
  return { articles: fromEnd ? page.reverse() : page, truncated: true };
}

function feedDocument(site: FeedPageInput['site'], request: FeedRequest, topics: readonly FeedTopic[], page: Page, lastModified: Date): FeedDocument {
  const { articles } = page;
  const { baseUrl, siteTitle, hubUrl } = site;
  const single = topics.length === 1 ? topics[0] : undefined;
  const doc: FeedDocument = {
    id: feedId(baseUrl, request),
    ...feedTexts(siteTitle, request, topics),
    homePageUrl: single ? topicPageUrl(baseUrl, single.id) : `${baseUrl}/`,
    selfUrl: feedUrl(baseUrl, request.topicPath, request.format, request.queryString),
    updated: newest(articles) ?? lastModified,
    generator: `Tidings ${VERSION}`,
    baseUrl,
    articles,
  };
  const language = request.query.lang ?? commonLanguage(articles);
  if (language) doc.language = language;
  if (hubUrl) doc.hubUrl = hubUrl;
  Object.assign(doc, pagingLinks(baseUrl, request, page));
  return doc;
}

/**
 * RFC 5005 paging: `next` goes to older articles, `previous` back towards the newest, `first` to the
 * head of the feed. Cursors name the last (or first) article of this page, so pages stay stable while
 * new articles arrive.
 */
function pagingLinks(baseUrl: string, request: FeedRequest, page: Page): Pick<FeedDocument, 'firstUrl' | 'nextUrl' | 'previousUrl'> {
  const { query } = request;
  const { articles, truncated } = page;
  const link = (name: 'before' | 'after', a: StoredArticle): string => {
    const params = new URLSearchParams(request.filterString);
    params.set(name, encodeCursor({ published: a.published, id: a.id }));
    params.sort();
    return feedUrl(baseUrl, request.topicPath, request.format, params.toString());
  };
  const links: Pick<FeedDocument, 'firstUrl' | 'nextUrl' | 'previousUrl'> = {};
  const paged = query.before !== undefined || query.after !== undefined;
  if (paged) links.firstUrl = feedUrl(baseUrl, request.topicPath, request.format, request.filterString);
  const { older, newer } = pageNeighbours(query, articles, truncated);
  if (older) links.nextUrl = link('before', older);
  if (newer) links.previousUrl = link('after', newer);
  return links;
}

/**
 * Pages of one feed share its id (RFC 5005); a filtered query is a feed of its own. Unfiltered feeds keep
 * the `urn:tidings:feed:<topics>` ids they always had (valid URNs, and readers key on them). A filtered
 * feed's id was that URN plus `?<filters>`, which RFC 8141 does not allow; it is a tag URI (RFC 4151)
 * of BASE_URL's host instead, whose specific part may carry the query.
 */
export function feedId(baseUrl: string, request: FeedRequest): string {
  if (request.filterString === '') return `urn:tidings:feed:${request.topicPath}`;
  return `tag:${new URL(baseUrl).hostname.toLowerCase()},2026:feed:${request.topicPath}?${request.filterString}`;
}

function describeFilters(request: FeedRequest): string {
  return [...new URLSearchParams(request.filterString)].map(([k, v]) => `${k}=${v}`).join(', ');
}

function newest(articles: StoredArticle[]): Date | undefined {
  let max: Date | undefined;
  for (const a of articles) if (!max || a.updated > max) max = a.updated;
  return max;
}

