// Human pages: the home page, a topic page (and the all page), a local article's canonical page, the
// /sources table, and the article lists and paging links the search page shares. Plain server-rendered
// HTML in ./site-shell.ts's shell; escaping comes from xml.ts, the one escaper, and article bodies are
// already sanitized by normalize/html.ts before they were stored.

import type { StoredArticle, Topic } from '../model.ts';
import { embedSnippets } from './embed.ts';
import { webLink } from './common.ts';
import { formatDate, t, type MessageKey } from './i18n/messages.ts';
import { alsoReportedBy } from './related.ts';
import { sitePage, type SiteInfo } from './site-shell.ts';
import { escapeAttr as attr, escapeText as text } from './xml.ts';

export type { SiteInfo } from './site-shell.ts';

export interface TopicLinks {
  topic: Topic;
  count: number;
  page: string;
  rss: string;
  atom: string;
  json: string;
}

/** Links to the pages of older and newer articles, when there are any. */
export interface PageLinks {
  older?: string;
  newer?: string;
}

const FORMATS = [
  ['rss', 'RSS', 'application/rss+xml'],
  ['atom', 'Atom', 'application/atom+xml'],
  ['json', 'JSON Feed', 'application/feed+json'],
] as const;

/** The three feed URLs of a topic, a search or everything. */
export type FeedUrls = Pick<TopicLinks, 'rss' | 'atom' | 'json'>;

/** Autodiscovery: `<link rel="alternate">` for each format of one feed, titled `title (format)`. */
export function feedAlternates(title: string, links: FeedUrls): string {
  return FORMATS.map(([key, name, type]) =>
    `<link rel="alternate" type="${type}" title="${attr(`${title} (${name})`)}" href="${attr(links[key])}">\n`).join('');
}

function alternateLinks(links: TopicLinks): string {
  return feedAlternates(links.topic.title, links);
}

export function subscribeButtons(links: FeedUrls): string {
  return `<span class="feeds">${FORMATS.map(([key, name]) => `<a href="${attr(links[key])}">${name}</a>`).join('')}</span>`;
}

export function renderIndexPage(site: SiteInfo, topics: TopicLinks[], all: Omit<TopicLinks, 'topic'>): string {
  const m = (key: MessageKey, values?: Record<string, string | number>) => text(t(site.lang, key, values));
  const head = FORMATS.map(([key, name, type]) =>
    `<link rel="alternate" type="${type}" title="${attr(`${site.title}: ${t(site.lang, 'site.allArticles')} (${name})`)}" href="${attr(all[key])}">\n`).join('')
    + topics.map(alternateLinks).join('')
    + `<link rel="outline" type="text/x-opml" title="${attr(t(site.lang, 'site.allTopicFeeds'))}" href="${attr(site.opmlUrl)}">\n`;
  const items = topics.map((t) => `<li><a href="${attr(`${t.page}?lang=${site.lang}`)}"><strong>${text(t.topic.title)}</strong></a>
 <span class="meta">${m('site.articles', { count: t.count })}</span><br>${text(t.topic.description)}<br>${subscribeButtons(t)}</li>`).join('\n');
  return sitePage(site, {
    title: site.title,
    head,
    body: `<main>
<h1>${text(site.title)}</h1>
<p>${m('site.intro')} <a href="${attr(site.opmlUrl)}">${m('site.opmlFile')}</a>.</p>
<p><a href="${attr(all.page)}"><strong>${m('site.everything')}</strong></a> <span class="meta">${m('site.articles', { count: all.count })}</span> ${subscribeButtons(all)}</p>
<h2>${m('site.topics')}</h2>
<ul>
${items}
</ul>
<p class="meta">${m('site.filters')} <code>?q=</code>, <code>lang=</code>, <code>since=24h</code>,
<code>exclude=</code>, <code>source=</code>, <code>limit=</code>; ${m('site.severalTopics')} <code>/feeds/ukraine,europe.rss</code>.</p>
</main>`,
  });
}

/** The article's title, linked only to a web URL: never a `javascript:` or `urn:` href. */
function articleLink(a: StoredArticle): string {
  const href = webLink(a.url);
  if (href === undefined) return `<strong>${text(a.title)}</strong>`;
  return `<a href="${attr(href)}"${a.language ? ` hreflang="${attr(a.language)}"` : ''}>${text(a.title)}</a>`;
}

/** The publication date, in the reader's language; the machine-readable instant in `datetime`. */
function dateTime(site: SiteInfo, date: Date): string {
  return `<time datetime="${attr(date.toISOString())}">${text(formatDate(site.lang, date))}</time>`;
}

/** `lang` on an element whose content is in another language than the page's. */
function langAttr(site: SiteInfo, language: string | undefined): string {
  return language && language.split('-')[0] !== site.lang ? ` lang="${attr(language)}"` : '';
}

/** Where an article was seen: its sources' titles (`local` is this site's own content/). */
function sourceLabel(site: SiteInfo, article: StoredArticle, sources: ReadonlyMap<string, string>): string {
  const names = article.sources.map((id) => (id === 'local' ? site.title : sources.get(id) ?? id));
  return names.length ? ` · ${text(names.join(', '))}` : '';
}

export function pagingNav(site: SiteInfo, paging: PageLinks): string {
  const m = (key: MessageKey) => text(t(site.lang, key));
  const newer = paging.newer ? `<a href="${attr(paging.newer)}" rel="prev">${m('feed.newer')}</a>` : '';
  const older = paging.older ? `<a href="${attr(paging.older)}" rel="next">${m('feed.older')}</a>` : '';
  return newer || older ? `<nav class="paging">${newer} ${older}</nav>` : '';
}

/** `<link rel="prev">`/`"next">` in the head, the same pages as pagingNav's links. */
export function pagingHead(paging: PageLinks): string {
  return (paging.newer ? `<link rel="prev" href="${attr(paging.newer)}">\n` : '') + (paging.older ? `<link rel="next" href="${attr(paging.older)}">\n` : '');
}

/**
 * A page of articles as a list: each linked to its own page (the original for a remote article) when
 * it has a web link, with its date, the sources it was seen in and its summary.
 */
export function articleList(site: SiteInfo, articles: readonly StoredArticle[], sources: ReadonlyMap<string, string>, empty: MessageKey): string {
  const items = articles.map((a) => `<li${langAttr(site, a.language)}>${articleLink(a)}
 <span class="meta">${dateTime(site, a.published)}${sourceLabel(site, a, sources)}</span><br>${text(a.summary)}${alsoReportedBy(a.related)}</li>`).join('\n');
  return `<ul>\n${items || `<li>${text(t(site.lang, empty))}</li>`}\n</ul>`;
}

export function renderTopicPage(site: SiteInfo, links: TopicLinks, articles: StoredArticle[], paging: PageLinks = {}, sources: ReadonlyMap<string, string> = new Map()): string {
  const m = (key: MessageKey) => text(t(site.lang, key));
  const embed = embedSnippets(site.baseUrl, links.topic.id, links.topic.title);
  return sitePage(site, {
    title: `${links.topic.title} — ${site.title}`,
    description: links.topic.description,
    head: alternateLinks(links) + pagingHead(paging),
    body: `<main>
<h1>${text(links.topic.title)}</h1>
<p>${text(links.topic.description)}</p>
<p>${m('site.subscribe')} ${subscribeButtons(links)} <a href="${attr(site.opmlUrl)}">OPML</a></p>
${articleList(site, articles, sources, 'site.noArticles')}
${pagingNav(site, paging)}
<h2 id="embed">${m('site.embedTitle')}</h2>
<p>${m('site.embedScript')}
<code>data-limit</code>, <code>data-lang</code>, <code>data-q</code>, <code>data-since</code>, <code>data-exclude</code>, <code>data-source</code>):</p>
<pre><code>${text(embed.script)}</code></pre>
<p>${m('site.embedFrame')}</p>
<pre><code>${text(embed.iframe)}</code></pre>
</main>`,
  });
}

export function renderArticlePage(site: SiteInfo, article: StoredArticle, topics: TopicLinks[]): string {
  const byline = article.authors.map((p) => text(p.name)).join(', ');
  const topicLinks = topics.map((t) => `<a href="${attr(t.page)}">${text(t.topic.title)}</a>`).join(', ');
  return sitePage(site, {
    title: `${article.title} — ${site.title}`,
    description: article.summary,
    kind: 'article',
    ...(webLink(article.image) ? { image: article.image } : {}),
    head: topics.map(alternateLinks).join('') + (webLink(article.url) ? `<link rel="canonical" href="${attr(article.url)}">\n` : ''),
    body: `<main>
<article${langAttr(site, article.language ?? 'und')}>
<h1>${text(article.title)}</h1>
<p class="meta">${dateTime(site, article.published)}${byline ? ` · ${byline}` : ''}${topicLinks ? ` · ${topicLinks}` : ''}</p>
${webLink(article.image) ? `<p><img src="${attr(article.image ?? "")}" alt=""></p>\n` : ''}${article.contentHtml}
</article>
</main>`,
  });
}

/** One remote source as /sources reports it (credentials already redacted by the HTTP step). */
export interface SourceStatus {
  id: string;
  title: string | null;
  url: string;
  status: string;
  error: string | null;
  malformed: string | null;
  lastFetchAt: string | null;
  nextPollAt: string | null;
  items: number;
}

/** /sources for a browser: one row per source; the JSON stays one link away. */
export function renderSourcesPage(site: SiteInfo, sources: SourceStatus[], jsonUrl: string): string {
  const m = (key: MessageKey) => text(t(site.lang, key));
  const when = (iso: string | null) => (iso === null ? m('sources.never') : dateTime(site, new Date(iso)));
  const rows = sources.map((s) => `<tr><td><strong>${text(s.title ?? s.id)}</strong><br><span class="meta">${text(s.url)}</span>${
    s.error ? `<br>${m('sources.error')}: ${text(s.error)}` : ''}${s.malformed ? `<br>${m('sources.malformed')}: ${text(s.malformed)}` : ''}</td>
<td>${text(s.status)}</td><td>${when(s.lastFetchAt)}</td><td>${when(s.nextPollAt)}</td><td>${s.items}</td></tr>`).join('\n');
  return sitePage(site, {
    title: `${t(site.lang, 'sources.title')} — ${site.title}`,
    body: `<main>
<h1>${m('sources.title')}</h1>
<p>${m('sources.intro')} <a href="${attr(jsonUrl)}">${m('sources.json')}</a></p>
${sources.length === 0 ? `<p>${m('sources.none')}</p>` : `<table>
<thead><tr><th scope="col">${m('sources.source')}</th><th scope="col">${m('sources.state')}</th><th scope="col">${m('sources.lastFetch')}</th><th scope="col">${m('sources.nextPoll')}</th><th scope="col">${m('sources.items')}</th></tr></thead>
<tbody>
${rows}
</tbody>
</table>`}
</main>`,
  });
}
