// Delivering one rendered change to a subscriber (§7): the first POST, which the distribution round
// awaits; retries in the background; a newer change superseding an older one still retrying; every
// attempt's outcome reported for counters.

import { setTimeout as sleep } from 'node:timers/promises';
import type { Limiter } from '../concurrency.ts';
import type { Logger } from '../log.ts';
import type { ArticleStore, Subscription } from '../store/store.ts';
import type { SharedContent, SubscriberClient } from './subscriber-http.ts';

/** What one delivery attempt came to, for counters (see HubOptions.onDelivery). */
export type DeliveryOutcome = 'delivered' | 'retrying' | 'failed' | 'gone' | 'refused' | 'superseded';

export interface DelivererOptions {
  hubUrl: string;
  store: Pick<ArticleStore, 'removeSubscription'>;
  client: SubscriberClient;
  /** The delivery pool, keyed by callback host. */
  pool: Limiter;
  /** Waits before each retry of a failed delivery; its length is the number of retries. */
  retryDelaysMs: readonly number[];
  log: Logger;
  closing: AbortSignal;
  /** Keeps a background retry chain known to the hub (idle, close). */
  track: (task: Promise<void>) => void;
  onDelivery?: (outcome: DeliveryOutcome) => void;
}

export class Deliverer {
  private readonly opts: DelivererOptions;
  /** (topic, callback) → number of the newest delivery: an older one still retrying gives way to it. */
  private readonly generations = new Map<string, number>();

  constructor(opts: DelivererOptions) {
    this.opts = opts;
  }

  /** §7: the first attempt, awaited by the round; retries go on in the background. */
  async deliver(subscription: Subscription, content: SharedContent): Promise<void> {
    const key = `${subscription.topicUrl}\n${subscription.callback}`;
    const generation = (this.generations.get(key) ?? 0) + 1;
    this.generations.set(key, generation);
    const headers = { Link: `<${this.opts.hubUrl}>; rel="hub", <${subscription.topicUrl}>; rel="self"` };
    const finished = await this.attempt(subscription, content, headers, 0, key, generation);
    if (finished) this.release(key, generation);
    else this.opts.track(this.retry(subscription, content, headers, key, generation));
  }

  private async retry(subscription: Subscription, content: SharedContent, headers: Record<string, string>, key: string, generation: number): Promise<void> {
    try {
      for (let attempt = 1; ; attempt++) {
        if (!(await this.wait(this.opts.retryDelaysMs[attempt - 1] ?? 0))) return;
        if (await this.attempt(subscription, content, headers, attempt, key, generation)) return;
      }
    } finally {
      this.release(key, generation);
    }
  }

  /** One POST; true when nothing is left to do (delivered, gone, refused, superseded or given up). */
  private async attempt(subscription: Subscription, content: SharedContent, headers: Record<string, string>, attempt: number, key: string, generation: number): Promise<boolean> {
    const { topicUrl, callback } = subscription;
    const context = { topic: topicUrl, callback };
    const report = (outcome: DeliveryOutcome): void => this.opts.onDelivery?.(outcome);
    if (this.generations.get(key) !== generation) {
      report('superseded'); // newer content went out; this one is stale
      return true;
    }
    const outcome = await this.opts.pool.run(() => this.opts.client.post(callback, content, headers, subscription.secret), new URL(callback).hostname);
    if (outcome.kind === 'ok') {
      report('delivered');
      this.opts.log.debug({ ...context, bytes: content.body.length }, 'websub: delivered');
      return true;
    }
    if (outcome.kind === 'gone') {
      report('gone');
      // §7: a 410 ends the subscription.
      await this.opts.store.removeSubscription(topicUrl, callback);
      this.opts.log.info(context, 'websub: subscriber answered 410 Gone; subscription removed');
      return true;
    }
    if (outcome.kind === 'refused') {
      report('refused');
      this.opts.log.warn({ ...context, err: outcome.reason }, 'websub: delivery refused: the callback is not on a public address');
      return true;
    }
    const delay = this.opts.retryDelaysMs[attempt];
    if (delay === undefined || this.opts.closing.aborted) {
      report('failed');
      this.opts.log.warn({ ...context, attempts: attempt + 1, err: outcome.reason }, 'websub: delivery failed; giving up on this content');
      return true;
    }
    report('retrying');
    this.opts.log.info({ ...context, attempt: attempt + 1, retryInMs: delay, err: outcome.reason }, 'websub: delivery failed; will retry');
    return false;
  }

  private release(key: string, generation: number): void {
    if (this.generations.get(key) === generation) this.generations.delete(key);
  }

  /** Sleeps before a retry; false when the hub closed meanwhile. */
  private async wait(ms: number): Promise<boolean> {
    try {
      await sleep(ms, undefined, { signal: this.opts.closing });
      return true;
    } catch (err) {
      if (this.opts.closing.aborted) return false;
      throw err;
    }
  }
}
