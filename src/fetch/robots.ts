// robots.txt for the article pages Tidings fetches for full text: one fetch per origin, remembered for
// a while, read by robots-parser with our product token (`Tidings`), with its Crawl-delay (capped).
// Feeds themselves are not checked: a feed is published to be polled.

import robotsModule from 'robots-parser';
import { SingleFlight } from '../concurrency.ts';
import { describeError } from '../errors.ts';
import { FetchError, fetchFeed, type FetchOptions } from './remote.ts';

export type RobotsVerdict =
  /** `crawlDelayMs`: the pause the site asks for between two requests (Crawl-delay, at most MAX_CRAWL_DELAY_S). */
  | { kind: 'allowed'; crawlDelayMs?: number }
  | { kind: 'disallowed' }
  /** robots.txt could not be read (5xx, network, timeout): RFC 9309 §2.3.1.4 says assume disallowed, for now. */
  | { kind: 'unreachable'; error: string };

export interface RobotsCache {
  /** `fetchOptions`: those of the page fetch, address rules included (robots.txt obeys them too). */
  check(url: string, fetchOptions: FetchOptions): Promise<RobotsVerdict>;
}

export interface RobotsOptions {
  /** How long a robots.txt that was read (or answered 4xx) is trusted: 1 h (RFC 9309 allows up to 24 h). */
  ttlMs?: number;
  /** How long an unreachable robots.txt counts as disallowing before it is asked again: 10 min. */
  unreachableTtlMs?: number;
  /** Origins remembered at most; the oldest are forgotten first. */
  maxOrigins?: number;
  now?: () => number;
}

// robots-parser is CommonJS typed as an ES default export: the default import is the function itself.
const robotsParser = robotsModule as unknown as typeof robotsModule.default;

type Rules = { kind: 'rules'; allows: (url: string) => boolean; crawlDelayMs?: number } | { kind: 'unreachable'; error: string };

const ROBOTS_MAX_BYTES = 512 * 1024;
/**
 * The longest Crawl-delay honoured, in seconds. Crawl-delay is not in RFC 9309; a site that asks for
 * an hour would make its pages unreachable for full text, so a longer one counts as this (a page a
 * minute, still far gentler than a reader's browser).
 */
export const MAX_CRAWL_DELAY_S = 60;

export function createRobotsCache(options: RobotsOptions = {}): RobotsCache {
  const now = options.now ?? Date.now;
  const ttlMs = options.ttlMs ?? 60 * 60_000;
  const unreachableTtlMs = options.unreachableTtlMs ?? 10 * 60_000;
  const maxOrigins = options.maxOrigins ?? 1000;
  const known = new Map<string, { rules: Rules; until: number }>();
  const inFlight = new SingleFlight<Rules>();

  const rulesFor = async (origin: string, fetchOptions: FetchOptions): Promise<Rules> => {
    // Whether private addresses were allowed is part of the answer: a refusal must not be reused for a
    // private source, nor a private origin's rules for a public one.
    const key = `${fetchOptions.publicOnly === true}:${origin}`;
    const cached = known.get(key);
    if (cached && cached.until > now()) return cached.rules;
    return inFlight.run(key, async () => {
      const rules = await readRobots(origin, productToken(fetchOptions.userAgent), fetchOptions);
      known.delete(key);
      if (known.size >= maxOrigins) known.delete(known.keys().next().value as string);
      known.set(key, { rules, until: now() + (rules.kind === 'rules' ? ttlMs : unreachableTtlMs) });
      return rules;
    });
  };

  return {
    async check(url, fetchOptions) {
      const rules = await rulesFor(new URL(url).origin, fetchOptions);
      if (rules.kind === 'unreachable') return rules;
      if (!rules.allows(url)) return { kind: 'disallowed' };
      return rules.crawlDelayMs ? { kind: 'allowed', crawlDelayMs: rules.crawlDelayMs } : { kind: 'allowed' };
    },
  };
}

/** `Tidings/0.1.0 (+https://…)` → `Tidings`: robots.txt groups name the product, not the version. */
function productToken(userAgent: string): string {
  return /^[^/\s]+/.exec(userAgent)?.[0] ?? userAgent;
}

async function readRobots(origin: string, token: string, fetchOptions: FetchOptions): Promise<Rules> {
  const url = `${origin}/robots.txt`;
  try {
    const fetched = await fetchFeed(url, {
      ...fetchOptions,
      accept: 'text/plain, */*;q=0.5',
      maxBytes: Math.min(fetchOptions.maxBytes ?? ROBOTS_MAX_BYTES, ROBOTS_MAX_BYTES),
    });
    if (fetched.kind === 'not-modified') return { kind: 'rules', allows: () => true };
    const robot = robotsParser(url, fetched.text);
    // robots-parser answers undefined for a URL of another origin; ours are always of this one.
    const allows = (page: string) => robot.isAllowed(page, token) !== false;
    const delay = robot.getCrawlDelay(token);
    if (delay === undefined || !Number.isFinite(delay) || delay <= 0) return { kind: 'rules', allows };
    return { kind: 'rules', allows, crawlDelayMs: Math.min(delay, MAX_CRAWL_DELAY_S) * 1000 };
  } catch (err) {
    // 4xx: there are no rules, everything is allowed (RFC 9309 §2.3.1.3); 5xx and network errors not.
    if (err instanceof FetchError && err.status !== undefined && err.status >= 400 && err.status < 500) {
      return { kind: 'rules', allows: () => true };
    }
    return { kind: 'unreachable', error: `robots.txt unreachable: ${describeError(err)}` };
  }
}
