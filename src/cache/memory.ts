// The in-process response cache: node-cache holds the entries (by reference, never cloned) and the
// TTL; this class adds the bounds node-cache lacks — an entry count and a byte budget — evicting the
// least recently used entries first.

import NodeCache from 'node-cache';
import type { CacheOptions, CacheStats, CachedResponse, ResponseCache } from './cache.ts';

/** What an entry costs beyond its buffers: the object, the Date, node-cache's wrapper, map slots. */
const ENTRY_OVERHEAD_BYTES = 256;

export class MemoryCache implements ResponseCache {
  readonly #store: NodeCache;
  readonly #maxEntries: number;
  readonly #maxBytes: number;
  /** key → accounted size, in recency order (oldest first): a Map iterates in insertion order. */
  readonly #sizes = new Map<string, number>();
  #bytes = 0;
  #hits = 0;
  #misses = 0;
  #evictions = 0;

  constructor(opts: CacheOptions) {
    this.#maxEntries = opts.maxEntries;
    this.#maxBytes = opts.maxBytes;
    this.#store = new NodeCache({
      stdTTL: opts.ttlSeconds,
      checkperiod: opts.checkPeriodSeconds ?? 0,
      // Entries are immutable Buffers served as they are; cloning would copy megabytes per hit.
      useClones: false,
      deleteOnExpire: true,
    });
    // node-cache deletes expired entries on its own (on read or on its sweep); keep the accounting true.
    this.#store.on('del', (key: string | number) => this.#forget(String(key)));
  }

  get(key: string): CachedResponse | undefined {
    const value = this.#store.get<CachedResponse>(key);
    if (value === undefined) {
      this.#misses++;
      return undefined;
    }
    this.#hits++;
    // Move to the newest end so heavily polled feeds are the last to be evicted.
    const size = this.#sizes.get(key);
    if (size !== undefined) {
      this.#sizes.delete(key);
      this.#sizes.set(key, size);
    }
    return value;
  }

  set(key: string, value: CachedResponse): boolean {
    const size = entrySize(key, value);
    if (this.#sizes.has(key)) this.#remove(key);
    if (size > this.#maxBytes) return false;
    this.#store.set(key, value);
    this.#sizes.set(key, size);
    this.#bytes += size;
    for (const oldest of this.#sizes.keys()) {
      if (this.#sizes.size <= this.#maxEntries && this.#bytes <= this.#maxBytes) break;
      this.#remove(oldest);
      this.#evictions++;
    }
    return true;
  }

  stats(): CacheStats {
    return {
      entries: this.#sizes.size,
      bytes: this.#bytes,
      hits: this.#hits,
      misses: this.#misses,
      evictions: this.#evictions,
    };
  }

  flush(): void {
    this.#store.flushAll();
    this.#sizes.clear();
    this.#bytes = 0;
  }

  close(): void {
    this.flush();
    this.#store.close();
  }

  #remove(key: string): void {
    // Forget first, so the 'del' event that store.del() emits finds nothing left to do.
    this.#forget(key);
    this.#store.del(key);
  }

  #forget(key: string): void {
    const size = this.#sizes.get(key);
    if (size === undefined) return;
    this.#sizes.delete(key);
    this.#bytes -= size;
  }
}

function entrySize(key: string, value: CachedResponse): number {
  return (
    ENTRY_OVERHEAD_BYTES +
    key.length * 2 +
    value.body.length +
    (value.gzip?.length ?? 0) +
    (value.br?.length ?? 0) +
    value.etag.length * 2 +
    value.contentType.length * 2
  );
}
