// The WebSub hub end to end: the Tidings app on a real in-memory store, and subscribers that are real
// HTTP servers on 127.0.0.1 (they echo challenges, record deliveries and check the HMAC).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import request from 'supertest';
import { createApp } from '../src/app.ts';
import { createCache } from '../src/cache/cache.ts';
import { silentLogger } from '../src/log.ts';
import { openStore } from '../src/store/store.ts';
import { refuseSpecialAddress } from '../src/websub/callback-guard.ts';
import { BASE_URL, TEST_TOPICS } from './helpers/app.ts';
import {
  BOUNDED, HUB_TIMEOUT_MS, HUB_URL, UKRAINE_RSS, publish, startHubApp, startSubscriber, subscribe, subscribed,
} from './helpers/websub.ts';
import { makeArticle } from './store.contract.ts';

test('subscribe: 202, a verification GET with a fresh challenge and the clamped lease, then stored', BOUNDED, async (t) => {
  const h = await startHubApp(t);
  const sub = await startSubscriber(t);
  const res = await subscribe(h.app, { 'hub.callback': sub.callback, 'hub.lease_seconds': '60', 'hub.secret': 's3cret' }).expect(202);
  assert.match(res.text, /subscribe request accepted/);
  await h.hub.idle();
  assert.equal(sub.verifications.length, 1);
  const params = sub.verifications[0]!;
  assert.equal(params.get('sub'), '1', 'the callback keeps its own query');
  assert.equal(params.get('hub.mode'), 'subscribe');
  assert.equal(params.get('hub.topic'), UKRAINE_RSS);
  assert.equal(params.get('hub.lease_seconds'), '3600', '60 s is raised to the 1 h minimum');
  assert.match(params.get('hub.challenge') ?? '', /^[A-Za-z0-9_-]{20,}$/);
  const [stored, ...more] = await h.store.listSubscriptions(UKRAINE_RSS);
  assert.equal(more.length, 0);
  assert.equal(stored?.callback, sub.callback);
  assert.equal(stored?.secret, 's3cret');
  assert.ok(Math.abs(stored!.expiresAt.getTime() - Date.now() - 3600_000) < 60_000);

  // A second subscriber gets its own challenge; a long lease is cut to 30 days.
  const other = await startSubscriber(t);
  await subscribe(h.app, { 'hub.callback': other.callback, 'hub.lease_seconds': '99999999' }).expect(202);
  await h.hub.idle();
  assert.equal(other.verifications[0]?.get('hub.lease_seconds'), String(30 * 86_400));
  assert.notEqual(other.verifications[0]?.get('hub.challenge'), params.get('hub.challenge'));
});

test('a callback that does not echo the challenge, or refuses, is not subscribed, and the log says why', BOUNDED, async (t) => {
  const h = await startHubApp(t);
  const wrong = await startSubscriber(t, { verify: 'wrong-echo' });
  const refusing = await startSubscriber(t, { verify: 'refuse' });
  await subscribe(h.app, { 'hub.callback': wrong.callback }).expect(202);
  await subscribe(h.app, { 'hub.callback': refusing.callback }).expect(202);
  await h.hub.idle();
  assert.equal(wrong.verifications.length, 1);
  assert.equal(refusing.verifications.length, 1);
  assert.deepEqual(await h.store.listSubscriptions(), []);
  assert.ok(h.logs.some((l) => l.msg.includes('did not echo hub.challenge') && l.callback === wrong.callback));
  assert.ok(h.logs.some((l) => l.msg.includes('did not answer 2xx') && l.callback === refusing.callback));
});

test('a topic that is not one of our feeds is refused with 400 and a message, before any verification', BOUNDED, async (t) => {
  const h = await startHubApp(t);
  const sub = await startSubscriber(t);
  const cases: [string, RegExp][] = [
    [`${BASE_URL}/feeds/sport.rss`, /unknown topic "sport"; known topics: all, europe/],
    [`${BASE_URL}/feeds/ukraine.xml`, /use \/feeds\/<topic>\.rss/],
    ['https://elsewhere.example/feeds/ukraine.rss', /expected http:\/\/tidings\.test\/feeds\/<topics>\.<rss\|atom\|json>/],
    [`${BASE_URL}/topics/ukraine`, /expected http:\/\/tidings\.test\/feeds\//],
    [`${BASE_URL}/feeds/ukraine.rss?limit=0`, /limit: expected a whole number/],
    ['feeds/ukraine.rss', /not an absolute URL/],
  ];
  for (const [topic, message] of cases) {
    const res = await subscribe(h.app, { 'hub.topic': topic, 'hub.callback': sub.callback }).expect(400);
    assert.equal(res.headers['content-type'], 'application/json; charset=utf-8');
    assert.equal(res.body.parameter, 'hub.topic', topic);
    assert.match(res.body.message, message, topic);
  }
  // A page (cursor) is not a topic either.
  const paged = `${BASE_URL}/feeds/ukraine.rss?before=${Buffer.from(`0~urn:x`).toString('base64url')}`;
  const res = await subscribe(h.app, { 'hub.topic': paged, 'hub.callback': sub.callback }).expect(400);
  assert.match(res.body.message, /a page of a feed is not a topic/);
  // Other spellings of our feeds are topics.
  await subscribe(h.app, { 'hub.topic': `${BASE_URL}/feeds/Europe,ukraine.json?lang=uk`, 'hub.callback': sub.callback }).expect(202);
  await h.hub.idle();
  assert.equal(sub.verifications.length, 1, 'only the valid request was verified');
});

test('bad callbacks, modes, leases and secrets are refused with 400 naming the parameter', BOUNDED, async (t) => {
  const h = await startHubApp(t);
  const cases: [Record<string, string>, string, RegExp][] = [
    [{ 'hub.callback': 'ftp://127.0.0.1/cb' }, 'hub.callback', /absolute http\(s\) URL/],
    [{ 'hub.callback': 'javascript:alert(1)' }, 'hub.callback', /absolute http\(s\) URL/],
    [{ 'hub.callback': '/relative' }, 'hub.callback', /absolute http\(s\) URL/],
    [{}, 'hub.callback', /required/],
    [{ 'hub.callback': 'http://127.0.0.1/cb', 'hub.mode': 'publish' }, 'hub.mode', /expected subscribe or unsubscribe, got "publish"/],
    [{ 'hub.callback': 'http://127.0.0.1/cb', 'hub.lease_seconds': '-5' }, 'hub.lease_seconds', /whole number/],
    [{ 'hub.callback': 'http://127.0.0.1/cb', 'hub.secret': 'я'.repeat(100) }, 'hub.secret', /less than 200 bytes/],
  ];
  for (const [fields, parameter, message] of cases) {
    const res = await subscribe(h.app, fields).expect(400);
    assert.equal(res.body.parameter, parameter, JSON.stringify(fields));
    assert.match(res.body.message, message, JSON.stringify(fields));
  }
  const json = await request(h.app).post('/websub').send({ 'hub.mode': 'subscribe' }).expect(400);
  assert.equal(json.body.parameter, 'Content-Type');
  await h.hub.idle();
  assert.deepEqual(await h.store.listSubscriptions(), []);
});

test('a new article in the topic is delivered once: the feed body, its Content-Type, Link and a valid signature', BOUNDED, async (t) => {
  const h = await startHubApp(t);
  const secret = 'ключ-42';
  const sub = await startSubscriber(t, { secret });
  await h.store.upsertArticles([makeArticle(1, { title: 'Old news', topics: ['ukraine'] })]);
  await h.hub.notify();
  await subscribed(h, sub, { 'hub.secret': secret });
  await h.hub.notify();
  await h.hub.idle();
  assert.equal(sub.deliveries.length, 0, 'what the subscriber could already read is not pushed');

  await publish(h, 2, ['ukraine']);
  assert.equal(sub.deliveries.length, 1);
  const delivery = sub.deliveries[0]!;
  const polled = await request(h.app).get('/feeds/ukraine.rss').expect(200);
  assert.equal(delivery.body, polled.text, 'the same bytes a poller of the topic URL reads');
  assert.match(delivery.body, /<title>News 2<\/title>/);
  assert.equal(delivery.headers['content-type'], 'application/rss+xml; charset=utf-8');
  assert.equal(delivery.headers.link, `<${HUB_URL}>; rel="hub", <${UKRAINE_RSS}>; rel="self"`);
  assert.equal(delivery.signatureValid, true);

  await h.hub.notify();
  await h.hub.idle();
  assert.equal(sub.deliveries.length, 1, 'nothing new, nothing sent');
});

test('an article in another topic is not delivered; a subscriber without a secret gets no signature', BOUNDED, async (t) => {
  const h = await startHubApp(t);
  const sub = await startSubscriber(t);
  await subscribed(h, sub, { 'hub.topic': `${BASE_URL}/feeds/ukraine.json` });
  await publish(h, 1, ['europe']);
  assert.equal(sub.deliveries.length, 0);
  await publish(h, 2, ['ukraine', 'science']);
  assert.equal(sub.deliveries.length, 1);
  assert.equal(sub.deliveries[0]!.headers['content-type'], 'application/feed+json; charset=utf-8');
  assert.equal(sub.deliveries[0]!.headers['x-hub-signature'], undefined);
  assert.deepEqual((JSON.parse(sub.deliveries[0]!.body) as { items: { title: string }[] }).items.map((i) => i.title), ['News 2']);
});

test('unsubscribe is verified too, and ends deliveries', BOUNDED, async (t) => {
  const h = await startHubApp(t);
  const sub = await startSubscriber(t);
  await subscribed(h, sub);
  await publish(h, 1, ['ukraine']);
  assert.equal(sub.deliveries.length, 1);

  await request(h.app).post('/websub').type('form')
    .send({ 'hub.mode': 'unsubscribe', 'hub.topic': UKRAINE_RSS, 'hub.callback': sub.callback }).expect(202);
  await h.hub.idle();
  assert.equal(sub.verifications.length, 2);
  assert.equal(sub.verifications[1]!.get('hub.mode'), 'unsubscribe');
  assert.equal(sub.verifications[1]!.get('hub.lease_seconds'), null);
  assert.deepEqual(await h.store.listSubscriptions(), []);
  await publish(h, 2, ['ukraine']);
  assert.equal(sub.deliveries.length, 1, 'no delivery after unsubscribing');
});

test('a subscriber that hangs does not hold up another; its failure is retried, then logged with the cause', BOUNDED, async (t) => {
  const h = await startHubApp(t);
  const hanging = await startSubscriber(t, { deliver: 'hang' });
  const failing = await startSubscriber(t, { deliver: 'fail' });
  const good = await startSubscriber(t);
  for (const sub of [hanging, failing, good]) await subscribed(h, sub);
  await publish(h, 1, ['ukraine']);

  assert.equal(good.deliveries.length, 1);
  assert.ok(good.deliveries[0]!.at - hanging.attempts[0]! < HUB_TIMEOUT_MS, 'delivered while the other one was still hanging');
  assert.equal(hanging.attempts.length, 3, 'one attempt and two retries');
  assert.equal(failing.attempts.length, 3);
  const gaveUp = (callback: string) => h.logs.find((l) => l.msg.includes('giving up') && l.callback === callback);
  assert.match(gaveUp(hanging.callback)?.err ?? '', /^fetch: http:\/\/127\.0\.0\.1:\d+\/push\?sub=1: timeout after 1000 ms$/);
  assert.match(gaveUp(failing.callback)?.err ?? '', /: HTTP 500$/);
  assert.equal((await h.store.listSubscriptions()).length, 3, 'failures alone do not end a subscription');
});

test('a subscriber answering 410 Gone is unsubscribed', BOUNDED, async (t) => {
  const h = await startHubApp(t);
  const gone = await startSubscriber(t, { deliver: 'gone' });
  await subscribed(h, gone);
  await publish(h, 1, ['ukraine']);
  assert.equal(gone.attempts.length, 1, 'no retry after 410');
  assert.deepEqual(await h.store.listSubscriptions(), []);
});

test('feeds advertise the hub in RSS, Atom and JSON Feed, and in a Link header', BOUNDED, async (t) => {
  const h = await startHubApp(t);
  await h.store.upsertArticles([makeArticle(1, { topics: ['ukraine'] })]);
  const rss = await request(h.app).get('/feeds/ukraine.rss?limit=5').expect(200);
  assert.equal(rss.headers.link, `<${HUB_URL}>; rel="hub", <${BASE_URL}/feeds/ukraine.rss?limit=5>; rel="self"`);
  assert.match(rss.text, /<atom:link[^>]*rel="hub"[^>]*href="http:\/\/tidings\.test\/websub"|<atom:link[^>]*href="http:\/\/tidings\.test\/websub"[^>]*rel="hub"/);
  const atom = await request(h.app).get('/feeds/ukraine.atom').expect(200);
  assert.equal(atom.headers.link, `<${HUB_URL}>; rel="hub", <${BASE_URL}/feeds/ukraine.atom>; rel="self"`);
  assert.match(atom.text, /<link[^>]*rel="hub"[^>]*href="http:\/\/tidings\.test\/websub"|<link[^>]*href="http:\/\/tidings\.test\/websub"[^>]*rel="hub"/);
  const json = await request(h.app).get('/feeds/ukraine.json').expect(200);
  assert.deepEqual(json.body.hubs, [{ type: 'WebSub', url: HUB_URL }]);
  assert.match(String(json.headers.link), /rel="hub"/);
  // A revalidation keeps the header (RFC 9110: a 304 carries what a 200 would).
  await request(h.app).get('/feeds/ukraine.json').set('If-None-Match', String(json.headers.etag)).expect(304)
    .expect('Link', `<${HUB_URL}>; rel="hub", <${BASE_URL}/feeds/ukraine.json>; rel="self"`);
});

test('with the hub off: no hub in feeds, no Link header, and POST /websub is 404', BOUNDED, async (t) => {
  const store = await openStore('sqlite::memory:');
  const cache = await createCache({ maxEntries: 10, maxBytes: 1024 * 1024, ttlSeconds: 0 });
  t.after(async () => {
    cache.close();
    await store.close();
  });
  const app = createApp({
    store, cache, catalog: () => ({ topics: TEST_TOPICS, sources: [] }), log: silentLogger(),
    settings: { baseUrl: BASE_URL, siteTitle: 'Tidings', maxAgeSeconds: 300, staleWhileRevalidate: 60, corsOrigin: '*' },
  });
  const json = await request(app).get('/feeds/ukraine.json').expect(200);
  assert.equal(json.body.hubs, undefined);
  assert.equal(json.headers.link, undefined);
  const rss = await request(app).get('/feeds/ukraine.rss').expect(200);
  assert.doesNotMatch(rss.text, /rel="hub"/);
  await request(app).post('/websub').type('form').send({ 'hub.mode': 'subscribe' }).expect(404);
});

test('callbacks on loopback, private, link-local or reserved addresses are refused', BOUNDED, async () => {
  for (const host of ['127.0.0.1', '10.1.2.3', '172.20.0.1', '192.168.1.1', '169.254.169.254', '100.64.0.1', '0.0.0.0', '[::1]', '[fd00::1]', '[fe80::1]', '[::ffff:127.0.0.1]', '[::7f00:1]', '[2002:7f00:1::1]', '[64:ff9b::7f00:1]', '[100::1]', 'localhost']) {
    const reason = await refuseSpecialAddress(`http://${host}:8080/cb`);
    assert.equal(reason, 'callback host resolves to a non-public address', `${host} must be refused, without saying where it resolves`);
  }
  for (const host of ['93.184.216.34', '[2606:4700::1111]']) {
    assert.equal(await refuseSpecialAddress(`https://${host}/cb`), undefined, `${host} is public`);
  }
  assert.match((await refuseSpecialAddress('http://no-such-host.invalid/cb')) ?? '', /^cannot resolve no-such-host\.invalid \(ENOTFOUND\)$/);
});

test('by default the hub answers 400 to a callback on this machine and never calls it', BOUNDED, async (t) => {
  const h = await startHubApp(t, { allowPrivateCallbacks: false });
  const sub = await startSubscriber(t);
  const res = await subscribe(h.app, { 'hub.mode': 'subscribe', 'hub.topic': UKRAINE_RSS, 'hub.callback': sub.callback }).expect(400);
  assert.equal(res.body.parameter, 'hub.callback');
  assert.equal(res.body.message, 'hub.callback: callback host resolves to a non-public address; this hub only calls public addresses');
  await h.hub.idle();
  assert.equal(sub.verifications.length, 0);
  assert.equal(sub.attempts.length, 0);
});
