// Feeds opened in a browser: GET /feed.xsl (the stylesheet RSS and Atom name), and the content type a
// browser applies it under. Chromium shows `application/rss+xml` and `application/atom+xml` as a download
// or raw text but runs XSLT on `application/xml`, so a request that prefers text/html gets the same bytes
// as `application/xml`; readers and validators (which prefer a feed type, or send `*/*`) keep the feed's.

import type { NextFunction, Request, Response } from 'express';
import { FEED_STYLESHEET_CONTENT_TYPE, renderFeedStylesheet } from '../render/feed-style.ts';
import { LANGUAGES, type Language } from '../render/i18n/messages.ts';
import { makeEtag } from './conditional.ts';
import { interfaceLanguage } from './language.ts';

const BROWSER_FEED_TYPE = 'application/xml; charset=utf-8';
const STYLED_FORMATS = /\.(rss|atom)$/;

/**
 * Before the feed handler: for RSS and Atom, Vary on Accept (the type depends on it), and when the
 * request prefers text/html to the feed's own type, `res.locals.contentType` for conditional.ts to send.
 */
export function browserFeedType(req: Request, res: Response, next: NextFunction): void {
  const format = STYLED_FORMATS.exec(String(req.params.spec ?? ''))?.[1];
  if (format !== undefined) {
    res.append('Vary', 'Accept');
    const own = format === 'rss' ? 'application/rss+xml' : 'application/atom+xml';
    if (req.accepts([own, 'text/html']) === 'text/html') res.locals.contentType = BROWSER_FEED_TYPE;
  }
  next();
}

/** The type browserFeedType chose for this response, if it chose one (Express keeps it in res.locals). */
export function browserFeedTypeOf(res: object): string | undefined {
  const locals = (res as { locals?: { contentType?: unknown } }).locals;
  return typeof locals?.contentType === 'string' ? locals.contentType : undefined;
}

/**
 * Whether a request may want the styled page: its Accept names text/html. The front door leaves those
 * to Express, which decides the type; readers and pollers do not ask for HTML.
 */
export function mayWantStyledFeed(accept: string | undefined): boolean {
  return accept !== undefined && accept.includes('text/html');
}

/** The stylesheet in the browser's language: it asks with its own Accept-Language. Built once per language. */
export function feedStylesheetHandler(siteLanguage: Language, maxAgeSeconds: number) {
  const bodies = new Map(LANGUAGES.map((lang) => {
    const body = renderFeedStylesheet(lang);
    return [lang, { body, etag: makeEtag([body]) }] as const;
  }));
  return (req: Request, res: Response): void => {
    const { body, etag } = bodies.get(interfaceLanguage(req, siteLanguage))!;
    res.setHeader('Vary', 'Accept-Language');
    res.setHeader('Cache-Control', `public, max-age=${maxAgeSeconds}`);
    res.setHeader('ETag', etag);
    if (req.fresh) {
      res.status(304).end();
      return;
    }
    res.status(200).type(FEED_STYLESHEET_CONTENT_TYPE).send(body);
  };
}
