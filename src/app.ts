// createApp(deps) → the Express app: settings, middleware and the route table. No I/O of its own:
// main.ts (or a test) opens the store and cache and passes them in.

import express, { type Express } from 'express';
import type { AppDeps } from './http/deps.ts';
import { errorHandler } from './http/problems.ts';
import { mountRoutes } from './http/routes.ts';

export function createApp(deps: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  // Feeds compute their own strong ETag from the content version; Express's would hash every body.
  app.set('etag', false);
  // `?a=1&a=2` stays an array (and is refused by name); nested objects are not needed.
  app.set('query parser', 'simple');
  mountRoutes(app, deps);
  app.use(errorHandler(deps.log));
  return app;
}
