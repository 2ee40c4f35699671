// One remote source, one poll: fetch → parse → normalize → classify → store, then its SourceState.
// Never throws: every failure becomes a PollResult and a log line naming the source and the cause,
// and one bad item is logged and skipped without losing the rest of the feed.

import type { CompiledTopics } from '../classify/topics.ts';
import { classify } from '../classify/topics.ts';
import { describeError } from '../errors.ts';
import type { EnvConfig } from '../config.ts';
import { FetchError, fetchFeed, userAgent, type CacheHints, type FetchOptions } from '../fetch/remote.ts';
import { VERSION } from '../version.ts';
import type { Logger } from '../log.ts';
import type { IndexedArticle, Source } from '../model.ts';
import { normalizeItem } from '../normalize/normalize.ts';
import { parseFeed } from '../parse/index.ts';
import type { ArticleStore, SourceState } from '../store/store.ts';
import { nextPollAt } from './scheduler.ts';
import type { PollResult, PollSource } from './types.ts';

export interface PipelineDeps {
  store: ArticleStore;
  compiled: () => CompiledTopics;
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
  env: Pick<EnvConfig, 'baseUrl' | 'userAgentUrl'>,
  deps: Pick<PipelineDeps, 'store' | 'compiled' | 'log'>,
): PollSource {
  return createPollSource({ ...deps, baseUrl: env.baseUrl, userAgent: userAgent(VERSION, env.userAgentUrl ?? env.baseUrl) });
}

export function createPollSource(deps: PipelineDeps): PollSource {
  const now = deps.now ?? (() => new Date());
  const random = deps.random ?? Math.random;

  return async (source: Source): Promise<PollResult> => {
    const log = deps.log.child({ source: source.id });
    const startedAt = now();
    const previous = await deps.store.getSourceState(source.id).catch((err: unknown) => {
      log.error({ err: describeError(err) }, 'cannot read source state; polling from scratch');
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

    const result = await pollOnce(deps, source, state, log, startedAt);
    state.status = result.outcome;
    if (result.outcome === 'error' || result.outcome === 'gone') {
      state.consecutiveFailures += 1;
      state.error = result.error;
    } else {
      state.consecutiveFailures = 0;
      delete state.error;
    }
    result.nextPollAt = nextPollAt({
      now: startedAt,
      intervalMinutes: source.intervalMinutes,
      outcome: result.outcome,
      consecutiveFailures: state.consecutiveFailures,
      random,
      ...(result.ttlMinutes !== undefined ? { ttlMinutes: result.ttlMinutes } : {}),
      ...(result.cacheHints ? { cacheHints: result.cacheHints } : {}),
    });
    state.nextPollAt = result.nextPollAt;
    try {
      await deps.store.saveSourceState(state);
    } catch (err) {
      log.error({ err: describeError(err) }, 'cannot save source state');
    }
    return result;
  };
}

async function pollOnce(deps: PipelineDeps, source: Source, state: SourceState, log: Logger, startedAt: Date): Promise<PollResult> {
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
  try {
    const feed = await parseFeed(fetched.text, { url: fetched.finalUrl, ...(fetched.contentType ? { contentType: fetched.contentType } : {}) });
    for (const problem of feed.itemErrors) log.warn({ url: fetched.finalUrl }, `item skipped: ${problem}`);
    const articles = normalizeAll(feed.items, { source, feedUrl: fetched.finalUrl, feed, deps, log, now: startedAt });
    const compiled = deps.compiled();
    const classified = articles.map((a) => ({ ...a, topics: classify(a, compiled, source, a.text) }));
    const stored = await deps.store.upsertArticles(classified);
    // Validators are saved only once the body is stored: a failed parse must be fetched again in full.
    delete state.etag;
    delete state.lastModified;
    if (fetched.etag) state.etag = fetched.etag;
    if (fetched.lastModified) state.lastModified = fetched.lastModified;
    if (feed.title) state.feedTitle = feed.title;
    log.info({ url: fetched.finalUrl, charset: fetched.charset, format: feed.format, items: feed.items.length, ...stored }, 'polled');
    const result: PollResult = { ...base, outcome: 'ok', newItems: stored.inserted, updatedItems: stored.updated, cacheHints: fetched.cacheHints };
    if (feed.ttlMinutes !== undefined) result.ttlMinutes = feed.ttlMinutes;
    return result;
  } catch (err) {
    log.error({ url: fetched.finalUrl, err: describeError(err) }, 'poll failed');
    return { ...base, error: describeError(err) };
  }
}

function fetchFailure(base: PollResult, err: unknown, log: Logger): PollResult {
  const message = describeError(err);
  if (err instanceof FetchError && err.gone) {
    log.warn({ err: message }, 'source is gone (410); it will not be polled again until its URL changes in feeds/');
    return { ...base, outcome: 'gone', error: message };
  }
  log.error({ err: message }, 'fetch failed');
  const hints: CacheHints = {};
  if (err instanceof FetchError && err.retryAfter) hints.retryAfter = err.retryAfter;
  return { ...base, error: message, cacheHints: hints };
}

interface NormalizeAllContext {
  source: Source;
  feedUrl: string;
  feed: Awaited<ReturnType<typeof parseFeed>>;
  deps: PipelineDeps;
  log: Logger;
  now: Date;
}

function normalizeAll(items: Awaited<ReturnType<typeof parseFeed>>['items'], ctx: NormalizeAllContext): IndexedArticle[] {
  const articles: IndexedArticle[] = [];
  const normalizeContext = {
    sourceId: ctx.source.id,
    feedUrl: ctx.feedUrl,
    now: ctx.now,
    baseUrl: ctx.deps.baseUrl,
    log: (msg: string) => ctx.log.warn({ url: ctx.feedUrl }, msg),
    ...(ctx.feed.base ? { feedBase: ctx.feed.base } : {}),
    ...(ctx.feed.language ? { feedLanguage: ctx.feed.language } : {}),
  };
  items.forEach((item, index) => {
    try {
      articles.push(normalizeItem(item, normalizeContext));
    } catch (err) {
      ctx.log.warn({ url: ctx.feedUrl, item: index, guid: item.guid }, `item skipped: ${describeError(err)}`);
    }
  });
  return articles;
}
