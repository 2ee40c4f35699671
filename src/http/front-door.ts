// The front door: answers a repeated GET/HEAD before Express routes it, from what the Express route
// itself recorded (per URL and store revision: the headers it set, the validators, the cache key),
// through the same precheck/sendEntry the route uses. Anything it cannot answer exactly goes to Express.

import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import type { CachedResponse, ResponseCache } from '../cache/cache.ts';
import { missingForm } from '../cache/cache.ts';
import type { Metrics } from '../metrics.ts';
import type { ArticleStore } from '../store/store.ts';
import type { Validators } from './cached.ts';
import { precheck, sendEntry, type CachePolicy } from './conditional.ts';
import { mayWantStyledFeed } from './feed-style.ts';
import type { Catalog } from './deps.ts';

type HeaderValue = number | string | string[];

/** What one answered request of a cached route leaves for the front door to repeat. */
export interface DoorRecord {
  /** The store revision and catalog it was resolved at: either moving makes the record stale. */
  revision: number;
  catalog: Catalog;
  /** Set when the request depends on the clock (`since=24h`): good within this minute only. */
  minute?: number | undefined;
  cacheKey: string;
  validators: Validators;
  policy: CachePolicy;
  /** The route pattern the request metrics label it with (`/feeds/:spec`). */
  route: string;
  /**
   * Headers the route had set before its cached part (nosniff, CORS, Link, helmet's), with their raw
   * names and in their order, so the front door's response is the route's byte for byte.
   */
  preamble: ReadonlyArray<readonly [string, HeaderValue]>;
}

/**
 * One answer the front door gave for a record, kept for the same request headers: its status and its
 * whole header list, flat and in order (as writeHead takes it), and the bytes of the 200. Repeats of it
 * cost one writeHead instead of a dozen validated setHeader calls and the header map they build.
 */
interface DoorAnswer {
  /** The cached entry it was made from: a re-rendered entry (after an eviction) is answered afresh. */
  entry: CachedResponse;
  status: number;
  headers: HeaderValue[];
  /** The 200's body; undefined for a 304. */
  payload: Buffer | undefined;
}

/** A record with the answers given from it, by the request headers they depend on (see answerKey). */
interface StoredRecord extends DoorRecord {
  answers: Map<string, DoorAnswer>;
}

/** Distinct header combinations remembered per record (clients' own old ETags vary); beyond, it starts over. */
const MAX_ANSWERS_PER_RECORD = 16;

/**
 * Records by Origin and raw URL (CORS headers depend on the Origin; nothing else a cached route sets
 * depends on the request). Bounded against URL floods like the routes' own memo.
 */
export class FrontDoorRecords {
  private entries = new Map<string, StoredRecord>();
  private static readonly MAX_ENTRIES = 10_000;

  /** Called by the cached route once it answered 200 or 304; `preamble` was read before it answered. */
  remember(req: IncomingMessage, record: DoorRecord): void {
    if (this.entries.size >= FrontDoorRecords.MAX_ENTRIES) this.entries.clear();
    this.entries.set(recordKey(req), { ...record, answers: new Map() });
  }

  lookup(req: IncomingMessage): StoredRecord | undefined {
    return this.entries.get(recordKey(req));
  }

  forget(req: IncomingMessage): void {
    this.entries.delete(recordKey(req));
  }
}

function recordKey(req: IncomingMessage): string {
  return `${req.headers.origin ?? ''} ${req.url ?? ''}`;
}

/** The headers already set on `res`, raw names in order: what a route's middleware put there. */
export function headerSnapshot(res: ServerResponse): DoorRecord['preamble'] {
  // OutgoingMessage has had getRawHeaderNames since Node 15.13; @types/node declares it on ClientRequest only.
  const raw = res as ServerResponse & { getRawHeaderNames(): string[] };
  // RateLimit-* count the request that was charged (a search's first read): never part of a repeat.
  return raw.getRawHeaderNames()
    .filter((name) => !/^ratelimit/i.test(name))
    .map((name) => [name, res.getHeader(name)!] as const);
}

export interface FrontDoorDeps {
  store: Pick<ArticleStore, 'currentRevision'>;
  cache: ResponseCache;
  catalog: () => Catalog;
  records: FrontDoorRecords;
  metrics?: Metrics | undefined;
  now?: (() => Date) | undefined;
}

/**
 * A request listener: the front door first, Express (`app`) for everything it does not answer. The
 * method and record checks are synchronous, so a request with no record reaches Express at once.
 */
export function withFrontDoor(deps: FrontDoorDeps, app: RequestListener): RequestListener {
  const nowMs = deps.now ? () => deps.now!().getTime() : Date.now;
  return (req, res) => {
    // A browser's request (Accept names text/html) may get a feed under another type: Express decides.
    const record = (req.method === 'GET' || req.method === 'HEAD') && !mayWantStyledFeed(req.headers.accept) ? deps.records.lookup(req) : undefined;
    if (!record) {
      app(req, res);
      return;
    }
    const started = deps.metrics ? process.hrtime.bigint() : 0n;
    deps.store.currentRevision().then(
      (revision) => {
        if (!answer(deps, record, revision, nowMs(), req, res)) return app(req, res);
        if (deps.metrics) deps.metrics.observeRequest(record.route, req.method!, res.statusCode, Number(process.hrtime.bigint() - started) / 1e9);
      },
      // The store could not say its revision: Express asks again and reports the error its way.
      () => app(req, res),
    );
  };
}

/**
 * The request headers an answer depends on besides the URL and Origin (see precheck, isFresh,
 * sendEntry): the coding it gets and whether it is a 304. HEAD differs from GET by the body alone.
 */
function answerKey(req: IncomingMessage): string {
  const h = req.headers;
  return `${h['accept-encoding'] ?? ''}\n${h['if-none-match'] ?? ''}\n${h['if-modified-since'] ?? ''}\n${h['cache-control'] ?? ''}`;
}

/** Sends the cached answer and returns true, or returns false having written nothing. */
function answer(deps: FrontDoorDeps, record: StoredRecord, revision: number, nowMs: number, req: IncomingMessage, res: ServerResponse): boolean {
  const current = record.revision === revision
    && record.catalog === deps.catalog()
    && (record.minute === undefined || record.minute === Math.floor(nowMs / 60_000));
  if (!current) {
    deps.records.forget(req);
    return false;
  }
  const entry = deps.cache.get(record.cacheKey);
  // Evicted, or a coding not compressed yet: Express fills it (and records again).
  if (!entry) return false;
  const key = answerKey(req);
  const known = record.answers.get(key);
  if (known && known.entry === entry) {
    res.writeHead(known.status, known.headers);
    if (known.payload && req.method !== 'HEAD') res.end(known.payload);
    else res.end();
    return true;
  }
  if (missingForm(entry, req.headers['accept-encoding'])) return false;
  for (const [name, value] of record.preamble) res.setHeader(name, value);
  const { etag, lastModified } = record.validators;
  const notModified = precheck(req, res, etag, lastModified, record.policy, entry);
  const payload = notModified ? undefined : sendEntry(req, res, entry);
  if (record.answers.size >= MAX_ANSWERS_PER_RECORD) record.answers.clear();
  record.answers.set(key, { entry, status: res.statusCode, headers: flatHeaders(res), payload });
  return true;
}

/** The headers `res` was sent with, raw names in order, flat: [name, value, name, value, …]. */
function flatHeaders(res: ServerResponse): HeaderValue[] {
  return headerSnapshot(res).flatMap(([name, value]) => [name, value]);
}
