// The built-in WebSub hub (W3C Recommendation, 2018): checks subscription requests, verifies the
// subscriber's intent with a challenge, and POSTs a subscribed feed to its subscribers, signed, when its
// content changes. Knows nothing of Express or renderers: the store and a topic resolver are handed in.

import { createHmac, randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { describeError, TidingsError } from '../errors.ts';
import { readUpTo } from '../fetch/body.ts';
import { refuseSpecialAddress } from './callback-guard.ts';
import type { Logger } from '../log.ts';
import type { ArticleQuery } from '../model.ts';
import type { Rendered } from '../render/types.ts';
import type { ArticleStore, Subscription } from '../store/store.ts';

export const DEFAULT_LEASE_SECONDS = 10 * 86_400;
export const MIN_LEASE_SECONDS = 3_600;
export const MAX_LEASE_SECONDS = 30 * 86_400;
/** §5.1: hub.secret "MUST be less than 200 bytes". */
const MAX_SECRET_BYTES = 199;
const MAX_CALLBACK_LENGTH = 2_048;
/** A challenge echo is a few dozen bytes; a callback that answers with more is not echoing it. */
const MAX_VERIFY_BODY_BYTES = 4_096;
/** Verifications and deliveries waiting or running at once; beyond it a request is refused (503). */
const MAX_PENDING = 10_000;

/** One of our feeds, as a topic URL names it: how to version it and how to render it. */
export type TopicResolution =
  | { kind: 'ok'; query: ArticleQuery; render: (lastModified: Date) => Promise<Rendered> }
  | { kind: 'unknown'; message: string };

export interface SubscriptionRequest {
  mode: 'subscribe' | 'unsubscribe';
  topicUrl: string;
  callback: string;
  /** Already clamped to MIN_LEASE_SECONDS–MAX_LEASE_SECONDS. */
  leaseSeconds: number;
  secret?: string;
}

export type RequestCheck =
  | { kind: 'ok'; request: SubscriptionRequest }
  | { kind: 'bad-request'; parameter: string; message: string };

export interface HubOptions {
  store: ArticleStore;
  /** This hub's public URL (`${BASE_URL}/websub`), sent as rel="hub". */
  hubUrl: string;
  resolveTopic: (topicUrl: string) => TopicResolution;
  log: Logger;
  userAgent?: string;
  /** Per request to a subscriber (verification or delivery). */
  timeoutMs?: number;
  /** Waits before each retry of a failed delivery; its length is the number of retries. */
  retryDelaysMs?: readonly number[];
  /** Requests to subscribers in flight at once. */
  concurrency?: number;
  /** Lets callbacks on loopback and private networks through (tests, intranet deployments). */
  allowPrivateCallbacks?: boolean;
}

export interface WebSubHub {
  readonly hubUrl: string;
  /** Checks a form-encoded subscription request (§5.1); the topic must be one of our feeds. */
  check(form: Record<string, unknown>): RequestCheck;
  /** Why the hub will not send requests to this callback (see callback-guard.ts), or undefined. */
  refuseCallback(callback: string): Promise<string | undefined>;
  /** Verifies a checked request's intent in the background (the caller answers 202), or says busy. */
  request(request: SubscriptionRequest): 'accepted' | 'busy';
  /**
   * Delivers every subscribed topic whose content changed since it was last seen. Cheap when the
   * store's revision has not moved; a topic first seen (after a start) only records its version.
   * Never throws; calls during a run coalesce into one more run.
   */
  notify(): Promise<void>;
  /** Resolves once no verification, delivery or retry is pending. */
  idle(): Promise<void>;
  /** Drops pending retries and new work, and waits for requests in flight. */
  close(): Promise<void>;
}

export function createHub(options: HubOptions): WebSubHub {
  return new Hub(options);
}

/** §5.1 parameters, in the order a client reads the errors. */
export function checkSubscriptionRequest(form: Record<string, unknown>, resolveTopic: (url: string) => TopicResolution): RequestCheck {
  const bad = (parameter: string, message: string): RequestCheck => ({ kind: 'bad-request', parameter, message: `${parameter}: ${message}` });
  const values: Record<string, string | undefined> = {};
  for (const name of ['hub.mode', 'hub.topic', 'hub.callback', 'hub.lease_seconds', 'hub.secret']) {
    const raw = form[name];
    if (raw !== undefined && typeof raw !== 'string') return bad(name, 'give it once, as a single value');
    values[name] = raw === '' ? undefined : raw;
  }
  const mode = values['hub.mode'];
  if (mode !== 'subscribe' && mode !== 'unsubscribe') return bad('hub.mode', `expected subscribe or unsubscribe, got ${JSON.stringify(mode ?? '')}`);

  const callback = values['hub.callback'];
  if (callback === undefined) return bad('hub.callback', 'required: the URL new content is POSTed to');
  if (callback.length > MAX_CALLBACK_LENGTH || !isHttpUrl(callback)) {
    return bad('hub.callback', `expected an absolute http(s) URL of at most ${MAX_CALLBACK_LENGTH} characters`);
  }

  const topicUrl = values['hub.topic'];
  if (topicUrl === undefined) return bad('hub.topic', 'required: the URL of one of this server\'s feeds');
  const topic = resolveTopic(topicUrl);
  if (topic.kind === 'unknown') return bad('hub.topic', `${JSON.stringify(topicUrl)} is not a feed of this hub: ${topic.message}`);

  let leaseSeconds = DEFAULT_LEASE_SECONDS;
  const lease = values['hub.lease_seconds'];
  if (lease !== undefined) {
    if (!/^\d{1,12}$/.test(lease)) return bad('hub.lease_seconds', `expected a whole number of seconds, got ${JSON.stringify(lease)}`);
    // §5.1: the hub decides the lease; it tells the subscriber the one it chose in the verification.
    leaseSeconds = Math.min(MAX_LEASE_SECONDS, Math.max(MIN_LEASE_SECONDS, Number(lease)));
  }

  const request: SubscriptionRequest = { mode, topicUrl, callback, leaseSeconds };
  const secret = values['hub.secret'];
  if (secret !== undefined) {
    if (Buffer.byteLength(secret, 'utf8') > MAX_SECRET_BYTES) return bad('hub.secret', 'must be less than 200 bytes');
    request.secret = secret;
  }
  return { kind: 'ok', request };
}

function isHttpUrl(value: string): boolean {
  if (!URL.canParse(value)) return false;
  const { protocol } = new URL(value);
  return protocol === 'http:' || protocol === 'https:';
}

type Attempt = { kind: 'ok' } | { kind: 'gone' } | { kind: 'failed'; reason: string };

class Hub implements WebSubHub {
  readonly hubUrl: string;
  private readonly opts: HubOptions;
  private readonly log: Logger;
  private readonly timeoutMs: number;
  private readonly retryDelaysMs: readonly number[];
  private readonly limiter: Limiter;
  private readonly pending = new Set<Promise<void>>();
  /** Topic URL → the query version its subscribers last got (or that was current when first seen). */
  private readonly seen = new Map<string, string>();
  /** (topic, callback) → number of the newest delivery: an older one still retrying gives way to it. */
  private readonly generations = new Map<string, number>();
  private readonly closing = new AbortController();
  private lastRevision = -1;
  private running: Promise<void> | undefined;
  private again = false;

  constructor(opts: HubOptions) {
    this.opts = opts;
    this.hubUrl = opts.hubUrl;
    this.log = opts.log;
    this.timeoutMs = opts.timeoutMs ?? 10_000;
    this.retryDelaysMs = opts.retryDelaysMs ?? [5_000, 30_000, 120_000];
    this.limiter = new Limiter(opts.concurrency ?? 8);
  }

  check(form: Record<string, unknown>): RequestCheck {
    return checkSubscriptionRequest(form, this.opts.resolveTopic);
  }

  request(request: SubscriptionRequest): 'accepted' | 'busy' {
    if (this.closing.signal.aborted || this.pending.size >= MAX_PENDING) return 'busy';
    this.track(this.limiter.run(() => this.verify(request)));
    return 'accepted';
  }

  async notify(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      do {
        this.again = false;
        try {
          await this.distribute();
        } catch (err) {
          this.log.error({ err: describeError(err) }, 'websub: distribution failed; the next notify retries it');
          this.lastRevision = -1;
        }
      } while (this.again && !this.closing.signal.aborted);
    })();
    try {
      await this.running;
    } finally {
      this.running = undefined;
    }
  }

  async idle(): Promise<void> {
    // A finished task may have started another (a verification, a retry): wait until none is left.
    while (this.pending.size > 0 || this.running) {
      await Promise.allSettled([...this.pending, this.running]);
    }
  }

  async close(): Promise<void> {
    this.closing.abort();
    await this.idle();
  }

  private track(task: Promise<void>): void {
    // Every task logs its own failures; this only guards against an unhandled rejection.
    const tracked = task.catch((err: unknown) => this.log.error({ err: describeError(err) }, 'websub: task failed'));
    this.pending.add(tracked);
    void tracked.finally(() => this.pending.delete(tracked));
  }

  async refuseCallback(callback: string): Promise<string | undefined> {
    return this.opts.allowPrivateCallbacks ? undefined : refuseSpecialAddress(callback);
  }

  /** §5.3: GET the callback with a challenge; only an exact echo with a 2xx confirms the intent. */
  private async verify(request: SubscriptionRequest): Promise<void> {
    const { mode, topicUrl, callback } = request;
    const refused = await this.refuseCallback(callback);
    if (refused) {
      this.log.warn({ mode, topic: topicUrl, callback, reason: refused }, 'websub: intent not verified: callback refused');
      return;
    }
    const challenge = randomBytes(24).toString('base64url');
    const url = new URL(callback);
    // The callback's own query parameters stay (§5.3); ours are appended.
    url.searchParams.append('hub.mode', mode);
    url.searchParams.append('hub.topic', topicUrl);
    url.searchParams.append('hub.challenge', challenge);
    if (mode === 'subscribe') url.searchParams.append('hub.lease_seconds', String(request.leaseSeconds));
    const context = { mode, topic: topicUrl, callback };
    let answer: string | undefined;
    try {
      const res = await fetch(url, { headers: this.headers(), redirect: 'manual', signal: this.signal() });
      if (res.status < 200 || res.status > 299) {
        await res.body?.cancel();
        this.log.warn({ ...context, status: res.status }, 'websub: intent not verified: the callback did not answer 2xx');
        return;
      }
      answer = await readCapped(res, MAX_VERIFY_BODY_BYTES);
    } catch (err) {
      this.log.warn({ ...context, err: this.describeFailure(callback, err) }, 'websub: intent not verified: the callback could not be reached');
      return;
    }
    if (answer !== challenge) {
      this.log.warn(context, 'websub: intent not verified: the callback did not echo hub.challenge');
      return;
    }
    if (mode === 'unsubscribe') {
      await this.opts.store.removeSubscription(topicUrl, callback);
      this.log.info(context, 'websub: unsubscribed');
      return;
    }
    const now = Date.now();
    const subscription: Subscription = { topicUrl, callback, expiresAt: new Date(now + request.leaseSeconds * 1000), createdAt: new Date(now) };
    if (request.secret !== undefined) subscription.secret = request.secret;
    await this.opts.store.saveSubscription(subscription);
    // From now on, a change of the topic is news to this subscriber; what it has now is not.
    if (!this.seen.has(topicUrl)) {
      const topic = this.opts.resolveTopic(topicUrl);
      if (topic.kind === 'ok') this.seen.set(topicUrl, (await this.opts.store.queryVersion(topic.query)).tag);
    }
    this.log.info({ ...context, leaseSeconds: request.leaseSeconds }, 'websub: subscribed');
  }

  private async distribute(): Promise<void> {
    const revision = await this.opts.store.currentRevision();
    if (revision === this.lastRevision) return;
    this.lastRevision = revision;
    const byTopic = new Map<string, Subscription[]>();
    for (const s of await this.opts.store.listSubscriptions()) byTopic.set(s.topicUrl, [...(byTopic.get(s.topicUrl) ?? []), s]);
    for (const topicUrl of this.seen.keys()) if (!byTopic.has(topicUrl)) this.seen.delete(topicUrl);

    for (const [topicUrl, subscribers] of byTopic) {
      const topic = this.opts.resolveTopic(topicUrl);
      if (topic.kind === 'unknown') {
        // A topic removed from feeds/ since: its subscriptions lapse with their leases.
        this.log.warn({ topic: topicUrl, reason: topic.message }, 'websub: subscribed topic is no longer a feed; not delivered');
        continue;
      }
      const version = await this.opts.store.queryVersion(topic.query);
      const before = this.seen.get(topicUrl);
      this.seen.set(topicUrl, version.tag);
      if (before === undefined || before === version.tag) continue;
      let content: Rendered;
      try {
        content = await topic.render(version.lastModified);
      } catch (err) {
        this.log.error({ topic: topicUrl, err: describeError(err) }, 'websub: topic not rendered; not delivered');
        continue;
      }
      for (const subscriber of subscribers) this.track(this.deliver(subscriber, content));
    }
  }

  /** §7: POST the feed with its own Content-Type, Link headers and, with a secret, its HMAC. */
  private async deliver(subscription: Subscription, content: Rendered): Promise<void> {
    const { topicUrl, callback } = subscription;
    const key = `${topicUrl}\n${callback}`;
    const generation = (this.generations.get(key) ?? 0) + 1;
    this.generations.set(key, generation);
    const body = Buffer.from(content.body, 'utf8');
    const headers: Record<string, string> = {
      ...this.headers(),
      'Content-Type': content.contentType,
      Link: `<${this.hubUrl}>; rel="hub", <${topicUrl}>; rel="self"`,
    };
    if (subscription.secret !== undefined) {
      headers['X-Hub-Signature'] = `sha256=${createHmac('sha256', subscription.secret).update(body).digest('hex')}`;
    }
    const context = { topic: topicUrl, callback };
    try {
      for (let attempt = 0; ; attempt++) {
        if (this.generations.get(key) !== generation) return; // newer content went out; this one is stale
        const outcome = await this.limiter.run(() => this.post(callback, body, headers));
        if (outcome.kind === 'ok') {
          this.log.debug({ ...context, bytes: body.length }, 'websub: delivered');
          return;
        }
        if (outcome.kind === 'gone') {
          // §7: a 410 ends the subscription.
          await this.opts.store.removeSubscription(topicUrl, callback);
          this.log.info(context, 'websub: subscriber answered 410 Gone; subscription removed');
          return;
        }
        const delay = this.retryDelaysMs[attempt];
        if (delay === undefined || this.closing.signal.aborted) {
          this.log.warn({ ...context, attempts: attempt + 1, err: outcome.reason }, 'websub: delivery failed; giving up on this content');
          return;
        }
        this.log.info({ ...context, attempt: attempt + 1, retryInMs: delay, err: outcome.reason }, 'websub: delivery failed; will retry');
        if (!(await this.wait(delay))) return;
      }
    } finally {
      if (this.generations.get(key) === generation) this.generations.delete(key);
    }
  }

  private async post(callback: string, body: Buffer, headers: Record<string, string>): Promise<Attempt> {
    if (this.closing.signal.aborted) return { kind: 'failed', reason: 'hub closing' };
    const refused = await this.refuseCallback(callback);
    if (refused) return { kind: 'failed', reason: `callback refused: ${refused}` };
    try {
      // A redirected POST would become a GET: a redirect is a failure, not something to follow.
      const res = await fetch(callback, { method: 'POST', body, headers, redirect: 'manual', signal: this.signal() });
      await res.body?.cancel();
      if (res.status >= 200 && res.status <= 299) return { kind: 'ok' };
      if (res.status === 410) return { kind: 'gone' };
      return { kind: 'failed', reason: new TidingsError('fetch', callback, `${res.status} ${res.statusText}`.trim()).message };
    } catch (err) {
      return { kind: 'failed', reason: this.describeFailure(callback, err) };
    }
  }

  /** Sleeps before a retry; false when the hub closed meanwhile. */
  private async wait(ms: number): Promise<boolean> {
    try {
      await sleep(ms, undefined, { signal: this.closing.signal });
      return true;
    } catch (err) {
      if (this.closing.signal.aborted) return false;
      throw err;
    }
  }

  private signal(): AbortSignal {
    return AbortSignal.any([AbortSignal.timeout(this.timeoutMs), this.closing.signal]);
  }

  private headers(): Record<string, string> {
    return this.opts.userAgent === undefined ? {} : { 'User-Agent': this.opts.userAgent };
  }

  /** `fetch: <callback>: timeout after 10000 ms` rather than fetch's bare "fetch failed". */
  private describeFailure(callback: string, err: unknown): string {
    let reason: string;
    if (err instanceof DOMException && err.name === 'TimeoutError') reason = `timeout after ${this.timeoutMs} ms`;
    else if (err instanceof DOMException && err.name === 'AbortError') reason = 'hub closing';
    else if (err instanceof Error && err.cause !== undefined) reason = `${err.message}: ${describeError(err.cause)}`;
    else reason = describeError(err);
    return new TidingsError('fetch', callback, reason).message;
  }
}

/** A challenge echo as text, or undefined when the answer is longer than any echo could be. */
async function readCapped(res: Response, max: number): Promise<string | undefined> {
  const bytes = await readUpTo(res, max);
  return bytes && Buffer.from(bytes).toString('utf8');
}

/** At most `max` tasks run at once; the rest wait in arrival order. */
class Limiter {
  private active = 0;
  private readonly waiting: (() => void)[] = [];
  private readonly max: number;

  constructor(max: number) {
    this.max = max;
  }

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.active < this.max) this.active++;
    else await new Promise<void>((resolve) => this.waiting.push(resolve));
    try {
      return await task();
    } finally {
      // Hand the slot straight to the next waiter, so `active` never over-counts.
      const next = this.waiting.shift();
      if (next) next();
      else this.active--;
    }
  }
}
