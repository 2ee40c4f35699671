// GET /embed/<topics>.js (the embed script) and GET /embed/<topics> (the iframe page, cached like a
// feed). Topics and filters are checked by the feed query parser, so an embed answers 400/404 exactly
// where a feed would (as an HTML page to a browser).

import type { Request, Response } from 'express';
import { prepareResponse, type CachedResponse } from '../cache/cache.ts';
import { RepeatAdmission } from '../cache/admission.ts';
import { SingleFlight } from '../concurrency.ts';
import type { Topic } from '../model.ts';
import { isOneOff, parseFeedRequest, topicContext, type FeedRequest, type ParseResult } from '../query/feed-query.ts';
import { buildEmbedScript, EMBED_DEFAULT_LIMIT, EMBED_MAX_LIMIT, renderEmbedPage } from '../render/embed.ts';
import { inLanguage, isLanguage, t, type Language } from '../render/i18n/messages.ts';
import { RENDERER_VERSION } from '../version.ts';
import { knownSources, readVersion, RequestMemo, serveCached, type CachedServing, type Resolved } from './cached.ts';
import { makeEtag } from './conditional.ts';
import type { AppDeps } from './deps.ts';
import { topicPageUrl, withPublicUrls } from './links.ts';
import type { MissGate } from './limits.ts';
import { siteFor } from './pages.ts';
import { sendBadRequest, sendNotFound } from './problems.ts';

const SCRIPT_CONTENT_TYPE = 'application/javascript; charset=utf-8';

function parseTopicsAndFilters(deps: AppDeps, topics: string, params: Record<string, unknown>): ParseResult {
  const catalog = deps.catalog();
  return parseFeedRequest(`${topics}.json`, params, {
    ...topicContext(catalog.topics),
    knownSources: knownSources(catalog),
    now: (deps.now ?? (() => new Date()))(),
  });
}

/** `req` given: a browser (Accept: text/html) gets the message as an HTML page, API clients JSON. */
function sendNotFoundTopic(deps: AppDeps, req: Request | undefined, res: Response, message: string): void {
  sendNotFound(res, message, { topics: ['all', ...deps.catalog().topics.map((t) => t.id)] }, req);
}

export function embedScriptHandler(deps: AppDeps) {
  // The text depends on the base URL alone, so it is built and hashed once, not per request.
  const { baseUrl, siteTitle } = deps.settings;
  const script = buildEmbedScript({ baseUrl, siteTitle, siteLanguage: siteLanguageOf(deps), topicPagePrefix: topicPageUrl(baseUrl, '') });
  const etag = makeEtag(['embed.js', script]);
  // The bytes change only with a deploy; the ETag makes a later revalidation a cheap 304.
  const cacheControl = `public, max-age=${Math.max(0, Math.floor(deps.settings.maxAgeSeconds))}`;
  return async (req: Request, res: Response): Promise<void> => {
    // The script ignores its own query string (filters come from data- attributes): only topics matter.
    const parsed = parseTopicsAndFilters(deps, String(req.params.topics), {});
    if (parsed.kind === 'not-found') return sendNotFoundTopic(deps, undefined, res, parsed.message);
    if (parsed.kind === 'bad-request') return sendBadRequest(res, parsed.parameter, parsed.message);
    res.setHeader('ETag', etag);
    res.setHeader('Cache-Control', cacheControl);
    if (req.fresh) {
      res.status(304).end();
      return;
    }
    res.status(200).type(SCRIPT_CONTENT_TYPE).send(script);
  };
}

type LimitOutcome = { kind: 'ok'; limit: number } | { kind: 'bad'; message: string };

/** The embed's own limit rule (default 10, at most 50); the feed parser's would allow 500. */
function parseEmbedLimit(raw: unknown): LimitOutcome {
  if (raw === undefined || raw === '') return { kind: 'ok', limit: EMBED_DEFAULT_LIMIT };
  if (typeof raw !== 'string') return { kind: 'bad', message: 'limit: give it once, as a single value' };
  const limit = /^\d{1,3}$/.test(raw) ? Number(raw) : NaN;
  if (!(limit >= 1 && limit <= EMBED_MAX_LIMIT)) {
    return { kind: 'bad', message: `limit: expected a whole number from 1 to ${EMBED_MAX_LIMIT}, got "${raw}"` };
  }
  return { kind: 'ok', limit };
}

interface EmbedResolved extends Resolved {
  request: FeedRequest;
  limit: number;
}

/**
 * The iframe page, cached like a feed: validators from the query's content version before any render,
 * 304s and cache hits without a query, misses through the shared rate limits and overload bound.
 */
export function embedPageHandler(deps: AppDeps, gate: MissGate) {
  const memo = new RequestMemo<EmbedResolved>();
  const serving: CachedServing = {
    deps,
    gate,
    fills: new SingleFlight<CachedResponse>(),
    admission: new RepeatAdmission(),
    page: (req) => siteFor(deps, req),
    // Short-lived like the other pages; frame-ancestors stays open on purpose (see routes.ts).
    policy: { maxAgeSeconds: Math.min(60, deps.settings.maxAgeSeconds), staleWhileRevalidate: 0 },
    route: '/embed/:topics',
  };
  const nowMs = deps.now ? () => deps.now!().getTime() : Date.now;
  return async (req: Request, res: Response): Promise<void> => {
    const catalog = deps.catalog();
    const revision = await deps.store.currentRevision();
    const minute = Math.floor(nowMs() / 60_000);
    let resolved = memo.get(revision, catalog, req.url, minute);
    if (!resolved) {
      const { limit: rawLimit, ...filters } = req.query as Record<string, unknown>;
      const parsed = parseTopicsAndFilters(deps, String(req.params.topics), filters);
      if (parsed.kind === 'not-found') return sendNotFoundTopic(deps, req, res, parsed.message);
      if (parsed.kind === 'bad-request') return sendBadRequest(res, parsed.parameter, parsed.message, req);
      const limit = parseEmbedLimit(rawLimit);
      if (limit.kind === 'bad') return sendBadRequest(res, 'limit', limit.message, req);
      const request = parsed.request;
      const version = await readVersion(serving, req, res, request.query.terms !== undefined, () => deps.store.queryVersion({ ...request.query, limit: limit.limit }));
      if (version === undefined) return;
      const key = `embed|${request.topicPath}?${request.queryString}|${limit.limit}`;
      const etag = makeEtag([version.tag, key, RENDERER_VERSION, deps.settings.baseUrl, deps.settings.siteTitle, siteLanguageOf(deps), pageTitle(deps, request)]);
      resolved = {
        request,
        limit: limit.limit,
        validators: { etag, lastModified: version.lastModified },
        cacheKey: `${key}|${etag}`,
        search: request.query.terms !== undefined,
        oneOff: isOneOff(request.query),
        ...(request.dependsOnNow ? { minute } : {}),
      };
      memo.set(req.url, resolved);
    }
    const { request, limit, validators } = resolved;
    await serveCached(serving, req, res, resolved, { revision, catalog }, async () => {
      const html = await renderPage(deps, request, limit);
      return prepareResponse(html, { ...validators, contentType: 'text/html; charset=utf-8' });
    });
  };
}

function topicsOf(deps: AppDeps, request: FeedRequest): Topic[] {
  return request.topics
    .map((id) => deps.catalog().topics.find((t) => t.id === id))
    .filter((t): t is Topic => t !== undefined);
}

/** The topics' names in the page's language (topics.yaml may give them per language). */
function pageTitle(deps: AppDeps, request: FeedRequest): string {
  const lang = labelLanguage(deps, request);
  const topics = topicsOf(deps, request);
  const name = topics.length ? topics.map((topic) => inLanguage(lang, topic.titles, topic.title)).join(' + ') : t(lang, 'site.allTitle');
  return `${name} — ${deps.settings.siteTitle}`;
}

function siteLanguageOf(deps: AppDeps): Language {
  return deps.settings.siteLanguage ?? 'uk';
}

/**
 * The language of the embed's own words: `lang` is the articles' filter here, as on feeds, and names
 * the labels' language too when the catalogue has it (`uk-UA` → uk); otherwise the site's. Not
 * Accept-Language: the page is cached by its URL alone, like a feed.
 */
function labelLanguage(deps: AppDeps, request: FeedRequest): Language {
  const asked = request.query.lang?.split('-')[0];
  return isLanguage(asked) ? asked : siteLanguageOf(deps);
}

async function renderPage(deps: AppDeps, request: FeedRequest, limit: number): Promise<string> {
  const { baseUrl, siteTitle } = deps.settings;
  const articles = withPublicUrls(baseUrl, await deps.store.queryArticles({ ...request.query, limit }));
  const topics = topicsOf(deps, request);
  const single = topics.length === 1 ? topics[0] : undefined;
  const lang = labelLanguage(deps, request);
  return renderEmbedPage({
    title: pageTitle(deps, request),
    lang,
    moreUrl: `${single ? topicPageUrl(baseUrl, single.id) : `${baseUrl}/`}?lang=${lang}`,
    siteTitle,
    articles,
  });
}
