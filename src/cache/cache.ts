// The response-cache seam: what a cached feed response is, the ResponseCache interface, createCache()
// that picks a backend, prepareResponse() that makes an entry of a rendered body, addForm() that
// compresses it once per coding when a client first asks for that coding, and pickEncoding() that
// chooses which form a request gets.

import { promisify } from 'node:util';
import { brotliCompress, brotliCompressSync, constants as zlibConstants, gzip, gzipSync, type BrotliOptions } from 'node:zlib';
import { createLimiter } from '../concurrency.ts';
import { TidingsError } from '../errors.ts';

/**
 * A rendered response, ready to be sent many times without rendering again. Each compressed form is
 * made once, by addForm(), the first time a client asks for it: undefined until then, null when it is
 * not worth sending (the body is too small, or does not shrink).
 */
export interface CachedResponse {
  /** The identity (uncompressed) body. */
  body: Buffer;
  gzip?: Buffer | null | undefined;
  br?: Buffer | null | undefined;
  /** A strong, quoted ETag (`"…"`), the same for every encoding: see makeEtag in src/http/conditional.ts. */
  etag: string;
  lastModified: Date;
  /** The full Content-Type header, charset included. */
  contentType: string;
  /** Set when the page was cut short by its byte budget: sent as the `Tidings-Truncated` header. */
  truncated?: string;
}

export interface CacheStats {
  entries: number;
  /** Bytes accounted to the entries: every buffer plus keys and a fixed per-entry overhead. */
  bytes: number;
  hits: number;
  misses: number;
  /** Entries dropped to stay within maxEntries or maxBytes (not TTL expiries). */
  evictions: number;
}

export interface ResponseCache {
  get(key: string): CachedResponse | undefined;
  /** Stores the entry; returns false when it is larger than the whole cache and so was not kept. */
  set(key: string, value: CachedResponse): boolean;
  stats(): CacheStats;
  flush(): void;
  /** Releases the backend (timers, connections). The cache must not be used afterwards. */
  close(): void;
}

export interface CacheOptions {
  /** `memory:` (the default) keeps entries in this process; other schemes are not implemented yet. */
  url?: string;
  maxEntries: number;
  maxBytes: number;
  /** Time to live of an entry; 0 keeps entries until evicted. */
  ttlSeconds: number;
  /**
   * How often expired entries are swept. 0 (the default) sweeps lazily on read and relies on the
   * entry and byte bounds to reclaim memory, so the cache starts no timer of its own.
   */
  checkPeriodSeconds?: number;
}

/** Opens the cache backend named by `opts.url` (CACHE_URL): only `memory:` so far. */
export async function createCache(opts: CacheOptions): Promise<ResponseCache> {
  const url = opts.url ?? 'memory:';
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(url)?.[1]?.toLowerCase();
  if (scheme === 'memory') {
    if (!(opts.maxEntries > 0) || !(opts.maxBytes > 0) || !(opts.ttlSeconds >= 0)) {
      throw new TidingsError('config', 'CACHE_URL', 'maxEntries and maxBytes must be > 0 and ttlSeconds >= 0');
    }
    const { MemoryCache } = await import('./memory.ts');
    return new MemoryCache(opts);
  }
  throw new TidingsError('config', 'CACHE_URL', `unsupported scheme "${scheme ?? url}" (use memory:)`);
}

/** Bodies below this size are sent as they are: compression would save less than the headers cost. */
export const MIN_COMPRESS_BYTES = 1024;

export type CompressedEncoding = 'br' | 'gzip';

const gzipAsync = promisify(gzip);
const brotliAsync = promisify(brotliCompress);

/** An entry of a rendered body with no compressed form yet (none ever, when it is too small to gain). */
export function prepareResponse(
  body: Buffer | string,
  meta: { etag: string; lastModified: Date; contentType: string; truncated?: string },
  /** Forms already made with compressNow, by whoever rendered the body. */
  made: Partial<Record<CompressedEncoding, Buffer | null>> = {},
): CachedResponse {
  const identity = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  if (identity.length < MIN_COMPRESS_BYTES) return { body: identity, gzip: null, br: null, ...meta };
  return { body: identity, ...made, ...meta };
}

/**
 * The compressed form a client with this Accept-Encoding header would get that the entry does not
 * have yet, if any. Cheap (the header's choice is memoized), so the cached path asks on every request.
 */
export function missingForm(entry: CachedResponse, acceptEncoding: string | undefined): CompressedEncoding | undefined {
  const wanted = pickEncoding(acceptEncoding);
  return wanted !== 'identity' && entry[wanted] === undefined ? wanted : undefined;
}

/** Compressions under way, so that concurrent requests for one new form share a single compression. */
const compressing = new WeakMap<CachedResponse, Partial<Record<CompressedEncoding, Promise<void>>>>();

/**
 * Makes the entry's `encoding` form, once, off the event loop (the libuv thread pool), so cached
 * requests keep being answered meanwhile. Only the form a client asked for is made: a cache miss for
 * a one-off query (a distinct `q` or `since`) pays for one compression, not two, and a feed polled in
 * both codings pays for each once. The settings are the balance points measured on a 72 KB 50-item
 * RSS feed: gzip level 4 is within 0.2% of level 6's size in 43% of its time; Brotli quality 2 takes
 * 0.5-0.7 ms where quality 4 takes 0.9-1.3 ms (and quality 5 3.1 ms), and its output was 1% smaller
 * than quality 4's; a window just large enough for the body (instead of the default 4 MB) costs less
 * memory to set up and gives the same output. Every cache miss pays for one of these.
 */
export function addForm(entry: CachedResponse, encoding: CompressedEncoding): Promise<void> {
  if (entry[encoding] !== undefined) return Promise.resolve();
  const pending = compressing.get(entry) ?? {};
  const known = pending[encoding];
  if (known) return known;
  const made = compressionSlot.run(() => compress(entry.body, encoding)).then((form) => {
    // A form that is not smaller than the original is useless to send.
    entry[encoding] = form.length < entry.body.length ? form : null;
  }).finally(() => {
    delete pending[encoding];
  });
  pending[encoding] = made;
  compressing.set(entry, pending);
  return made;
}

function compress(body: Buffer, encoding: CompressedEncoding): Promise<Buffer> {
  return encoding === 'gzip' ? gzipAsync(body, GZIP_OPTIONS) : brotliAsync(body, brotliOptions(body.length));
}

/**
 * The `encoding` form of a body, made on the calling thread: for a worker thread that has just rendered
 * the body (see src/http/feed-page.ts), where waiting for the thread pool would only add a hop. Null
 * when the body is too small to gain or the form is no smaller, as addForm records it.
 */
export function compressNow(body: Buffer, encoding: CompressedEncoding): Buffer | null {
  if (body.length < MIN_COMPRESS_BYTES) return null;
  const form = encoding === 'gzip' ? gzipSync(body, GZIP_OPTIONS) : brotliCompressSync(body, brotliOptions(body.length));
  return form.length < body.length ? form : null;
}

const GZIP_OPTIONS = { level: 4 };

function brotliOptions(length: number): BrotliOptions {
  return {
    params: {
      [zlibConstants.BROTLI_PARAM_MODE]: zlibConstants.BROTLI_MODE_TEXT,
      [zlibConstants.BROTLI_PARAM_QUALITY]: 2,
      [zlibConstants.BROTLI_PARAM_LGWIN]: brotliWindowBits(length),
      [zlibConstants.BROTLI_PARAM_SIZE_HINT]: length,
    },
  };
}

/**
 * Bodies compressed at once. Each call allocates its native encoder state when it is made, not when a
 * thread-pool worker takes it up, so a burst of cache misses with no bound held one encoder per request:
 * measured here, 200 concurrent misses took the process from 115 MB to 460 MB of RSS that the allocator
 * kept afterwards. Two match this machine's cores; the rest wait their turn.
 */
const COMPRESSIONS_AT_ONCE = 2;
const compressionSlot = createLimiter(COMPRESSIONS_AT_ONCE);

/** The smallest Brotli window that holds the whole body: the same output, less memory to set up. */
function brotliWindowBits(length: number): number {
  const { BROTLI_MIN_WINDOW_BITS, BROTLI_MAX_WINDOW_BITS } = zlibConstants;
  return Math.min(Math.max(Math.ceil(Math.log2(length + 1)), BROTLI_MIN_WINDOW_BITS, 16), BROTLI_MAX_WINDOW_BITS);
}

export type Encoding = 'br' | 'gzip' | 'identity';

const ALL_ENCODINGS: readonly Encoding[] = ['br', 'gzip', 'identity'];
// Aggregators send the same few Accept-Encoding strings over and over; remembering the answer keeps
// the header parse off the hot path. Bounded so hostile headers cannot grow it.
const pickMemo = new Map<string, Encoding>();
const PICK_MEMO_MAX = 256;

/**
 * The best encoding an Accept-Encoding header allows (RFC 9110 §12.5.3): the highest q wins, ties go
 * to br, then gzip, then identity; `q=0` excludes; `*` stands for every coding not named; `x-gzip` is
 * gzip. No header means identity. `available` narrows the choice (an entry without compressed forms).
 * When nothing acceptable is available, identity is sent anyway: better than a 406 for a feed reader.
 */
export function pickEncoding(header: string | undefined, available: readonly Encoding[] = ALL_ENCODINGS): Encoding {
  if (header === undefined || header === '') return 'identity';
  const memoizable = available === ALL_ENCODINGS;
  if (memoizable) {
    const known = pickMemo.get(header);
    if (known !== undefined) return known;
  }
  const choice = parseAndPick(header, available);
  if (memoizable && pickMemo.size < PICK_MEMO_MAX) pickMemo.set(header, choice);
  return choice;
}

function parseAndPick(header: string, available: readonly Encoding[]): Encoding {
  const explicit = new Map<string, number>();
  let star: number | undefined;
  for (const part of header.split(',')) {
    const [rawName, ...params] = part.split(';');
    let name = (rawName ?? '').trim().toLowerCase();
    if (name === '') continue;
    if (name === 'x-gzip') name = 'gzip';
    let q = 1;
    for (const param of params) {
      const m = /^\s*q\s*=\s*([0-9.]+)\s*$/i.exec(param);
      if (m?.[1] !== undefined) {
        const parsed = Number(m[1]);
        q = Number.isFinite(parsed) ? Math.min(Math.max(parsed, 0), 1) : 0;
      }
    }
    if (name === '*') star = Math.max(star ?? 0, q);
    else explicit.set(name, Math.max(explicit.get(name) ?? 0, q));
  }
  const weight = (enc: Encoding): number => {
    const q = explicit.get(enc);
    if (q !== undefined) return q;
    if (star !== undefined) return star;
    // identity is acceptable unless excluded by name or by `*;q=0`; other codings only when named.
    return enc === 'identity' ? 0.001 : 0;
  };
  let best: Encoding = 'identity';
  let bestQ = 0;
  // ALL_ENCODINGS is in preference order, so a strict `>` keeps the preferred one on ties.
  for (const enc of ALL_ENCODINGS) {
    if (!available.includes(enc)) continue;
    const q = weight(enc);
    if (q > bestQ) {
      best = enc;
      bestQ = q;
    }
  }
  return best;
}
