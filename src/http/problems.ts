// Error responses: one JSON shape for every 4xx/5xx a client can get (an HTML page instead to a browser
// on a page route), and the error-handling middleware that maps thrown errors to them without leaking
// internals of a 5xx.

import type { NextFunction, Request, Response } from 'express';
import type { Logger } from '../log.ts';
import { describeError } from '../errors.ts';
import { MAX_Q_LENGTH } from '../query/feed-query.ts';
import { SITE_ICON_PATH } from '../render/common.ts';
import { renderBadParameterPage, renderErrorPage } from '../render/error-pages.ts';
import type { SiteInfo } from '../render/site-shell.ts';
import { t } from '../render/i18n/messages.ts';
import { interfaceLanguage } from './language.ts';

declare global {
  // Express's own way to type res.locals (declaration merging).
  namespace Express {
    interface Locals {
      /**
       * The site as this request's pages show it (title, language, links), made only when a page of
       * problems needs it: set for every request by routes.ts, so a route that passes no SiteInfo
       * (the embed page) and Express's own 400s still get the site's title and SITE_LANGUAGE.
       */
      site?: () => SiteInfo;
    }
  }
}

/**
 * Whether the client is a browser after a page: Accept prefers text/html to JSON. Feed readers, scripts
 * and curl (`*\/*`) get JSON. Only routes that serve HTML pass `req` to the senders below.
 */
export function wantsHtml(req: Request): boolean {
  return req.accepts(['application/json', 'text/html']) === 'text/html';
}

/**
 * `req` given (an HTML route): a browser gets an HTML page in its language saying nothing is at this
 * path; others the JSON body with `message` (English, for programs and logs).
 */
export function sendNotFound(res: Response, message: string, extra: Record<string, unknown> = {}, req?: Request, site?: SiteInfo): void {
  if (req && wantsHtml(req)) {
    const shown = site ?? fallbackSite(req, res);
    return sendHtmlProblem(res, 404, renderErrorPage(shown, 'error.notFound', [t(shown.lang, 'error.noPage', { path: req.path })]));
  }
  res.status(404).type('application/json; charset=utf-8').send(JSON.stringify({ error: 'not-found', message, ...extra }));
}

/** `req` given: a browser gets a page in its language naming `parameter` and what it takes; others the JSON body. */
export function sendBadRequest(res: Response, parameter: string, message: string, req?: Request, site?: SiteInfo): void {
  if (req && wantsHtml(req)) return sendHtmlProblem(res, 400, renderBadParameterPage(site ?? fallbackSite(req, res), parameter, req.query[parameter], message));
  res.status(400).type('application/json; charset=utf-8').send(JSON.stringify({ error: 'bad-request', parameter, message }));
}

/** Why a request was refused before any work was done for it; the client may retry after the pause. */
export interface Refusal {
  /** `rate-limited` (429): this client's limit is spent; `busy` (503): the overload bound is full. */
  kind: 'rate-limited' | 'busy';
  /** English, for programs and logs. */
  message: string;
  retryAfterSeconds: number;
}

/**
 * A 429 or 503 (Retry-After and RateLimit headers are the caller's). `req` given (an HTML route): a
 * browser gets a page in its language saying to wait and retry; others the JSON body with `message`.
 */
export function sendRefusal(res: Response, refusal: Refusal, req?: Request, site?: SiteInfo): void {
  const status = refusal.kind === 'busy' ? 503 : 429;
  if (req && wantsHtml(req)) {
    const shown = site ?? fallbackSite(req, res);
    const seconds = { seconds: refusal.retryAfterSeconds };
    const page = refusal.kind === 'busy'
      ? renderErrorPage(shown, 'error.busy', [t(shown.lang, 'error.busyRetry', seconds)])
      : renderErrorPage(shown, 'error.tooManyRequests', [t(shown.lang, 'error.tooManyRetry', seconds)]);
    return sendHtmlProblem(res, status, page);
  }
  res.status(status).type('application/json; charset=utf-8').send(JSON.stringify({ error: refusal.kind, message: refusal.message }));
}

/**
 * The site as a route that passes none shows it: the request's own (res.locals.site), else — an app
 * without routes.ts — the defaults, path-only, in the visitor's language.
 */
function fallbackSite(req: Request, res: Response): SiteInfo {
  const own = res.locals.site;
  if (own) return own();
  return {
    title: 'Tidings', description: '', baseUrl: '', opmlUrl: '/opml', iconUrl: SITE_ICON_PATH,
    lang: interfaceLanguage(req, 'uk'), path: req.originalUrl, maxQueryLength: MAX_Q_LENGTH,
  };
}

function sendHtmlProblem(res: Response, status: number, html: string): void {
  res.setHeader('Cache-Control', 'no-store');
  res.setHeader('Vary', 'Accept-Language');
  res.status(status).type('text/html; charset=utf-8').send(html);
}

/** Last middleware: a thrown error becomes a 500 whose body says nothing of the cause; the log does. */
export function errorHandler(log: Logger) {
  return (err: unknown, req: Request, res: Response, _next: NextFunction): void => {
    // Express's body parsers and the like attach a 4xx status; those are the client's fault and say why.
    const status = typeof err === 'object' && err !== null && 'status' in err && typeof err.status === 'number' ? err.status : 500;
    if (status < 500 && wantsHtml(req)) {
      // Express's own refusals (an undecodable %-escape in the path, a body too large): said in the
      // visitor's language, like every other page of problems.
      const site = fallbackSite(req, res);
      const heading = status === 404 ? 'error.notFound' : 'error.badRequest';
      return sendHtmlProblem(res, status, renderErrorPage(site, heading, [t(site.lang, 'error.badAddress', { path: req.originalUrl })]));
    }
    if (status < 500) {
      res.status(status).type('application/json; charset=utf-8').send(JSON.stringify({ error: 'bad-request', message: describeError(err) }));
      return;
    }
    log.error({ err, method: req.method, url: req.originalUrl }, 'request failed');
    if (res.headersSent) {
      res.destroy();
      return;
    }
    res.status(500).type('application/json; charset=utf-8').send(JSON.stringify({ error: 'internal', message: 'internal error; see the server log' }));
  };
}
