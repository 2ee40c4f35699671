// The one normalizer every format shares: ParsedItem (untrusted, unresolved) → Article (the common
// model's invariants hold). Each field's fallback chain is written once, in order, with why — the
// way gofeed's translator does it — so RSS, Atom, JSON Feed and local articles all agree.

import { createHash } from 'node:crypto';
import type { Enclosure, IndexedArticle, Person } from '../model.ts';
import type { ParsedItem } from '../parse/types.ts';
import { parseDate } from './dates.ts';
import { excerpt, htmlToText, sanitizedHtmlToText, sanitizeHtml, sanitizeHtmlAll } from './html.ts';
import { escapeHtml } from '../text/escape-html.ts';
import { detectLanguage } from './language.ts';
import { slugify } from '../text/slug.ts';

export interface NormalizeContext {
  /** Source id from feeds/, or 'local' for content/. */
  sourceId: string;
  /** Where the feed was fetched from: the last resort for resolving relative URLs. */
  feedUrl?: string;
  /** The response's Content-Location, absolute: the document's base before the URL it was fetched from. */
  contentLocation?: string;
  /** xml:base of the feed element, or the feed's home page. */
  feedBase?: string;
  feedLanguage?: string;
  /** The current instant: the fallback date and the limit for future dates. */
  now: Date;
  /** Tidings' public origin, e.g. https://tidings.example; local article pages live under it. */
  baseUrl: string;
  /** Told about data that was repaired (an unparseable date, a clamped future date…). */
  log?: (msg: string) => void;
}

export const LOCAL_SOURCE_ID = 'local';
/** Stand-in origin for resolving a local article's relative URLs (RFC 6761 reserves `.invalid`). */
const LOCAL_ORIGIN = 'http://tidings.invalid';

/** A URL resolved against the stand-in origin, stored root-relative (the origin is added at render). */
function rootRelative(url: string | undefined): string | undefined {
  return url?.startsWith(`${LOCAL_ORIGIN}/`) ? url.slice(LOCAL_ORIGIN.length) : url;
}

/** Query parameters that only track the reader; they make one page look like many. */
const TRACKING_PARAMS = /^(?:utm_.*|fbclid|gclid|dclid|msclkid|mc_cid|mc_eid|_hsenc|_hsmi|yclid|igshid)$/i;

const SUMMARY_FROM_CONTENT_CHARS = 300;
/** Some feeds put the whole article in <description>; a summary stays a summary. */
const SUMMARY_MAX_CHARS = 1000;
const TITLE_FALLBACK_WORDS = 10;
/** A title is a line, not a page: a 1 MB title once made a 5.2 MB topic page. */
export const TITLE_MAX_CHARS = 1000;
/** Clock skew and time zones forgiven before a date counts as "in the future". */
const FUTURE_TOLERANCE_MS = 24 * 60 * 60 * 1000;

// ---------------------------------------------------------------------------------------------
// Text hygiene

/**
 * Characters XML 1.0 forbids (C0 controls except tab/LF/CR, U+FFFE/U+FFFF, lone surrogates).
 * One of them in a title would make every RSS/Atom document containing it unparseable.
 */
const XML_ILLEGAL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/gu;

/**
 * Any code unit XML_ILLEGAL could remove, surrogates of valid pairs included. Without the `u` flag and
 * the lookarounds it is a plain scan, about 8× cheaper than XML_ILLEGAL on clean text, which is nearly
 * all text; only a string it finds something in pays for the exact pattern.
 */
const MAYBE_XML_ILLEGAL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF\uD800-\uDFFF]/;

export function stripXmlIllegal(text: string): string {
  return MAYBE_XML_ILLEGAL.test(text) ? text.replace(XML_ILLEGAL, '') : text;
}

// ---------------------------------------------------------------------------------------------
// URLs

/**
 * `ref` made absolute against the first base that works; undefined when none does. Only http(s)
 * results count: these URLs end up in href/src attributes of our pages, where a javascript: or
 * data: link from a feed would run in Tidings' origin.
 */
function resolveUrl(ref: string | undefined, bases: readonly (string | undefined)[]): string | undefined {
  const trimmed = ref?.trim();
  if (!trimmed) return undefined;
  // First without a base (an absolute reference needs none), then each base in turn.
  for (const base of [undefined, ...bases]) {
    if (!URL.canParse(trimmed, base)) continue;
    const u = new URL(trimmed, base);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.href : undefined;
  }
  return undefined;
}

/**
 * The canonical form of an http(s) URL: tracking parameters and the fragment removed, so the same
 * page shared from a newsletter and a tweet is one URL. Other schemes are returned unchanged.
 */
export function canonicalUrl(url: string): string {
  if (!URL.canParse(url)) return url; // not a URL at all: nothing to canonicalize
  const u = new URL(url);
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return url;
  u.hash = '';
  for (const key of [...u.searchParams.keys()]) {
    if (TRACKING_PARAMS.test(key)) u.searchParams.delete(key);
  }
  // URLSearchParams re-serializes; an emptied query must not leave a bare "?".
  if ([...u.searchParams.keys()].length === 0) u.search = '';
  return u.href;
}

function isHttpUrl(s: string): boolean {
  return /^https?:\/\/[^\s/]/i.test(s);
}

/** RFC 3986 absolute URI: a scheme, a colon, and no whitespace. */
function isAbsoluteUri(s: string): boolean {
  if (!/^[a-z][a-z0-9+.-]*:\S+$/i.test(s)) return false;
  // URL() refuses some (e.g. "http://" with no host): those are not usable as ids.
  return URL.canParse(s);
}

// ---------------------------------------------------------------------------------------------
// Language

/** BCP 47 casing: `EN_gb` → `en-GB`, `uk` → `uk`, `zh-hant-tw` → `zh-Hant-TW`; undefined if not a tag. */
export function normalizeLanguageTag(tag: string | undefined): string | undefined {
  const raw = tag?.trim().replace(/_/g, '-');
  if (!raw || !/^[a-z]{2,3}(?:-[a-z0-9]{1,8})*$/i.test(raw)) return undefined;
  const [primary, ...rest] = raw.split('-');
  const subtags = rest.map((sub) => {
    if (/^[a-z]{2}$/i.test(sub) || /^\d{3}$/.test(sub)) return sub.toUpperCase(); // region
    if (/^[a-z]{4}$/i.test(sub)) return sub.charAt(0).toUpperCase() + sub.slice(1).toLowerCase(); // script
    return sub.toLowerCase();
  });
  return [(primary ?? '').toLowerCase(), ...subtags].join('-');
}

// ---------------------------------------------------------------------------------------------
// The normalizer

function textParagraphsHtml(text: string): string {
  return text
    .replace(/\r\n?/g, '\n')
    .split(/\n[ \t]*\n/)
    .map((p) => p.trim())
    .filter((p) => p !== '')
    .map((p) => `<p>${escapeHtml(p)}</p>`)
    .join('\n');
}

function firstWords(text: string, count: number): string {
  const words = text.split(/\s+/).filter((w) => w !== '');
  if (words.length === 0) return '';
  return words.length > count ? `${words.slice(0, count).join(' ')}…` : words.join(' ');
}

function uniqueTrimmed(values: readonly string[]): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const v of values) {
    const t = stripXmlIllegal(v).replace(/\s+/g, ' ').trim();
    // Case-insensitive: "Politics" and "politics" are one category to a reader.
    const key = t.toLowerCase();
    if (t !== '' && !seen.has(key)) {
      seen.add(key);
      out.push(t);
    }
  }
  return out;
}

function rawDateKey(value: string | Date | undefined): string {
  if (value === undefined) return '';
  return value instanceof Date ? value.toISOString() : value.trim();
}

/** Turn one parsed item into an Article. Never throws for bad data: it repairs and logs. */
export function normalizeItem(item: ParsedItem, ctx: NormalizeContext): IndexedArticle {
  const source = itemSource(item, ctx);
  return articleOf(item, ctx, source, sanitizedBody(source));
}

/** An item's body sanitized on its own (normalizeItems sanitizes a feed's bodies together). */
function sanitizedBody(source: ItemSource): string {
  return sanitizeHtml(stripXmlIllegal(source.rawContentHtml), source.contentBase);
}

export type NormalizeOutcome = { kind: 'ok'; article: IndexedArticle } | { kind: 'failed'; error: unknown };

/**
 * normalizeItem of each item of one feed, with the bodies that share a base URL sanitized together
 * (sanitizeHtmlAll: one sanitize-html call for all of them instead of one each). An item that throws
 * fails alone.
 */
export function normalizeItems(items: readonly ParsedItem[], ctx: NormalizeContext): NormalizeOutcome[] {
  const sources = items.map((item) => itemSource(item, ctx));
  const sanitized = sanitizeByBase(sources);
  return items.map((item, i) => {
    try {
      const source = sources[i]!;
      const html = sanitized[i] ?? sanitizedBody(source);
      return { kind: 'ok', article: articleOf(item, ctx, source, html) };
    } catch (error) {
      return { kind: 'failed', error };
    }
  });
}

/** The sanitized body of each source, by index; empty (each item then sanitizes its own) if that throws. */
function sanitizeByBase(sources: readonly ItemSource[]): (string | undefined)[] {
  const byBase = new Map<string | undefined, number[]>();
  sources.forEach((source, i) => {
    const group = byBase.get(source.contentBase);
    if (group) group.push(i);
    else byBase.set(source.contentBase, [i]);
  });
  const sanitized: (string | undefined)[] = [];
  try {
    for (const [base, indexes] of byBase) {
      const out = sanitizeHtmlAll(indexes.map((i) => stripXmlIllegal(sources[i]!.rawContentHtml)), base);
      indexes.forEach((index, k) => { sanitized[index] = out[k]; });
    }
  } catch {
    // A body sanitize-html cannot take: each item sanitizes alone, so only that one fails (normalizeItems).
    return [];
  }
  return sanitized;
}

/** Where an item's relative URLs resolve, and the HTML its content is made of. */
interface ItemSource {
  slug: string | undefined;
  localPath: string | undefined;
  /** Bases for links, authors, enclosures and images, in order. */
  bases: string[];
  contentBase: string | undefined;
  rawContentHtml: string;
}

function itemSource(item: ParsedItem, ctx: NormalizeContext): ItemSource {
  const isLocal = ctx.sourceId === LOCAL_SOURCE_ID;
  // --- slug: local articles only; the loader always sets one, the title is a last resort.
  const slug = isLocal ? item.slug || slugify(item.title ?? '') || 'untitled' : undefined;
  // A local article's page is stored as a path: its public origin is added when a response is rendered
  // (src/http/links.ts), so an ingest run under another PORT or BASE_URL changes no stored article.
  const localPath = isLocal ? `/articles/${slug}` : undefined;
  // Relative URLs in a local article resolve against its page under a stand-in origin, which is then
  // cut off: stored content keeps root-relative URLs (`/images/x.jpg`), made absolute at render.
  const localPage = isLocal ? `${LOCAL_ORIGIN}${localPath}` : undefined;

  // Base for relative URLs, in order (RFC 3986 §5.1): the item's xml:base (itself possibly relative
  // to the feed's), then the feed's xml:base / home page, then the response's Content-Location, then
  // the URL the feed was fetched from. A local article's base is its own page on Tidings, so
  // "/images/x.jpg" means Tidings' /images/x.jpg. Links, authors, enclosures and images all use it;
  // content uses the xml:base its own element sets, when it sets one.
  const documentBases = [ctx.contentLocation, ctx.feedUrl];
  const feedBases = [ctx.feedBase ? resolveUrl(ctx.feedBase, documentBases) : undefined, ...documentBases];
  const itemBase = item.base ? resolveUrl(item.base, [localPage, ...feedBases]) : undefined;
  const bases = [itemBase, localPage, ...feedBases].filter((b): b is string => b !== undefined);
  const contentBase = (item.contentBase ? resolveUrl(item.contentBase, [localPage, ...feedBases]) : undefined) ?? bases[0];

  // contentHtml, in order: the full HTML content; the summary HTML (RSS <description> is often the
  // whole article); plain text content turned into escaped paragraphs.
  const rawContentHtml =
    item.contentHtml?.trim() ||
    item.summaryHtml?.trim() ||
    (item.contentText?.trim() ? textParagraphsHtml(item.contentText) : '');
  return { slug, localPath, bases, contentBase, rawContentHtml };
}

/** The article of an item whose source and sanitized body (sanitizeHtml of its raw content) are known. */
function articleOf(item: ParsedItem, ctx: NormalizeContext, source: ItemSource, sanitizedHtml: string): IndexedArticle {
  const log = ctx.log ?? (() => undefined);
  const isLocal = ctx.sourceId === LOCAL_SOURCE_ID;
  const where = item.link ?? item.guid ?? item.slug ?? item.title ?? '(item)';
  const { slug, localPath, bases, rawContentHtml } = source;

  // --- Text first: the title fallback and language detection need it.
  const sanitized = stripXmlIllegal(sanitizedHtml);
  const contentHtml = isLocal ? sanitized.replaceAll(`="${LOCAL_ORIGIN}/`, '="/') : sanitized;
  // Sanitized output needs no second parse for its text (dropping control characters and lone
  // surrogates cannot make a tag or an entity); it is handed on with the article to classify and the store.
  const contentPlain = sanitizedHtmlToText(contentHtml);

  // --- title, in order: the item's title as plain text; the first words of its text; a placeholder
  // (Article.title must never be empty).
  const title =
    excerpt(stripXmlIllegal(htmlToText(item.title ?? '')), TITLE_MAX_CHARS) ||
    firstWords(contentPlain, TITLE_FALLBACK_WORDS) ||
    'Untitled';

  // --- summary, in order: the summary's plain text (capped); an excerpt of the content's text.
  const summarySource = item.summaryHtml ? htmlToText(stripXmlIllegal(item.summaryHtml)) : '';
  const summary = stripXmlIllegal(
    summarySource ? excerpt(summarySource, SUMMARY_MAX_CHARS) : excerpt(contentPlain, SUMMARY_FROM_CONTENT_CHARS),
  );

  // --- url, in order: local page under Tidings' origin; the item's link; a permalink guid (RSS
  // guid without isPermaLink="false"); both resolved and canonicalized.
  let ownUrl: string | undefined;
  if (isLocal) {
    ownUrl = localPath;
  } else {
    const link = resolveUrl(item.link, bases);
    const permalinkGuid =
      item.guid && item.guidIsPermaLink !== false && isHttpUrl(item.guid.trim()) ? item.guid.trim() : undefined;
    const chosen = link ?? permalinkGuid;
    ownUrl = chosen ? canonicalUrl(chosen) : undefined;
  }

  // --- id (absolute IRI, stable forever, never depends on Tidings' own baseUrl), in order:
  // 1. local: urn:tidings:local:<slug>;
  // 2. a guid that is an absolute URI, as the source gave it (even a reused permalink: the source
  //    says it is the identity, and rewriting it would duplicate items in readers);
  // 3. a guid that is not a URI, scoped to the source: urn:tidings:<source>:<guid>;
  // 4. the canonical URL;
  // 5. a hash of title, raw date and content — raw, so the id does not move when a date fails
  //    to parse and falls back to "now".
  let id: string;
  const guid = item.guid?.trim();
  if (isLocal) {
    id = `urn:tidings:local:${encodeURIComponent(slug ?? '')}`;
  } else if (guid && isAbsoluteUri(guid)) {
    id = guid;
  } else if (guid) {
    id = `urn:tidings:${encodeURIComponent(ctx.sourceId)}:${encodeURIComponent(guid)}`;
  } else if (ownUrl) {
    id = ownUrl;
  } else {
    const hash = createHash('sha256')
      .update(`${item.title ?? ''}\n${rawDateKey(item.published ?? item.updated)}\n${rawContentHtml}`)
      .digest('hex')
      .slice(0, 32);
    id = `urn:tidings:${encodeURIComponent(ctx.sourceId)}:${hash}`;
  }

  // An item with no link of its own has none: every format may leave the link out, and anything else
  // would mislead — its id may be a urn: or a `javascript:` guid, and the feed's home page would make
  // every linkless item of the feed look like one article (the store merges articles by URL).
  const url = ownUrl ?? '';

  // --- dates, in order: each readable value (unreadable → logged, treated as missing; more than a
  // day ahead → clamped to now); published ← updated ← first seen (now, marked datesUnknown so the
  // store keeps the first-seen dates it saved: re-polls must not make the item look new);
  // updated ← published; then published <= updated by raising updated.
  const readDate = (value: string | Date | undefined, field: string): Date | undefined => {
    if (value === undefined || (typeof value === 'string' && value.trim() === '')) return undefined;
    const d = parseDate(value);
    if (!d) {
      log(`normalize: ${ctx.sourceId}: ${where}: unreadable ${field} date ${JSON.stringify(String(value))}, using the first-seen time`);
      return undefined;
    }
    if (d.getTime() > ctx.now.getTime() + FUTURE_TOLERANCE_MS) {
      log(`normalize: ${ctx.sourceId}: ${where}: ${field} date ${d.toISOString()} is in the future, clamped to now`);
      return new Date(ctx.now.getTime());
    }
    return d;
  };
  const publishedRead = readDate(item.published, 'published');
  const updatedRead = readDate(item.updated, 'updated');
  const published = publishedRead ?? updatedRead ?? new Date(ctx.now.getTime());
  let updated = updatedRead ?? published;
  if (updated.getTime() < published.getTime()) updated = new Date(published.getTime());

  // --- language, in order: the item's own; the feed's; detected from title and text.
  const language =
    normalizeLanguageTag(item.language) ??
    normalizeLanguageTag(ctx.feedLanguage) ??
    normalizeLanguageTag(detectLanguage(`${title}\n${contentPlain}`));

  // --- people, categories, media.
  const authors: Person[] = [];
  const seenAuthors = new Set<string>();
  for (const a of item.authors) {
    const name = stripXmlIllegal(htmlToText(a.name ?? ''));
    const email = a.email?.trim() || undefined;
    const personUrl = rootRelative(resolveUrl(a.url, bases));
    // An author known only by e-mail is still credited, under the address.
    const shown = name || email;
    if (!shown || seenAuthors.has(shown.toLowerCase())) continue;
    seenAuthors.add(shown.toLowerCase());
    authors.push({ name: shown, ...(personUrl ? { url: personUrl } : {}), ...(email ? { email } : {}) });
  }

  const enclosures: Enclosure[] = [];
  for (const e of item.enclosures) {
    const encUrl = rootRelative(resolveUrl(e.url, bases));
    if (!encUrl) {
      log(`normalize: ${ctx.sourceId}: ${where}: enclosure URL ${JSON.stringify(e.url)} cannot be resolved, dropped`);
      continue;
    }
    enclosures.push({
      url: encUrl,
      ...(e.type?.trim() ? { type: e.type.trim() } : {}),
      ...(e.length !== undefined && Number.isFinite(e.length) && e.length >= 0 ? { length: e.length } : {}),
      ...(e.title?.trim() ? { title: stripXmlIllegal(e.title.trim()) } : {}),
    });
  }

  const image = rootRelative(resolveUrl(item.image, bases));

  const article: IndexedArticle = {
    id,
    title,
    url,
    summary,
    contentHtml,
    published,
    updated,
    authors,
    sourceId: ctx.sourceId,
    categories: uniqueTrimmed(item.categories),
    // Explicit front matter topics are carried; the classifier adds the rule-based ones.
    topics: uniqueTrimmed(item.topics ?? []).map((t) => t.toLowerCase()),
    enclosures,
    text: contentPlain,
  };
  if (language) article.language = language;
  if (image) article.image = image;
  if (slug) article.slug = slug;
  if (!publishedRead && !updatedRead) article.datesUnknown = true;
  return article;
}
