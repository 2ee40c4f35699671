// HTTP for remote feeds: one conditional GET with redirects followed by hand (counted, http(s) only,
// permanence tracked, never from a public address into a private one), Basic auth from `user:pass@`,
// time and size limits, the body decoded once by charset.ts, and every failure thrown as a FetchError
// that says what the scheduler needs (status, Retry-After, gone).

import { TidingsError } from '../errors.ts';
import type { AddressPolicy } from './addresses.ts';
import { decodeFeedBody, type DecodedBody } from './charset.ts';
import { type Agent, fetch, type Response } from 'undici';
import { readUpTo } from './body.ts';
import { keepCredentials, passwordMaskedForLogs, takeCredentials } from './credentials.ts';
import { createGuardedAgent, NonPublicAddressError, resolvesPrivately, type NetworkOptions } from './guarded-agent.ts';

/** What the response says about how long its content stays fresh; the scheduler polls no sooner. */
export interface CacheHints {
  /** Cache-Control max-age, less the Age the response already has. */
  maxAgeSeconds?: number;
  /** Expires, shifted by the difference between our clock and the server's Date header. */
  expires?: Date;
  retryAfter?: Date;
}

export interface FetchOptions {
  /** Validators from the previous poll, sent as If-None-Match / If-Modified-Since. */
  etag?: string;
  lastModified?: string;
  /** The whole User-Agent header; see userAgent(). */
  userAgent: string;
  /**
   * Time allowed for each request until its response headers arrive: DNS, connect, TLS and the
   * server's first byte together (default 10 s). Node's built-in fetch has no separate connect
   * timeout without the undici package; its own dispatcher already gives up connecting after 10 s.
   */
  headersTimeoutMs?: number;
  /** Time to establish the TCP (and TLS) connection. */
  connectTimeoutMs?: number;
  /** Time allowed for everything: every redirect hop and the whole body (default 30 s). */
  totalTimeoutMs?: number;
  /** Largest body accepted, counted after decompression (default 10 MB). */
  maxBytes?: number;
  /** Redirects followed before giving up (default 5). */
  maxRedirects?: number;
  /** Name resolution and address rules (tests inject a resolver); default: the system's. */
  network?: NetworkOptions;
  /** The Accept header (default: feed types); article pages ask for HTML. */
  accept?: string;
  /** Bytes → text (default: decodeFeedBody); article pages use decodeHtmlBody. */
  decode?: (bytes: Uint8Array, contentType: string | undefined) => DecodedBody;
  /**
   * Public addresses only, on every hop, whatever the URL's own host resolves to: for URLs a public
   * feed hands us (its items' links), which must not reach our private network.
   */
  publicOnly?: boolean;
}

export const FETCH_DEFAULTS = {
  headersTimeoutMs: 10_000,
  connectTimeoutMs: 10_000,
  totalTimeoutMs: 30_000,
  maxBytes: 10 * 1024 * 1024,
  maxRedirects: 5,
} as const;

export type FetchOutcome =
  | { kind: 'not-modified'; url: string; finalUrl: string; cacheHints: CacheHints }
  | {
      kind: 'ok';
      url: string;
      finalUrl: string;
      /** The final URL, when every redirect hop was permanent (301/308): poll it from now on. */
      permanentRedirect?: string;
      status: number;
      text: string;
      /** The character set the body was decoded from (see charset.ts); `text` is already Unicode. */
      charset: string;
      contentType?: string;
      /** Content-Location made absolute against finalUrl (http(s) only): the body's own base URL. */
      contentLocation?: string;
      etag?: string;
      lastModified?: string;
      cacheHints: CacheHints;
    };

/** A fetch that failed: a network error, a limit, or an HTTP status the caller must act on. */
export class FetchError extends TidingsError {
  /** The HTTP status, when the server answered. */
  readonly status?: number;
  /** From Retry-After on 429 and 503: do not ask again before. */
  readonly retryAfter?: Date;
  /** 410 Gone: the feed is not coming back. */
  readonly gone: boolean;

  constructor(
    url: string,
    message: string,
    details: { status?: number; retryAfter?: Date; gone?: boolean; cause?: unknown } = {},
  ) {
    super('fetch', url, message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'FetchError';
    this.status = details.status;
    this.retryAfter = details.retryAfter;
    this.gone = details.gone ?? false;
  }
}

/** The User-Agent Tidings sends: `Tidings/0.1.0 (+https://example.org/)`. */
export function userAgent(version: string, siteUrl: string): string {
  return `Tidings/${version} (+${siteUrl})`;
}

const ACCEPT =
  'application/rss+xml, application/atom+xml, application/feed+json, application/xml;q=0.9, ' +
  'text/xml;q=0.9, application/json;q=0.8, */*;q=0.5';

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
const PERMANENT_STATUSES = new Set([301, 308]);

/** Fetches one feed. Resolves with the decoded body or not-modified; every failure is a FetchError. */
export async function fetchFeed(url: string, opts: FetchOptions): Promise<FetchOutcome> {
  const limits = {
    headersTimeoutMs: opts.headersTimeoutMs ?? FETCH_DEFAULTS.headersTimeoutMs,
    connectTimeoutMs: opts.connectTimeoutMs ?? FETCH_DEFAULTS.connectTimeoutMs,
    totalTimeoutMs: opts.totalTimeoutMs ?? FETCH_DEFAULTS.totalTimeoutMs,
    maxBytes: opts.maxBytes ?? FETCH_DEFAULTS.maxBytes,
    maxRedirects: opts.maxRedirects ?? FETCH_DEFAULTS.maxRedirects,
  };
  // A controller rather than AbortSignal.timeout so the timer is cleared as soon as we are done.
  const total = new AbortController();
  const totalTimer = setTimeout(() => total.abort(), limits.totalTimeoutMs);
  // Errors and logs name the URL without its password.
  const label = passwordMaskedForLogs(url);
  try {
    return await fetchWithin(url, label, opts, limits, total.signal);
  } catch (err) {
    if (err instanceof FetchError) throw err;
    if (total.signal.aborted) {
      throw new FetchError(label, `timeout after ${limits.totalTimeoutMs} ms`, { cause: err });
    }
    throw new FetchError(label, `network error: ${networkReason(err)}`, { cause: err });
  } finally {
    clearTimeout(totalTimer);
  }
}

type Limits = Required<Omit<FetchOptions, 'etag' | 'lastModified' | 'userAgent' | 'network' | 'accept' | 'decode' | 'publicOnly'>>;

/** The hop being requested: the address policy its connection must pass, and whether it is a redirect. */
interface Hop {
  target: URL;
  policy: AddressPolicy;
  redirected: boolean;
}

async function fetchWithin(url: string, label: string, opts: FetchOptions, limits: Limits, total: AbortSignal): Promise<FetchOutcome> {
  const baseHeaders: Record<string, string> = {
    'user-agent': opts.userAgent,
    accept: opts.accept ?? ACCEPT,
    // Undici decodes these itself; saying so explicitly keeps br on every Node version.
    'accept-encoding': 'gzip, deflate, br',
  };
  if (opts.etag) baseHeaders['if-none-match'] = opts.etag;
  if (opts.lastModified) baseHeaders['if-modified-since'] = opts.lastModified;

  const configured = httpUrl(label, url, 'unsupported URL');
  const credentials = takeCredentials(configured);
  const policies = opts.publicOnly ? { first: 'public' as const, redirects: 'public' as const } : await hopPolicies(configured, opts.network);
  const headersFor = (target: URL): Record<string, string> =>
    // Credentials go to the origin they were given for, never across a redirect to another one.
    credentials && target.origin === configured.origin ? { ...baseHeaders, authorization: credentials } : baseHeaders;

  let current = configured;
  const visited = new Set([current.href]);
  let allPermanent = true;
  let hops = 0;
  let res = await requestHeaders(label, { target: current, policy: policies.first, redirected: false }, headersFor(current), total, limits, opts.network);
  while (REDIRECT_STATUSES.has(res.status)) {
    const location = res.headers.get('location');
    await res.body?.cancel();
    if (!location) throw new FetchError(label, `HTTP ${res.status} without a Location header`, { status: res.status });
    if (hops >= limits.maxRedirects) {
      throw new FetchError(label, `too many redirects (more than ${limits.maxRedirects})`, { status: res.status });
    }
    const next = httpUrl(label, location, 'redirect to unsupported URL', current);
    // A Location's own user:pass@ is neither sent nor followed with: only the operator's are used.
    takeCredentials(next);
    if (visited.has(next.href)) throw new FetchError(label, `redirect loop at ${next.href}`, { status: res.status });
    visited.add(next.href);
    allPermanent &&= PERMANENT_STATUSES.has(res.status);
    hops += 1;
    current = next;
    res = await requestHeaders(label, { target: current, policy: policies.redirects, redirected: true }, headersFor(current), total, limits, opts.network);
  }

  const finalUrl = current.href;
  const now = new Date();
  if (res.status === 304) {
    await res.body?.cancel();
    return { kind: 'not-modified', url, finalUrl, cacheHints: cacheHintsFrom(res.headers, now) };
  }
  if (res.status < 200 || res.status > 299) {
    await res.body?.cancel();
    throw statusError(label, hops > 0 ? finalUrl : undefined, res, now);
  }

  const bytes = await readCapped(label, res, limits.maxBytes);
  const contentType = res.headers.get('content-type') ?? undefined;
  const decoded = (opts.decode ?? decodeFeedBody)(bytes, contentType);
  return {
    kind: 'ok',
    url,
    finalUrl,
    permanentRedirect: hops > 0 && allPermanent ? keepCredentials(current, configured, url) : undefined,
    status: res.status,
    text: decoded.text,
    charset: decoded.charset,
    contentType,
    contentLocation: contentLocation(res.headers.get('content-location'), finalUrl),
    etag: res.headers.get('etag') ?? undefined,
    lastModified: res.headers.get('last-modified') ?? undefined,
    cacheHints: cacheHintsFrom(res.headers, now),
  };
}

function contentLocation(value: string | null, finalUrl: string): string | undefined {
  if (!value?.trim() || !URL.canParse(value.trim(), finalUrl)) return undefined;
  const u = new URL(value.trim(), finalUrl);
  return u.protocol === 'http:' || u.protocol === 'https:' ? u.href : undefined;
}

function httpUrl(url: string, target: string, problem: string, base?: URL): URL {
  let parsed: URL;
  try {
    parsed = new URL(target, base);
  } catch (err) {
    throw new FetchError(url, `${problem} "${passwordMaskedForLogs(target)}"`, { cause: err });
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new FetchError(url, `${problem} "${passwordMaskedForLogs(parsed.href)}": only http and https are fetched`);
  }
  return parsed;
}

/**
 * Sources may be private on purpose (an intranet feed), so the configured URL decides: a source whose
 * host is private may redirect within private networks but never to link-local or other special
 * addresses (the cloud metadata service); a public source reaches public addresses only, on every hop
 * — checked on the address connected to, so a rebinding name cannot turn a hop private either.
 */
async function hopPolicies(configured: URL, network: NetworkOptions | undefined): Promise<{ first: AddressPolicy; redirects: AddressPolicy }> {
  return (await resolvesPrivately(configured.hostname, network))
    ? { first: 'any', redirects: 'intranet' }
    : { first: 'public', redirects: 'public' };
}

/**
 * undici's own fetch, because Node's built-in one takes no connect timeout: one Agent per policy and
 * timeout (in practice three), so connections are pooled and kept alive across polls. Injected
 * network options (tests) get agents of their own.
 */
const defaultAgents = new Map<string, Agent>();
const injectedAgents = new WeakMap<NetworkOptions, Map<string, Agent>>();
function agentFor(policy: AddressPolicy, connectTimeoutMs: number, network: NetworkOptions | undefined): Agent {
  const key = `${policy}:${connectTimeoutMs}`;
  let agents = defaultAgents;
  if (network) {
    agents = injectedAgents.get(network) ?? new Map<string, Agent>();
    injectedAgents.set(network, agents);
  }
  let agent = agents.get(key);
  if (!agent) {
    agent = createGuardedAgent(policy, { ...network, connectTimeoutMs });
    agents.set(key, agent);
  }
  return agent;
}

/** Why a hop's address was refused, in the words of the policy it broke. */
const REFUSAL_REASONS: Record<AddressPolicy, string> = {
  any: '',
  public: 'a source on a public address may not reach a private or link-local one, by redirect or by rebinding',
  intranet: 'a source may not redirect to a link-local or reserved address such as the cloud metadata service',
};

/** One request, resolved when its headers arrive; the body stays under the total signal only. */
async function requestHeaders(
  url: string,
  hop: Hop,
  headers: Record<string, string>,
  total: AbortSignal,
  limits: Pick<Limits, 'headersTimeoutMs' | 'connectTimeoutMs'>,
  network: NetworkOptions | undefined,
): Promise<Response> {
  const { target } = hop;
  const headersTimer = new AbortController();
  const timer = setTimeout(() => headersTimer.abort(), limits.headersTimeoutMs);
  try {
    return await fetch(target, {
      headers,
      redirect: 'manual',
      signal: AbortSignal.any([total, headersTimer.signal]),
      dispatcher: agentFor(hop.policy, limits.connectTimeoutMs, network),
    });
  } catch (err) {
    if (headersTimer.signal.aborted && !total.aborted) {
      throw new FetchError(url, `no response headers from ${target.href} within ${limits.headersTimeoutMs} ms`, { cause: err });
    }
    if (connectTimedOut(err)) {
      throw new FetchError(url, `no connection to ${target.host} within ${limits.connectTimeoutMs} ms`, { cause: err });
    }
    if (err instanceof Error && err.cause instanceof NonPublicAddressError) {
      const what = hop.redirected ? `redirect to ${target.href} refused` : `${target.href} refused`;
      throw new FetchError(url, `${what}: ${err.cause.message} (${REFUSAL_REASONS[hop.policy]})`, { cause: err });
    }
    throw err;
  } finally {
    clearTimeout(timer);
  }
}

function connectTimedOut(err: unknown): boolean {
  const cause = err instanceof Error ? err.cause : undefined;
  return typeof cause === 'object' && cause !== null && 'code' in cause && cause.code === 'UND_ERR_CONNECT_TIMEOUT';
}

/** `redirectedTo`: the final URL when it differs from the configured one. */
function statusError(url: string, redirectedTo: string | undefined, res: Response, now: Date): FetchError {
  const at = redirectedTo === undefined ? '' : ` at ${redirectedTo}`;
  if (res.status === 410) return new FetchError(url, `HTTP 410 Gone${at}`, { status: 410, gone: true });
  if (res.status === 429 || res.status === 503) {
    const retryAfter = parseRetryAfter(res.headers.get('retry-after'), now);
    const until = retryAfter ? ` (retry after ${retryAfter.toISOString()})` : '';
    return new FetchError(url, `HTTP ${res.status}${at}${until}`, { status: res.status, retryAfter });
  }
  return new FetchError(url, `HTTP ${res.status}${at}`, { status: res.status });
}

/**
 * Reads the body, decoded (undici undoes gzip, deflate and br), and stops at maxBytes: the count is
 * of decoded bytes, so a small compressed bomb is cut off as early as an endless plain body.
 */
async function readCapped(url: string, res: Response, maxBytes: number): Promise<Uint8Array> {
  const tooLarge = (): FetchError => new FetchError(url, `response exceeds ${maxBytes} bytes`);
  const declared = Number(res.headers.get('content-length') ?? Number.NaN);
  if (!res.headers.has('content-encoding') && declared > maxBytes) {
    await res.body?.cancel();
    throw tooLarge();
  }
  const bytes = await readUpTo(res, maxBytes);
  if (bytes === undefined) throw tooLarge();
  return bytes;
}

/** Retry-After as delay-seconds or an HTTP date; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null | undefined, now: Date): Date | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return new Date(now.getTime() + Number(trimmed) * 1000);
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? undefined : new Date(at);
}

/** Freshness the server claims for this response (RFC 9111: max-age wins over Expires). */
export function cacheHintsFrom(headers: Headers, now: Date): CacheHints {
  const hints: CacheHints = {};
  const maxAge = /(?:^|,)\s*max-age\s*=\s*"?(\d+)"?/i.exec(headers.get('cache-control') ?? '')?.[1];
  if (maxAge !== undefined) {
    const age = Number(headers.get('age') ?? 0);
    hints.maxAgeSeconds = Math.max(0, Number(maxAge) - (Number.isFinite(age) ? age : 0));
  } else {
    const expires = Date.parse(headers.get('expires') ?? '');
    if (!Number.isNaN(expires)) {
      // Expires is on the server's clock; its Date header tells how far that clock is from ours.
      const serverNow = Date.parse(headers.get('date') ?? '');
      const at = Number.isNaN(serverNow) ? expires : now.getTime() + (expires - serverNow);
      if (at > now.getTime()) hints.expires = new Date(at);
    }
  }
  const retryAfter = parseRetryAfter(headers.get('retry-after'), now);
  if (retryAfter) hints.retryAfter = retryAfter;
  return hints;
}

function networkReason(err: unknown): string {
  // Undici reports `TypeError: fetch failed` and keeps the reason (ECONNREFUSED…) in `cause`.
  const cause = err instanceof Error ? err.cause : undefined;
  if (cause instanceof Error) {
    const code = (cause as NodeJS.ErrnoException).code;
    return code ? `${code} ${cause.message}` : cause.message;
  }
  return err instanceof Error ? err.message : String(err);
}
