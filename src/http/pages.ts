// Human and discovery resources: the home page, topic pages, local article pages, /topics (JSON)
// and /opml. They change when the store does, so they carry a short Cache-Control and no ETag work.

import type { Request, Response } from 'express';
import type { ArticleQuery, Source, StoredArticle, Topic } from '../model.ts';
import { encodeCursor, MAX_Q_LENGTH, pageNeighbours, parseFeedRequest, topicContext, type FeedRequest } from '../query/feed-query.ts';
import { siteIconUrl } from '../render/common.ts';
import { renderErrorPage } from '../render/error-pages.ts';
import { renderArticlePage, renderIndexPage, renderTopicPage, type PageLinks, type SiteInfo, type TopicLinks } from '../render/html.ts';
import { inLanguage, t, type Language } from '../render/i18n/messages.ts';
import { renderOpml, OPML_CONTENT_TYPE } from '../render/opml.ts';
import { knownSources } from './cached.ts';
import type { AppDeps } from './deps.ts';
import { runAsMiss, type MissGate } from './limits.ts';
import { sendBadRequest } from './problems.ts';
import { interfaceLanguage } from './language.ts';
import { feedLinks, topicPageUrl, withPublicUrl, withPublicUrls } from './links.ts';

/** What every page of this response shares: the site's identity and the visitor's language. */
export function siteFor(deps: Pick<AppDeps, 'settings'>, req: Request): SiteInfo {
  const { siteTitle, siteDescription, baseUrl, siteLanguage } = deps.settings;
  return {
    title: siteTitle,
    description: siteDescription ?? '',
    baseUrl,
    opmlUrl: `${baseUrl}/opml`,
    iconUrl: siteIconUrl(baseUrl),
    lang: interfaceLanguage(req, siteLanguage ?? 'uk'),
    path: req.originalUrl,
    maxQueryLength: MAX_Q_LENGTH,
  };
}

/** A topic as a page in `lang` shows it: its title and description in that language when topics.yaml gives them. */
function localizedTopic(topic: Topic, lang: Language): Topic {
  return { ...topic, title: inLanguage(lang, topic.titles, topic.title), description: inLanguage(lang, topic.descriptions, topic.description) };
}

/** Every topic with its count, page and feeds; titles in `lang` (pages), or as feeds show them (no `lang`). */
async function topicLinks(deps: AppDeps, lang?: Language): Promise<TopicLinks[]> {
  const { topics } = deps.catalog();
  // A topic counts its stories, unless it lists every copy on its own (`stories: off`).
  const counts = await deps.store.countByTopic({ separate: topics.filter((t) => t.stories === 'separate').map((t) => t.id) });
  const base = deps.settings.baseUrl;
  return topics.map((topic) => ({
    topic: lang ? localizedTopic(topic, lang) : topic,
    count: counts.get(topic.id) ?? 0,
    page: topicPageUrl(base, topic.id),
    ...feedLinks(base, topic.id),
  }));
}

export function shortCache(res: Response, deps: AppDeps): void {
  res.setHeader('Cache-Control', `public, max-age=${Math.min(60, deps.settings.maxAgeSeconds)}`);
}

export function sendHtml(res: Response, status: number, html: string): void {
  // The interface language comes from Accept-Language when ?lang= is absent: caches must key on it.
  res.setHeader('Vary', 'Accept-Language');
  res.status(status).type('text/html; charset=utf-8').send(html);
}

export function indexHandler(deps: AppDeps) {
  return async (req: Request, res: Response): Promise<void> => {
    const site = siteFor(deps, req);
    const links = await topicLinks(deps, site.lang);
    const base = deps.settings.baseUrl;
    const all = { ...feedLinks(base, 'all'), page: topicPageUrl(base, 'all'), count: await deps.store.countArticles() };
    shortCache(res, deps);
    sendHtml(res, 200, renderIndexPage(site, links, all));
  };
}

/** Articles per topic page unless `limit` says otherwise (feeds default to 50). */
export const PAGE_LIMIT = 30;

/**
 * A topic page pages through the whole archive with the feeds' own parameters and cursors (`before`,
 * `after`, `limit`, and the filters); `lang` is left out, as it picks the interface language here.
 * `/topics/all` is every topic's articles (`all` is never a topic id, as in /feeds/all.rss).
 */
export function topicPageHandler(deps: AppDeps, gate: MissGate) {
  return async (req: Request, res: Response): Promise<void> => {
    const site = siteFor(deps, req);
    const id = String(req.params.id);
    const links = id === 'all' ? allLinks(deps, site.lang) : (await topicLinks(deps, site.lang)).find((l) => l.topic.id === id);
    if (!links) return sendHtml(res, 404, renderErrorPage(site, 'error.notFound', [t(site.lang, 'error.noTopic', { id })]));
    const { lang: _interface, ...params } = req.query as Record<string, unknown>;
    // A topic page is a store read that no cache answers (up to 500 articles): it counts against the
    // client's miss limit (and its search limit with a `q`) and waits inside the overload bound, like
    // a feed's miss; otherwise a flood of pages queued on the query workers without end.
    const search = typeof params.q === 'string' && params.q.trim() !== '';
    const listed = await runAsMiss(gate, req, res, search,
      () => listArticles(deps, `${links.topic.id}.json`, params, { url: topicPageUrl(deps.settings.baseUrl, links.topic.id), lang: site.lang }), site);
    if (listed === undefined) return;
    if (listed.kind !== 'ok') return sendBadRequest(res, listed.parameter, listed.message, req, site);
    shortCache(res, deps);
    sendHtml(res, 200, renderTopicPage(site, links, listed.articles, listed.paging, sourceTitles(deps.catalog().sources)));
  };
}

/** The all page's heading and feeds, shaped like a topic's. */
function allLinks(deps: AppDeps, lang: Language): TopicLinks {
  const base = deps.settings.baseUrl;
  const topic: Topic = { id: 'all', title: t(lang, 'site.allTitle'), description: t(lang, 'site.allDescription'), rules: { keywords: [], categories: [], sources: [] } };
  return { topic, count: 0, page: topicPageUrl(base, 'all'), ...feedLinks(base, 'all') };
}

/** Where a listing's older/newer links lead: its page, with the interface language and any parameters of its own. */
export interface ListingPage {
  url: string;
  lang: Language;
  /** Parameters the query step does not keep in its filter string (the search page's `topics`). */
  extra?: Record<string, string>;
}

export type Listing =
  | { kind: 'ok'; request: FeedRequest; articles: StoredArticle[]; paging: PageLinks }
  | { kind: 'bad-request'; parameter: string; message: string };

/**
 * One page of a listing (a topic, all, a search): the feeds' query step reads `spec` and `params`
 * (PAGE_LIMIT unless `limit` says otherwise), the store answers, and the older/newer links of `pageUrl`
 * keep the filters and the interface language. An unknown topic in `spec` is a bad `topics`.
 */
export async function listArticles(deps: AppDeps, spec: string, params: Record<string, unknown>, page: ListingPage): Promise<Listing> {
  const catalog = deps.catalog();
  const parsed = parseFeedRequest(spec, { limit: String(PAGE_LIMIT), ...params }, {
    ...topicContext(catalog.topics),
    knownSources: knownSources(catalog),
    now: deps.now?.() ?? new Date(),
  });
  if (parsed.kind === 'not-found') return { kind: 'bad-request', parameter: 'topics', message: parsed.message };
  if (parsed.kind === 'bad-request') return parsed;
  const { query, filterString } = parsed.request;
  const articles = withPublicUrls(deps.settings.baseUrl, await deps.store.queryArticles(query));
  return { kind: 'ok', request: parsed.request, articles, paging: pageLinks(page, filterString, query, articles) };
}

/** Older and newer pages, by the same rule as the feeds' paging links (pageNeighbours). */
function pageLinks(page: ListingPage, filterString: string, query: ArticleQuery, articles: StoredArticle[]): PageLinks {
  const link = (name: 'before' | 'after', a: StoredArticle): string => {
    const params = pageParams(filterString, page);
    params.set(name, encodeCursor({ published: a.published, id: a.id }));
    params.sort();
    return `${page.url}?${params.toString()}`;
  };
  const { older, newer } = pageNeighbours(query, articles);
  const out: PageLinks = {};
  if (older) out.older = link('before', older);
  if (newer) out.newer = link('after', newer);
  return out;
}

/**
 * A page's own parameters from the query step's filter string: on pages `lang` is the interface
 * language, so the feeds' article-language filter is spelled `language` here.
 */
export function pageParams(filterString: string, page: Pick<ListingPage, 'lang' | 'extra'>): URLSearchParams {
  const params = new URLSearchParams(filterString);
  const articleLanguage = params.get('lang');
  params.delete('lang');
  if (articleLanguage !== null) params.set('language', articleLanguage);
  for (const [name, value] of Object.entries(page.extra ?? {})) params.set(name, value);
  params.set('lang', page.lang);
  return params;
}

export function sourceTitles(sources: readonly Source[]): ReadonlyMap<string, string> {
  return new Map(sources.map((source) => [source.id, source.title ?? new URL(source.url).hostname]));
}

export function articlePageHandler(deps: AppDeps) {
  return async (req: Request, res: Response): Promise<void> => {
    const article = await deps.store.getArticleBySlug(String(req.params.slug));
    const site = siteFor(deps, req);
    if (!article) return sendHtml(res, 404, renderErrorPage(site, 'error.notFound', [t(site.lang, 'error.noArticle', { slug: String(req.params.slug) })]));
    const links = (await topicLinks(deps, site.lang)).filter((l) => article.topics.includes(l.topic.id));
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
      ...(l.topic.titles ? { titles: l.topic.titles } : {}),
      ...(l.topic.descriptions ? { descriptions: l.topic.descriptions } : {}),
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
