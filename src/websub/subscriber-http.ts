// The hub's two requests to a subscriber — the intent verification (§5.3: a GET with a challenge) and
// the content distribution (§7: a POST) — each under its own timeout, through an agent that refuses
// non-public addresses at connect time (unless private callbacks are allowed), never following a
// redirect.

import { createHmac, randomBytes } from 'node:crypto';
import { fetch, request, type Agent } from 'undici';
import { describeError, TidingsError } from '../errors.ts';
import { readUpTo } from '../fetch/body.ts';
import { createGuardedAgent, NonPublicAddressError, type NetworkOptions } from '../fetch/guarded-agent.ts';
import type { SubscriptionRequest } from './request-check.ts';

/** A challenge echo is a few dozen bytes; a callback that answers with more is not echoing it. */
const MAX_VERIFY_BODY_BYTES = 4_096;
const REFUSED = 'callback host resolves to a non-public address';

export type VerifyOutcome =
  | { kind: 'confirmed' }
  | { kind: 'not-2xx'; status: number }
  | { kind: 'wrong-echo' }
  | { kind: 'unreachable'; reason: string };

export type PostOutcome =
  | { kind: 'ok' }
  | { kind: 'gone' }
  /** The address is not one the hub may call: retrying the same name would only be refused again. */
  | { kind: 'refused'; reason: string }
  | { kind: 'failed'; reason: string };

/** A feed rendered once per change: every subscriber's POST reads these same bytes. */
export interface SharedContent {
  body: Buffer;
  contentType: string;
}

export interface SubscriberClientOptions {
  allowPrivate: boolean;
  network?: NetworkOptions;
  timeoutMs: number;
  userAgent?: string;
  /** Aborts every request in flight when the hub closes. */
  closing: AbortSignal;
}

export interface SubscriberClient {
  verify(request: SubscriptionRequest): Promise<VerifyOutcome>;
  post(callback: string, content: SharedContent, headers: Record<string, string>, secret?: string): Promise<PostOutcome>;
  close(): Promise<void>;
}

export function createSubscriberClient(opts: SubscriberClientOptions): SubscriberClient {
  const agent: Agent = createGuardedAgent(opts.allowPrivate ? 'any' : 'public', { ...opts.network, connectTimeoutMs: opts.timeoutMs });
  const signal = (): AbortSignal => AbortSignal.any([AbortSignal.timeout(opts.timeoutMs), opts.closing]);
  const userAgent: Record<string, string> = opts.userAgent === undefined ? {} : { 'User-Agent': opts.userAgent };

  /** `fetch: <callback>: timeout after 10000 ms` rather than undici's bare "fetch failed". */
  const describeFailure = (callback: string, err: unknown): string => {
    let reason: string;
    if (err instanceof DOMException && err.name === 'TimeoutError') reason = `timeout after ${opts.timeoutMs} ms`;
    else if (err instanceof DOMException && err.name === 'AbortError') reason = 'hub closing';
    else if (err instanceof Error && err.cause !== undefined) reason = `${err.message}: ${describeError(err.cause)}`;
    else reason = describeError(err);
    return new TidingsError('fetch', callback, reason).message;
  };
  const refused = (err: unknown): boolean => err instanceof NonPublicAddressError || (err instanceof Error && err.cause instanceof NonPublicAddressError);

  return {
    async verify(req) {
      const challenge = randomBytes(24).toString('base64url');
      const url = new URL(req.callback);
      // The callback's own query parameters stay (§5.3); ours are appended.
      url.searchParams.append('hub.mode', req.mode);
      url.searchParams.append('hub.topic', req.topicUrl);
      url.searchParams.append('hub.challenge', challenge);
      if (req.mode === 'subscribe') url.searchParams.append('hub.lease_seconds', String(req.leaseSeconds));
      try {
        const res = await fetch(url, { headers: userAgent, redirect: 'manual', signal: signal(), dispatcher: agent });
        if (res.status < 200 || res.status > 299) {
          await res.body?.cancel();
          return { kind: 'not-2xx', status: res.status };
        }
        const answer = await readUpTo(res, MAX_VERIFY_BODY_BYTES);
        return answer !== undefined && Buffer.from(answer).toString('utf8') === challenge ? { kind: 'confirmed' } : { kind: 'wrong-echo' };
      } catch (err) {
        return { kind: 'unreachable', reason: refused(err) ? new TidingsError('fetch', req.callback, REFUSED).message : describeFailure(req.callback, err) };
      }
    },

    async post(callback, content, headers, secret) {
      if (opts.closing.aborted) return { kind: 'failed', reason: 'hub closing' };
      const all: Record<string, string> = { ...userAgent, ...headers, 'Content-Type': content.contentType };
      if (secret !== undefined) all['X-Hub-Signature'] = `sha256=${createHmac('sha256', secret).update(content.body).digest('hex')}`;
      try {
        // undici's request sends the shared Buffer as it is (fetch would copy it per request); it never
        // follows a redirect, which for a POST would turn into a GET anyway.
        const res = await request(callback, { method: 'POST', body: content.body, headers: all, signal: signal(), dispatcher: agent });
        await res.body.dump();
        if (res.statusCode >= 200 && res.statusCode <= 299) return { kind: 'ok' };
        if (res.statusCode === 410) return { kind: 'gone' };
        return { kind: 'failed', reason: new TidingsError('fetch', callback, `HTTP ${res.statusCode}`).message };
      } catch (err) {
        if (refused(err)) return { kind: 'refused', reason: new TidingsError('fetch', callback, REFUSED).message };
        return { kind: 'failed', reason: describeFailure(callback, err) };
      }
    },

    close: () => agent.destroy(),
  };
}
