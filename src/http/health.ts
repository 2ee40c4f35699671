// GET /healthz, for the web role and a worker's admin port alike: 200 when the store can be read and
// written right now (store.probe()) and its data file is still there; otherwise 503 "degraded". The
// public gets the status only: what failed goes to the log, once per change of state, so a load
// balancer polling every second does not flood it.

import { access } from 'node:fs/promises';
import type { Request, Response } from 'express';
import type { Logger } from '../log.ts';
import type { ArticleStore } from '../store/store.ts';

export interface HealthDeps {
  store: Pick<ArticleStore, 'probe' | 'countArticles'>;
  log: Logger;
  /** The SQLite data file, when there is one. */
  dataFile?: string;
  /** How many topics are configured; a worker, which serves no topics, leaves it out. */
  topicCount?: () => number;
}

export function healthHandler(deps: HealthDeps) {
  const startedAt = Date.now();
  let failing = false;
  return async (_req: Request, res: Response): Promise<void> => {
    res.setHeader('Cache-Control', 'no-store');
    try {
      // A deleted data directory goes unnoticed by SQLite, which keeps writing to the open, unlinked
      // file: every article written from then on would be lost at the next restart.
      if (deps.dataFile !== undefined) await access(deps.dataFile);
      await deps.store.probe();
      if (failing) deps.log.info('health check: the store answers again');
      failing = false;
      const articles = await deps.store.countArticles();
      const topics = deps.topicCount === undefined ? {} : { topics: deps.topicCount() };
      res.json({ status: 'ok', articles, ...topics, uptimeSeconds: Math.round((Date.now() - startedAt) / 1000) });
    } catch (err) {
      if (!failing) deps.log.error({ err }, 'health check: the store cannot be read and written, or its file is gone');
      failing = true;
      res.status(503).json({ status: 'degraded' });
    }
  };
}
