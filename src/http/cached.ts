// The path every cached, query-driven response shares (feeds and embed pages): a per-revision memo of
// resolved URLs, the 304 decision before any render, and on a miss the per-client rate limit, the
// overload bound, one render per key (single flight) and the compressed form the client accepts.

import type { Request, Response } from 'express';
import { addForm, missingForm, type CachedResponse } from '../cache/cache.ts';
import type { RepeatAdmission } from '../cache/admission.ts';
import type { SiteInfo } from '../render/site-shell.ts';
import { SingleFlight } from '../concurrency.ts';
import { LOCAL_SOURCE_ID } from '../normalize/normalize.ts';
import { precheck, sendEntry, type CachePolicy } from './conditional.ts';
import { browserFeedTypeOf } from './feed-style.ts';
import type { AppDeps, Catalog } from './deps.ts';
import { headerSnapshot } from './front-door.ts';
import { isBusy, runAsMiss, sendBusy, type MissGate } from './limits.ts';

export interface Validators {
  etag: string;
  lastModified: Date;
}

/** A URL worked out once per store revision: everything a repeat of it needs before the cache. */
export interface Resolved {
  validators: Validators;
  /** The rendered response's key in the response cache (includes the ETag). */
  cacheKey: string;
  /** Whether a miss counts as a search (`q`) against the client's search limit. */
  search: boolean;
  /** A one-off query (`q`, `since`, a paging cursor): its response is cached on its second request. */
  oneOff: boolean;
  /** Set when the request depends on the clock (`since=24h`): valid within this minute only. */
  minute?: number;
}

/**
 * Resolved requests of the current store revision and catalog, by raw URL. A write or a config reload
 * starts a new memo, so memory stays bounded by the distinct URLs asked between two writes (and a
 * hard cap against URL floods). One-off queries (a distinct `q` or `since`) get a small cap of their
 * own: most are never asked again, and under a stream of them the memo held ~1.8 KB each on the
 * serving thread's heap (10,000 of them ~18 MB), which every garbage collection then walked.
 */
export class RequestMemo<T extends { minute?: number; oneOff: boolean }> {
  private revision = -1;
  private catalog: Catalog | undefined;
  private entries = new Map<string, T>();
  private oneOffs = new Map<string, T>();
  static readonly MAX_ENTRIES = 10_000;
  /** Enough for a reader's reload or a second look; a one-off asked later is resolved again. */
  static readonly MAX_ONE_OFFS = 256;

  get(revision: number, catalog: Catalog, url: string, minute: number): T | undefined {
    if (revision !== this.revision || catalog !== this.catalog) {
      this.revision = revision;
      this.catalog = catalog;
      this.entries = new Map();
      this.oneOffs = new Map();
      return undefined;
    }
    const found = this.entries.get(url) ?? this.oneOffs.get(url);
    return found && (found.minute === undefined || found.minute === minute) ? found : undefined;
  }

  set(url: string, value: T): void {
    const [map, cap] = value.oneOff ? [this.oneOffs, RequestMemo.MAX_ONE_OFFS] : [this.entries, RequestMemo.MAX_ENTRIES];
    if (map.size >= cap) map.clear();
    map.set(url, value);
  }
}

const knownSourcesOf = new WeakMap<Catalog, ReadonlySet<string>>();

/** The source ids a `source=` may name: the configured sources and `local`. */
export function knownSources(catalog: Catalog): ReadonlySet<string> {
  let known = knownSourcesOf.get(catalog);
  if (!known) {
    known = new Set([LOCAL_SOURCE_ID, ...catalog.sources.map((s) => s.id)]);
    knownSourcesOf.set(catalog, known);
  }
  return known;
}

export interface CachedServing {
  deps: Pick<AppDeps, 'cache' | 'frontDoor'>;
  gate: MissGate;
  fills: SingleFlight<CachedResponse>;
  /** Which one-off responses are cached (see src/cache/admission.ts). */
  admission: RepeatAdmission;
  /** For a route that answers pages: the site a refused (429, 503) browser is shown, in its language. */
  page?: (req: Request) => SiteInfo;
  policy: CachePolicy;
  /** The route pattern, for the front door's request metrics. */
  route: string;
}

/**
 * The version read of a URL not yet resolved at this revision. With a `q` it is a full-text match (the
 * costliest read there is), so it is a miss in all but name: counted against the client's miss and search
 * limits and run inside the overload bound, BEFORE it runs, so a flood of distinct searches is refused
 * instead of queueing reads. Returns undefined when the request was refused (its 429/503 is sent).
 * Other reads are index ranges that every poller repeats after each write: they are not charged.
 */
export async function readVersion<V>(serving: CachedServing, req: Request, res: Response, search: boolean, read: () => Promise<V>): Promise<V | undefined> {
  return search ? runAsMiss(serving.gate, req, res, true, read, serving.page?.(req)) : read();
}

/** The store revision and catalog a request was resolved at. */
export interface Stamp {
  revision: number;
  catalog: Catalog;
}

/**
 * Answers from the cache (or 304) when it can; a miss is admitted by the client's rate limits, rendered
 * once per key inside the overload bound (`fill` renders, it does not store; a `CachedResponse` instead
 * is a render this request already made inside the bound), cached — a one-off query on its second
 * request — and sent. Hits and 304s never touch the limits.
 */
export async function serveCached(
  serving: CachedServing, req: Request, res: Response, resolved: Resolved, stamp: Stamp, fill: (() => Promise<CachedResponse>) | CachedResponse,
): Promise<void> {
  const { deps, gate, fills, policy } = serving;
  const { validators, cacheKey } = resolved;
  // What the middleware and the route set so far: the front door repeats it before the same precheck.
  const preamble = deps.frontDoor ? headerSnapshot(res) : undefined;
  // Only what the cache holds: the front door answers from the cache, and a record of a one-off query
  // that was not kept (see admission) would only grow the serving thread's heap.
  const remember = (inCache: boolean): void => {
    if (!inCache || !preamble || !deps.frontDoor) return;
    const { route } = serving;
    deps.frontDoor.remember(req, { ...stamp, minute: resolved.minute, cacheKey, validators, policy, route, preamble });
  };
  const cached = deps.cache.get(cacheKey);
  if (precheck(req, res, validators.etag, validators.lastModified, policy, cached)) return remember(cached !== undefined);
  let entry = cached;
  let stored = cached !== undefined;
  if (!entry) {
    const site = serving.page?.(req);
    if (!(await gate.admit(req, res, resolved.search, site))) return;
    try {
      entry = typeof fill === 'function' ? await fills.run(cacheKey, () => gate.render(fill)) : fill;
    } catch (err) {
      if (isBusy(err)) return sendBusy(res, site && { req, site });
      throw err;
    }
    stored = (!resolved.oneOff || serving.admission.admits(cacheKey)) && deps.cache.set(cacheKey, entry);
  }
  const form = missingForm(entry, req.headers['accept-encoding']);
  if (form) {
    await addForm(entry, form);
    // The entry grew: storing it again keeps the cache's byte accounting true.
    if (stored) deps.cache.set(cacheKey, entry);
  }
  sendEntry(req, res, entry, browserFeedTypeOf(res) ?? entry.contentType);
  remember(stored);
}
