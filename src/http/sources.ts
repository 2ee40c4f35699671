// GET /sources: what an operator needs to see of every remote source — where it is polled, how the
// last poll went and why it failed, when the next one is due, and how many items it brought.

import type { Request, Response } from 'express';
import { NEVER } from '../ingest/scheduler.ts';
import type { AppDeps } from './deps.ts';

export function sourcesHandler(deps: AppDeps) {
  return async (_req: Request, res: Response): Promise<void> => {
    const [states, counts] = await Promise.all([deps.store.listSourceStates(), deps.store.countBySource()]);
    const byId = new Map(states.map((s) => [s.sourceId, s]));
    res.setHeader('Cache-Control', 'no-store');
    res.json(deps.catalog().sources.map((source) => {
      // A state saved for another configured URL describes a feed this source no longer is.
      const saved = byId.get(source.id);
      const state = saved?.configuredUrl === source.url ? saved : undefined;
      return {
        id: source.id,
        title: source.title ?? state?.feedTitle ?? null,
        url: state?.url ?? source.url,
        configuredUrl: source.url,
        enabled: source.enabled,
        intervalMinutes: source.intervalMinutes,
        status: state?.status ?? 'never',
        error: state?.error ?? null,
        malformed: state?.malformed ?? null,
        lastFetchAt: state?.lastFetchAt?.toISOString() ?? null,
        nextPollAt: state?.nextPollAt && state.nextPollAt.getTime() < NEVER.getTime() ? state.nextPollAt.toISOString() : null,
        consecutiveFailures: state?.consecutiveFailures ?? 0,
        items: counts.get(source.id) ?? 0,
      };
    }));
  };
}
