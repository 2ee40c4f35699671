// The XSLT stylesheet RSS and Atom feeds name in their `<?xml-stylesheet?>` instruction: a browser that
// opens a feed shows a page saying what it is, how to subscribe, and its latest items, in the site's
// style. Readers and validators ignore the instruction and see the same feed.

import { SITE_STYLE } from './html-document.ts';
import { DATE_LOCALES, DATE_OPTIONS, t, type Language, type MessageKey } from './i18n/messages.ts';
import { escapeAttr, escapeText, XML_DECLARATION } from './xml.ts';

export const FEED_STYLESHEET_PATH = '/feed.xsl';
/** `text/xsl` is what Chromium and Firefox load a stylesheet as, with `nosniff` in force. */
export const FEED_STYLESHEET_CONTENT_TYPE = 'text/xsl; charset=utf-8';

/** The processing instruction, placed right after the XML declaration of `xml`. */
export function withStylesheet(xml: string, baseUrl: string): string {
  const pi = `<?xml-stylesheet type="text/xsl" href="${escapeAttr(`${baseUrl}${FEED_STYLESHEET_PATH}`)}"?>`;
  return xml.startsWith(XML_DECLARATION) ? `${XML_DECLARATION}\n${pi}${xml.slice(XML_DECLARATION.length)}` : `${pi}\n${xml}`;
}

/**
 * One stylesheet for both formats. RSS titles and descriptions are HTML by the RSS convention, and ours
 * are always plain text HTML-escaped by the renderer (see Output safety in README), so they are written
 * with disable-output-escaping: the entities become the characters again and never markup. Only http(s)
 * links become hrefs.
 */
export function renderFeedStylesheet(lang: Language): string {
  const m = (key: MessageKey): string => escapeText(t(lang, key));
  return `${XML_DECLARATION}
<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform" xmlns:atom="http://www.w3.org/2005/Atom" exclude-result-prefixes="atom">
<xsl:output method="html" encoding="utf-8" doctype-system="about:legacy-compat"/>
<xsl:variable name="title" select="/rss/channel/title | /atom:feed/atom:title"/>
<xsl:variable name="self" select="/rss/channel/atom:link[@rel='self']/@href | /atom:feed/atom:link[@rel='self']/@href"/>
<xsl:variable name="home" select="/rss/channel/link | /atom:feed/atom:link[@rel='alternate']/@href"/>
<xsl:template match="/">
<html lang="${escapeAttr(lang)}">
<head>
<meta name="viewport" content="width=device-width, initial-scale=1"/>
<title><xsl:value-of select="$title" disable-output-escaping="yes"/></title>
<style>${SITE_STYLE}
.subscribe{background:#f3f7fc;border:1px solid #c9d9ee;border-radius:6px;padding:.8rem 1rem}
.subscribe code{display:block;overflow-wrap:anywhere;margin:.4rem 0;padding:.4rem;background:#fff}</style>
</head>
<body>
<header><p class="meta">${m('feed.kind')}</p>
<h1><xsl:value-of select="$title" disable-output-escaping="yes"/></h1>
<p><xsl:value-of select="/rss/channel/description | /atom:feed/atom:subtitle" disable-output-escaping="yes"/></p></header>
<main>
<div class="subscribe"><p>${m('feed.explain')}</p>
<code><xsl:value-of select="$self"/></code>
<p class="meta">${m('feed.readers')}</p></div>
<xsl:if test="starts-with($home, 'http')"><p><a href="{$home}">${m('feed.home')}</a></p></xsl:if>
<h2>${m('feed.latest')}</h2>
<ul>
<xsl:apply-templates select="/rss/channel/item | /atom:feed/atom:entry"/>
<xsl:if test="not(/rss/channel/item | /atom:feed/atom:entry)"><li>${m('feed.empty')}</li></xsl:if>
</ul>
<nav><xsl:call-template name="page-link"><xsl:with-param name="rel">previous</xsl:with-param><xsl:with-param name="label">${m('feed.newer')}</xsl:with-param></xsl:call-template>
<xsl:text> </xsl:text>
<xsl:call-template name="page-link"><xsl:with-param name="rel">next</xsl:with-param><xsl:with-param name="label">${m('feed.older')}</xsl:with-param></xsl:call-template></nav>
</main>
</body>
</html>
</xsl:template>
<xsl:template name="page-link">
<xsl:param name="rel"/><xsl:param name="label"/>
<xsl:variable name="href" select="(/rss/channel/atom:link | /atom:feed/atom:link)[@rel=$rel]/@href"/>
<xsl:if test="starts-with($href, 'http')"><a href="{$href}" rel="{$rel}"><xsl:value-of select="$label"/></a></xsl:if>
</xsl:template>
<xsl:template match="item">
<li><xsl:call-template name="linked-title"><xsl:with-param name="href" select="link"/><xsl:with-param name="rss" select="true()"/></xsl:call-template>
<xsl:if test="pubDate"><xsl:text> </xsl:text><span class="meta"><xsl:call-template name="day">
<xsl:with-param name="d" select="number(substring(pubDate, 6, 2))"/>
<xsl:with-param name="m" select="string-length(substring-before('JanFebMarAprMayJunJulAugSepOctNovDec', substring(pubDate, 9, 3))) div 3 + 1"/>
<xsl:with-param name="y" select="substring(pubDate, 13, 4)"/></xsl:call-template></span></xsl:if>
<br/><xsl:value-of select="description" disable-output-escaping="yes"/></li>
</xsl:template>
<xsl:template match="atom:entry">
<li><xsl:call-template name="linked-title"><xsl:with-param name="href" select="atom:link[not(@rel) or @rel='alternate']/@href"/><xsl:with-param name="rss" select="false()"/></xsl:call-template>
<xsl:variable name="iso" select="atom:published | atom:updated[not(../atom:published)]"/>
<xsl:if test="$iso"><xsl:text> </xsl:text><span class="meta"><xsl:call-template name="day">
<xsl:with-param name="d" select="number(substring($iso, 9, 2))"/>
<xsl:with-param name="m" select="number(substring($iso, 6, 2))"/>
<xsl:with-param name="y" select="substring($iso, 1, 4)"/></xsl:call-template></span></xsl:if>
<br/><xsl:value-of select="atom:summary"/></li>
</xsl:template>
${dayTemplate(lang)}
<xsl:template name="linked-title">
<xsl:param name="href"/><xsl:param name="rss"/>
<xsl:choose>
<xsl:when test="starts-with($href, 'https://') or starts-with($href, 'http://')"><a href="{$href}"><xsl:call-template name="title-text"><xsl:with-param name="rss" select="$rss"/></xsl:call-template></a></xsl:when>
<xsl:otherwise><strong><xsl:call-template name="title-text"><xsl:with-param name="rss" select="$rss"/></xsl:call-template></strong></xsl:otherwise>
</xsl:choose>
</xsl:template>
<xsl:template name="title-text">
<xsl:param name="rss"/>
<xsl:choose>
<xsl:when test="$rss"><xsl:value-of select="title" disable-output-escaping="yes"/></xsl:when>
<xsl:otherwise><xsl:value-of select="atom:title"/></xsl:otherwise>
</xsl:choose>
</xsl:template>
</xsl:stylesheet>
`;
}

/**
 * XSLT 1.0 has no dates: a template writing day `$d`, month `$m` (1–12) and year `$y` the way the site's
 * pages write dates in `lang` (Intl's own pattern for each month, `5 грудня 2026 р.`, `5 December 2026`),
 * so a feed opened in a browser reads like the rest of the site.
 */
function dayTemplate(lang: Language): string {
  const format = new Intl.DateTimeFormat(DATE_LOCALES[lang], DATE_OPTIONS);
  const months = Array.from({ length: 12 }, (_, i) => {
    const parts = format.formatToParts(new Date(Date.UTC(2026, i, 15))).map((part) => {
      if (part.type === 'day') return '<xsl:value-of select="$d"/>';
      if (part.type === 'year') return '<xsl:value-of select="$y"/>';
      return escapeText(part.value);
    });
    return `<xsl:when test="$m = ${i + 1}">${parts.join('')}</xsl:when>`;
  });
  return `<xsl:template name="day">
<xsl:param name="d"/><xsl:param name="m"/><xsl:param name="y"/>
<xsl:choose>${months.join('\n')}<xsl:otherwise><xsl:value-of select="concat($y, '-', $m, '-', $d)"/></xsl:otherwise></xsl:choose>
</xsl:template>`;
}
