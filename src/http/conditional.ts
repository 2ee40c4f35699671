// HTTP caching for rendered feeds: the strong ETag computed before rendering, one strong tag per
// content coding (RFC 9110 §8.8.3: a strong tag names one representation), the 304 decision, and sending
// a cached entry in the encoding the client accepts. Everything here is per request and cheap: no
// hashing of bodies, no compression. Plain node:http types: the front door (front-door.ts) sends
// through these same functions, so its headers are the Express route's by construction.

/** What these functions read of a request: Express's Request and node's IncomingMessage both fit. */
type Request = Pick<IncomingMessage, 'headers' | 'method'>;
type Response = ServerResponse;

import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { pickEncoding, type CachedResponse, type Encoding } from '../cache/cache.ts';

export interface CachePolicy {
  /** Cache-Control max-age, in seconds. */
  readonly maxAgeSeconds: number;
  /** Cache-Control stale-while-revalidate, in seconds (0 leaves the directive out). */
  readonly staleWhileRevalidate: number;
  /** Access-Control-Allow-Origin value (`*` for public feeds); absent sends no CORS header. */
  readonly corsOrigin?: string | undefined;
}

/**
 * A strong ETag from what determines the bytes: the content version (QueryVersion.tag), the
 * canonical query and the renderer version. Computed from those alone, before rendering, so a
 * revalidation costs a version lookup and a hash of a few dozen bytes, never a render.
 */
export function makeEtag(parts: readonly string[]): string {
  // JSON keeps the parts apart: ["a,b"] and ["a","b"] must not collide.
  const digest = createHash('sha1').update(JSON.stringify(parts)).digest('base64url');
  return `"${digest}"`;
}

const CODING_SUFFIX: Record<Encoding, string> = { identity: '', gzip: '-gz', br: '-br' };

/**
 * The strong tag of one coding of a version: `"v"` for identity, `"v-gz"`, `"v-br"`. The gzip and br
 * bodies are other byte sequences than the identity one, so each gets a tag of its own.
 */
export function codedEtag(etag: string, encoding: Encoding): string {
  return encoding === 'identity' ? etag : `${etag.slice(0, -1)}${CODING_SUFFIX[encoding]}"`;
}

/**
 * Whether the client's copy is current (RFC 9110 §13.1.2, §13.2.2). If-None-Match compares weakly and
 * matches a tag of ANY coding of this version, with or without `W/`, in a list, or `*`: a client (or a
 * cache) may hold the gzip form and ask again with other Accept-Encoding, and its copy decodes to the
 * same bytes, so it is still current. If-Modified-Since counts only without If-None-Match;
 * `Cache-Control: no-cache` in the request asks for a full answer.
 */
export function isFresh(req: Request, etag: string, lastModified: Date): boolean {
  const cacheControl = req.headers['cache-control'];
  if (cacheControl !== undefined && /(?:^|,)\s*no-cache\s*(?:,|$)/i.test(cacheControl)) return false;
  const ifNoneMatch = req.headers['if-none-match'];
  if (ifNoneMatch !== undefined) {
    if (ifNoneMatch.trim() === '*') return true;
    const stem = etag.slice(0, -1);
    for (const part of ifNoneMatch.split(',')) {
      const tag = part.trim().replace(/^W\//, '');
      if (tag === etag || tag === `${stem}-gz"` || tag === `${stem}-br"`) return true;
    }
    return false;
  }
  const ifModifiedSince = req.headers['if-modified-since'];
  if (ifModifiedSince === undefined) return false;
  const since = Date.parse(ifModifiedSince);
  // HTTP dates have whole seconds: compare what the client was sent.
  return !Number.isNaN(since) && Math.floor(lastModified.getTime() / 1000) * 1000 <= since;
}

/**
 * Sets the validators and caching headers, and answers 304 when the request's If-None-Match or
 * If-Modified-Since already matches. Returns true when the 304 was sent: the route then skips the
 * rendering entirely. A 304 carries the same ETag, Cache-Control and Vary a 200 would (RFC 9110
 * §15.4.5), so caches refresh their stored copy's freshness: the tag of the coding this request would
 * get, known exactly when the entry is cached (`entry`), else the coding Accept-Encoding prefers.
 */
export function precheck(req: Request, res: Response, etag: string, lastModified: Date, policy: CachePolicy, entry?: CachedResponse): boolean {
  const coding = entry ? chooseForm(entry, req.headers['accept-encoding']) : pickEncoding(req.headers['accept-encoding']);
  setCachingHeaders(res, codedEtag(etag, coding), lastModified, policy);
  if (!isFresh(req, etag, lastModified)) return false;
  res.statusCode = 304;
  res.end();
  return true;
}

/**
 * Sends a cached entry: caching headers, then 304 when fresh, else the precompressed buffer the
 * client accepts, with res.end() — res.send() would hash the body for an ETag on every request.
 * HEAD gets the same headers (Content-Length included) and no body.
 */
export function sendCached(req: Request, res: Response, entry: CachedResponse, policy: CachePolicy): void {
  if (precheck(req, res, entry.etag, entry.lastModified, policy, entry)) return;
  sendEntry(req, res, entry);
}

/**
 * The 200 alone: the form of the entry the client accepts. For a route that already ran precheck,
 * which set the caching headers and ruled out a 304, so neither is done twice per request. A form the
 * entry lacks (not made yet, or not worth making) gives way to the client's next choice. Returns the
 * bytes of the form chosen (also for HEAD, which sends none), for the front door to repeat.
 */
export function sendEntry(req: Request, res: Response, entry: CachedResponse, contentType = entry.contentType): Buffer {
  const encoding = chooseForm(entry, req.headers['accept-encoding']);
  const payload = formOf(entry, encoding) ?? entry.body;
  // A route may send the same bytes under another type (feed-style.ts: a feed opened in a browser).
  res.setHeader('Content-Type', contentType);
  if (entry.truncated !== undefined) res.setHeader('Tidings-Truncated', entry.truncated);
  // The tag of the form actually sent (precheck may have guessed before the entry existed).
  res.setHeader('ETag', codedEtag(entry.etag, encoding));
  if (encoding !== 'identity') res.setHeader('Content-Encoding', encoding);
  res.setHeader('Content-Length', payload.length);
  // Plain assignment: Express's res.status() validates its argument, on the hot path, for a constant.
  res.statusCode = 200;
  if (req.method === 'HEAD') res.end();
  else res.end(payload);
  return payload;
}

// setHeader, not res.set(): Express's set() rewrites Content-Type and checks arrays, work we don't need.
function setCachingHeaders(res: Response, etag: string, lastModified: Date, policy: CachePolicy): void {
  res.setHeader('ETag', etag);
  res.setHeader('Last-Modified', httpDate(lastModified));
  res.setHeader('Cache-Control', cacheControl(policy));
  // The body differs by Accept-Encoding, so shared caches must key on it.
  // Kept beside any Vary already set (CORS adds Origin); precheck and sendCached both get here.
  const vary = res.getHeader('Vary');
  if (vary === undefined) res.setHeader('Vary', 'Accept-Encoding');
  else if (!/accept-encoding/i.test(String(vary))) res.setHeader('Vary', `${String(vary)}, Accept-Encoding`);
  if (policy.corsOrigin !== undefined && policy.corsOrigin !== '') {
    res.setHeader('Access-Control-Allow-Origin', policy.corsOrigin);
  }
}

/** Header values worked out once per policy: a feed route sets them on every response. */
const cacheControlOf = new WeakMap<CachePolicy, string>();

function cacheControl(policy: CachePolicy): string {
  const known = cacheControlOf.get(policy);
  if (known !== undefined) return known;
  const maxAge = Math.max(0, Math.floor(policy.maxAgeSeconds));
  const swr = Math.max(0, Math.floor(policy.staleWhileRevalidate));
  const value = swr > 0 ? `public, max-age=${maxAge}, stale-while-revalidate=${swr}` : `public, max-age=${maxAge}`;
  cacheControlOf.set(policy, value);
  return value;
}

/** The last Last-Modified written: pollers of one feed ask for the same instant over and over. */
let lastHttpDate = { time: Number.NaN, text: '' };

function httpDate(date: Date): string {
  const time = date.getTime();
  if (time !== lastHttpDate.time) lastHttpDate = { time, text: date.toUTCString() };
  return lastHttpDate.text;
}

const IDENTITY_ONLY: readonly Encoding[] = ['identity'];
const GZIP_ONLY: readonly Encoding[] = ['gzip', 'identity'];
const BR_ONLY: readonly Encoding[] = ['br', 'identity'];

/** The form of the entry this Accept-Encoding gets: its first choice, or the best the entry has. */
function chooseForm(entry: CachedResponse, header: string | undefined): Encoding {
  const wanted = pickEncoding(header);
  return formOf(entry, wanted) ? wanted : pickEncoding(header, availableEncodings(entry));
}

/** Returns the shared list pickEncoding memoizes on when both forms exist. */
function availableEncodings(entry: CachedResponse): readonly Encoding[] | undefined {
  if (entry.br && entry.gzip) return undefined;
  if (entry.br) return BR_ONLY;
  if (entry.gzip) return GZIP_ONLY;
  return IDENTITY_ONLY;
}

function formOf(entry: CachedResponse, encoding: Encoding): Buffer | undefined {
  if (encoding === 'identity') return entry.body;
  return entry[encoding] ?? undefined;
}
