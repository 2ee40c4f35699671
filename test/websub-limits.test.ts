// What a stranger can cost the WebSub hub: the connect-time guard against a rebinding callback, the
// subscription caps, separate pools (slow callbacks never delay a real subscriber's verification), and
// one render per change shared by every subscriber. Subscribers are real HTTP servers on 127.0.0.1,
// under names a scripted resolver answers. (Several processes: websub-processes.test.ts.)

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadEnvConfig } from '../src/config.ts';
import type { DeliveryOutcome } from '../src/websub/hub.ts';
import { BASE_URL } from './helpers/app.ts';
import { scriptedLookup } from './helpers/resolver.ts';
import { BOUNDED, HUB_TIMEOUT_MS, eventually, publish, startHubApp, startSubscriber, subscribe, subscribed } from './helpers/websub.ts';
import { makeArticle } from './store.contract.ts';

const PUBLIC_IP = '93.184.216.34';

test('a rebinding callback (public to the 400-check, 127.0.0.1 to the connection) is never called', BOUNDED, async (t) => {
  const lookup = scriptedLookup({ 'rebind.test': [PUBLIC_IP, '127.0.0.1'] });
  const h = await startHubApp(t, { allowPrivateCallbacks: false, network: { lookup } });
  const sub = await startSubscriber(t, { hostname: 'rebind.test' });
  await subscribe(h.app, { 'hub.callback': sub.callback }).expect(202);
  await h.hub.idle();
  assert.deepEqual(lookup.calls, ['rebind.test', 'rebind.test'], 'checked once at the request, resolved again to connect');
  assert.equal(sub.verifications.length, 0, 'the subscriber on 127.0.0.1 received nothing');
  const line = h.logs.find((l) => l.callback === sub.callback && l.msg.includes('could not be reached'));
  assert.match(line?.err ?? '', /: callback host resolves to a non-public address$/);
  assert.doesNotMatch(JSON.stringify(h.logs), /127\.0\.0\.1/, 'no log line tells what the name resolved to');
  assert.deepEqual(await h.store.listSubscriptions(), []);
});

test('WEBSUB_ALLOW_PRIVATE_CALLBACKS lifts the guard: the same resolver reaches the subscriber', BOUNDED, async (t) => {
  const lookup = scriptedLookup({ 'intranet.test': ['127.0.0.1'] });
  const h = await startHubApp(t, { allowPrivateCallbacks: true, network: { lookup } });
  const sub = await startSubscriber(t, { hostname: 'intranet.test' });
  await subscribed(h, sub);
  assert.ok(lookup.calls.includes('intranet.test'), 'the connection resolved through the injected resolver');
  assert.equal((await h.store.listSubscriptions()).length, 1);
});

test('subscription caps: per callback host (pending ones included) and in total, 429 with a message; renewals pass', BOUNDED, async (t) => {
  const lookup = scriptedLookup({ 'a.test': ['127.0.0.1'], 'b.test': ['127.0.0.1'] });
  const h = await startHubApp(t, { network: { lookup }, maxPerHost: 2, maxSubscriptions: 3 });
  const onA = await Promise.all([1, 2, 3, 4].map(() => startSubscriber(t, { hostname: 'a.test' })));
  // Four requests at once: the two still being verified count against a.test's cap.
  const answers = await Promise.all(onA.map((s) => subscribe(h.app, { 'hub.callback': s.callback })));
  assert.deepEqual(answers.map((r) => r.status).sort(), [202, 202, 429, 429]);
  const refused = answers.find((r) => r.status === 429)!;
  assert.equal(refused.headers['content-type'], 'application/json; charset=utf-8');
  assert.equal(refused.body.parameter, 'hub.callback');
  assert.equal(refused.body.message, 'hub.callback: a.test already has 2 subscriptions (pending ones included), the most one callback host may have');
  await h.hub.idle();
  assert.equal((await h.store.listSubscriptions()).length, 2);

  // A renewal of an existing subscription is not a new one.
  const first = onA.find((s) => s.verifications.length === 1)!;
  await subscribe(h.app, { 'hub.callback': first.callback }).expect(202);
  const onB = await Promise.all([1, 2].map(() => startSubscriber(t, { hostname: 'b.test' })));
  await subscribe(h.app, { 'hub.callback': onB[0]!.callback }).expect(202);
  await h.hub.idle();
  const full = await subscribe(h.app, { 'hub.callback': onB[1]!.callback }).expect(429);
  assert.equal(full.body.message, 'this hub has reached its limit of 3 subscriptions; retry later');
  assert.equal(full.headers['retry-after'], '3600');
  assert.equal((await h.store.listSubscriptions()).length, 3);
});

test('48 slow callbacks (verifications and deliveries) do not delay a real subscriber verification', { timeout: 30_000 }, async (t) => {
  const names: Record<string, string[]> = { 'real.test': ['127.0.0.1'] };
  for (let i = 0; i < 48; i++) names[`slow-${i}.test`] = ['127.0.0.1'];
  const h = await startHubApp(t, { network: { lookup: scriptedLookup(names) }, timeoutMs: 5_000, retryDelaysMs: [] });
  // 48 subscribers whose deliveries hang, delivering now...
  const slowDeliveries = await Promise.all(Array.from({ length: 48 }, (_, i) => startSubscriber(t, { hostname: `slow-${i}.test`, deliver: 'hang' })));
  for (const s of slowDeliveries) await subscribe(h.app, { 'hub.callback': s.callback }).expect(202);
  await h.hub.idle();
  await h.store.upsertArticles([makeArticle(1, { title: 'News 1', topics: ['ukraine'] })]);
  const round = h.hub.notify();
  await eventually(() => slowDeliveries.filter((s) => s.attempts.length > 0).length >= 16, 3_000, 'the delivery pool is full of hanging POSTs');
  // ...and 48 subscription requests whose verifications hang.
  const slowVerifications = await Promise.all(Array.from({ length: 48 }, (_, i) => startSubscriber(t, { hostname: `slow-${i}.test`, verify: 'hang' })));
  for (const s of slowVerifications) await subscribe(h.app, { 'hub.callback': s.callback, 'hub.topic': `${BASE_URL}/feeds/europe.rss` }).expect(202);
  await eventually(() => slowVerifications.every((s) => s.verifications.length === 1), 3_000, 'every slow verification is in flight');

  const real = await startSubscriber(t, { hostname: 'real.test' });
  await subscribe(h.app, { 'hub.callback': real.callback, 'hub.topic': `${BASE_URL}/feeds/science.rss` }).expect(202);
  const took = await eventually(async () => (await h.store.listSubscriptions(`${BASE_URL}/feeds/science.rss`)).length === 1, 1_000, 'the real subscriber is verified');
  assert.ok(took < 1_000, `verified in ${took} ms`);
  // Checked: the hanging callbacks may now fail at once instead of through three waves of 5 s timeouts.
  await Promise.all([...slowDeliveries, ...slowVerifications].map((s) => s.close()));
  await round;
});

test('one render per change, shared by every subscriber and every spelling of the feed; outcomes counted', BOUNDED, async (t) => {
  const outcomes: DeliveryOutcome[] = [];
  const h = await startHubApp(t, { onDelivery: (o) => outcomes.push(o) });
  const subs = await Promise.all([1, 2, 3, 4].map(() => startSubscriber(t)));
  for (const s of subs.slice(0, 3)) await subscribed(h, s);
  await subscribed(h, subs[3]!, { 'hub.topic': `${BASE_URL}/feeds/Ukraine.rss` });
  await publish(h, 1, ['ukraine']);
  assert.equal(h.renders(), 1, 'four subscribers, two topic URLs, one feed: one render');
  assert.deepEqual(subs.map((s) => s.deliveries.length), [1, 1, 1, 1]);
  assert.equal(new Set(subs.map((s) => s.deliveries[0]!.body)).size, 1, 'the same bytes for all');
  assert.equal(subs[3]!.deliveries[0]!.headers.link, `<${BASE_URL}/websub>; rel="hub", <${BASE_URL}/feeds/Ukraine.rss>; rel="self"`);
  assert.deepEqual(outcomes, ['delivered', 'delivered', 'delivered', 'delivered']);
});

test('a round renders at most rendersPerRound feeds; the next waits for its first POSTs (bounded memory)', BOUNDED, async (t) => {
  const h = await startHubApp(t, { rendersPerRound: 1, retryDelaysMs: [] });
  const slow = await startSubscriber(t, { deliver: 'hang' });
  const fast = await startSubscriber(t);
  // Rounds take topics in URL order: europe's hanging subscriber comes first.
  await subscribed(h, slow, { 'hub.topic': `${BASE_URL}/feeds/europe.json` });
  await subscribed(h, fast, { 'hub.topic': `${BASE_URL}/feeds/ukraine.json` });
  await h.store.upsertArticles([makeArticle(1, { topics: ['ukraine', 'europe'] })]);
  await h.hub.notify();
  await h.hub.idle();
  assert.equal(h.renders(), 2);
  assert.equal(fast.deliveries.length, 1, 'the feed left for the next round is delivered too');
  const waited = fast.deliveries[0]!.at - slow.attempts[0]!;
  assert.ok(waited >= HUB_TIMEOUT_MS - 100, `the second round waited for the first one's POST to time out (${waited} ms)`);
});

test('a render that fails gives its claim back: the next notify delivers the change', BOUNDED, async (t) => {
  let failing = true;
  const h = await startHubApp(t, {
    beforeRender: () => {
      if (failing) throw new Error('renderer broke');
    },
  });
  const sub = await startSubscriber(t);
  await subscribed(h, sub);
  await publish(h, 1, ['ukraine']);
  assert.equal(sub.deliveries.length, 0);
  // The log line names the cause and keeps the error itself (message and stack) for the operator.
  assert.ok(h.logs.some((l) => l.msg === 'websub: feed not rendered; the next round retries it: renderer broke'
    && (l as { err?: { message?: unknown } }).err?.message === 'renderer broke'));
  failing = false;
  await h.hub.notify();
  await h.hub.idle();
  assert.equal(sub.deliveries.length, 1, 'delivered once the renderer works, with no new write');
});

test('WEBSUB_MAX_SUBSCRIPTIONS, WEBSUB_MAX_PER_HOST and WEBSUB_TIMEOUT_MS are read and checked', () => {
  const env = loadEnvConfig({ WEBSUB_MAX_SUBSCRIPTIONS: '500', WEBSUB_MAX_PER_HOST: '5', WEBSUB_TIMEOUT_MS: '2500' });
  assert.equal(env.websubMaxSubscriptions, 500);
  assert.equal(env.websubMaxPerHost, 5);
  assert.equal(env.websubTimeoutMs, 2500);
  assert.equal(loadEnvConfig({}).websubMaxPerHost, undefined, 'unset: the hub default applies');
  assert.throws(() => loadEnvConfig({ WEBSUB_MAX_PER_HOST: '0' }), /WEBSUB_MAX_PER_HOST: expected an integer 1–10000000, got "0"/);
});
