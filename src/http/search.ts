// The search page: /search?q=… with the feeds' filters (`topics` optional, `since`, `exclude`, `source`,
// `language`, `limit`) and cursors, through the same query step and paging rule as topic pages, and
// the feed of the search in the three formats. Searches are store queries: each one counts against
// the per-client limits and the overload bound that feed misses have (refused with a page to browsers).

import type { Request, Response } from 'express';
import { renderSearchPage } from '../render/search-page.ts';
import type { AppDeps } from './deps.ts';
import { runAsMiss, type MissGate } from './limits.ts';
import { feedLinks, topicPageUrl } from './links.ts';
import { listArticles, sendHtml, shortCache, siteFor, sourceTitles } from './pages.ts';
import { sendBadRequest } from './problems.ts';
import { inLanguage } from '../render/i18n/messages.ts';

export function searchPageHandler(deps: AppDeps, gate: MissGate) {
  return async (req: Request, res: Response): Promise<void> => {
    // `lang` is the interface language here; the articles' language filter is `language`.
    const { lang: _interface, topics, language, ...params } = req.query as Record<string, unknown>;
    const q = typeof params.q === 'string' ? params.q.trim() : '';
    const site = { ...siteFor(deps, req), query: q };
    // Given twice (an array) is the query step's to refuse, like any parameter given twice.
    if (q === '' && !Array.isArray(params.q)) return sendBadRequest(res, 'q', 'q: give the words to search for', req, site);
    if (topics !== undefined && typeof topics !== 'string') return sendBadRequest(res, 'topics', 'topics: give it once, as a single value', req, site);
    if (language !== undefined) params.lang = language;
    const base = deps.settings.baseUrl;
    const topicPath = topics === undefined || topics.trim() === '' ? 'all' : topics;
    const extra: Record<string, string> = topicPath === 'all' ? {} : { topics: topicPath };
    // Refused (429, 503): a browser gets a page in its language, as for a 400.
    const listed = await runAsMiss(gate, req, res, true,
      () => listArticles(deps, `${topicPath}.json`, params, { url: `${base}/search`, lang: site.lang, extra }), site);
    if (listed === undefined) return;
    if (listed.kind !== 'ok') return sendBadRequest(res, listed.parameter === 'lang' ? 'language' : listed.parameter, listed.message, req, site);
    const { request } = listed;
    // The feed of this search: the same words and filters (`lang` is the feeds' article language
    // there), a `limit` only when one was asked for (a feed's default is its own), no cursor.
    const feedParams = new URLSearchParams(request.filterString);
    if (params.limit === undefined) feedParams.delete('limit');
    const feeds = feedLinks(base, request.topicPath);
    const withQuery = (url: string) => `${url}?${feedParams.toString()}`;
    const catalog = deps.catalog();
    shortCache(res, deps);
    sendHtml(res, 200, renderSearchPage(site, {
      q: new URLSearchParams(request.filterString).get('q') ?? q,
      articles: listed.articles,
      paging: listed.paging,
      feeds: { rss: withQuery(feeds.rss), atom: withQuery(feeds.atom), json: withQuery(feeds.json) },
      topics: request.topics.map((id) => {
        const topic = catalog.topics.find((t) => t.id === id);
        return { title: topic ? inLanguage(site.lang, topic.titles, topic.title) : id, page: `${topicPageUrl(base, id)}?lang=${site.lang}` };
      }),
      sources: sourceTitles(catalog.sources),
    }));
  };
}
