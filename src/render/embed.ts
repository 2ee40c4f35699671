// Embedding Tidings on other sites: the iframe page (a small script-free HTML document), the text of
// the embed script (/embed/<topics>.js) and the copy-paste snippets shown on topic pages and the README.
// Format knowledge only: the HTTP layer decides status, caching and which articles to pass in.

import type { StoredArticle } from '../model.ts';
import { commonLanguage, dateLabel, webLink } from './common.ts';
import { htmlDocument } from './html-document.ts';
import { escapeAttr as attr, escapeText as text } from './xml.ts';

/** Articles an embed shows when the site asks for no particular number. */
export const EMBED_DEFAULT_LIMIT = 10;
/** An embed is a teaser, not an archive; the feeds themselves go to 500. */
export const EMBED_MAX_LIMIT = 50;

export interface EmbedPage {
  /** Page title, e.g. "Україна — Tidings". */
  title: string;
  /** Language asked for with `lang=`, if any; otherwise the articles' common language decides. */
  lang?: string | undefined;
  /** Where "more" leads: the topic page, or the home page for several topics. */
  moreUrl: string;
  siteTitle: string;
  articles: readonly StoredArticle[];
}

// Minimal and neutral so it sits in most sites' sidebars; the iframe isolates it from the host's CSS.
const PAGE_STYLE = `body{font:15px/1.45 system-ui,sans-serif;margin:0;padding:.5rem;color:#222;background:transparent}
ul{list-style:none;margin:0;padding:0}li{margin:0 0 .55rem}a{color:#0b5cad}
time{display:block;color:#666;font-size:.85em}.more{margin:.4rem 0 0;font-size:.85em}`;

/**
 * The iframe document. No scripts at all (the handler also forbids them by CSP); every link opens in
 * the top window, because following an article inside a small frame is never what a reader wants.
 */
export function renderEmbedPage(page: EmbedPage): string {
  const lang = page.lang ?? commonLanguage(page.articles) ?? 'en';
  const items = page.articles.map((a) => {
    const itemLang = a.language && a.language !== lang ? ` lang="${attr(a.language)}"` : '';
    const href = webLink(a.url);
    const title = href === undefined ? text(a.title) : `<a href="${attr(href)}" target="_top">${text(a.title)}</a>`;
    return `<li${itemLang}>${title}`
      + ` <time datetime="${attr(a.published.toISOString())}">${dateLabel(a.published)}</time></li>`;
  }).join('\n');
  // The page's own words are English; mark them so when the page itself is in another language.
  const en = lang === 'en' ? '' : ' lang="en"';
  return htmlDocument({
    lang,
    title: page.title,
    style: PAGE_STYLE,
    body: `<ul class="tidings-embed">
${items || `<li${en}>No articles yet.</li>`}
</ul>
<p class="more"${en}><a href="${attr(page.moreUrl)}" target="_top">More on ${text(page.siteTitle)}</a></p>`,
  });
}

/** The two snippets a site copies: a script tag and an iframe tag, both for `topicPath`. */
export function embedSnippets(baseUrl: string, topicPath: string, title: string): { script: string; iframe: string } {
  return {
    script: `<script async src="${attr(`${baseUrl}/embed/${topicPath}.js`)}" data-limit="5"></script>`,
    iframe: `<iframe src="${attr(`${baseUrl}/embed/${topicPath}?limit=5`)}" title="${attr(title)}" width="100%" height="320" style="border:0"></iframe>`,
  };
}

/** Filters the script copies from its `data-` attributes onto the feed URL (limit is handled apart). */
const SCRIPT_FILTERS = ['lang', 'q', 'since', 'exclude', 'source'] as const;

// `:where()` gives the default rules zero specificity, and the style element goes first in <head>,
// so any rule of the host site wins without !important.
const SCRIPT_STYLE = ':where(.tidings-embed){list-style:none;margin:0;padding:0}'
  + ':where(.tidings-embed) li{margin:0 0 .55em}'
  + ':where(.tidings-embed) time{display:block;font-size:.85em;opacity:.7}';

/**
 * The embed script for one base URL. The same text serves every topic: the script reads its topics
 * from its own src, so it is built once at startup and one ETag covers it. Feed data only ever reaches
 * the page through textContent and a checked href, never as markup.
 */
export function buildEmbedScript(baseUrl: string): string {
  // A JSON string is a JS string literal; `<` escaped so the text is also safe if someone inlines it.
  const base = JSON.stringify(baseUrl).replace(/</g, '\\u003c');
  return `/* Tidings embed: lists a topic's latest articles right after this <script> element.
   Usage: <script async src="${baseUrl.replace(/\*\//g, '*\\/')}/embed/<topics>.js" data-limit="5" data-lang="uk"></script> */
(function () {
  'use strict';
  var BASE = ${base};
  var FILTERS = ${JSON.stringify(SCRIPT_FILTERS)};
  var script = document.currentScript;
  if (!script || !script.parentNode) {
    console.error('Tidings embed: load this file with a classic <script src> tag (document.currentScript is missing)');
    return;
  }
  var match = /\\/embed\\/([^\\/?#]+)\\.js(?:[?#]|$)/.exec(script.src);
  if (!match) {
    console.error('Tidings embed: cannot read the topics from the script URL ' + script.src);
    return;
  }
  var params = new URLSearchParams();
  params.set('limit', script.getAttribute('data-limit') || '${EMBED_DEFAULT_LIMIT}');
  FILTERS.forEach(function (name) {
    var value = script.getAttribute('data-' + name);
    if (value) params.set(name, value);
  });
  var url = BASE + '/feeds/' + match[1] + '.json?' + params.toString();

  if (!document.getElementById('tidings-embed-style')) {
    var style = document.createElement('style');
    style.id = 'tidings-embed-style';
    style.textContent = ${JSON.stringify(SCRIPT_STYLE)};
    var head = document.head || document.documentElement;
    head.insertBefore(style, head.firstChild);
  }
  var list = document.createElement('ul');
  list.className = 'tidings-embed';
  list.setAttribute('aria-busy', 'true');
  script.parentNode.insertBefore(list, script.nextSibling);

  function note(text, className) {
    var li = document.createElement('li');
    li.className = className;
    li.textContent = text;
    list.appendChild(li);
  }

  fetch(url)
    .then(function (res) {
      if (!res.ok) throw new Error('HTTP ' + res.status);
      return res.json();
    })
    .then(function (feed) {
      var items = (feed && feed.items) || [];
      items.forEach(function (item) {
        var li = document.createElement('li');
        if (item.language) li.lang = item.language;
        var a = document.createElement('a');
        // Only web links: a feed URL must never become a javascript: link on someone else's page.
        if (/^https?:/i.test(item.url || '')) a.href = item.url;
        a.textContent = item.title || item.url || '';
        li.appendChild(a);
        if (typeof item.date_published === 'string') {
          var time = document.createElement('time');
          time.dateTime = item.date_published;
          time.textContent = item.date_published.slice(0, 10);
          li.appendChild(document.createTextNode(' '));
          li.appendChild(time);
        }
        list.appendChild(li);
      });
      if (items.length === 0) note('No articles yet.', 'tidings-embed-empty');
    })
    .catch(function (err) {
      note('The latest articles could not be loaded.', 'tidings-embed-error');
      console.error('Tidings embed: ' + url + ': ' + (err && err.message ? err.message : String(err)));
    })
    .then(function () {
      list.removeAttribute('aria-busy');
    });
})();
`;
}

/** The page takes the articles' language when they all share one. */
