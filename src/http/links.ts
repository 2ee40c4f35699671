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

/**
 * Articles as a response shows them: a local article's page is stored as a path (`/articles/<slug>`),
 * and the URLs in its body root-relative; they get BASE_URL here, when the response is rendered, so
 * stored articles never depend on the public origin. Remote articles are left as they are.
 */
export function withPublicUrls<A extends { url: string; contentHtml: string; image?: string | undefined }>(baseUrl: string, articles: A[]): A[] {
  if (!articles.some(isLocalPath)) return articles;
  return articles.map((a) => (isLocalPath(a) ? {
    ...a,
    url: `${baseUrl}${a.url}`,
    ...(a.image !== undefined && isLocalPath({ url: a.image }) ? { image: `${baseUrl}${a.image}` } : {}),
    // Root-relative links and images in a local article's body (normalize keeps them relative).
    contentHtml: a.contentHtml.replace(/(\s(?:href|src|poster)=")\/(?!\/)/g, `$1${baseUrl}/`),
  } : a));
}

function isLocalPath(a: { url: string }): boolean {
  return a.url.startsWith('/') && !a.url.startsWith('//');
}

/** `withPublicUrls` for one article (its own page). */
export function withPublicUrl<A extends { url: string; contentHtml: string; image?: string | undefined }>(baseUrl: string, article: A): A {
  return withPublicUrls(baseUrl, [article])[0] ?? article;
}
