// GET /metrics (Prometheus text) and the middleware that times every request by its route pattern.
// When ADMIN_TOKEN is set the page answers only `Authorization: Bearer <token>`, compared in
// constant time, so the process's internals are not public.

import { createHash, timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import type { Metrics } from '../metrics.ts';

/** Observes each request when its response ends, labelled by the matched route, not the raw URL. */
export function requestMetrics(metrics: Metrics) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const started = process.hrtime.bigint();
    res.once('finish', () => {
      // req.route is set once a route matched; anything else is one label, so URLs cannot flood it.
      const route = (req.route as { path?: unknown } | undefined)?.path;
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      metrics.observeRequest(typeof route === 'string' ? route : 'unmatched', req.method, res.statusCode, seconds);
    });
    next();
  };
}

export function metricsHandler(metrics: Metrics, adminToken: string | undefined) {
  const expected = adminToken === undefined ? undefined : digest(adminToken);
  return async (req: Request, res: Response): Promise<void> => {
    res.setHeader('Cache-Control', 'no-store');
    if (expected && !bearerMatches(req.headers.authorization, expected)) {
      res.setHeader('WWW-Authenticate', 'Bearer realm="tidings-metrics"');
      res.status(401).type('application/json; charset=utf-8').send(JSON.stringify({
        error: 'unauthorized',
        message: 'metrics need Authorization: Bearer <ADMIN_TOKEN>',
      }));
      return;
    }
    const { contentType, body } = await metrics.render();
    res.type(contentType).send(body);
  };
}

/** Digests of equal length make timingSafeEqual usable and hide the token's length too. */
function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

function bearerMatches(header: string | undefined, expected: Buffer): boolean {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  return match !== null && timingSafeEqual(digest(match[1] ?? ''), expected);
}
