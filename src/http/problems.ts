// Error responses: one JSON shape for every 4xx/5xx a client can get, and the error-handling
// middleware that maps thrown errors to them without leaking internals of a 5xx.

import type { NextFunction, Request, Response } from 'express';
import type { Logger } from '../log.ts';
import { describeError } from '../errors.ts';

export function sendNotFound(res: Response, message: string, extra: Record<string, unknown> = {}): void {
  res.status(404).type('application/json; charset=utf-8').send(JSON.stringify({ error: 'not-found', message, ...extra }));
}

export function sendBadRequest(res: Response, parameter: string, message: string): void {
  res.status(400).type('application/json; charset=utf-8').send(JSON.stringify({ error: 'bad-request', parameter, message }));
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
