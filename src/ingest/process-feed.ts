// The CPU part of one poll — parse → normalize → classify a fetched body — as one function of plain
// data, so it can run in a worker thread (worker-pool.ts) as well as in place (CLI, tests). Returns an
// outcome, never throws: a bad feed is a `failed` outcome with the parser's error, a bad item a warning.

import { classify, type CompiledTopics } from '../classify/topics.ts';
import { describeError } from '../errors.ts';
import type { IndexedArticle, Source, Topic } from '../model.ts';
import { parseDate } from '../normalize/dates.ts';
import { normalizeItems } from '../normalize/normalize.ts';
import { parseFeed, type FeedFormat, type ParsedFeed, type ParsedItem } from '../parse/index.ts';
import { itemText, splitItems, withItems, type ItemSplit } from '../parse/item-split.ts';
import { foldAndSign, StemHashes } from '../stories/signature.ts';
import { WordStems } from '../text/search.ts';
import { VERSION } from '../version.ts';
import { digest, textDigest } from './hashes.ts';

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
  /** itemHashes of the last stored body: an item with one of its hashes is skipped as unchanged. */
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
      /**
       * Hashes of the kept items that are stored once `articles` are, and of the frame they were taken
       * under when the body was split into items (the next poll's knownItems).
       */
      itemHashes: string[];
      /** Set when the body was malformed XML read leniently: the strict error and what was repaired. */
      recovered?: string;
      /** Items skipped and data repaired, one line each, for the log. */
      warnings: string[];
    }
  | { kind: 'failed'; error: string };

export async function processFeed(job: FeedJob, compiled: CompiledTopics): Promise<FeedOutcome> {
  const split = splitItems(job.text);
  const known = new KnownItems(job.knownItems);
  // A re-poll of a feed whose items were last told apart by their bytes parses only those it has not
  // seen. (Without such hashes — a first poll, an item error last time — that would only add a parse.)
  if (split && split.items.length <= job.maxItems) {
    const outcome = await processChangedItems(split, job, compiled, known);
    if (outcome) return outcome;
  }
  let feed: ParsedFeed;
  try {
    feed = await parseFeed(job.text, parseOptions(job));
  } catch (err) {
    return { kind: 'failed', error: describeError(err) };
  }
  const warnings = feed.itemErrors.map((problem) => `item skipped: ${problem}`);
  const items = newest(feed.items, job.maxItems);
  if (items.length < feed.items.length) {
    warnings.push(`feed has ${feed.items.length} items; kept the newest ${items.length}`);
  }
  // Raw hashes pair with parsed items only when every item the scan found was parsed, in order.
  const whole = split && !feed.recovered && feed.itemErrors.length === 0 && items.length === split.items.length;
  const frame = whole ? frameContext(feed, job) : undefined;
  const rawHashes = split && frame !== undefined ? itemRawHashes(split, frame) : [];
  const candidates = items.map((item, index) => ({ item, index, raw: rawHashes[index] }));
  const outcome = finish(feed, job, compiled, candidates, known, warnings, { itemCount: feed.items.length, kept: items.length });
  if (frame !== undefined) outcome.itemHashes.push(`${FRAME_MARK}${frame}`);
  return outcome;
}

/**
 * The re-poll path, in one parse: hashes each item's bytes under the frame the last poll read, parses
 * the frame (the document without its items) with only the items whose bytes are new, and hands the
 * rest on as unchanged. Undefined when the last poll kept no frame (a first poll, an item error last
 * time), when that parse does not read exactly the items sent to it (malformed, an item error), or
 * when the frame itself now parses differently, so that the hashes were taken under the wrong
 * context: the caller then parses the whole.
 */
async function processChangedItems(split: ItemSplit, job: FeedJob, compiled: CompiledTopics, known: KnownItems): Promise<FeedOutcome | undefined> {
  const { frame } = known;
  if (frame === undefined) return undefined;
  const rawHashes = itemRawHashes(split, frame);
  const fresh = rawHashes.flatMap((raw, index) => (known.byRaw.has(raw) ? [] : [index]));
  let feed: ParsedFeed;
  try {
    feed = await parseFeed(withItems(split, fresh), parseOptions(job));
  } catch {
    return undefined;
  }
  if (feed.recovered || feed.itemErrors.length > 0 || feed.items.length !== fresh.length) return undefined;
  if (frameContext(feed, job) !== frame) return undefined;
  const candidates = feed.items.map((item, i) => ({ item, index: fresh[i]!, raw: rawHashes[fresh[i]!] }));
  const outcome = finish(feed, job, compiled, candidates, known, [], { itemCount: split.items.length, kept: split.items.length });
  for (const raw of rawHashes) {
    const entry = known.byRaw.get(raw);
    if (entry !== undefined) outcome.itemHashes.push(entry);
  }
  outcome.itemHashes.push(`${FRAME_MARK}${frame}`);
  return outcome;
}

/** Normalizes, classifies and signs the candidates whose parsed form is new; the rest count as unchanged. */
function finish(
  feed: ParsedFeed,
  job: FeedJob,
  compiled: CompiledTopics,
  candidates: { item: ParsedItem; index: number; raw: string | undefined }[],
  known: KnownItems,
  warnings: string[],
  counts: { itemCount: number; kept: number },
): FeedOutcome & { kind: 'ok' } {
  const context = itemContext(feed, job);
  const itemHashes: string[] = [];
  const changed: Candidate[] = [];
  for (const candidate of candidates) {
    const parsed = digest(context, JSON.stringify(candidate.item));
    const entry = candidate.raw === undefined ? parsed : `${candidate.raw}${PAIR}${parsed}`;
    if (known.parsed.has(parsed)) itemHashes.push(entry);
    else changed.push({ ...candidate, entry });
  }
  // One job's articles share most of their words: each distinct one is stemmed once, for the index and
  // the signature, and each distinct stem hashed once for the signature.
  const stems = new WordStems();
  const hashes = new StemHashes();
  const articles = normalizeAll(changed, feed, job, warnings, itemHashes);
  for (const article of articles) completeArticle(article, compiled, job.source, stems, hashes);
  const outcome: FeedOutcome & { kind: 'ok' } = {
    kind: 'ok', format: feed.format, itemCount: counts.itemCount, articles,
    unchangedItems: counts.kept - changed.length, itemHashes, warnings,
  };
  if (feed.title) outcome.title = feed.title;
  if (feed.ttlMinutes !== undefined) outcome.ttlMinutes = feed.ttlMinutes;
  if (feed.recovered) outcome.recovered = feed.recovered;
  return outcome;
}

/**
 * Adds what the later steps need to a fresh article (normalizeItem's own object, so no copy): its
 * topics, its fields folded for the full-text index — here, in the worker: the store would otherwise
 * do it on the serving thread — and its story signature, from the words the folding handed on.
 */
export function completeArticle(article: IndexedArticle, compiled: CompiledTopics, source: Source, stems: WordStems, hashes: StemHashes): void {
  article.topics = classify(article, compiled, source, article.text);
  const { searchable, story } = foldAndSign(article, stems, hashes);
  article.searchable = searchable;
  if (story) article.story = story;
}

/** An item to normalize: where it stood in the feed, and the entry its hash list gets once it is stored. */
interface Candidate {
  item: ParsedItem;
  index: number;
  entry: string;
}

/**
 * Joins an item's raw and parsed hashes in one itemHashes entry (`raw.parsed`; base64url has no dots).
 * The raw one skips the parse of an item whose bytes are unchanged; the parsed one still skips the
 * rest when only the bytes moved (whitespace, attribute order) or when the frame's context changed.
 */
const PAIR = '.';

/**
 * Marks the itemHashes entry that holds the frame's context (frameContext), under which the raw hashes
 * beside it were taken: a re-poll hashes the items under it before parsing anything. Not base64url.
 */
const FRAME_MARK = '~';

/**
 * The last poll's itemHashes, read both ways, and the frame they were taken under. Entries of a bare
 * parsed hash (older polls) still count; raw hashes without a frame entry (older polls) do not.
 */
class KnownItems {
  /** Raw hash → the whole entry to carry over. */
  readonly byRaw = new Map<string, string>();
  readonly parsed = new Set<string>();
  readonly frame: string | undefined;

  constructor(entries: readonly string[] | undefined) {
    let frame: string | undefined;
    for (const entry of entries ?? []) {
      if (entry.startsWith(FRAME_MARK)) {
        frame = entry.slice(FRAME_MARK.length);
        continue;
      }
      const at = entry.indexOf(PAIR);
      if (at < 0) {
        this.parsed.add(entry);
        continue;
      }
      this.byRaw.set(entry.slice(0, at), entry);
      this.parsed.add(entry.slice(at + 1));
    }
    this.frame = frame;
  }
}

/**
 * What else shapes how an item parses and normalizes, hashed: the job's context and everything the
 * frame parses to (format, base, language, authors items inherit…). What the frame holds beyond that
 * (lastBuildDate, generator) reaches no item, so it may change freely.
 */
function frameContext(feed: ParsedFeed, job: FeedJob): string {
  const { items: _items, itemErrors: _errors, recovered: _recovered, ...frame } = feed;
  return digest(itemContext(feed, job), JSON.stringify(frame));
}

/** The hash of each item's own bytes under the frame's context. */
function itemRawHashes(split: ItemSplit, frame: string): string[] {
  return split.items.map((_, index) => textDigest(frame, itemText(split, index)));
}

function parseOptions(job: FeedJob): { url: string; contentType?: string } {
  return { url: job.url, ...(job.contentType ? { contentType: job.contentType } : {}) };
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

/** Normalizes the changed items; the hash entry of each one that became an article joins `hashes`. */
function normalizeAll(
  items: Candidate[],
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
  const outcomes = normalizeItems(items.map((candidate) => candidate.item), context);
  outcomes.forEach((outcome, i) => {
    const { item, index, entry } = items[i]!;
    if (outcome.kind === 'ok') {
      articles.push(outcome.article);
      hashes.push(entry);
    } else {
      warnings.push(`item ${index}${item.guid ? ` (${item.guid})` : ''} skipped: ${describeError(outcome.error)}`);
    }
  });
  return articles;
}
