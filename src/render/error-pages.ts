// Pages of problems (404, 400, 429, 503) in the visitor's language, in the site's shell: what went wrong, and for
// a bad parameter its name, the value given and what it takes. The JSON bodies' English messages are
// for programs; a page says it in the catalogue's words.

import { MAX_IDS, MAX_LIMIT } from '../query/feed-query.ts';
import { t, type MessageKey } from './i18n/messages.ts';
import { sitePage, type SiteInfo } from './site-shell.ts';
import { escapeText as text } from './xml.ts';

/** A page saying what went wrong (`heading`: not found, bad request…), in the visitor's language: a paragraph per line. */
export function renderErrorPage(site: SiteInfo, heading: ErrorHeading, lines: readonly string[]): string {
  const title = t(site.lang, heading);
  return sitePage(site, { title: `${title} — ${site.title}`, body: `<main>\n<h1>${text(title)}</h1>\n${lines.map((line) => `<p>${text(line)}</p>`).join('\n')}\n</main>` });
}

export type ErrorHeading = 'error.notFound' | 'error.badRequest' | 'error.tooManyRequests' | 'error.busy';

/** What each parameter the query step names takes, as a reader is told; `lang` is the pages' `language`. */
const EXPECTED: Record<string, MessageKey> = {
  q: 'param.q', limit: 'param.limit', since: 'param.since', before: 'param.before', after: 'param.before',
  topics: 'param.topics', exclude: 'param.topics', source: 'param.source', lang: 'param.language', language: 'param.language',
  stories: 'param.stories',
};

/**
 * A 400 page: which parameter, the value given (or that none was), and what it takes, all in the
 * visitor's language. `detail` is the step's English message; only the largest number it allows is
 * read from it (`from 1 to 50`: the embed page's limit is not the feeds'), the words are the catalogue's.
 */
export function renderBadParameterPage(site: SiteInfo, name: string, value: unknown, detail = ''): string {
  const given = typeof value === 'string' ? value.trim() : Array.isArray(value) ? value.join(', ') : '';
  const shown = given.length > 80 ? `${given.slice(0, 80)}…` : given;
  const first = shown === '' ? t(site.lang, 'error.badParameterEmpty', { name }) : t(site.lang, 'error.badParameter', { name, value: shown });
  const expected = EXPECTED[name];
  const stated = /\bto (\d+)\b/.exec(detail)?.[1];
  const limits = { max: name === 'q' ? site.maxQueryLength : name === 'limit' ? stated ?? String(MAX_LIMIT) : MAX_IDS };
  return renderErrorPage(site, 'error.badRequest', expected ? [first, t(site.lang, expected, limits)] : [first]);
}
