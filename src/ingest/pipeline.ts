// One remote source, one poll: fetch → parse → normalize → classify → store, then its SourceState.
// Never throws: every failure becomes a PollResult and a log line naming the source and the cause,
// and one bad item is logged and skipped without losing the rest of the feed.

import { describeError } from '../errors.ts';
import type { EnvConfig, FeedsConfig } from '../config.ts';
import { FetchError, fetchFeed, userAgent, type CacheHints, type FetchOptions } from '../fetch/remote.ts';
import { VERSION } from '../version.ts';
import type { Logger } from '../log.ts';
import type { IndexedArticle, Source } from '../model.ts';
import type { ArticleStore, SourceState } from '../store/store.ts';
import { upsertInBatches } from './batches.ts';
import { digest } from './hashes.ts';
import { processFeed, type FeedJob, type FeedOutcome } from './process-feed.ts';
import { createFulltext, hasStoredWork, type Fulltext, type FulltextDeps } from './fulltext.ts';
import { nextPollAt } from './scheduler.ts';
import type { PollResult, PollSource } from './types.ts';

/** Items kept per feed, newest first, unless configured otherwise (INGEST_MAX_ITEMS). */
export const DEFAULT_MAX_ITEMS = 1000;

export interface PipelineDeps {
  store: ArticleStore;
  /** The topics in force: their configuration (what a worker compiles) and its compiled form. */
  topics: () => Pick<FeedsConfig, 'topics' | 'compiled'>;
  /**
   * Runs parse → normalize → classify on a fetched body. The server passes its worker pool's; without
   * one (the CLI, tests) it runs in this thread.
   */
  processFeed?: (job: FeedJob) => Promise<FeedOutcome>;
  /** Extracts articles from pages fetched for `fulltext: true` sources: the worker pool's, or in this thread. */
  extractArticle?: FulltextDeps['extract'];
  maxItems?: number;
  /** Tidings' public origin (normalize needs it for local pages only; kept for one context type). */
  baseUrl: string;
  userAgent: string;
  log: Logger;
  /** Overrides of the fetch limits (tests use small ones). */
  fetchLimits?: Partial<Omit<FetchOptions, 'etag' | 'lastModified' | 'userAgent'>>;
  now?: () => Date;
  random?: () => number;
}

/** The pipeline as the server and `npm run ingest` both run it: limits from defaults, identity from the env. */
export function pollSourceFromEnv(
  env: Pick<EnvConfig, 'baseUrl' | 'userAgentUrl' | 'ingestMaxItems'>,
  deps: Pick<PipelineDeps, 'store' | 'topics' | 'log' | 'processFeed' | 'extractArticle'>,
): PollSource {
  return createPollSource({
    ...deps,
    baseUrl: env.baseUrl,
    userAgent: userAgent(VERSION, env.userAgentUrl ?? env.baseUrl),
    maxItems: env.ingestMaxItems,
  });
}

export function createPollSource(deps: PipelineDeps): PollSource {
  const now = deps.now ?? (() => new Date());
  const random = deps.random ?? Math.random;
  const fulltext = createFulltext({ store: deps.store, fetchOptions: { ...deps.fetchLimits, userAgent: deps.userAgent }, now,
    ...(deps.extractArticle ? { extract: deps.extractArticle } : {}) });

  return async (source: Source): Promise<PollResult> => {
    const log = deps.log.child({ source: source.id });
    const startedAt = now();
    const previous = await deps.store.getSourceState(source.id).catch((err: unknown) => {
      log.error({ err }, `cannot read source state; polling from scratch: ${describeError(err)}`);
      return undefined;
    });
    // A config edit of the URL starts over: the old validators and a 410 belong to the old URL.
    const known = previous && previous.configuredUrl === source.url ? previous : undefined;
    const state: SourceState = {
      sourceId: source.id,
      url: known?.url ?? source.url,
      configuredUrl: source.url,
      status: known?.status ?? 'never',
      consecutiveFailures: known?.consecutiveFailures ?? 0,
      lastFetchAt: startedAt,
    };
    if (known?.etag) state.etag = known.etag;
    if (known?.lastModified) state.lastModified = known.lastModified;
    if (known?.feedTitle) state.feedTitle = known.feedTitle;
    if (known?.ttlMinutes !== undefined) state.ttlMinutes = known.ttlMinutes;
    if (known?.maxAgeSeconds !== undefined) state.maxAgeSeconds = known.maxAgeSeconds;
    if (known?.malformed) state.malformed = known.malformed;
    if (known?.fulltext) state.fulltext = known.fulltext;
    if (known?.bodyHash) state.bodyHash = known.bodyHash;
    if (known?.itemHashes) state.itemHashes = known.itemHashes;

    const result = await pollOnce(deps, source, state, log, startedAt, fulltext);
    state.status = result.outcome;
    if (result.outcome === 'error' || result.outcome === 'gone') {
      state.consecutiveFailures += 1;
      state.error = result.error;
    } else {
      state.consecutiveFailures = 0;
      delete state.error;
    }
    const fresh = keepFreshness(state, result);
    result.nextPollAt = nextPollAt({
      now: startedAt,
      intervalMinutes: source.intervalMinutes,
      outcome: result.outcome,
      consecutiveFailures: state.consecutiveFailures,
      random,
      ...(fresh.ttlMinutes !== undefined ? { ttlMinutes: fresh.ttlMinutes } : {}),
      ...(fresh.cacheHints ? { cacheHints: fresh.cacheHints } : {}),
    });
    state.nextPollAt = result.nextPollAt;
    try {
      await deps.store.saveSourceState(state);
    } catch (err) {
      log.error({ err }, `cannot save source state: ${describeError(err)}`);
    }
    return result;
  };
}

/**
 * The feed's RSS <ttl> and the response's max-age outlive a 304: a 304 says the body (and its <ttl>)
 * did not change, so the freshness read from the last full body still holds, unless the 304 sends a
 * max-age of its own (RFC 9111 §4.3.4). Records them in the state; returns what schedules this poll.
 */
function keepFreshness(state: SourceState, result: PollResult): Pick<PollResult, 'ttlMinutes' | 'cacheHints'> {
  if (result.outcome === 'ok') {
    if (result.ttlMinutes !== undefined) state.ttlMinutes = result.ttlMinutes;
    else delete state.ttlMinutes;
  }
  if (result.outcome === 'ok' || result.outcome === 'not-modified') {
    const maxAge = result.cacheHints?.maxAgeSeconds;
    if (maxAge !== undefined) state.maxAgeSeconds = maxAge;
    else if (result.outcome === 'ok') delete state.maxAgeSeconds;
    const cacheHints = { ...result.cacheHints, ...(state.maxAgeSeconds !== undefined ? { maxAgeSeconds: state.maxAgeSeconds } : {}) };
    return { ...(state.ttlMinutes !== undefined ? { ttlMinutes: state.ttlMinutes } : {}), cacheHints };
  }
  return { ...(result.cacheHints ? { cacheHints: result.cacheHints } : {}) };
}

async function pollOnce(deps: PipelineDeps, source: Source, state: SourceState, log: Logger, startedAt: Date, fulltext: Fulltext): Promise<PollResult> {
  const base: PollResult = { sourceId: source.id, outcome: 'error', newItems: 0, updatedItems: 0, nextPollAt: startedAt };
  let fetched;
  try {
    fetched = await fetchFeed(state.url, {
      ...deps.fetchLimits,
      userAgent: deps.userAgent,
      ...(state.etag ? { etag: state.etag } : {}),
      ...(state.lastModified ? { lastModified: state.lastModified } : {}),
    });
  } catch (err) {
    return fetchFailure(base, err, log);
  }
  if (fetched.kind === 'not-modified') {
    log.info({ url: state.url }, 'not modified');
    return { ...base, outcome: 'not-modified', cacheHints: fetched.cacheHints };
  }
  if (fetched.permanentRedirect) {
    log.warn({ from: state.url, to: fetched.permanentRedirect }, 'source moved permanently; polling the new URL from now on');
    state.url = fetched.permanentRedirect;
  }
  const bodyHash = digest(VERSION, JSON.stringify([fetched.finalUrl, fetched.contentType, fetched.contentLocation, source,
    deps.baseUrl, deps.maxItems ?? DEFAULT_MAX_ITEMS]), fetched.text);
  // A full-text source with pages still to retry or backfill must see its items again, changed or not.
  const retrying = source.fulltext === true && hasStoredWork(state.fulltext);
  if (!retrying && bodyHash === state.bodyHash) {
    // The same bytes as the last stored body (a server without validators): nothing to parse. New
    // validators, if the server sent some this time, make the next poll a conditional one.
    if (fetched.etag) state.etag = fetched.etag;
    if (fetched.lastModified) state.lastModified = fetched.lastModified;
    log.info({ url: fetched.finalUrl }, 'same body as last poll; not parsed');
    return { ...base, outcome: 'not-modified', cacheHints: fetched.cacheHints };
  }
  const topics = deps.topics();
  const job = feedJob(deps, source, fetched, startedAt, topics.topics, retrying ? undefined : state.itemHashes);
  // Without a pool (the CLI, tests) the work runs here, on the topics compiled at config load.
  const feed = await (deps.processFeed ? deps.processFeed(job) : processFeed(job, topics.compiled));
  if (feed.kind === 'failed') {
    log.error({ url: fetched.finalUrl, err: feed.error }, 'poll failed');
    return { ...base, error: feed.error };
  }
  for (const warning of feed.warnings) log.warn({ url: fetched.finalUrl }, warning);
  if (feed.recovered) log.warn({ url: fetched.finalUrl }, `malformed feed: ${feed.recovered}`);
  // Teasers of a `fulltext: true` source become their pages' articles where possible (never throws).
  // Their text may change there, so the store folds it for the index itself.
  const articles = source.fulltext ? await fulltext.complete(source, feed.articles.map(withoutSearchable), state, log) : feed.articles;
  try {
    const stored = await upsertInBatches(deps.store, articles);
    // Validators are saved only once the body is stored: a failed parse must be fetched again in full.
    delete state.etag;
    delete state.lastModified;
    if (fetched.etag) state.etag = fetched.etag;
    if (fetched.lastModified) state.lastModified = fetched.lastModified;
    if (feed.title) state.feedTitle = feed.title;
    if (feed.recovered) state.malformed = feed.recovered;
    else delete state.malformed;
    state.bodyHash = bodyHash;
    state.itemHashes = feed.itemHashes;
    stored.unchanged += feed.unchangedItems;
    log.info({ url: fetched.finalUrl, charset: fetched.charset, format: feed.format, items: feed.itemCount, ...stored }, 'polled');
    const result: PollResult = { ...base, outcome: 'ok', newItems: stored.inserted, updatedItems: stored.updated, cacheHints: fetched.cacheHints };
    if (feed.ttlMinutes !== undefined) result.ttlMinutes = feed.ttlMinutes;
    return result;
  } catch (err) {
    log.error({ url: fetched.finalUrl, err }, `poll failed: ${describeError(err)}`);
    return { ...base, error: describeError(err) };
  }
}

/** What a worker needs to turn the fetched body into articles: plain data only (it is cloned across). */
function feedJob(
  deps: PipelineDeps,
  source: Source,
  fetched: { text: string; finalUrl: string; contentType?: string; contentLocation?: string },
  now: Date,
  topics: FeedJob['topics'],
  knownItems: readonly string[] | undefined,
): FeedJob {
  return {
    text: fetched.text,
    url: fetched.finalUrl,
    ...(fetched.contentType ? { contentType: fetched.contentType } : {}),
    ...(fetched.contentLocation ? { contentLocation: fetched.contentLocation } : {}),
    source,
    baseUrl: deps.baseUrl,
    now,
    topics,
    maxItems: deps.maxItems ?? DEFAULT_MAX_ITEMS,
    ...(knownItems ? { knownItems } : {}),
  };
}

function withoutSearchable({ searchable: _folded, ...article }: IndexedArticle): IndexedArticle {
  return article;
}

function fetchFailure(base: PollResult, err: unknown, log: Logger): PollResult {
  const message = describeError(err);
  if (err instanceof FetchError && err.gone) {
    log.warn({ err }, `source is gone (410); it will not be polled again until its URL changes in feeds/: ${message}`);
    return { ...base, outcome: 'gone', error: message };
  }
  log.error({ err }, `fetch failed: ${message}`);
  const hints: CacheHints = {};
  if (err instanceof FetchError && err.retryAfter) hints.retryAfter = err.retryAfter;
  return { ...base, error: message, cacheHints: hints };
}
