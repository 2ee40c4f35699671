// Human pages: the home page (topics, subscribe links, autodiscovery), a topic page and a local
// article's canonical page. Plain server-rendered HTML; escaping comes from xml.ts, the one escaper,
// and article bodies are already sanitized by normalize/html.ts before they were stored.

import type { StoredArticle, Topic } from '../model.ts';
import { embedSnippets } from './embed.ts';
import { dateLabel, webLink } from './common.ts';
import { htmlDocument } from './html-document.ts';
import { alsoReportedBy } from './related.ts';
import { escapeAttr as attr, escapeText as text } from './xml.ts';

export interface TopicLinks {
  topic: Topic;
  count: number;
  page: string;
  rss: string;
  atom: string;
  json: string;
}

export interface SiteInfo {
  title: string;
  baseUrl: string;
  opmlUrl: string;
}

const FORMATS = [
  ['rss', 'RSS', 'application/rss+xml'],
  ['atom', 'Atom', 'application/atom+xml'],
  ['json', 'JSON Feed', 'application/feed+json'],
] as const;

const STYLE = `body{font:16px/1.5 system-ui,sans-serif;max-width:46rem;margin:2rem auto;padding:0 1rem;color:#222}
a{color:#0b5cad}h1{font-size:1.6rem}li{margin:.6rem 0}.meta{color:#666;font-size:.9rem}
.feeds a{display:inline-block;margin-right:.6rem;padding:.1rem .5rem;border:1px solid #0b5cad;border-radius:4px;text-decoration:none}
article img{max-width:100%;height:auto}code{background:#f3f3f3;padding:.1rem .3rem}`;

function page(opts: { lang: string; title: string; head?: string; body: string }): string {
  return htmlDocument({ ...opts, style: STYLE });
}

function alternateLinks(links: TopicLinks): string {
  return FORMATS.map(([key, name, type]) =>
    `<link rel="alternate" type="${type}" title="${attr(`${links.topic.title} (${name})`)}" href="${attr(links[key])}">\n`).join('');
}

function subscribeButtons(links: TopicLinks | Omit<TopicLinks, 'topic' | 'count' | 'page'>): string {
  return `<span class="feeds">${FORMATS.map(([key, name]) => `<a href="${attr(links[key])}">${name}</a>`).join('')}</span>`;
}

export function renderIndexPage(site: SiteInfo, topics: TopicLinks[], all: Omit<TopicLinks, 'topic' | 'count' | 'page'> & { count: number }): string {
  const head = FORMATS.map(([key, name, type]) =>
    `<link rel="alternate" type="${type}" title="${attr(`${site.title}: all articles (${name})`)}" href="${attr(all[key])}">\n`).join('')
    + topics.map(alternateLinks).join('')
    + `<link rel="outline" type="text/x-opml" title="All topic feeds (OPML)" href="${attr(site.opmlUrl)}">\n`;
  const items = topics.map((t) => `<li><a href="${attr(t.page)}"><strong>${text(t.topic.title)}</strong></a>
 <span class="meta">${t.count} article${t.count === 1 ? '' : 's'}</span><br>${text(t.topic.description)}<br>${subscribeButtons(t)}</li>`).join('\n');
  return page({
    lang: 'en',
    title: site.title,
    head,
    body: `<h1>${text(site.title)}</h1>
<p>Topic feeds for your feed reader. Subscribe to one topic, or import them all at once with the
<a href="${attr(site.opmlUrl)}">OPML file</a>.</p>
<p><strong>Everything</strong> <span class="meta">${all.count} articles</span> ${subscribeButtons(all)}</p>
<h2>Topics</h2>
<ul>
${items}
</ul>
<p class="meta">Filters work on every feed: <code>?q=</code>, <code>lang=</code>, <code>since=24h</code>,
<code>exclude=</code>, <code>source=</code>, <code>limit=</code>; several topics at once: <code>/feeds/ukraine,europe.rss</code>.</p>`,
  });
}

/** The article's title, linked only to a web URL: never a `javascript:` or `urn:` href. */
function articleLink(a: StoredArticle): string {
  const href = webLink(a.url);
  if (href === undefined) return `<strong>${text(a.title)}</strong>`;
  return `<a href="${attr(href)}"${a.language ? ` hreflang="${attr(a.language)}"` : ''}>${text(a.title)}</a>`;
}

export function renderTopicPage(site: SiteInfo, links: TopicLinks, articles: StoredArticle[]): string {
  const items = articles.map((a) => `<li>${articleLink(a)}
 <span class="meta">${dateLabel(a.published)}</span><br>${text(a.summary)}${alsoReportedBy(a.related)}</li>`).join('\n');
  const embed = embedSnippets(site.baseUrl, links.topic.id, links.topic.title);
  return page({
    lang: 'en',
    title: `${links.topic.title} — ${site.title}`,
    head: alternateLinks(links),
    body: `<p><a href="${attr(`${site.baseUrl}/`)}">${text(site.title)}</a></p>
<h1>${text(links.topic.title)}</h1>
<p>${text(links.topic.description)}</p>
<p>Subscribe: ${subscribeButtons(links)} <a href="${attr(site.opmlUrl)}">OPML</a></p>
<ul>
${items || '<li>No articles yet.</li>'}
</ul>
<h2 id="embed">Embed on your site</h2>
<p>Show the latest articles on your own page with a script (the list takes your page's styles;
<code>data-limit</code>, <code>data-lang</code>, <code>data-q</code>, <code>data-since</code>, <code>data-exclude</code> and <code>data-source</code> filter it):</p>
<pre style="white-space:pre-wrap"><code>${text(embed.script)}</code></pre>
<p>or, without any script, in a frame:</p>
<pre style="white-space:pre-wrap"><code>${text(embed.iframe)}</code></pre>`,
  });
}

export function renderArticlePage(site: SiteInfo, article: StoredArticle, topics: TopicLinks[]): string {
  const byline = article.authors.map((p) => text(p.name)).join(', ');
  const topicLinks = topics.map((t) => `<a href="${attr(t.page)}">${text(t.topic.title)}</a>`).join(', ');
  return page({
    lang: article.language ?? 'und',
    title: `${article.title} — ${site.title}`,
    head: topics.map(alternateLinks).join('') + (webLink(article.url) ? `<link rel="canonical" href="${attr(article.url)}">\n` : ''),
    body: `<p><a href="${attr(`${site.baseUrl}/`)}">${text(site.title)}</a></p>
<article>
<h1>${text(article.title)}</h1>
<p class="meta"><time datetime="${attr(article.published.toISOString())}">${dateLabel(article.published)}</time>${byline ? ` · ${byline}` : ''}${topicLinks ? ` · ${topicLinks}` : ''}</p>
${webLink(article.image) ? `<p><img src="${attr(article.image ?? "")}" alt=""></p>\n` : ''}${article.contentHtml}
</article>`,
  });
}

export function renderNotFoundPage(site: SiteInfo, message: string): string {
  return renderErrorPage('Not found', message, site);
}

/** A page saying what went wrong (`heading`: "Not found", "Bad request"); with `site`, a link home. */
export function renderErrorPage(heading: string, message: string, site?: SiteInfo): string {
  const home = site ? `\n<p><a href="${attr(`${site.baseUrl}/`)}">${text(site.title)}</a></p>` : '';
  return page({ lang: 'en', title: site ? `${heading} — ${site.title}` : heading, body: `<h1>${text(heading)}</h1>\n<p>${text(message)}</p>${home}` });
}
