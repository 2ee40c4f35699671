// GET /metrics (Prometheus text) and the middleware that times every request by its route pattern.
// The route table puts requireAdmin (admin.ts) in front of it, so with ADMIN_TOKEN set the process's
// internals are not public.

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

export function metricsHandler(metrics: Metrics) {
  return async (_req: Request, res: Response): Promise<void> => {
    res.setHeader('Cache-Control', 'no-store');
    const { contentType, body } = await metrics.render();
    res.type(contentType).send(body);
  };
}
