// JSON Feed 1.0 and 1.1, read directly (no library): narrows the untrusted JSON field by field and maps
// it to a ParsedFeed. 1.1 `authors` wins over the deprecated 1.0 `author`.

import type { Enclosure, Person } from '../model.ts';
import { TidingsError, describeError } from '../errors.ts';
import { escapeHtml } from '../text/escape-html.ts';
import type { ParsedFeed, ParsedItem } from './types.ts';

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function str(o: Obj, key: string): string | undefined {
  const v = o[key];
  if (typeof v !== 'string') return undefined;
  const t = v.trim();
  return t === '' ? undefined : t;
}

export function parseJsonFeed(text: string, where: string): ParsedFeed {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new TidingsError('parse', where, `invalid JSON at position ${jsonErrorPosition(text, err)}`, { cause: err });
  }
  if (!isObj(doc)) throw new TidingsError('parse', where, 'not a feed: JSON document is not an object');
  // The version should be https://jsonfeed.org/version/1(.1); bare "1.0" exists in the wild and is
  // accepted, but some sign of a feed (a version or an items array) is required.
  if (typeof doc.version !== 'string' && !Array.isArray(doc.items)) {
    throw new TidingsError('parse', where, 'not a feed: JSON without "version" or "items"');
  }
  const feed: ParsedFeed = {
    format: 'jsonfeed',
    title: str(doc, 'title'),
    link: str(doc, 'home_page_url'),
    description: str(doc, 'description'),
    language: str(doc, 'language'),
    authors: people(doc),
    image: str(doc, 'icon') ?? str(doc, 'favicon'),
    items: [],
    itemErrors: [],
  };
  const items = Array.isArray(doc.items) ? doc.items : [];
  items.forEach((raw: unknown, i) => {
    try {
      feed.items.push(jsonItem(raw));
    } catch (err) {
      feed.itemErrors.push(`item ${i + 1}: ${describeError(err)}`);
    }
  });
  return feed;
}

function jsonItem(raw: unknown): ParsedItem {
  if (!isObj(raw)) throw new Error('item is not an object');
  // `id` may be a number in the wild; the spec says string, and a number is still an identity.
  const id = typeof raw.id === 'number' ? String(raw.id) : str(raw, 'id');
  const tags = Array.isArray(raw.tags) ? raw.tags.filter((t): t is string => typeof t === 'string' && t.trim() !== '') : [];
  return {
    guid: id,
    link: str(raw, 'url') ?? str(raw, 'external_url'),
    // JSON Feed titles are plain text; ParsedItem titles are HTML (see types.ts).
    title: escapeOptional(str(raw, 'title')),
    contentHtml: str(raw, 'content_html'),
    contentText: str(raw, 'content_text'),
    summaryHtml: summaryHtml(raw),
    published: str(raw, 'date_published'),
    updated: str(raw, 'date_modified'),
    authors: people(raw),
    categories: [...new Set(tags.map((t) => t.trim()))],
    language: str(raw, 'language'),
    image: str(raw, 'image') ?? str(raw, 'banner_image'),
    enclosures: attachments(raw),
  };
}

/** JSON Feed `summary` is plain text; ParsedItem wants HTML, so escape it once here. */
function summaryHtml(raw: Obj): string | undefined {
  return escapeOptional(str(raw, 'summary'));
}

function escapeOptional(s: string | undefined): string | undefined {
  return s === undefined ? undefined : escapeHtml(s);
}

/** 1.1 `authors` (array) first, then 1.0 `author` (object). */
function people(o: Obj): Person[] {
  const list = Array.isArray(o.authors) ? o.authors : isObj(o.author) ? [o.author] : [];
  const out: Person[] = [];
  for (const a of list) {
    if (!isObj(a)) continue;
    const name = str(a, 'name');
    const url = str(a, 'url');
    if (name === undefined && url === undefined) continue;
    const p: Person = { name: name ?? '' };
    if (url !== undefined) {
      // JSON Feed allows a mailto: URL for a person; Tidings keeps that as the email.
      if (url.startsWith('mailto:')) p.email = url.slice('mailto:'.length);
      else p.url = url;
    }
    out.push(p);
  }
  return out;
}

function attachments(raw: Obj): Enclosure[] {
  if (!Array.isArray(raw.attachments)) return [];
  const out: Enclosure[] = [];
  for (const a of raw.attachments) {
    if (!isObj(a)) continue;
    const url = str(a, 'url');
    if (url === undefined) continue;
    const e: Enclosure = { url };
    const type = str(a, 'mime_type');
    if (type !== undefined) e.type = type;
    const size = a.size_in_bytes;
    if (typeof size === 'number' && Number.isFinite(size) && size > 0) e.length = size;
    const title = str(a, 'title');
    if (title !== undefined) e.title = title;
    out.push(e);
  }
  return out;
}

/** The character offset JSON.parse reports, or the end of the text when it reports none. */
function jsonErrorPosition(text: string, err: unknown): number {
  const m = /position (\d+)/.exec(describeError(err));
  return m?.[1] !== undefined ? Number(m[1]) : text.length;
}
