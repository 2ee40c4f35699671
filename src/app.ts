// createApp(deps) → the Express app: settings, middleware and the route table. No I/O of its own:
// main.ts (or a test) opens the store and cache and passes them in.

import express, { type Express } from 'express';
import type { AppDeps } from './http/deps.ts';
import type { Metrics } from './metrics.ts';
import { requireAdmin } from './http/admin.ts';
import { healthHandler, type HealthDeps } from './http/health.ts';
import { metricsHandler, requestMetrics } from './http/metrics.ts';
import { errorHandler, sendNotFound } from './http/problems.ts';
import { requestLimits } from './http/limits.ts';
import { mountRoutes } from './http/routes.ts';

export function createApp(deps: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  // Feeds compute their own strong ETag from the content version; Express's would hash every body.
  app.set('etag', false);
  // `?a=1&a=2` stays an array (and is refused by name); nested objects are not needed.
  app.set('query parser', 'simple');
  if (deps.metrics) app.use(requestMetrics(deps.metrics));
  // TRUST_PROXY: which hops may name the client in X-Forwarded-For (req.ip keys the rate limits).
  app.set('trust proxy', requestLimits(deps.settings).trustProxy);
  // Every response, feeds included, is what its Content-Type says: a browser must not sniff a feed
  // carrying <script> in a title into an HTML page.
  app.use((_req, res, next) => {
    res.setHeader('X-Content-Type-Options', 'nosniff');
    next();
  });
  mountRoutes(app, deps);
  app.use(errorHandler(deps.log));
  return app;
}

/** A worker's own small app (METRICS_PORT): the web role's /healthz answer, and its metrics. */
export function createAdminApp(deps: HealthDeps & { metrics: Metrics; adminToken?: string }): Express {
  const app = express();
  app.disable('x-powered-by');
  const health = healthHandler(deps);
  app.get('/healthz', (req, res, next) => {
    health(req, res).catch(next);
  });
  const metrics = metricsHandler(deps.metrics);
  app.get('/metrics', requireAdmin(deps.adminToken), (req, res, next) => {
    metrics(req, res).catch(next);
  });
  app.use((req, res) => sendNotFound(res, `nothing at ${req.method} ${req.path}`));
  app.use(errorHandler(deps.log));
  return app;
}
