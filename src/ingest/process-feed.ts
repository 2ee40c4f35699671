// The CPU part of one poll — parse → normalize → classify a fetched body — as one function of plain
// data, so it can run in a worker thread (worker-pool.ts) as well as in place (CLI, tests). Returns an
// outcome, never throws: a bad feed is a `failed` outcome with the parser's error, a bad item a warning.

import { classify, type CompiledTopics } from '../classify/topics.ts';
import { describeError } from '../errors.ts';
import type { IndexedArticle, Source, Topic } from '../model.ts';
import { parseDate } from '../normalize/dates.ts';
import { normalizeItem } from '../normalize/normalize.ts';
import { parseFeed, type FeedFormat, type ParsedFeed, type ParsedItem } from '../parse/index.ts';
import { withStorySignature } from '../stories/signature.ts';
import { VERSION } from '../version.ts';
import { digest } from './hashes.ts';

/** Everything the work needs, structured-clone safe (it crosses to a worker thread). */
export interface FeedJob {
  text: string;
  /** The URL the body came from (after redirects): the base of relative URLs and the name in errors. */
  url: string;
  contentType?: string;
  /** The response's Content-Location: the base of relative URLs before the document URL. */
  contentLocation?: string;
  source: Source;
  baseUrl: string;
  now: Date;
  /** The topics configuration; a worker compiles it once per distinct configuration. */
  topics: readonly Topic[];
  /** Items kept per feed, newest first. */
  maxItems: number;
  /** Item hashes (itemHashes of the last stored body): an item with one of them is skipped as unchanged. */
  knownItems?: readonly string[];
}

export type FeedOutcome =
  | {
      kind: 'ok';
      format: FeedFormat;
      title?: string;
      ttlMinutes?: number;
      /** Items in the feed, before the cap. */
      itemCount: number;
      /** The new and edited items' articles; unchanged items have none. */
      articles: IndexedArticle[];
      /** Items skipped because their hash was known: nothing to normalize, classify or write. */
      unchangedItems: number;
      /** Hashes of the kept items that are stored once `articles` are (the next poll's knownItems). */
      itemHashes: string[];
      /** Set when the body was malformed XML read leniently: the strict error and what was repaired. */
      recovered?: string;
      /** Items skipped and data repaired, one line each, for the log. */
      warnings: string[];
    }
  | { kind: 'failed'; error: string };

export async function processFeed(job: FeedJob, compiled: CompiledTopics): Promise<FeedOutcome> {
  let feed: ParsedFeed;
  try {
    feed = await parseFeed(job.text, { url: job.url, ...(job.contentType ? { contentType: job.contentType } : {}) });
  } catch (err) {
    return { kind: 'failed', error: describeError(err) };
  }
  const warnings = feed.itemErrors.map((problem) => `item skipped: ${problem}`);
  const items = newest(feed.items, job.maxItems);
  if (items.length < feed.items.length) {
    warnings.push(`feed has ${feed.items.length} items; kept the newest ${items.length}`);
  }
  const known = new Set(job.knownItems);
  const context = itemContext(feed, job);
  const hashed = items.map((item) => ({ item, hash: digest(context, JSON.stringify(item)) }));
  const changed = hashed.filter(({ hash }) => !known.has(hash));
  const itemHashes = hashed.filter(({ hash }) => known.has(hash)).map(({ hash }) => hash);
  const articles = normalizeAll(changed, feed, job, warnings, itemHashes).map((article) => withStorySignature({
    ...article,
    topics: classify(article, compiled, job.source, article.text),
  }));
  const outcome: FeedOutcome = {
    kind: 'ok', format: feed.format, itemCount: feed.items.length, articles,
    unchangedItems: items.length - changed.length, itemHashes, warnings,
  };
  if (feed.title) outcome.title = feed.title;
  if (feed.ttlMinutes !== undefined) outcome.ttlMinutes = feed.ttlMinutes;
  if (feed.recovered) outcome.recovered = feed.recovered;
  return outcome;
}

/**
 * At most `max` items, the newest by their own dates (a feed is usually but not always newest first);
 * undated items count as oldest and keep document order.
 */
function newest(items: ParsedItem[], max: number): ParsedItem[] {
  if (items.length <= max) return items;
  const dated = items.map((item, index) => {
    const raw = item.published ?? item.updated;
    const time = raw === undefined ? undefined : parseDate(raw)?.getTime();
    return { item, index, time: time ?? Number.NEGATIVE_INFINITY };
  });
  dated.sort((a, b) => b.time - a.time || a.index - b.index);
  return dated.slice(0, max).sort((a, b) => a.index - b.index).map((d) => d.item);
}

/**
 * Everything besides the item that shapes its article: the same item under another base URL, source
 * configuration or version of Tidings is another item. (Topic rules are not here: a change of them
 * reclassifies the stored articles, see store.reclassify.)
 */
function itemContext(feed: ParsedFeed, job: FeedJob): string {
  return JSON.stringify([VERSION, job.url, job.contentLocation, job.baseUrl, feed.base, feed.language, job.source]);
}

/** Normalizes the changed items; the hash of each one that became an article joins `hashes`. */
function normalizeAll(
  items: { item: ParsedItem; hash: string }[],
  feed: ParsedFeed,
  job: FeedJob,
  warnings: string[],
  hashes: string[],
): IndexedArticle[] {
  const context = {
    sourceId: job.source.id,
    feedUrl: job.url,
    now: job.now,
    baseUrl: job.baseUrl,
    log: (msg: string) => warnings.push(msg),
    ...(feed.base ? { feedBase: feed.base } : {}),
    ...(job.contentLocation ? { contentLocation: job.contentLocation } : {}),
    ...(feed.language ? { feedLanguage: feed.language } : {}),
  };
  const articles: IndexedArticle[] = [];
  items.forEach(({ item, hash }, index) => {
    try {
      articles.push(normalizeItem(item, context));
      hashes.push(hash);
    } catch (err) {
      warnings.push(`item ${index}${item.guid ? ` (${item.guid})` : ''} skipped: ${describeError(err)}`);
    }
  });
  return articles;
}
