// The built-in WebSub hub (W3C Recommendation, 2018): admits subscription requests within caps,
// verifies intent, and POSTs a subscribed feed to its subscribers when its content changes — rendered
// once per change, shared by all, delivered by exactly one process (the store's compare-and-set on
// the topic's delivered version). Knows nothing of Express: the store and a topic resolver are handed in.

import { setImmediate as yieldToReaders } from 'node:timers/promises';
import { createLimiter, type Limiter } from '../concurrency.ts';
import { describeError } from '../errors.ts';
import type { NetworkOptions } from '../fetch/guarded-agent.ts';
import type { Logger } from '../log.ts';
import type { ArticleStore, Subscription } from '../store/store.ts';
import { refuseSpecialAddress } from './callback-guard.ts';
import { checkSubscriptionRequest, type RequestCheck, type SubscriptionRequest, type TopicResolution } from './request-check.ts';
import { Deliverer, type DeliveryOutcome } from './delivery.ts';
import { createSubscriberClient, type SharedContent, type SubscriberClient } from './subscriber-http.ts';

export type { DeliveryOutcome } from './delivery.ts';

export {
  checkSubscriptionRequest, DEFAULT_LEASE_SECONDS, MAX_LEASE_SECONDS, MIN_LEASE_SECONDS,
  type RequestCheck, type SubscriptionRequest, type TopicResolution,
} from './request-check.ts';

/** Verifications waiting or running at once; beyond it a request is refused (503). */
const MAX_PENDING_VERIFICATIONS = 10_000;

export const HUB_DEFAULTS = {
  timeoutMs: 10_000,
  retryDelaysMs: [5_000, 30_000, 120_000],
  /** Mostly idle sockets waiting on callbacks: cheap, and many, so slow callbacks cannot fill them. */
  verifyConcurrency: 64,
  deliveryConcurrency: 16,
  /** Requests to one callback host at once, in each pool: one host never takes every slot. */
  perHost: 8,
  maxSubscriptions: 10_000,
  maxPerHost: 100,
  /** Feeds rendered per distribution round; the next round starts once this one's first POSTs end. */
  rendersPerRound: 50,
} as const;

export interface HubOptions {
  store: ArticleStore;
  /** This hub's public URL (`${BASE_URL}/websub`), sent as rel="hub". */
  hubUrl: string;
  resolveTopic: (topicUrl: string) => TopicResolution;
  log: Logger;
  userAgent?: string;
  /** Per request to a subscriber (verification or delivery), connection included. */
  timeoutMs?: number;
  /** Waits before each retry of a failed delivery; its length is the number of retries. */
  retryDelaysMs?: readonly number[];
  verifyConcurrency?: number;
  deliveryConcurrency?: number;
  perHost?: number;
  /** Subscriptions in total, and per callback host (pending verifications included). */
  maxSubscriptions?: number;
  maxPerHost?: number;
  rendersPerRound?: number;
  /** Lets callbacks on loopback and private networks through (tests, intranet deployments). */
  allowPrivateCallbacks?: boolean;
  /** Name resolution and address rules for callbacks (tests inject a resolver). */
  network?: NetworkOptions;
  /** Called once per delivery attempt's end: metrics count them by outcome. */
  onDelivery?: (outcome: DeliveryOutcome) => void;
}

export type RequestAnswer =
  | { kind: 'accepted' }
  | { kind: 'busy' }
  | { kind: 'over-limit'; message: string };

export interface WebSubHub {
  readonly hubUrl: string;
  /** Checks a form-encoded subscription request (§5.1); the topic must be one of our feeds. */
  check(form: Record<string, unknown>): RequestCheck;
  /** Why the hub will not send requests to this callback (see callback-guard.ts), or undefined. */
  refuseCallback(callback: string): Promise<string | undefined>;
  /**
   * Admits a checked request within the subscription caps and verifies its intent in the background
   * (the caller answers 202), in this process: whichever web instance received it.
   */
  request(request: SubscriptionRequest): Promise<RequestAnswer>;
  /**
   * Delivers every subscribed topic whose content changed since it was last delivered (by any
   * process). Cheap when the store's revision has not moved. Never throws; calls during a run
   * coalesce into one more run.
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

/** A changed topic this process won the right to deliver, and the subscribers to deliver it to. */
interface Won {
  topicUrl: string;
  before: string;
  after: string;
  subscribers: Subscription[];
}

class Hub implements WebSubHub {
  readonly hubUrl: string;
  private readonly opts: HubOptions;
  private readonly log: Logger;
  private readonly verifications: Limiter;
  private readonly client: SubscriberClient;
  private readonly deliverer: Deliverer;
  private readonly pending = new Set<Promise<void>>();
  /** Callback host → verifications waiting or running: they count toward the per-host cap. */
  private readonly verifyingByHost = new Map<string, number>();
  private verifying = 0;
  private readonly closing = new AbortController();
  private lastRevision = -1;
  private running: Promise<void> | undefined;
  private again = false;

  constructor(opts: HubOptions) {
    this.opts = opts;
    this.hubUrl = opts.hubUrl;
    this.log = opts.log;
    const perKey = opts.perHost ?? HUB_DEFAULTS.perHost;
    this.verifications = createLimiter(opts.verifyConcurrency ?? HUB_DEFAULTS.verifyConcurrency, { perKey });
    this.client = createSubscriberClient({
      allowPrivate: opts.allowPrivateCallbacks ?? false,
      timeoutMs: opts.timeoutMs ?? HUB_DEFAULTS.timeoutMs,
      closing: this.closing.signal,
      ...(opts.network ? { network: opts.network } : {}),
      ...(opts.userAgent === undefined ? {} : { userAgent: opts.userAgent }),
    });
    this.deliverer = new Deliverer({
      hubUrl: opts.hubUrl,
      store: opts.store,
      client: this.client,
      pool: createLimiter(opts.deliveryConcurrency ?? HUB_DEFAULTS.deliveryConcurrency, { perKey }),
      retryDelaysMs: opts.retryDelaysMs ?? HUB_DEFAULTS.retryDelaysMs,
      log: opts.log,
      closing: this.closing.signal,
      track: (task) => this.track(task),
      ...(opts.onDelivery ? { onDelivery: opts.onDelivery } : {}),
    });
  }

  check(form: Record<string, unknown>): RequestCheck {
    return checkSubscriptionRequest(form, this.opts.resolveTopic);
  }

  async refuseCallback(callback: string): Promise<string | undefined> {
    return this.opts.allowPrivateCallbacks ? undefined : refuseSpecialAddress(callback, this.opts.network);
  }

  async request(request: SubscriptionRequest): Promise<RequestAnswer> {
    if (this.closing.signal.aborted || this.verifying >= MAX_PENDING_VERIFICATIONS) return { kind: 'busy' };
    const host = new URL(request.callback).hostname;
    // Counted as pending before the caps are checked, so concurrent requests see each other.
    this.verifying += 1;
    this.verifyingByHost.set(host, (this.verifyingByHost.get(host) ?? 0) + 1);
    const done = (): void => {
      this.verifying -= 1;
      const left = (this.verifyingByHost.get(host) ?? 1) - 1;
      if (left === 0) this.verifyingByHost.delete(host);
      else this.verifyingByHost.set(host, left);
    };
    try {
      const over = request.mode === 'subscribe' ? await this.overLimit(request, host, true) : undefined;
      if (over) {
        done();
        return { kind: 'over-limit', message: over };
      }
    } catch (err) {
      done();
      throw err;
    }
    this.track(this.verifications.run(() => this.verify(request), host).finally(done));
    return { kind: 'accepted' };
  }

  /**
   * Why a new subscription would exceed a cap, or undefined (a renewal never does). On admission the
   * other pending verifications count too (`countPending`; the request is itself one of them); when
   * a verified subscription is about to be saved, only the stored ones do.
   */
  private async overLimit(request: SubscriptionRequest, host: string, countPending: boolean): Promise<string | undefined> {
    const { store } = this.opts;
    const existing = await store.listSubscriptions(request.topicUrl);
    if (existing.some((s) => s.callback === request.callback)) return undefined;
    const maxTotal = this.opts.maxSubscriptions ?? HUB_DEFAULTS.maxSubscriptions;
    const maxHost = this.opts.maxPerHost ?? HUB_DEFAULTS.maxPerHost;
    const pendingTotal = countPending ? this.verifying - 1 : 0;
    const pendingHost = countPending ? (this.verifyingByHost.get(host) ?? 1) - 1 : 0;
    if ((await store.countSubscriptions()) + pendingTotal >= maxTotal) {
      return `this hub has reached its limit of ${maxTotal} subscriptions; retry later`;
    }
    const ofHost = (await store.countSubscriptions({ callbackHost: host })) + pendingHost;
    if (ofHost >= maxHost) return `hub.callback: ${host} already has ${maxHost} subscriptions (pending ones included), the most one callback host may have`;
    return undefined;
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
          this.log.error({ err }, `websub: distribution failed; the next notify retries it: ${describeError(err)}`);
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
    await this.client.close();
  }

  private track(task: Promise<void>): void {
    // Every task logs its own failures; this only guards against an unhandled rejection.
    const tracked = task.catch((err: unknown) => this.log.error({ err }, `websub: task failed: ${describeError(err)}`));
    this.pending.add(tracked);
    void tracked.finally(() => this.pending.delete(tracked));
  }

  /** §5.3: only an exact echo of the challenge with a 2xx confirms the intent. */
  private async verify(request: SubscriptionRequest): Promise<void> {
    const { mode, topicUrl, callback } = request;
    const context = { mode, topic: topicUrl, callback };
    const outcome = await this.client.verify(request);
    if (outcome.kind === 'not-2xx') return this.log.warn({ ...context, status: outcome.status }, 'websub: intent not verified: the callback did not answer 2xx');
    if (outcome.kind === 'wrong-echo') return this.log.warn(context, 'websub: intent not verified: the callback did not echo hub.challenge');
    if (outcome.kind === 'unreachable') return this.log.warn({ ...context, err: outcome.reason }, 'websub: intent not verified: the callback could not be reached');

    const { store } = this.opts;
    if (mode === 'unsubscribe') {
      await store.removeSubscription(topicUrl, callback);
      return this.log.info(context, 'websub: unsubscribed');
    }
    // Checked again: other requests may have been verified since this one was admitted.
    const over = await this.overLimit(request, new URL(callback).hostname, false);
    if (over) return this.log.warn({ ...context, reason: over }, 'websub: verified but not subscribed: over the limit');
    const now = Date.now();
    const subscription: Subscription = { topicUrl, callback, expiresAt: new Date(now + request.leaseSeconds * 1000), createdAt: new Date(now) };
    if (request.secret !== undefined) subscription.secret = request.secret;
    await store.saveSubscription(subscription);
    // From now on, a change of the topic is news to this subscriber; what it has now is not.
    const topic = this.opts.resolveTopic(topicUrl);
    if (topic.kind === 'ok' && (await store.getDeliveredVersion(topicUrl)) === undefined) {
      await store.swapDeliveredVersion(topicUrl, undefined, (await store.queryVersion(topic.query)).tag);
    }
    this.log.info({ ...context, leaseSeconds: request.leaseSeconds }, 'websub: subscribed');
  }

  /** One round: claims up to `rendersPerRound` changed feeds, renders each once, POSTs it to all. */
  private async distribute(): Promise<void> {
    const revision = await this.opts.store.currentRevision();
    if (revision === this.lastRevision) return;
    const byTopic = new Map<string, Subscription[]>();
    for (const s of await this.opts.store.listSubscriptions()) {
      const list = byTopic.get(s.topicUrl);
      if (list) list.push(s);
      else byTopic.set(s.topicUrl, [s]);
    }
    const budget = this.opts.rendersPerRound ?? HUB_DEFAULTS.rendersPerRound;
    const feeds = new Map<string, { topic: Extract<TopicResolution, { kind: 'ok' }>; lastModified: Date; won: Won[] }>();
    let unfinished = false;
    for (const [topicUrl, subscribers] of byTopic) {
      // Thousands of topics' version queries and claims would otherwise run as one stall.
      await yieldToReaders();
      const topic = this.opts.resolveTopic(topicUrl);
      if (topic.kind === 'unknown') {
        // A topic removed from feeds/ since: its subscriptions lapse with their leases.
        this.log.warn({ topic: topicUrl, reason: topic.message }, 'websub: subscribed topic is no longer a feed; not delivered');
        continue;
      }
      const version = await this.opts.store.queryVersion(topic.query);
      const before = await this.opts.store.getDeliveredVersion(topicUrl);
      if (before === version.tag) continue;
      if (before === undefined) {
        // Subscribed before versions were kept in the store: record, deliver from the next change.
        await this.opts.store.swapDeliveredVersion(topicUrl, undefined, version.tag);
        continue;
      }
      const feed = feeds.get(topic.feedKey);
      if (!feed && feeds.size >= budget) {
        unfinished = true; // left unclaimed: the next round takes it
        continue;
      }
      // Claimed before rendering, so that of several processes only the winner renders.
      if (!(await this.opts.store.swapDeliveredVersion(topicUrl, before, version.tag))) continue;
      const won: Won = { topicUrl, before, after: version.tag, subscribers };
      if (feed) feed.won.push(won);
      else feeds.set(topic.feedKey, { topic, lastModified: version.lastModified, won: [won] });
    }

    const firstAttempts: Promise<void>[] = [];
    let renderFailed = false;
    for (const { topic, lastModified, won } of feeds.values()) {
      const content = await this.renderShared(topic, lastModified, won);
      if (!content) renderFailed = true;
      else for (const w of won) for (const s of w.subscribers) {
        firstAttempts.push(this.deliverer.deliver(s, content));
        if (firstAttempts.length % 100 === 0) await yieldToReaders();
      }
      // Rendering is CPU work on this thread: let other work run between feeds.
      await yieldToReaders();
    }
    // Bounded memory: the next round's renders wait for this round's first attempts (retries go on).
    await Promise.allSettled(firstAttempts);
    if (unfinished) this.again = true;
    // After a failed render, the next notify looks again even if nothing is written meanwhile.
    else this.lastRevision = renderFailed ? -1 : revision;
  }

  /** The feed's bytes once for every topic URL that names it; a failed render gives the claims back. */
  private async renderShared(topic: Extract<TopicResolution, { kind: 'ok' }>, lastModified: Date, won: Won[]): Promise<SharedContent | undefined> {
    try {
      const rendered = await topic.render(lastModified);
      return { body: rendered.body, contentType: rendered.contentType };
    } catch (err) {
      for (const w of won) await this.opts.store.swapDeliveredVersion(w.topicUrl, w.after, w.before);
      this.log.error({ topics: won.map((w) => w.topicUrl), err }, `websub: feed not rendered; the next round retries it: ${describeError(err)}`);
      return undefined;
    }
  }
}
