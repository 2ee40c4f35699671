// What a stranger can cost: per-client rate limits on work that is not already cached (cache misses,
// searches, POST /websub), answered 429 + Retry-After, and the overload bound that sheds misses with
// 503 + Retry-After before their queue, and so their latency, grows without end.

import type { Request, RequestHandler, Response } from 'express';
import { ipKeyGenerator, rateLimit, type RateLimitRequestHandler } from 'express-rate-limit';
import { createLimiter, LimiterBusyError } from '../concurrency.ts';
import type { SiteInfo } from '../render/site-shell.ts';
import { sendRefusal } from './problems.ts';

export interface RequestLimits {
  /** Express's `trust proxy`: which hops' X-Forwarded-For may name the client. */
  trustProxy: boolean | number | string;
  /** Per client and minute. */
  missesPerMinute: number;
  searchesPerMinute: number;
  websubPerMinute: number;
  /** Misses rendering or waiting at once; one more is answered 503. */
  maxPendingMisses: number;
  /** Bytes of article text (title, summary, body) one feed page may carry. */
  maxPageBytes: number;
}

export const DEFAULT_LIMITS: RequestLimits = {
  trustProxy: false,
  missesPerMinute: 300,
  searchesPerMinute: 60,
  websubPerMinute: 20,
  maxPendingMisses: 64,
  maxPageBytes: 8 * 1024 * 1024,
};

/** The limits in force: each setting given, else its default. */
export function requestLimits(settings: { limits?: Partial<RequestLimits> | undefined }): RequestLimits {
  return { ...DEFAULT_LIMITS, ...settings.limits };
}

/** Renders that run at once: two cores; more would only interleave them and lengthen each. */
const RENDERS_AT_ONCE = 4;
/** What a shed request is told: a miss queue drains in well under this. */
const BUSY_RETRY_SECONDS = 5;
const WINDOW_MS = 60_000;

export interface MissGate {
  /**
   * Counts a request that became a cache miss against its client's limits (and, with a `q`, the search
   * limit too). Returns false when the client is over a limit: the 429 has then been sent. A request
   * is counted once however many steps ask (a search's version read, then its render). `page`: the
   * request is for a page of this site, so a browser is refused with a page (see sendRefusal).
   */
  admit(req: Request, res: Response, search: boolean, page?: SiteInfo): Promise<boolean>;
  /** Runs a miss's render inside the overload bound; throws LimiterBusyError when the bound is full. */
  render<T>(work: () => Promise<T>): Promise<T>;
}

export function createMissGate(limits: RequestLimits): MissGate {
  // The limiters' refusals are sent from inside express-rate-limit: they look up the page there.
  const pages = new WeakMap<Request, SiteInfo>();
  const pageOf = (req: Request): SiteInfo | undefined => pages.get(req);
  const misses = limiter(limits.missesPerMinute, 'cache misses', pageOf);
  const searches = limiter(limits.searchesPerMinute, 'searches', pageOf);
  const pool = createLimiter(RENDERS_AT_ONCE, { maxQueued: Math.max(0, limits.maxPendingMisses - RENDERS_AT_ONCE) });
  const admitted = new WeakSet<Request>();
  return {
    async admit(req, res, search, page) {
      if (admitted.has(req)) return true;
      if (page) pages.set(req, page);
      if (!(await passes(misses, req, res))) return false;
      if (search && !(await passes(searches, req, res))) return false;
      admitted.add(req);
      return true;
    },
    render: (work) => pool.run(work),
  };
}

/**
 * Runs `work` as a miss: charged to the client (and to its search limit when `search`), then inside the
 * overload bound. Undefined when the request was refused; its 429 or 503 has then been sent (as a page
 * of this site to a browser when `page` is given).
 */
export async function runAsMiss<T>(
  gate: MissGate, req: Request, res: Response, search: boolean, work: () => Promise<T>, page?: SiteInfo,
): Promise<T | undefined> {
  if (!(await gate.admit(req, res, search, page))) return undefined;
  try {
    return await gate.render(work);
  } catch (err) {
    if (!isBusy(err)) throw err;
    sendBusy(res, page && { req, site: page });
    return undefined;
  }
}

/** POST /websub's own limit: each accepted request makes the hub call someone. */
export function websubRateLimit(limits: RequestLimits): RequestHandler {
  return limiter(limits.websubPerMinute, 'WebSub requests');
}

/** The 503 of a shed miss: the client retries shortly; nothing about it was wrong. `page`: see runAsMiss. */
export function sendBusy(res: Response, page?: { req: Request; site: SiteInfo }): void {
  refuseCaching(res);
  res.setHeader('Retry-After', String(BUSY_RETRY_SECONDS));
  sendRefusal(res, { kind: 'busy', message: `the server is busy; retry in ${BUSY_RETRY_SECONDS} s`, retryAfterSeconds: BUSY_RETRY_SECONDS },
    page?.req, page?.site);
}

export function isBusy(err: unknown): boolean {
  return err instanceof LimiterBusyError;
}

/**
 * The library's ipKeyGenerator (an IPv6 client counts by its /56, an IPv4-mapped address as IPv4),
 * remembered per address: the library parses every request's address anew with a full IPv6 parser,
 * about a tenth of what the serving thread allocated per cache miss (heap sampling). Bounded: a flood
 * of addresses starts it afresh.
 */
export function rememberedIpKeys(maxAddresses = 4096): (address: string) => string {
  let keys = new Map<string, string>();
  return (address) => {
    let key = keys.get(address);
    if (key === undefined) {
      key = ipKeyGenerator(address);
      if (keys.size >= maxAddresses) keys = new Map();
      keys.set(address, key);
    }
    return key;
  };
}

/** `pageOf`: the page a refused request was for, if any (see MissGate.admit). */
function limiter(perMinute: number, what: string, pageOf: (req: Request) => SiteInfo | undefined = () => undefined): RateLimitRequestHandler {
  const ipKeyGeneratorRemembered = rememberedIpKeys();
  return rateLimit({
    windowMs: WINDOW_MS,
    limit: perMinute,
    // Retry-After on every 429 (set by the library when either header family is on) plus RateLimit-*.
    standardHeaders: 'draft-7',
    legacyHeaders: false,
    // X-Forwarded-For without TRUST_PROXY is expected (a proxy the operator did not declare): the peer
    // address is the key then, which is what the setting says; no need for the library's warning.
    validate: { xForwardedForHeader: false },
    // (The library checks a custom key's source for its ipKeyGenerator: this one is it, remembered.)
    keyGenerator: (req) => ipKeyGeneratorRemembered(req.ip ?? req.socket.remoteAddress ?? ''),
    handler: (req, res) => {
      refuseCaching(res);
      const retry = Number(res.getHeader('Retry-After') ?? WINDOW_MS / 1000);
      const page = pageOf(req);
      sendRefusal(res, {
        kind: 'rate-limited',
        message: `too many ${what} from this address (at most ${perMinute} a minute); retry in ${retry} s`,
        retryAfterSeconds: retry,
      }, page && req, page);
    },
  });
}

/** Runs one rate limiter as a function: true when the request may go on, false when it answered 429. */
async function passes(handler: RateLimitRequestHandler, req: Request, res: Response): Promise<boolean> {
  let passed = false;
  await handler(req, res, () => {
    passed = true;
  });
  return passed;
}

/** A refusal must not be stored in the place of the feed: the validators a 200 would carry are removed. */
function refuseCaching(res: Response): void {
  res.removeHeader('ETag');
  res.removeHeader('Last-Modified');
  res.setHeader('Cache-Control', 'no-store');
}
