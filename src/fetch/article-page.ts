// Fetching one article's own page for its full text: robots.txt first (robots.ts), its Crawl-delay
// kept per origin (CrawlPacer), then the page with the feed's limits and User-Agent, HTML only, decoded
// by decodeHtmlBody (HTTP charset, then <meta>, then detection). The outcome says whether and when
// trying again could help.

import { describeError } from '../errors.ts';
import { decodeHtmlBody } from './charset.ts';
import { FetchError, fetchFeed, type FetchOptions } from './remote.ts';
import type { RobotsCache } from './robots.ts';

export type ArticlePageOutcome =
  | { kind: 'ok'; html: string; finalUrl: string; charset: string }
  /** robots.txt forbids it: the page was not requested. */
  | { kind: 'disallowed' }
  /** `retry`: the failure may pass (5xx, 408, 429, timeout, network, robots.txt unreachable). */
  | { kind: 'failed'; error: string; retry: boolean }
  /** The origin's Crawl-delay allows no request before `at` (epoch ms), later than this poll waits: not requested. */
  | { kind: 'later'; at: number };

/** Spaces the requests to each origin by its Crawl-delay (see createCrawlPacer). */
export interface CrawlPacer {
  /**
   * Waits for the origin's next turn and takes it; `later` (taking nothing) when that turn comes after
   * `latest` (epoch ms): the page waits for a later poll instead of holding this one up.
   */
  turn(origin: string, delayMs: number, latest: number): Promise<{ kind: 'now' } | { kind: 'later'; at: number }>;
}

/**
 * Pages of one host are fetched one at a time (fulltext.ts), so a next-turn time per origin is enough.
 * Real time, not a test's clock: the pause is between real requests.
 */
export function createCrawlPacer(options: { maxOrigins?: number } = {}): CrawlPacer {
  const maxOrigins = options.maxOrigins ?? 1000;
  const nextTurn = new Map<string, number>();
  return {
    async turn(origin, delayMs, latest) {
      const now = Date.now();
      const at = Math.max(now, nextTurn.get(origin) ?? 0);
      if (at > latest) return { kind: 'later', at };
      nextTurn.delete(origin);
      if (nextTurn.size >= maxOrigins) nextTurn.delete(nextTurn.keys().next().value as string);
      nextTurn.set(origin, at + delayMs);
      if (at > now) await new Promise<void>((resolve) => setTimeout(resolve, at - now));
      return { kind: 'now' };
    },
  };
}

/** How long one poll's page fetches may wait, in all, for their hosts' Crawl-delay turns: 30 s. */
export const MAX_CRAWL_WAIT_MS = 30_000;

const HTML_ACCEPT = 'text/html, application/xhtml+xml;q=0.9, */*;q=0.1';
const HTML_TYPES = /^(?:text\/html|application\/xhtml\+xml)$/i;

/** `pacing`: the Crawl-delay turns and the latest start this fetch may wait for (without one, none is kept). */
export async function fetchArticlePage(
  url: string, robots: RobotsCache, fetchOptions: FetchOptions, pacing?: { pacer: CrawlPacer; latest: number },
): Promise<ArticlePageOutcome> {
  const verdict = await robots.check(url, fetchOptions);
  if (verdict.kind === 'disallowed') return { kind: 'disallowed' };
  if (verdict.kind === 'unreachable') return { kind: 'failed', error: verdict.error, retry: true };
  if (verdict.crawlDelayMs && pacing) {
    const turn = await pacing.pacer.turn(new URL(url).origin, verdict.crawlDelayMs, pacing.latest);
    if (turn.kind === 'later') return turn;
  }
  try {
    const page = await fetchFeed(url, { ...fetchOptions, accept: HTML_ACCEPT, decode: decodeHtmlBody });
    // No validators are sent, so a 304 would be a server's mistake; treat it like any other non-page.
    if (page.kind === 'not-modified') return { kind: 'failed', error: `fetch: ${url}: unexpected 304`, retry: false };
    const type = page.contentType?.split(';')[0]?.trim();
    if (type && !HTML_TYPES.test(type)) {
      return { kind: 'failed', error: `fetch: ${url}: not an HTML page (${type})`, retry: false };
    }
    return { kind: 'ok', html: page.text, finalUrl: page.finalUrl, charset: page.charset };
  } catch (err) {
    return { kind: 'failed', error: describeError(err), retry: mayPass(err) };
  }
}

function mayPass(err: unknown): boolean {
  if (!(err instanceof FetchError) || err.status === undefined) return true;
  return err.status >= 500 || err.status === 408 || err.status === 429;
}
