// The shell every site page shares: the document with its description, icon and Open Graph tags, and
// a header with the home link, the search box (a plain GET form to /search that keeps the interface
// language) and the language switch. Escaping comes from xml.ts, the one escaper.

import { htmlDocument, SITE_STYLE } from './html-document.ts';
import { otherLanguage, t, type Language, type MessageKey } from './i18n/messages.ts';
import { escapeAttr as attr, escapeText as text } from './xml.ts';

export interface SiteInfo {
  title: string;
  /** SITE_DESCRIPTION; empty: the catalogue's description of the site in the page's language. */
  description: string;
  baseUrl: string;
  opmlUrl: string;
  /** The site's icon (a PNG), absolute: favicon and Open Graph image. */
  iconUrl: string;
  /** The interface language of this response (see http/language.ts). */
  lang: Language;
  /** This page's path and query, for the language switch's link and og:url. */
  path?: string;
  /** The words searched for, shown in the search box (the search page). */
  query?: string;
  /** The longest search the query step accepts (the box's maxlength). */
  maxQueryLength: number;
}

const OG_LOCALES: Record<Language, string> = { uk: 'uk_UA', en: 'en_GB' };

export interface PageParts {
  title: string;
  /** What the page is about, for `<meta name="description">` and og:description; default the site's. */
  description?: string;
  head?: string;
  body: string;
  /** og:type: `article` for an article's page, else `website`. */
  kind?: 'website' | 'article';
  /** og:image: the article's own picture (a web URL) on its page; else the site's icon. */
  image?: string;
}

/** A site page: the shell, a header with the home link, the search box and the language switch, then `body`. */
export function sitePage(site: SiteInfo, parts: PageParts): string {
  return htmlDocument({
    lang: site.lang,
    title: parts.title,
    head: identityHead(site, parts) + (parts.head ?? ''),
    style: SITE_STYLE,
    body: `${siteHeader(site)}\n${parts.body}`,
  });
}

export function siteDescription(site: SiteInfo): string {
  return site.description || t(site.lang, 'site.description', { title: site.title });
}

/** Description, icon and Open Graph tags: what a link preview or a browser tab shows of the page. */
function identityHead(site: SiteInfo, parts: PageParts): string {
  const description = parts.description || siteDescription(site);
  const url = `${site.baseUrl}${site.path ?? '/'}`;
  const meta = (property: string, content: string) => `<meta property="${property}" content="${attr(content)}">\n`;
  return `<meta name="description" content="${attr(description)}">
<link rel="icon" type="image/png" href="${attr(site.iconUrl)}">
${meta('og:title', parts.title)}${meta('og:description', description)}${meta('og:type', parts.kind ?? 'website')}${meta('og:url', url)}${
  meta('og:image', parts.image ?? site.iconUrl)}${meta('og:site_name', site.title)}${meta('og:locale', OG_LOCALES[site.lang])}`;
}

function siteHeader(site: SiteInfo): string {
  const other = otherLanguage(site.lang);
  // Only the path and query are read: any origin parses them.
  const url = new URL(site.path ?? '/', 'http://localhost');
  url.searchParams.set('lang', other);
  const href = `${site.baseUrl}${url.pathname}${url.search}`;
  return `<header class="site"><a href="${attr(`${site.baseUrl}/?lang=${site.lang}`)}">${text(site.title)}</a>
${searchForm(site)}
<a href="${attr(href)}" hreflang="${other}" lang="${other}">${text(t(site.lang, 'site.language'))}</a></header>`;
}

/** The search box of every page: a plain GET form (works without script) that keeps the interface language. */
function searchForm(site: SiteInfo): string {
  const m = (key: MessageKey) => text(t(site.lang, key));
  return `<form role="search" action="${attr(`${site.baseUrl}/search`)}" method="get" class="search">
<label for="site-search">${m('search.label')}</label>
<input type="search" id="site-search" name="q" value="${attr(site.query ?? '')}" maxlength="${site.maxQueryLength}" required>
<input type="hidden" name="lang" value="${site.lang}">
<button type="submit">${m('search.button')}</button>
</form>`;
}
