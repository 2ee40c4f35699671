// POST /websub: the hub's subscription endpoint (form-encoded, answered 202 before the intent is
// verified), and the resolver that tells the hub which topic URLs are our feeds and how to render them.

import express, { type Request, type RequestHandler, type Response } from 'express';
import { parseFeedRequest, topicContext } from '../query/feed-query.ts';
import type { TopicResolution } from '../websub/hub.ts';
import type { AppDeps } from './deps.ts';
import { renderFeed } from './feeds.ts';
import { feedUrl } from './links.ts';
import { sendBadRequest, sendNotFound } from './problems.ts';

/** The form parser and the handler, for one line of routes.ts; 404 when the hub is off. */
export function websubHandlers(deps: AppDeps): RequestHandler[] {
  // §5.1 requests carry five short parameters; anything larger is not one.
  const form = express.urlencoded({ extended: false, limit: '16kb', parameterLimit: 20 });
  const handler = async (req: Request, res: Response): Promise<void> => {
    const hub = deps.websub;
    if (!hub) return sendNotFound(res, 'this server runs no WebSub hub (WEBSUB=off)');
    if (!req.is('application/x-www-form-urlencoded')) {
      return sendBadRequest(res, 'Content-Type', 'Content-Type: expected an application/x-www-form-urlencoded body with hub.mode, hub.topic and hub.callback');
    }
    const checked = hub.check(req.body as Record<string, unknown>);
    if (checked.kind === 'bad-request') return sendBadRequest(res, checked.parameter, checked.message);
    const refused = await hub.refuseCallback(checked.request.callback);
    if (refused) return sendBadRequest(res, 'hub.callback', `hub.callback: ${refused}; this hub only calls public addresses`);
    const answer = await hub.request(checked.request);
    if (answer.kind === 'busy') {
      res.status(503).setHeader('Retry-After', '60');
      res.type('application/json; charset=utf-8').send(JSON.stringify({ error: 'busy', message: 'too many pending verifications; retry later' }));
      return;
    }
    if (answer.kind === 'over-limit') {
      res.status(429).setHeader('Retry-After', '3600');
      res.type('application/json; charset=utf-8').send(JSON.stringify({ error: 'too-many-subscriptions', parameter: 'hub.callback', message: answer.message }));
      return;
    }
    res.status(202).type('text/plain; charset=utf-8')
      .send(`${checked.request.mode} request accepted: ${checked.request.callback} will be asked to confirm it\n`);
  };
  return [form, handler];
}

/**
 * A topic URL is one of our feeds when it lies under `${baseUrl}/feeds/` and parses as a feed request
 * there: the same rules, canonical form and renderer as GET /feeds/<spec>, so what a subscriber is sent
 * is what a poller of that URL reads.
 */
export function feedTopicResolver(deps: Pick<AppDeps, 'store' | 'catalog' | 'settings' | 'now'>): (topicUrl: string) => TopicResolution {
  const base = new URL(`${deps.settings.baseUrl}/`);
  const prefix = `${base.pathname}feeds/`;
  const expected = `expected ${deps.settings.baseUrl}/feeds/<topics>.<rss|atom|json>`;
  const unknown = (message: string): TopicResolution => ({ kind: 'unknown', message });
  return (topicUrl) => {
    if (!URL.canParse(topicUrl)) return unknown(`not an absolute URL; ${expected}`);
    const url = new URL(topicUrl);
    if (url.origin !== base.origin || !url.pathname.startsWith(prefix) || url.hash !== '') return unknown(expected);
    let spec: string;
    try {
      spec = decodeURIComponent(url.pathname.slice(prefix.length));
    } catch (err) {
      return unknown(`the path is not valid percent-encoding (${err instanceof Error ? err.message : String(err)}); ${expected}`);
    }
    if (spec.includes('/')) return unknown(expected);
    const params: Record<string, string | string[]> = {};
    for (const [name, value] of url.searchParams) {
      const prior = params[name];
      params[name] = prior === undefined ? value : [...(Array.isArray(prior) ? prior : [prior]), value];
    }
    const parsed = parseFeedRequest(spec, params, {
      ...topicContext(deps.catalog().topics),
      now: deps.now?.() ?? new Date(),
    });
    if (parsed.kind !== 'ok') return unknown(parsed.message);
    const request = parsed.request;
    if (request.query.before || request.query.after) return unknown('a page of a feed is not a topic; subscribe to the feed without before/after');
    return {
      kind: 'ok',
      feedKey: feedUrl(deps.settings.baseUrl, request.topicPath, request.format, request.queryString),
      query: request.query,
      render: (lastModified) => renderFeed(deps, request, lastModified),
    };
  };
}
