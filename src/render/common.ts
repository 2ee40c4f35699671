// Small facts every feed renderer shares: date formats, the fallback feed author, language tag checks.
// Format knowledge (element names, nesting) stays in each renderer's own file.

/** Credited on a feed when an article names nobody: Atom requires an author (RFC 4287 §4.1.1). */
export const FALLBACK_AUTHOR_NAME = 'Tidings';

/** Where the site's icon is served (PNG): pages' favicon and Open Graph image, every feed's icon. */
export const SITE_ICON_PATH = '/icon.png';

export function siteIconUrl(baseUrl: string): string {
  return `${baseUrl}${SITE_ICON_PATH}`;
}

/** RFC 822 (with the 4-digit year of RFC 1123), as RSS 2.0 requires: `Thu, 01 Jan 1970 00:00:00 GMT`. */
export function rfc822(date: Date): string {
  return date.toUTCString();
}

/** RFC 3339 in UTC, as Atom and JSON Feed require. */
export function rfc3339(date: Date): string {
  return date.toISOString();
}

/**
 * Whether a language tag is shaped like RFC 3066/5646 (the pattern atom.rnc uses for xml:lang).
 * A malformed tag is left out of the output rather than making the whole feed invalid.
 */
export function isLanguageTag(tag: string | undefined): tag is string {
  return tag !== undefined && /^[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*$/.test(tag);
}

/** A media type has a slash with something on both sides (atom.rnc `atomMediaType`). */
export function isMediaType(type: string | undefined): type is string {
  return type !== undefined && /^[^/\s]+\/[^/\s]+/.test(type);
}

/** What RSS `<enclosure type>` and JSON Feed `mime_type` (both required) say when the source did not. */
export const UNKNOWN_MEDIA_TYPE = 'application/octet-stream';

/** The language every article shares, if they all share one: a feed or page declares it only then. */
export function commonLanguage(articles: readonly { language?: string | undefined }[]): string | undefined {
  const first = articles[0]?.language;
  return first && articles.every((a) => a.language === first) ? first : undefined;
}

/**
 * The URL when it may become a link: only web URLs (http, https). A `javascript:` guid, a `data:` URL or
 * an id such as `urn:…` is never a link target, in any format: a reader or browser would run or show it.
 */
export function webLink(url: string | undefined): string | undefined {
  return url !== undefined && /^https?:\/\/[^\s/]/i.test(url) ? url : undefined;
}

/** The enclosures that may be offered as links (see webLink); the others are left out of every format. */
export function webEnclosures<E extends { url: string }>(enclosures: readonly E[]): E[] {
  return enclosures.filter((e) => webLink(e.url) !== undefined);
}
