// The whole URL table on one screen. Handlers live beside this file; nothing here does I/O.

import type { Express, NextFunction, Request, Response } from 'express';
import { requireAdmin } from './admin.ts';
import { cors } from './cors.ts';
import type { AppDeps } from './deps.ts';
import { embedPageHandler, embedScriptHandler } from './embed.ts';
import { feedHandler } from './feeds.ts';
import { browserFeedType, feedStylesheetHandler } from './feed-style.ts';
import { FEED_STYLESHEET_PATH } from '../render/feed-style.ts';
import { metricsHandler } from './metrics.ts';
import { pageHeaders } from './headers.ts';
import { healthHandler } from './health.ts';
import { iconHandler, loadSiteIcon } from './icon.ts';
import { SITE_ICON_PATH } from '../render/common.ts';
import { createMissGate, requestLimits, websubRateLimit } from './limits.ts';
import { articlePageHandler, indexHandler, opmlHandler, siteFor, topicPageHandler, topicsJsonHandler } from './pages.ts';
import { sendNotFound } from './problems.ts';
import { searchPageHandler } from './search.ts';
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
  const limits = requestLimits(deps.settings);
  // One set of per-client limits and one overload bound for every route whose misses render.
  const gate = createMissGate(limits);
  const page = pageHeaders(deps.settings.baseUrl, 'site');
  const framed = pageHeaders(deps.settings.baseUrl, 'embed');
  const admin = requireAdmin(deps.settings.adminToken);

  // Pages of problems that a route did not build itself (the embed page's, Express's own 400s) show
  // the site as its pages do; made only when one is sent.
  app.use((req: Request, res: Response, next: NextFunction) => {
    res.locals.site = () => siteFor(deps, req);
    next();
  });
  app.get('/', page, route(indexHandler(deps)));
  app.get('/healthz', route(healthHandler({
    store: deps.store,
    log: deps.log,
    ...(deps.settings.dataFile === undefined ? {} : { dataFile: deps.settings.dataFile }),
    topicCount: () => deps.catalog().topics.length,
  })));
  if (deps.metrics) app.get('/metrics', admin, route(metricsHandler(deps.metrics)));
  // CORS runs inside each shared route (GET, HEAD and the OPTIONS preflight): one route match per poll.
  app.route('/feeds/:spec').options(shared).get(shared, browserFeedType, route(feedHandler(deps, gate)));
  app.get(FEED_STYLESHEET_PATH, feedStylesheetHandler(deps.settings.siteLanguage ?? 'uk', deps.settings.maxAgeSeconds));
  app.route('/topics').options(shared).get(shared, route(topicsJsonHandler(deps)));
  app.get('/topics/:id', page, route(topicPageHandler(deps, gate)));
  app.get('/articles/:slug', page, route(articlePageHandler(deps)));
  app.get('/search', page, route(searchPageHandler(deps, gate)));
  const icon = iconHandler(deps.settings.siteIcon ?? loadSiteIcon(), deps.settings.maxAgeSeconds);
  app.get(SITE_ICON_PATH, icon);
  app.get('/favicon.ico', icon);
  app.get('/sources', admin, page, route(sourcesHandler(deps)));
  app.route('/opml').options(shared).get(shared, route(opmlHandler(deps)));
  app.post('/websub', websubRateLimit(limits), websubHandlers(deps));
  // The script before the page: `/embed/ukraine.js` must not be read as a topic named `ukraine.js`.
  app.route('/embed/:topics.js').options(shared).get(shared, route(embedScriptHandler(deps)));
  app.get('/embed/:topics', framed, route(embedPageHandler(deps, gate)));

  // A browser gets an HTML page saying so; API clients the JSON body.
  app.use(page, (req: Request, res: Response) => sendNotFound(res, `nothing at ${req.method} ${req.path}`, {}, req, siteFor(deps, req)));
}
