// Absolute URLs of Tidings' own resources, built in one place so pages, feeds and OPML agree.

import type { FeedFormat } from '../query/feed-query.ts';

export function feedUrl(baseUrl: string, topicPath: string, format: FeedFormat, queryString = ''): string {
  return `${baseUrl}/feeds/${topicPath}.${format}${queryString ? `?${queryString}` : ''}`;
}

export function topicPageUrl(baseUrl: string, topicId: string): string {
  return `${baseUrl}/topics/${topicId}`;
}

export function feedLinks(baseUrl: string, topicPath: string): Record<FeedFormat, string> {
  return {
    rss: feedUrl(baseUrl, topicPath, 'rss'),
    atom: feedUrl(baseUrl, topicPath, 'atom'),
    json: feedUrl(baseUrl, topicPath, 'json'),
  };
}

/** What withPublicUrls reads and rewrites of an article. */
interface WithLinks {
  url: string;
  contentHtml: string;
  image?: string | undefined;
  authors: { name: string; url?: string | undefined }[];
  enclosures: { url: string }[];
}

/**
 * Articles as a response shows them: a local article's page is stored as a path (`/articles/<slug>`),
 * and the URLs in its body, image, authors and enclosures root-relative; they get BASE_URL here, when
 * the response is rendered, so stored articles never depend on the public origin. Remote articles are
 * left as they are.
 */
export function withPublicUrls<A extends WithLinks>(baseUrl: string, articles: A[]): A[] {
  if (!articles.some((a) => isRootRelative(a.url))) return articles;
  const absolute = (url: string): string => (isRootRelative(url) ? `${baseUrl}${url}` : url);
  return articles.map((a) => (isRootRelative(a.url) ? {
    ...a,
    url: absolute(a.url),
    ...(a.image !== undefined ? { image: absolute(a.image) } : {}),
    authors: a.authors.map((p) => (p.url !== undefined ? { ...p, url: absolute(p.url) } : p)),
    enclosures: a.enclosures.map((e) => ({ ...e, url: absolute(e.url) })),
    // Root-relative links and images in a local article's body (normalize keeps them relative).
    contentHtml: a.contentHtml.replace(/(\s(?:href|src|poster)=")\/(?!\/)/g, `$1${baseUrl}/`),
  } : a));
}

function isRootRelative(url: string): boolean {
  return url.startsWith('/') && !url.startsWith('//');
}

/** `withPublicUrls` for one article (its own page). */
export function withPublicUrl<A extends WithLinks>(baseUrl: string, article: A): A {
  return withPublicUrls(baseUrl, [article])[0] ?? article;
}
