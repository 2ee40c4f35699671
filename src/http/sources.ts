// GET /sources: what an operator needs to see of every remote source — where it is polled, how the
// last poll went and why it failed, when the next one is due, and how many items it brought — with
// every credential a source URL carries (user:pass@, api_key=, token=…) redacted, in URLs and messages.

import type { Request, Response } from 'express';
import { NEVER } from '../ingest/scheduler.ts';
import { renderSourcesPage } from '../render/html.ts';
import type { FulltextState } from '../store/store.ts';
import type { AppDeps } from './deps.ts';
import { siteFor } from './pages.ts';
import { wantsHtml } from './problems.ts';

/** A browser (Accept prefers text/html) gets an HTML page unless it asks `?format=json`; others get JSON. */
export function sourcesHandler(deps: AppDeps) {
  return async (req: Request, res: Response): Promise<void> => {
    const [states, counts] = await Promise.all([deps.store.listSourceStates(), deps.store.countBySource()]);
    const byId = new Map(states.map((s) => [s.sourceId, s]));
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('Vary', 'Accept, Accept-Language');
    const rows = deps.catalog().sources.map((source) => {
      // A state saved for another configured URL describes a feed this source no longer is.
      const saved = byId.get(source.id);
      const state = saved?.configuredUrl === source.url ? saved : undefined;
      return {
        id: source.id,
        title: source.title ?? state?.feedTitle ?? null,
        url: urlFitForPublic(state?.url ?? source.url),
        configuredUrl: urlFitForPublic(source.url),
        enabled: source.enabled,
        intervalMinutes: source.intervalMinutes,
        status: state?.status ?? 'never',
        error: state?.error === undefined ? null : urlsFitForPublic(state.error),
        malformed: state?.malformed === undefined ? null : urlsFitForPublic(state.malformed),
        lastFetchAt: state?.lastFetchAt?.toISOString() ?? null,
        nextPollAt: state?.nextPollAt && state.nextPollAt.getTime() < NEVER.getTime() ? state.nextPollAt.toISOString() : null,
        consecutiveFailures: state?.consecutiveFailures ?? 0,
        items: counts.get(source.id) ?? 0,
        fulltext: source.fulltext ? fulltextStatus(state?.fulltext) : null,
      };
    });
    if (req.query.format === 'json' || !wantsHtml(req)) {
      res.json(rows);
      return;
    }
    const html = renderSourcesPage(siteFor(deps, req), rows, `${deps.settings.baseUrl}/sources?format=json`);
    res.status(200).type('text/html; charset=utf-8').send(html);
  };
}

/**
 * Full text (`fulltext: true`): page failures since the last success, the last one, articles awaiting a
 * retry, and the backfill of teasers stored before full text was on (null until its first poll).
 */
function fulltextStatus(ft: FulltextState | undefined): {
  errors: number; lastError: string | null; pending: number; backfill: { done: boolean; examined: number; completed: number } | null;
} {
  const backfill = ft?.backfill;
  return {
    errors: ft?.failures ?? 0,
    lastError: ft?.lastError === undefined ? null : urlsFitForPublic(ft.lastError),
    pending: Object.keys(ft?.retries ?? {}).length,
    backfill: backfill ? { done: backfill.done, examined: backfill.examined, completed: backfill.completed } : null,
  };
}

/** Query parameters that carry secrets by their usual names (api_key, access_token, sig, …). */
const SECRET_PARAM = /^(?:.*[_-])?(?:api[_-]?key|apikey|key|token|secret|password|passwd|pass|pwd|auth|authorization|sig|signature|credentials?)$/i;
const REDACTED = 'REDACTED';

/** A URL fit for the public: the user-info and secret-looking query values replaced by REDACTED. */
export function urlFitForPublic(url: string): string {
  if (!URL.canParse(url)) return url.replace(/\/\/[^/@\s]*@/, `//${REDACTED}@`);
  const parsed = new URL(url);
  let changed = false;
  if (parsed.username !== '' || parsed.password !== '') {
    parsed.username = REDACTED;
    parsed.password = '';
    changed = true;
  }
  for (const name of [...new Set(parsed.searchParams.keys())]) {
    if (SECRET_PARAM.test(name)) {
      parsed.searchParams.set(name, REDACTED);
      changed = true;
    }
  }
  return changed ? parsed.href : url;
}

/** Error messages quote the URL they failed on (`fetch: https://u:p@x/feed: …`): each one is redacted. */
export function urlsFitForPublic(text: string): string {
  return text.replace(/\bhttps?:\/\/[^\s"'<>]+/gi, (url) => {
    // A message may end the URL with punctuation of its own.
    const trail = /[:.,;)]+$/.exec(url)?.[0] ?? '';
    return urlFitForPublic(url.slice(0, url.length - trail.length)) + trail;
  });
}
