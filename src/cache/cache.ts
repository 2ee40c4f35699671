// The response-cache seam: what a cached feed response is, the ResponseCache interface, createCache()
// that picks a backend, prepareResponse() that compresses a rendered body once when an entry is
// filled, and pickEncoding() that chooses which precompressed form a request gets.

import { promisify } from 'node:util';
import { brotliCompress, constants as zlibConstants, gzip } from 'node:zlib';
import { TidingsError } from '../errors.ts';

/** A rendered response, ready to be sent many times without rendering or compressing again. */
export interface CachedResponse {
  /** The identity (uncompressed) body. */
  body: Buffer;
  /** gzip form; undefined when the body is too small (or compresses badly) to be worth it. */
  gzip?: Buffer | undefined;
  /** Brotli form; undefined under the same rule as gzip. */
  br?: Buffer | undefined;
  /** A strong, quoted ETag (`"…"`), the same for every encoding: see makeEtag in src/http/conditional.ts. */
  etag: string;
  lastModified: Date;
  /** The full Content-Type header, charset included. */
  contentType: string;
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

const gzipAsync = promisify(gzip);
const brotliAsync = promisify(brotliCompress);

/**
 * Builds a cache entry from a rendered body, compressing it once with gzip and Brotli in parallel on
 * the libuv thread pool (so the event loop keeps answering cached requests meanwhile). Cache misses
 * (distinct `q`/`since` queries) pay this on the request path, so the settings are the balance points
 * measured on a 72 KB 50-item RSS feed: gzip level 4 is within 0.2% of level 6's size in 43% of its
 * time; Brotli quality 5 is within 1.5% of quality 9's size in a quarter of its time, and a window
 * just large enough for the body (instead of the default 4 MB) trims another fifth off that time.
 */
export async function prepareResponse(
  body: Buffer | string,
  meta: { etag: string; lastModified: Date; contentType: string },
): Promise<CachedResponse> {
  const identity = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  if (identity.length < MIN_COMPRESS_BYTES) {
    return { body: identity, gzip: undefined, br: undefined, ...meta };
  }
  const [gz, br] = await compressionSlot(() => Promise.all([
    gzipAsync(identity, { level: 4 }),
    brotliAsync(identity, {
      params: {
        [zlibConstants.BROTLI_PARAM_MODE]: zlibConstants.BROTLI_MODE_TEXT,
        [zlibConstants.BROTLI_PARAM_QUALITY]: 5,
        [zlibConstants.BROTLI_PARAM_LGWIN]: brotliWindowBits(identity.length),
        [zlibConstants.BROTLI_PARAM_SIZE_HINT]: identity.length,
      },
    }),
  ]));
  // A form that is not smaller than the original is useless to send.
  return {
    body: identity,
    gzip: gz.length < identity.length ? gz : undefined,
    br: br.length < identity.length ? br : undefined,
    ...meta,
  };
}

/**
 * Bodies compressed at once. Each call allocates its native encoder state when it is made, not when a
 * thread-pool worker takes it up, so a burst of cache misses with no bound held one encoder per request:
 * measured here, 200 concurrent misses took the process from 115 MB to 460 MB of RSS that the allocator
 * kept afterwards. Two match this machine's cores; the rest wait their turn.
 */
const COMPRESSIONS_AT_ONCE = 2;
let compressing = 0;
const compressionQueue: (() => void)[] = [];

async function compressionSlot<T>(work: () => Promise<T>): Promise<T> {
  if (compressing >= COMPRESSIONS_AT_ONCE) await new Promise<void>((resolve) => compressionQueue.push(resolve));
  compressing++;
  try {
    return await work();
  } finally {
    compressing--;
    compressionQueue.shift()?.();
  }
}

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
