// Human and discovery resources: the home page, topic pages, local article pages, /topics (JSON)
// and /opml. They change when the store does, so they carry a short Cache-Control and no ETag work.

import type { Request, Response } from 'express';
import type { ArticleQuery, Source, StoredArticle, Topic } from '../model.ts';
import { encodeCursor, pageNeighbours, parseFeedRequest, topicContext } from '../query/feed-query.ts';
import { renderArticlePage, renderErrorPage, renderIndexPage, renderTopicPage, type PageLinks, type SiteInfo, type TopicLinks } from '../render/html.ts';
import { t } from '../render/i18n/messages.ts';
import { renderOpml, OPML_CONTENT_TYPE } from '../render/opml.ts';
import { knownSources } from './cached.ts';
import type { AppDeps } from './deps.ts';
import { sendBadRequest } from './problems.ts';
import { interfaceLanguage } from './language.ts';
import { feedLinks, topicPageUrl, withPublicUrl, withPublicUrls } from './links.ts';

/** What every page of this response shares: the site's identity and the visitor's language. */
export function siteFor(deps: Pick<AppDeps, 'settings'>, req: Request): SiteInfo {
  const { siteTitle, baseUrl, siteLanguage } = deps.settings;
  return { title: siteTitle, baseUrl, opmlUrl: `${baseUrl}/opml`, lang: interfaceLanguage(req, siteLanguage ?? 'uk'), path: req.originalUrl };
}

async function topicLinks(deps: AppDeps): Promise<TopicLinks[]> {
  const { topics } = deps.catalog();
  // A topic counts its stories, unless it lists every copy on its own (`stories: off`).
  const counts = await deps.store.countByTopic({ separate: topics.filter((t) => t.stories === 'separate').map((t) => t.id) });
  const base = deps.settings.baseUrl;
  return topics.map((topic) => ({
    topic,
    count: counts.get(topic.id) ?? 0,
    page: topicPageUrl(base, topic.id),
    ...feedLinks(base, topic.id),
  }));
}

function shortCache(res: Response, deps: AppDeps): void {
  res.setHeader('Cache-Control', `public, max-age=${Math.min(60, deps.settings.maxAgeSeconds)}`);
}

function sendHtml(res: Response, status: number, html: string): void {
  // The interface language comes from Accept-Language when ?lang= is absent: caches must key on it.
  res.setHeader('Vary', 'Accept-Language');
  res.status(status).type('text/html; charset=utf-8').send(html);
}

export function indexHandler(deps: AppDeps) {
  return async (req: Request, res: Response): Promise<void> => {
    const links = await topicLinks(deps);
    const all = { ...feedLinks(deps.settings.baseUrl, 'all'), count: await deps.store.countArticles() };
    shortCache(res, deps);
    sendHtml(res, 200, renderIndexPage(siteFor(deps, req), links, all));
  };
}

/** Articles per topic page unless `limit` says otherwise (feeds default to 50). */
const PAGE_LIMIT = 30;

/**
 * A topic page pages through the whole archive with the feeds' own parameters and cursors (`before`,
 * `after`, `limit`, and the filters); `lang` is left out, as it picks the interface language here.
 */
export function topicPageHandler(deps: AppDeps) {
  return async (req: Request, res: Response): Promise<void> => {
    const links = (await topicLinks(deps)).find((l) => l.topic.id === req.params.id);
    const site = siteFor(deps, req);
    if (!links) return sendHtml(res, 404, renderErrorPage(site, 'error.notFound', t(site.lang, 'error.noTopic', { id: String(req.params.id) })));
    const { lang: _interface, ...params } = req.query as Record<string, unknown>;
    const catalog = deps.catalog();
    const parsed = parseFeedRequest(`${links.topic.id}.json`, { limit: String(PAGE_LIMIT), ...params }, {
      ...topicContext(catalog.topics),
      knownSources: knownSources(catalog),
      now: deps.now?.() ?? new Date(),
    });
    if (parsed.kind !== 'ok') return sendBadRequest(res, parsed.kind === 'bad-request' ? parsed.parameter : 'topics', parsed.message, req);
    const { query, filterString } = parsed.request;
    const articles = withPublicUrls(deps.settings.baseUrl, await deps.store.queryArticles(query));
    const paging = pageLinks(topicPageUrl(deps.settings.baseUrl, links.topic.id), filterString, site.lang, query, articles);
    shortCache(res, deps);
    sendHtml(res, 200, renderTopicPage(site, links, articles, paging, sourceTitles(catalog.sources)));
  };
}

/** Older and newer pages, by the same rule as the feeds' paging links (pageNeighbours). */
function pageLinks(pageUrl: string, filterString: string, lang: string, query: ArticleQuery, articles: StoredArticle[]): PageLinks {
  const link = (name: 'before' | 'after', a: StoredArticle): string => {
    const params = new URLSearchParams(filterString);
    params.set(name, encodeCursor({ published: a.published, id: a.id }));
    params.set('lang', lang);
    params.sort();
    return `${pageUrl}?${params.toString()}`;
  };
  const { older, newer } = pageNeighbours(query, articles);
  const out: PageLinks = {};
  if (older) out.older = link('before', older);
  if (newer) out.newer = link('after', newer);
  return out;
}

function sourceTitles(sources: readonly Source[]): ReadonlyMap<string, string> {
  return new Map(sources.map((source) => [source.id, source.title ?? new URL(source.url).hostname]));
}

export function articlePageHandler(deps: AppDeps) {
  return async (req: Request, res: Response): Promise<void> => {
    const article = await deps.store.getArticleBySlug(String(req.params.slug));
    const site = siteFor(deps, req);
    if (!article) return sendHtml(res, 404, renderErrorPage(site, 'error.notFound', t(site.lang, 'error.noArticle', { slug: String(req.params.slug) })));
    const links = (await topicLinks(deps)).filter((l) => article.topics.includes(l.topic.id));
    shortCache(res, deps);
    sendHtml(res, 200, renderArticlePage(site, withPublicUrl(deps.settings.baseUrl, article), links));
  };
}

export function topicsJsonHandler(deps: AppDeps) {
  return async (_req: Request, res: Response): Promise<void> => {
    const links = await topicLinks(deps);
    shortCache(res, deps);
    res.json(links.map((l) => ({
      id: l.topic.id,
      title: l.topic.title,
      description: l.topic.description,
      count: l.count,
      page: l.page,
      feeds: { rss: l.rss, atom: l.atom, json: l.json },
    })));
  };
}

export function opmlHandler(deps: AppDeps) {
  return async (_req: Request, res: Response): Promise<void> => {
    const base = deps.settings.baseUrl;
    const topics: readonly Topic[] = deps.catalog().topics;
    const body = renderOpml({
      title: `${deps.settings.siteTitle} topic feeds`,
      dateCreated: new Date(),
      outlines: topics.map((t) => ({
        text: t.title,
        title: t.title,
        xmlUrl: feedLinks(base, t.id).rss,
        htmlUrl: topicPageUrl(base, t.id),
        type: 'rss',
      })),
    });
    shortCache(res, deps);
    res.status(200).type(OPML_CONTENT_TYPE).send(body);
  };
}
