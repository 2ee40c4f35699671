// GET /embed/<topics>.js (the embed script) and GET /embed/<topics> (the iframe page). Topics and
// filters are checked by the feed query parser, so an embed answers 400/404 exactly where a feed would.

import type { Request, Response } from 'express';
import type { Topic } from '../model.ts';
import { parseFeedRequest, type ParseResult } from '../query/feed-query.ts';
import { buildEmbedScript, EMBED_DEFAULT_LIMIT, EMBED_MAX_LIMIT, renderEmbedPage } from '../render/embed.ts';
import { makeEtag } from './conditional.ts';
import type { AppDeps } from './deps.ts';
import { topicPageUrl } from './links.ts';
import { sendBadRequest, sendNotFound } from './problems.ts';

const SCRIPT_CONTENT_TYPE = 'application/javascript; charset=utf-8';

function parseTopicsAndFilters(deps: AppDeps, topics: string, params: Record<string, unknown>): ParseResult {
  return parseFeedRequest(`${topics}.json`, params, {
    knownTopics: new Set(deps.catalog().topics.map((t) => t.id)),
    now: (deps.now ?? (() => new Date()))(),
  });
}

function sendNotFoundTopic(deps: AppDeps, res: Response, message: string): void {
  sendNotFound(res, message, { topics: ['all', ...deps.catalog().topics.map((t) => t.id)] });
}

export function embedScriptHandler(deps: AppDeps) {
  // The text depends on the base URL alone, so it is built and hashed once, not per request.
  const script = buildEmbedScript(deps.settings.baseUrl);
  const etag = makeEtag(['embed.js', script]);
  // The bytes change only with a deploy; the ETag makes a later revalidation a cheap 304.
  const cacheControl = `public, max-age=${Math.max(0, Math.floor(deps.settings.maxAgeSeconds))}`;
  return async (req: Request, res: Response): Promise<void> => {
    // The script ignores its own query string (filters come from data- attributes): only topics matter.
    const parsed = parseTopicsAndFilters(deps, String(req.params.topics), {});
    if (parsed.kind === 'not-found') return sendNotFoundTopic(deps, res, parsed.message);
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

export function embedPageHandler(deps: AppDeps) {
  return async (req: Request, res: Response): Promise<void> => {
    const { limit: rawLimit, ...filters } = req.query as Record<string, unknown>;
    const parsed = parseTopicsAndFilters(deps, String(req.params.topics), filters);
    if (parsed.kind === 'not-found') return sendNotFoundTopic(deps, res, parsed.message);
    if (parsed.kind === 'bad-request') return sendBadRequest(res, parsed.parameter, parsed.message);
    const limit = parseEmbedLimit(rawLimit);
    if (limit.kind === 'bad') return sendBadRequest(res, 'limit', limit.message);

    const request = parsed.request;
    const articles = await deps.store.queryArticles({ ...request.query, limit: limit.limit });
    const { baseUrl, siteTitle } = deps.settings;
    const topics = request.topics
      .map((id) => deps.catalog().topics.find((t) => t.id === id))
      .filter((t): t is Topic => t !== undefined);
    const single = topics.length === 1 ? topics[0] : undefined;
    const name = topics.length ? topics.map((t) => t.title).join(' + ') : 'All articles';
    const html = renderEmbedPage({
      title: `${name} — ${siteTitle}`,
      lang: request.query.lang,
      moreUrl: single ? topicPageUrl(baseUrl, single.id) : `${baseUrl}/`,
      siteTitle,
      articles,
    });
    // Short-lived like the other pages (they change when the store does). The CSP makes "no scripts"
    // hold even if a stored title ever slipped past escaping; frame-ancestors stays open on purpose.
    res.setHeader('Cache-Control', `public, max-age=${Math.min(60, deps.settings.maxAgeSeconds)}`);
    res.setHeader('Content-Security-Policy', "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'");
    res.status(200).type('text/html; charset=utf-8').send(html);
  };
}
