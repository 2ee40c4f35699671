// Fetching one article's own page for its full text: robots.txt first (robots.ts), then the page with
// the feed's limits and User-Agent, HTML only, decoded by decodeHtmlBody (HTTP charset, then <meta>,
// then detection). Returns an outcome that says whether trying again later could help.

import { describeError } from '../errors.ts';
import { decodeHtmlBody } from './charset.ts';
import { FetchError, fetchFeed, type FetchOptions } from './remote.ts';
import type { RobotsCache } from './robots.ts';

export type ArticlePageOutcome =
  | { kind: 'ok'; html: string; finalUrl: string; charset: string }
  /** robots.txt forbids it: the page was not requested. */
  | { kind: 'disallowed' }
  /** `retry`: the failure may pass (5xx, 408, 429, timeout, network, robots.txt unreachable). */
  | { kind: 'failed'; error: string; retry: boolean };

const HTML_ACCEPT = 'text/html, application/xhtml+xml;q=0.9, */*;q=0.1';
const HTML_TYPES = /^(?:text\/html|application\/xhtml\+xml)$/i;

export async function fetchArticlePage(url: string, robots: RobotsCache, fetchOptions: FetchOptions): Promise<ArticlePageOutcome> {
  const verdict = await robots.check(url, fetchOptions);
  if (verdict.kind === 'disallowed') return { kind: 'disallowed' };
  if (verdict.kind === 'unreachable') return { kind: 'failed', error: verdict.error, retry: true };
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
