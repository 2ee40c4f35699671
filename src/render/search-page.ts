// The search results page (/search?q=…): the articles matching the words with the feeds' own filters and
// cursors, and the feed of that very search in the three formats. Format knowledge only; the HTTP step
// parses the request and pages through the store.

import type { StoredArticle } from '../model.ts';
import { articleList, feedAlternates, pagingHead, pagingNav, subscribeButtons, type FeedUrls, type PageLinks } from './html.ts';
import { sitePage, type SiteInfo } from './site-shell.ts';
import { t } from './i18n/messages.ts';
import { escapeAttr as attr, escapeText as text } from './xml.ts';

export interface SearchResults {
  /** The words as the query step kept them (trimmed, spaces collapsed). */
  q: string;
  articles: readonly StoredArticle[];
  paging: PageLinks;
  /** The feed of this search (same words and filters, no cursor). */
  feeds: FeedUrls;
  /** Titles of the topics the search was limited to, with their pages; empty: every topic. */
  topics: readonly { title: string; page: string }[];
  sources: ReadonlyMap<string, string>;
}

export function renderSearchPage(site: SiteInfo, results: SearchResults): string {
  const m = (key: Parameters<typeof t>[1], values?: Record<string, string>) => text(t(site.lang, key, values));
  const title = t(site.lang, 'search.title', { q: results.q });
  const topics = results.topics.length
    ? `<p>${m('search.inTopics')} ${results.topics.map((topic) => `<a href="${attr(topic.page)}">${text(topic.title)}</a>`).join(', ')}</p>\n`
    : '';
  return sitePage(site, {
    title: `${title} — ${site.title}`,
    description: t(site.lang, 'search.results', { q: results.q }),
    head: feedAlternates(title, results.feeds) + pagingHead(results.paging),
    body: `<main>
<h1>${text(title)}</h1>
<p>${m('search.results', { q: results.q })}</p>
${topics}<p>${m('search.feeds')} ${subscribeButtons(results.feeds)}</p>
${articleList(site, results.articles, results.sources, 'search.none')}
${pagingNav(site, results.paging)}
</main>`,
  });
}
