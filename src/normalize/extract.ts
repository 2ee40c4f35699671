// The article out of a fetched page (full text for teaser-only sources): Mozilla Readability on a
// linkedom document, then the same sanitizing and URL resolution as any content. Runs in the ingest
// worker pool (worker-pool.ts): parsing someone else's page is CPU work on untrusted input.

import { Readability } from '@mozilla/readability';
import { parseHTML } from 'linkedom';
import { describeError } from '../errors.ts';
import { sanitizedHtmlToText, sanitizeHtml } from './html.ts';

/** Plain data, structured-clone safe: it crosses to a worker thread. */
export interface ExtractJob {
  html: string;
  /** The page's final URL: the base of its relative links (unless a <base href> says otherwise). */
  url: string;
}

export type ExtractOutcome = { kind: 'ok'; contentHtml: string; text: string } | { kind: 'failed'; error: string };

/** Less article text than this means Readability found navigation or a stub, not the article. */
export const MIN_ARTICLE_CHARS = 200;

export function extractArticle(job: ExtractJob): ExtractOutcome {
  try {
    const { document } = parseHTML(job.html);
    const base = baseUrl(document.querySelector('base[href]')?.getAttribute('href'), job.url);
    removeConsentNotices(document);
    // linkedom's Document is not the DOM lib's type, but it is the subset Readability walks.
    const article = new Readability(document as unknown as ConstructorParameters<typeof Readability>[0], { charThreshold: MIN_ARTICLE_CHARS }).parse();
    if (!article?.content) return { kind: 'failed', error: `extract: ${job.url}: no article found in the page` };
    const contentHtml = sanitizeHtml(article.content, base);
    const text = sanitizedHtmlToText(contentHtml);
    if (text.length < MIN_ARTICLE_CHARS) {
      return { kind: 'failed', error: `extract: ${job.url}: the page's article text is only ${text.length} characters` };
    }
    return { kind: 'ok', contentHtml, text };
  } catch (err) {
    return { kind: 'failed', error: `extract: ${job.url}: ${describeError(err)}` };
  }
}

/**
 * Readability drops what its class names call a banner, popup or GDPR box, but a cookie notice named
 * `cookies-notice` or `consent-bar` reads as text to it: such boxes are removed first.
 */
const CONSENT = /(?:^|[\s_-])(?:cookies?|consent|cmp)(?:$|[\s_-])/i;
function removeConsentNotices(document: ReturnType<typeof parseHTML>['document']): void {
  for (const el of [...document.querySelectorAll('[class], [id]')]) {
    if (CONSENT.test(el.getAttribute('class') ?? '') || CONSENT.test(el.getAttribute('id') ?? '')) el.remove();
  }
}

function baseUrl(href: string | null | undefined, pageUrl: string): string {
  if (!href || !URL.canParse(href, pageUrl)) return pageUrl;
  const resolved = new URL(href, pageUrl);
  return resolved.protocol === 'http:' || resolved.protocol === 'https:' ? resolved.href : pageUrl;
}
