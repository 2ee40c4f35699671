// GET /feeds/<topics>.<rss|atom|json>: the hot path. The ETag comes from the query's content version
// (memoized per store revision) before anything is rendered, so a revalidation is a 304 without a
// query or a render; a 200 comes from the cache of rendered, precompressed bodies when it can.

import type { Request, Response } from 'express';
import { addForm, missingForm, prepareResponse, type CachedResponse } from '../cache/cache.ts';
import type { StoredArticle, Topic } from '../model.ts';
import { encodeCursor, parseFeedRequest, type FeedFormat, type FeedRequest } from '../query/feed-query.ts';
import { renderAtom, ATOM_CONTENT_TYPE } from '../render/atom.ts';
import { renderJsonFeed, JSON_FEED_CONTENT_TYPE } from '../render/jsonfeed.ts';
import { renderRss, RSS_CONTENT_TYPE } from '../render/rss.ts';
import { commonLanguage } from '../render/common.ts';
import type { FeedDocument, Rendered } from '../render/types.ts';
import { RENDERER_VERSION, VERSION } from '../version.ts';
import { makeEtag, precheck, sendEntry, type CachePolicy } from './conditional.ts';
import type { AppDeps, Catalog } from './deps.ts';
import { feedUrl, topicPageUrl } from './links.ts';
import { sendBadRequest, sendNotFound } from './problems.ts';

const RENDERERS: Record<FeedFormat, { render: (doc: FeedDocument) => string; contentType: string }> = {
  rss: { render: renderRss, contentType: RSS_CONTENT_TYPE },
  atom: { render: renderAtom, contentType: ATOM_CONTENT_TYPE },
  json: { render: renderJsonFeed, contentType: JSON_FEED_CONTENT_TYPE },
};

interface Validators {
  etag: string;
  lastModified: Date;
}

interface Resolved {
  request: FeedRequest;
  validators: Validators;
  /** Canonical `format|topics?query` and the ETag: the rendered feed's key in the response cache. */
  cacheKey: string;
  /** WebSub discovery (§4): the hub and the topic URL to subscribe to; absent when the hub is off. */
  link?: string;
  /** Set when the request depends on the clock (`since=24h`): valid within this minute only. */
  minute?: number;
}

/**
 * Resolved requests of the current store revision and catalog, by raw URL. A write or a config reload
 * starts a new memo, so memory stays bounded by the distinct URLs asked between two writes (and a
 * hard cap against URL floods).
 */
class RequestMemo {
  private revision = -1;
  private catalog: Catalog | undefined;
  private entries = new Map<string, Resolved>();
  private static readonly MAX_ENTRIES = 10_000;

  get(revision: number, catalog: Catalog, url: string, minute: number): Resolved | undefined {
    if (revision !== this.revision || catalog !== this.catalog) {
      this.revision = revision;
      this.catalog = catalog;
      this.entries = new Map();
      return undefined;
    }
    const found = this.entries.get(url);
    return found && (found.minute === undefined || found.minute === minute) ? found : undefined;
  }

  set(url: string, value: Resolved): void {
    if (this.entries.size >= RequestMemo.MAX_ENTRIES) this.entries.clear();
    this.entries.set(url, value);
  }
}

export function feedHandler(deps: AppDeps): (req: Request, res: Response) => Promise<void> {
  const memo = new RequestMemo();
  const fills = new SingleFlight<CachedResponse>();
  const { hubUrl } = deps.settings;
  const clock = deps.now;
  const now = clock ?? (() => new Date());
  // The clock read by every request; without a test clock, no Date is made for it.
  const nowMs = clock ? () => clock().getTime() : Date.now;
  const policy: CachePolicy = {
    maxAgeSeconds: deps.settings.maxAgeSeconds,
    staleWhileRevalidate: deps.settings.staleWhileRevalidate,
    // CORS headers come from the route's cors() middleware, which knows the request's Origin.
  };

  return async (req, res) => {
    const catalog = deps.catalog();
    const revision = await deps.store.currentRevision();
    const minute = Math.floor(nowMs() / 60_000);
    // Pollers repeat the same URL: between two writes its parsing and version are already known.
    let resolved = memo.get(revision, catalog, req.url, minute);
    if (!resolved) {
      const parsed = parseFeedRequest(String(req.params.spec ?? ''), req.query as Record<string, unknown>, {
        knownTopics: new Set(catalog.topics.map((t) => t.id)),
        now: now(),
      });
      if (parsed.kind === 'not-found') return sendNotFound(res, parsed.message, { topics: ['all', ...catalog.topics.map((t) => t.id)] });
      if (parsed.kind === 'bad-request') return sendBadRequest(res, parsed.parameter, parsed.message);
      const request = parsed.request;
      const key = `${request.format}|${request.topicPath}?${request.queryString}`;
      const version = await deps.store.queryVersion(request.query);
      const etag = makeEtag([version.tag, key, RENDERER_VERSION, deps.settings.baseUrl, feedTitle(topicsOf(request, catalog.topics)), deps.settings.hubUrl ?? '']);
      resolved = {
        request,
        validators: { etag, lastModified: version.lastModified },
        cacheKey: `${key}|${etag}`,
        ...(hubUrl ? { link: hubLink(hubUrl, feedUrl(deps.settings.baseUrl, request.topicPath, request.format, request.queryString)) } : {}),
        ...(request.dependsOnNow ? { minute } : {}),
      };
      memo.set(req.url, resolved);
    }
    // Everything a repeated URL needs was worked out once per store revision, above.
    const { request, validators, cacheKey, link } = resolved;
    if (link) res.setHeader('Link', link);
    if (precheck(req, res, validators.etag, validators.lastModified, policy)) return;

    const entry = deps.cache.get(cacheKey) ?? (await fills.run(cacheKey, () => fillEntry(deps, request, validators, cacheKey)));
    const form = missingForm(entry, req.headers['accept-encoding']);
    if (form) {
      await addForm(entry, form);
      // The entry grew: storing it again keeps the cache's byte accounting true.
      deps.cache.set(cacheKey, entry);
    }
    sendEntry(req, res, entry);
  };
}

function hubLink(hubUrl: string, selfUrl: string): string {
  return `<${hubUrl}>; rel="hub", <${selfUrl}>; rel="self"`;
}

async function fillEntry(deps: AppDeps, request: FeedRequest, validators: Validators, cacheKey: string): Promise<CachedResponse> {
  const rendered = await renderFeed(deps, request, validators.lastModified);
  const entry = prepareResponse(rendered.body, { ...validators, contentType: rendered.contentType });
  deps.cache.set(cacheKey, entry);
  return entry;
}

/**
 * One render per cache key at a time. A write changes the version of the feeds every poller asks for,
 * so right after it many requests miss on the same key at once; they all wait for the first one's
 * render instead of each rendering the same bytes.
 */
class SingleFlight<T> {
  private readonly running = new Map<string, Promise<T>>();

  run(key: string, work: () => Promise<T>): Promise<T> {
    const known = this.running.get(key);
    if (known) return known;
    const started = work().finally(() => this.running.delete(key));
    this.running.set(key, started);
    return started;
  }
}

/** Queries and renders one feed: the body GET /feeds serves and the WebSub hub distributes. */
export async function renderFeed(deps: Pick<AppDeps, 'store' | 'catalog' | 'settings'>, request: FeedRequest, lastModified: Date): Promise<Rendered> {
  const articles = await deps.store.queryArticles(request.query);
  const doc = feedDocument(deps, request, topicsOf(request, deps.catalog().topics), articles, lastModified);
  const renderer = RENDERERS[request.format];
  return { body: renderer.render(doc), contentType: renderer.contentType };
}

function topicsOf(request: FeedRequest, topics: readonly Topic[]): Topic[] {
  return request.topics.map((id) => topics.find((t) => t.id === id)).filter((t): t is Topic => t !== undefined);
}

function feedTitle(topics: Topic[]): string {
  return topics.length ? topics.map((t) => t.title).join(' + ') : 'All articles';
}

function feedDocument(deps: Pick<AppDeps, 'settings'>, request: FeedRequest, topics: Topic[], articles: StoredArticle[], lastModified: Date): FeedDocument {
  const { baseUrl, siteTitle, hubUrl } = deps.settings;
  const filtered = request.filterString !== '';
  const single = topics.length === 1 ? topics[0] : undefined;
  const doc: FeedDocument = {
    // Pages of one feed share its id (RFC 5005); a filtered query is a feed of its own.
    id: `urn:tidings:feed:${request.topicPath}${filtered ? `?${request.filterString}` : ''}`,
    title: `${siteTitle}: ${feedTitle(topics)}${filtered ? ` (${describeFilters(request)})` : ''}`,
    description: single?.description ?? `${siteTitle} articles${topics.length ? ` on ${feedTitle(topics)}` : ''}`,
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
  Object.assign(doc, pagingLinks(baseUrl, request, articles));
  return doc;
}

/**
 * RFC 5005 paging: `next` goes to older articles, `previous` back towards the newest, `first` to the
 * head of the feed. Cursors name the last (or first) article of this page, so pages stay stable while
 * new articles arrive.
 */
function pagingLinks(baseUrl: string, request: FeedRequest, articles: StoredArticle[]): Pick<FeedDocument, 'firstUrl' | 'nextUrl' | 'previousUrl'> {
  const { query } = request;
  const link = (name: 'before' | 'after', a: StoredArticle): string => {
    const params = new URLSearchParams(request.filterString);
    params.set(name, encodeCursor({ published: a.published, id: a.id }));
    params.sort();
    return feedUrl(baseUrl, request.topicPath, request.format, params.toString());
  };
  const links: Pick<FeedDocument, 'firstUrl' | 'nextUrl' | 'previousUrl'> = {};
  const paged = query.before !== undefined || query.after !== undefined;
  if (paged) links.firstUrl = feedUrl(baseUrl, request.topicPath, request.format, request.filterString);
  const first = articles[0];
  const last = articles[articles.length - 1];
  // Paging back stops short of a full page only at the head of the feed; forward, at its end.
  const olderExist = query.after !== undefined || articles.length === query.limit;
  const newerExist = query.before !== undefined || (query.after !== undefined && articles.length === query.limit);
  if (last && olderExist) links.nextUrl = link('before', last);
  if (first && newerExist) links.previousUrl = link('after', first);
  return links;
}

function describeFilters(request: FeedRequest): string {
  return [...new URLSearchParams(request.filterString)].map(([k, v]) => `${k}=${v}`).join(', ');
}

function newest(articles: StoredArticle[]): Date | undefined {
  let max: Date | undefined;
  for (const a of articles) if (!max || a.updated > max) max = a.updated;
  return max;
}

