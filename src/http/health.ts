// GET /healthz: 200 when the store answers, 503 with the reason when it does not. Never cached.

import type { Request, Response } from 'express';
import { describeError } from '../errors.ts';
import type { AppDeps } from './deps.ts';

export function healthHandler(deps: AppDeps) {
  const startedAt = Date.now();
  return async (_req: Request, res: Response): Promise<void> => {
    res.setHeader('Cache-Control', 'no-store');
    try {
      const articles = await deps.store.countArticles();
      res.json({ status: 'ok', articles, topics: deps.catalog().topics.length, uptimeSeconds: Math.round((Date.now() - startedAt) / 1000) });
    } catch (err) {
      deps.log.error({ err }, 'health check: store failed');
      res.status(503).json({ status: 'unavailable', message: `store: ${describeError(err)}` });
    }
  };
}
