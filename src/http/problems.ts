// Error responses: one JSON shape for every 4xx/5xx a client can get, and the error-handling
// middleware that maps thrown errors to them without leaking internals of a 5xx.

import type { NextFunction, Request, Response } from 'express';
import type { Logger } from '../log.ts';
import { describeError } from '../errors.ts';
import { renderErrorPage, type SiteInfo } from '../render/html.ts';
import { interfaceLanguage } from './language.ts';

/**
 * Whether the client is a browser after a page: Accept prefers text/html to JSON. Feed readers, scripts
 * and curl (`*\/*`) get JSON. Only routes that serve HTML pass `req` to the senders below.
 */
export function wantsHtml(req: Request): boolean {
  return req.accepts(['application/json', 'text/html']) === 'text/html';
}

/** `req` given (an HTML route): a browser gets an HTML page with the message, others the JSON body. */
export function sendNotFound(res: Response, message: string, extra: Record<string, unknown> = {}, req?: Request, site?: SiteInfo): void {
  if (req && wantsHtml(req)) return sendHtmlProblem(res, 404, 'error.notFound', message, req, site);
  res.status(404).type('application/json; charset=utf-8').send(JSON.stringify({ error: 'not-found', message, ...extra }));
}

export function sendBadRequest(res: Response, parameter: string, message: string, req?: Request): void {
  if (req && wantsHtml(req)) return sendHtmlProblem(res, 400, 'error.badRequest', message, req);
  res.status(400).type('application/json; charset=utf-8').send(JSON.stringify({ error: 'bad-request', parameter, message }));
}

/** Without `site` (the embed page's 400), a page of its own with a path-only home link, in the visitor's language. */
function sendHtmlProblem(res: Response, status: number, heading: 'error.notFound' | 'error.badRequest', message: string, req: Request, site?: SiteInfo): void {
  res.setHeader('Cache-Control', 'no-store');
  const shown = site ?? { title: 'Tidings', baseUrl: '', opmlUrl: '/opml', lang: interfaceLanguage(req, 'uk'), path: req.originalUrl };
  res.status(status).type('text/html; charset=utf-8').send(renderErrorPage(shown, heading, message));
}

/** Last middleware: a thrown error becomes a 500 whose body says nothing of the cause; the log does. */
export function errorHandler(log: Logger) {
  return (err: unknown, req: Request, res: Response, _next: NextFunction): void => {
    // Express's body parsers and the like attach a 4xx status; those are the client's fault and say why.
    const status = typeof err === 'object' && err !== null && 'status' in err && typeof err.status === 'number' ? err.status : 500;
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
