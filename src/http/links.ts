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
