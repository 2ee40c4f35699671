// Embedding Tidings on other sites: the iframe page (a small HTML document whose one script reports its
// height to the parent), the text of the embed script (/embed/<topics>.js) and the copy-paste snippets
// shown on topic pages and the README, all labelled in the catalogue's languages.
// Format knowledge only: the HTTP layer decides status, caching and which articles to pass in.

import { createHash } from 'node:crypto';
import type { StoredArticle } from '../model.ts';
import { webLink } from './common.ts';
import { htmlDocument } from './html-document.ts';
import { DATE_LOCALES, DATE_OPTIONS, formatDate, LANGUAGES, t, type Language } from './i18n/messages.ts';
import { escapeAttr as attr, escapeText as text } from './xml.ts';

/** Articles an embed shows when the site asks for no particular number. */
export const EMBED_DEFAULT_LIMIT = 10;
/** An embed is a teaser, not an archive; the feeds themselves go to 500. */
export const EMBED_MAX_LIMIT = 50;
/** What the snippets on topic pages ask for. */
export const SNIPPET_LIMIT = 5;

export interface EmbedPage {
  /** Page title, e.g. "Україна — Tidings". */
  title: string;
  /** The language of the page's own words and dates (from `?lang=`, else the site's). */
  lang: Language;
  /** Where "more" leads: the topic page, or the home page for several topics (already in `lang`). */
  moreUrl: string;
  siteTitle: string;
  articles: readonly StoredArticle[];
}

// Minimal and neutral so it sits in most sites' sidebars; the iframe isolates it from the host's CSS.
// Heights are fixed multiples of the font size so that embedFrameHeight can count them (see below).
const PAGE_STYLE = `body{font:15px/1.45 system-ui,sans-serif;margin:0;padding:.5rem;color:#222;background:transparent}
ul{list-style:none;margin:0;padding:0}li{margin:0 0 .55rem}a{color:#0b5cad}
time{display:block;color:#595959;font-size:.85em}.more{margin:.4rem 0 0;font-size:.85em}`;

/**
 * The iframe page's only script: it tells the parent window how tall the list is, on load and whenever
 * that changes (fonts, a narrower frame), so a parent running the snippet's listener fits the frame to
 * it. The height is no secret, so any parent may read it ('*'); the parent checks who sent it.
 */
export const FRAME_HEIGHT_SCRIPT = "(function(){function send(){parent.postMessage({type:'tidings:height',"
  + "height:Math.ceil(document.body.getBoundingClientRect().height)},'*')}"
  + "addEventListener('load',send);addEventListener('resize',send);"
  + "if(window.ResizeObserver)new ResizeObserver(send).observe(document.body)})();";

/** The CSP source that allows exactly that script and nothing else on the embed page. */
export const FRAME_HEIGHT_SCRIPT_SOURCE = `'sha256-${createHash('sha256').update(FRAME_HEIGHT_SCRIPT).digest('base64')}'`;

/**
 * The iframe document. One inline script, the height reporter above (the handler's CSP allows it by
 * hash and nothing else); every link opens in the top window, because following an article inside a
 * small frame is never what a reader wants.
 */
export function renderEmbedPage(page: EmbedPage): string {
  const lang = page.lang;
  const items = page.articles.map((a) => {
    const itemLang = a.language && a.language.split('-')[0] !== lang ? ` lang="${attr(a.language)}"` : '';
    const href = webLink(a.url);
    const title = href === undefined ? text(a.title) : `<a href="${attr(href)}" target="_top">${text(a.title)}</a>`;
    return `<li${itemLang}>${title}`
      + ` <time datetime="${attr(a.published.toISOString())}">${text(formatDate(lang, a.published))}</time></li>`;
  }).join('\n');
  return htmlDocument({
    lang,
    title: page.title,
    style: PAGE_STYLE,
    body: `<ul class="tidings-embed">
${items || `<li>${text(t(lang, 'embed.empty'))}</li>`}
</ul>
<p class="more"><a href="${attr(page.moreUrl)}" target="_top">${text(t(lang, 'embed.more', { site: page.siteTitle }))}</a></p>
<script>${FRAME_HEIGHT_SCRIPT}</script>`,
  });
}

/**
 * The frame height that shows `limit` items and the "more" link without the resize script: body
 * padding (2 × .5rem), per item a title of up to three lines (a headline of 80 characters takes three
 * in a phone-wide frame; 3 × 15px × 1.45), its date (12.75px × 1.45) and the gap (.55rem), then the
 * "more" line. Too tall on a wide page rather than cut on a narrow one; the listener fits it exactly.
 */
export function embedFrameHeight(limit: number): number {
  const title = 3 * 15 * 1.45;
  const date = 0.85 * 15 * 1.45;
  const item = title + date + 0.55 * 16;
  return Math.ceil(16 + limit * item + date);
}

/**
 * The two snippets a site copies for `topicPath`: a script tag, and an iframe tag followed by the few
 * lines that let the host page fit the frame to its content. The listener only believes messages from
 * Tidings' origin that come from that very frame.
 */
export function embedSnippets(baseUrl: string, topicPath: string, title: string): { script: string; iframe: string } {
  const id = `tidings-${topicPath}`;
  const origin = new URL(baseUrl).origin;
  return {
    script: `<script async src="${attr(`${baseUrl}/embed/${topicPath}.js`)}" data-limit="${SNIPPET_LIMIT}"></script>`,
    iframe: `<iframe id="${attr(id)}" src="${attr(`${baseUrl}/embed/${topicPath}?limit=${SNIPPET_LIMIT}`)}" title="${attr(title)}" width="100%" height="${embedFrameHeight(SNIPPET_LIMIT)}" style="border:0"></iframe>
<script>
addEventListener('message', function (e) {
  var frame = document.getElementById(${jsLiteral(id)});
  if (e.origin !== ${jsLiteral(origin)} || !frame || e.source !== frame.contentWindow) return;
  if (e.data && e.data.type === 'tidings:height' && typeof e.data.height === 'number') frame.style.height = Math.min(Math.max(e.data.height, 40), 10000) + 'px';
});
</script>`,
  };
}

/** Filters the script copies from its `data-` attributes onto the feed URL (limit is handled apart). */
const SCRIPT_FILTERS = ['lang', 'q', 'since', 'exclude', 'source'] as const;

// `:where()` gives the default rules zero specificity, and the style element goes first in <head>,
// so any rule of the host site wins without !important.
const SCRIPT_STYLE = ':where(.tidings-embed){list-style:none;margin:0;padding:0}'
  + ':where(.tidings-embed) li{margin:0 0 .55em}'
  + ':where(.tidings-embed) time{display:block;font-size:.85em;opacity:.7}'
  + ':where(.tidings-embed-more){margin:.4em 0 0;font-size:.85em}';

/** A JSON value as a JS literal, `<` escaped so the text is also safe inside an inline <script>. */
function jsLiteral(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c');
}

export interface EmbedScriptSite {
  baseUrl: string;
  siteTitle: string;
  /** Labels when neither `data-lang` nor the host page's `<html lang>` names a catalogue language. */
  siteLanguage: Language;
  /** A topic's page is this plus its id; several topics or `all` lead to the home page. */
  topicPagePrefix: string;
}

/** The script's own words in every catalogue language; it picks one in the browser. */
function scriptLabels(siteTitle: string): Record<Language, { more: string; empty: string; error: string; locale: string }> {
  const labels = (lang: Language) => ({
    more: t(lang, 'embed.more', { site: siteTitle }),
    empty: t(lang, 'embed.empty'),
    error: t(lang, 'embed.error'),
    locale: DATE_LOCALES[lang],
  });
  return Object.fromEntries(LANGUAGES.map((lang) => [lang, labels(lang)])) as Record<Language, ReturnType<typeof labels>>;
}

/**
 * The embed script for one base URL. The same text serves every topic: the script reads its topics
 * from its own src, so it is built once at startup and one ETag covers it. Feed data only ever reaches
 * the page through textContent and a checked href, never as markup.
 */
export function buildEmbedScript(site: EmbedScriptSite): string {
  const { baseUrl } = site;
  return `/* Tidings embed: lists a topic's latest articles right after this <script> element.
   Usage: <script async src="${baseUrl.replace(/\*\//g, '*\\/')}/embed/<topics>.js" data-limit="5" data-lang="uk"></script> */
(function () {
  'use strict';
  var BASE = ${jsLiteral(baseUrl)};
  var TOPIC_PAGE = ${jsLiteral(site.topicPagePrefix)};
  var FILTERS = ${JSON.stringify(SCRIPT_FILTERS)};
  var LABELS = ${jsLiteral(scriptLabels(site.siteTitle))};
  var DATE_OPTIONS = ${jsLiteral(DATE_OPTIONS)};
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
  // Labels in data-lang's language, else the host page's, else the site's.
  function primary(tag) { return String(tag || '').toLowerCase().split('-')[0]; }
  var lang = [primary(script.getAttribute('data-lang')), primary(document.documentElement.lang), ${jsLiteral(site.siteLanguage)}]
    .filter(function (l) { return Object.prototype.hasOwnProperty.call(LABELS, l); })[0];
  var labels = LABELS[lang];
  var dates = new Intl.DateTimeFormat(labels.locale, DATE_OPTIONS);
  var single = match[1] !== 'all' && match[1].indexOf(',') < 0;
  var moreUrl = (single ? TOPIC_PAGE + match[1] : BASE + '/') + '?lang=' + lang;

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
  list.lang = lang;
  script.parentNode.insertBefore(list, script.nextSibling);
  var more = document.createElement('p');
  more.className = 'tidings-embed-more';
  more.lang = lang;
  var moreLink = document.createElement('a');
  moreLink.href = moreUrl;
  moreLink.textContent = labels.more;
  more.appendChild(moreLink);
  list.parentNode.insertBefore(more, list.nextSibling);

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
        if (item.language && primary(item.language) !== lang) li.lang = item.language;
        var a = document.createElement('a');
        // Only web links: a feed URL must never become a javascript: link on someone else's page.
        if (/^https?:/i.test(item.url || '')) a.href = item.url;
        a.textContent = item.title || item.url || '';
        li.appendChild(a);
        if (typeof item.date_published === 'string') {
          var time = document.createElement('time');
          time.dateTime = item.date_published;
          var date = new Date(item.date_published);
          time.textContent = isNaN(date.getTime()) ? item.date_published : dates.format(date);
          li.appendChild(document.createTextNode(' '));
          li.appendChild(time);
        }
        list.appendChild(li);
      });
      if (items.length === 0) note(labels.empty, 'tidings-embed-empty');
    })
    .catch(function (err) {
      note(labels.error, 'tidings-embed-error');
      console.error('Tidings embed: ' + url + ': ' + (err && err.message ? err.message : String(err)));
    })
    .then(function () {
      list.removeAttribute('aria-busy');
    });
})();
`;
}
