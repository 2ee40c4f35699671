// The whole URL table on one screen. Handlers live beside this file; nothing here does I/O.

import type { Express, NextFunction, Request, Response } from 'express';
import { cors } from './cors.ts';
import type { AppDeps } from './deps.ts';
import { embedPageHandler, embedScriptHandler } from './embed.ts';
import { feedHandler } from './feeds.ts';
import { requireAdmin } from './admin.ts';
import { healthHandler } from './health.ts';
import { metricsHandler } from './metrics.ts';
import { articlePageHandler, indexHandler, opmlHandler, topicPageHandler, topicsJsonHandler } from './pages.ts';
import { sendNotFound } from './problems.ts';
import { sourcesHandler } from './sources.ts';
import { websubHandlers } from './websub.ts';

type AsyncHandler = (req: Request, res: Response) => Promise<void>;

/** Express 5 forwards rejected promises to the error handler; this keeps the type honest. */
function route(handler: AsyncHandler) {
  return (req: Request, res: Response, next: NextFunction): void => {
    handler(req, res).catch(next);
  };
}

export function mountRoutes(app: Express, deps: AppDeps): void {
  const shared = cors(deps.settings.corsOrigin);

  app.get('/', route(indexHandler(deps)));
  app.get('/healthz', route(healthHandler(deps)));
  if (deps.metrics) app.get('/metrics', requireAdmin(deps.settings.adminToken), route(metricsHandler(deps.metrics)));
  // CORS runs inside each shared route (GET, HEAD and the OPTIONS preflight): one route match per poll.
  app.route('/feeds/:spec').options(shared).get(shared, route(feedHandler(deps)));
  app.route('/topics').options(shared).get(shared, route(topicsJsonHandler(deps)));
  app.get('/topics/:id', route(topicPageHandler(deps)));
  app.get('/articles/:slug', route(articlePageHandler(deps)));
  app.get('/sources', route(sourcesHandler(deps)));
  app.route('/opml').options(shared).get(shared, route(opmlHandler(deps)));
  app.post('/websub', websubHandlers(deps));
  // The script before the page: `/embed/ukraine.js` must not be read as a topic named `ukraine.js`.
  app.route('/embed/:topics.js').options(shared).get(shared, route(embedScriptHandler(deps)));
  app.get('/embed/:topics', route(embedPageHandler(deps)));

  app.use((req: Request, res: Response) => sendNotFound(res, `nothing at ${req.method} ${req.path}`));
}
