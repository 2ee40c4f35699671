// GET /feeds/<topics>.<rss|atom|json>: the hot path. The ETag comes from the query's content version
// (memoized per store revision) before anything is rendered, so a revalidation is a 304 without a
// query or a render; a 200 comes from the cache of rendered, precompressed bodies when it can.

import type { Request, Response } from 'express';
import { prepareResponse, type CachedResponse } from '../cache/cache.ts';
import type { Source, StoredArticle, Topic } from '../model.ts';
import { encodeCursor, isOneOff, pageNeighbours, parseFeedRequest, topicContext, type FeedFormat, type FeedRequest } from '../query/feed-query.ts';
import { renderAtom, ATOM_CONTENT_TYPE } from '../render/atom.ts';
import { renderJsonFeed, JSON_FEED_CONTENT_TYPE } from '../render/jsonfeed.ts';
import { renderRss, RSS_CONTENT_TYPE } from '../render/rss.ts';
import { commonLanguage } from '../render/common.ts';
import { isLanguage, t, type Language } from '../render/i18n/messages.ts';
import type { FeedDocument, FeedSource, Rendered } from '../render/types.ts';
import { RENDERER_VERSION, VERSION } from '../version.ts';
import { SingleFlight } from '../concurrency.ts';
import { RepeatAdmission } from '../cache/admission.ts';
import { knownSources, readVersion, RequestMemo, serveCached, type CachedServing, type Resolved, type Validators } from './cached.ts';
import { makeEtag } from './conditional.ts';
import type { AppDeps } from './deps.ts';
import { feedUrl, topicPageUrl, withPublicUrls } from './links.ts';
import { requestLimits, type MissGate } from './limits.ts';
import { sendBadRequest, sendNotFound } from './problems.ts';

const RENDERERS: Record<FeedFormat, { render: (doc: FeedDocument) => string; contentType: string }> = {
  rss: { render: renderRss, contentType: RSS_CONTENT_TYPE },
  atom: { render: renderAtom, contentType: ATOM_CONTENT_TYPE },
  json: { render: renderJsonFeed, contentType: JSON_FEED_CONTENT_TYPE },
};

interface FeedResolved extends Resolved {
  request: FeedRequest;
  /** WebSub discovery (§4): the hub and the topic URL to subscribe to; absent when the hub is off. */
  link?: string;
}

/**
 * What an empty feed that never lost an article says for `updated` and Last-Modified: the store's
 * version is then the Unix epoch, which validators call implausible and readers show as 1970. A fixed
 * instant keeps the ETag and the body in step (the version alone decides both).
 */
export const EMPTY_FEED_UPDATED = new Date('2026-01-01T00:00:00Z');

/** `gate`: the rate limits and overload bound, shared with the other cached routes (see routes.ts). */
export function feedHandler(deps: AppDeps, gate: MissGate): (req: Request, res: Response) => Promise<void> {
  const memo = new RequestMemo<FeedResolved>();
  const limits = requestLimits(deps.settings);
  const serving: CachedServing = {
    deps,
    gate,
    fills: new SingleFlight<CachedResponse>(),
    admission: new RepeatAdmission(),
    policy: {
      maxAgeSeconds: deps.settings.maxAgeSeconds,
      staleWhileRevalidate: deps.settings.staleWhileRevalidate,
      // CORS headers come from the route's cors() middleware, which knows the request's Origin.
    },
    route: '/feeds/:spec',
  };
  const { hubUrl } = deps.settings;
  const clock = deps.now;
  const now = clock ?? (() => new Date());
  // The clock read by every request; without a test clock, no Date is made for it.
  const nowMs = clock ? () => clock().getTime() : Date.now;

  return async (req, res) => {
    const catalog = deps.catalog();
    const revision = await deps.store.currentRevision();
    const minute = Math.floor(nowMs() / 60_000);
    // Pollers repeat the same URL: between two writes its parsing and version are already known.
    let resolved = memo.get(revision, catalog, req.url, minute);
    if (!resolved) {
      const parsed = parseFeedRequest(String(req.params.spec ?? ''), req.query as Record<string, unknown>, {
        ...topicContext(catalog.topics),
        knownSources: knownSources(catalog),
        now: now(),
      });
      if (parsed.kind === 'not-found') return sendNotFound(res, parsed.message, { topics: ['all', ...catalog.topics.map((t) => t.id)] });
      if (parsed.kind === 'bad-request') return sendBadRequest(res, parsed.parameter, parsed.message);
      const request = parsed.request;
      const key = `${request.format}|${request.topicPath}?${request.queryString}`;
      const version = await readVersion(serving, req, res, request.query.terms !== undefined, () => deps.store.queryVersion(request.query));
      if (version === undefined) return;
      const texts = feedTexts(deps.settings.siteTitle, request, topicsOf(request, catalog.topics));
      const etag = makeEtag([version.tag, key, RENDERER_VERSION, deps.settings.baseUrl, texts.title, texts.description, deps.settings.hubUrl ?? '', String(limits.maxPageBytes)]);
      resolved = {
        request,
        validators: { etag, lastModified: plausible(version.lastModified) },
        cacheKey: `${key}|${etag}`,
        search: request.query.terms !== undefined,
        oneOff: isOneOff(request.query),
        ...(hubUrl ? { link: hubLink(hubUrl, feedUrl(deps.settings.baseUrl, request.topicPath, request.format, request.queryString)) } : {}),
        ...(request.dependsOnNow ? { minute } : {}),
      };
      memo.set(req.url, resolved);
    }
    // Everything a repeated URL needs was worked out once per store revision, above.
    const { request, validators, link } = resolved;
    if (link) res.setHeader('Link', link);
    await serveCached(serving, req, res, resolved, { revision, catalog }, () => fillEntry(deps, request, validators, limits.maxPageBytes));
  };
}

function plausible(lastModified: Date): Date {
  return lastModified.getTime() > 0 ? lastModified : EMPTY_FEED_UPDATED;
}

function hubLink(hubUrl: string, selfUrl: string): string {
  return `<${hubUrl}>; rel="hub", <${selfUrl}>; rel="self"`;
}

async function fillEntry(deps: AppDeps, request: FeedRequest, validators: Validators, maxPageBytes: number): Promise<CachedResponse> {
  const rendered = await renderFeed(deps, request, validators.lastModified, maxPageBytes);
  return prepareResponse(rendered.body, {
    ...validators,
    contentType: rendered.contentType,
    ...(rendered.truncated === undefined ? {} : { truncated: rendered.truncated }),
  });
}

/** Queries and renders one feed: the body GET /feeds serves and the WebSub hub distributes. */
export async function renderFeed(
  deps: Pick<AppDeps, 'store' | 'catalog' | 'settings'>,
  request: FeedRequest,
  lastModified: Date,
  maxPageBytes = requestLimits(deps.settings).maxPageBytes,
): Promise<Rendered> {
  const articles = withPublicUrls(deps.settings.baseUrl, await deps.store.queryArticles(request.query));
  const page = withinBudget(articles, request, maxPageBytes);
  const catalog = deps.catalog();
  const doc = feedDocument(deps, request, topicsOf(request, catalog.topics), page, plausible(lastModified));
  doc.sources = feedSources(catalog.sources);
  const renderer = RENDERERS[request.format];
  const rendered: Rendered = { body: renderer.render(doc), contentType: renderer.contentType };
  // Said in a header (the formats have no field for it); the feed's next link carries on.
  if (page.truncated) rendered.truncated = `${page.articles.length} of ${articles.length} articles: the page reached its ${Math.round(maxPageBytes / 1024)} KB budget; its next link continues`;
  return rendered;
}

/**
 * The sources an RSS item credits in `<source>`: the configured feed URL and title (else the id). A
 * source whose URL carries credentials is a private feed: neither its URL nor its password is published.
 */
function feedSources(sources: readonly Source[]): Map<string, FeedSource> {
  const credited = new Map<string, FeedSource>();
  for (const source of sources) {
    if (!URL.canParse(source.url)) continue;
    const url = new URL(source.url);
    if (url.username !== '' || url.password !== '') continue;
    credited.set(source.id, { url: source.url, title: source.title ?? source.id });
  }
  return credited;
}

function topicsOf(request: FeedRequest, topics: readonly Topic[]): Topic[] {
  return request.topics.map((id) => topics.find((t) => t.id === id)).filter((t): t is Topic => t !== undefined);
}

/**
 * A feed's title and description. Feeds have no interface language, so they take the topics' texts
 * written first in topics.yaml; but a feed filtered to `?lang=uk` (or `uk-UA`) is read in that
 * language, so it takes the topics' texts in it where topics.yaml has them.
 */
function feedTexts(siteTitle: string, request: FeedRequest, topics: Topic[]): { title: string; description: string } {
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

function feedDocument(deps: Pick<AppDeps, 'settings'>, request: FeedRequest, topics: Topic[], page: Page, lastModified: Date): FeedDocument {
  const { articles } = page;
  const { baseUrl, siteTitle, hubUrl } = deps.settings;
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

