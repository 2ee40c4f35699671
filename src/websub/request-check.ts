// A WebSub subscription request (§5.1) checked before anything is sent: its parameters, the lease the
// hub grants, and whether its topic is one of our feeds.

import type { ArticleQuery } from '../model.ts';
import type { Rendered } from '../render/types.ts';

export const DEFAULT_LEASE_SECONDS = 10 * 86_400;
export const MIN_LEASE_SECONDS = 3_600;
export const MAX_LEASE_SECONDS = 30 * 86_400;
/** §5.1: hub.secret "MUST be less than 200 bytes". */
const MAX_SECRET_BYTES = 199;
const MAX_CALLBACK_LENGTH = 2_048;

/**
 * One of our feeds, as a topic URL names it: how to version it and how to render it. `feedKey` is the
 * canonical feed URL: topic URLs that spell one feed differently share one render per change.
 */
export type TopicResolution =
  | { kind: 'ok'; feedKey: string; query: ArticleQuery; render: (lastModified: Date) => Promise<Rendered> }
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

