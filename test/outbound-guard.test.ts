// Where outgoing requests may connect: the address classification table, the connect-time guard
// against a rebinding name (a real resolver hook answering public, then 127.0.0.1, and a real server
// on 127.0.0.1 that must see nothing), and the sources' redirect and credential policy against the
// real upstream helper.

import assert from 'node:assert/strict';
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { test, type TestContext } from 'node:test';
import { fetch } from 'undici';
import { classifyAddress } from '../src/fetch/addresses.ts';
import { createGuardedAgent, NonPublicAddressError } from '../src/fetch/guarded-agent.ts';
import { FetchError, fetchFeed, userAgent } from '../src/fetch/remote.ts';
import { scriptedLookup } from './helpers/resolver.ts';
import { startUpstream, type Upstream } from './helpers/upstream.ts';

const UA = userAgent('0.1.0', 'https://tidings.example/');
const RSS = '<?xml version="1.0"?><rss version="2.0"><channel><title>T</title><item><title>A</title><guid>a</guid></item></channel></rss>';
const PUBLIC_IP = '93.184.216.34';


async function plainServer(t: TestContext, host: string, handler: http.RequestListener): Promise<{ port: number; hits: string[] }> {
  const hits: string[] = [];
  const server = http.createServer((req, res) => {
    hits.push(req.url ?? '');
    handler(req, res);
  });
  server.listen(0, host);
  await once(server, 'listening');
  t.after(async () => {
    server.closeAllConnections();
    server.close();
    await once(server, 'close');
  });
  return { port: (server.address() as AddressInfo).port, hits };
}

async function upstream(t: TestContext): Promise<Upstream> {
  const up = await startUpstream();
  t.after(() => up.close());
  return up;
}

async function fetchError(url: string, opts: Partial<Parameters<typeof fetchFeed>[1]> = {}): Promise<FetchError> {
  let caught: unknown;
  await assert.rejects(fetchFeed(url, { userAgent: UA, ...opts }), (err: unknown) => {
    caught = err;
    return true;
  });
  assert.ok(caught instanceof FetchError, `expected FetchError, got ${String(caught)}`);
  return caught;
}

// --- addresses --------------------------------------------------------------------------------

test('addresses: loopback, private, CGNAT, ULA are private; link-local, reserved and v4-in-v6 tricks are special', () => {
  const cases: [string, string][] = [
    ['127.0.0.1', 'private'], ['10.1.2.3', 'private'], ['172.20.0.1', 'private'], ['192.168.1.1', 'private'],
    ['100.64.0.1', 'private'], ['::1', 'private'], ['fd00::1', 'private'],
    ['169.254.169.254', 'special'], ['0.0.0.0', 'special'], ['224.0.0.1', 'special'], ['255.255.255.255', 'special'],
    ['192.0.2.1', 'special'], ['198.18.0.1', 'special'], ['fe80::1', 'special'], ['ff02::1', 'special'], ['::', 'special'],
    // IPv4-mapped: judged by the IPv4 address inside, in either spelling.
    ['::ffff:127.0.0.1', 'private'], ['::ffff:7f00:1', 'private'], ['::ffff:169.254.169.254', 'special'], ['::ffff:8.8.8.8', 'public'],
    // IPv4-compatible (deprecated) ::7f00:1, 6to4, NAT64 with a private IPv4, discard-only, Teredo, documentation.
    ['::7f00:1', 'special'], ['::127.0.0.1', 'special'], ['2002:7f00:1::1', 'special'], ['2002:808:808::1', 'special'],
    ['64:ff9b::7f00:1', 'private'], ['64:ff9b::a9fe:a9fe', 'special'], ['100::1', 'special'], ['2001::1', 'special'],
    ['2001:db8::1', 'special'], ['64:ff9b:1::1', 'special'],
    ['93.184.216.34', 'public'], ['8.8.8.8', 'public'], ['2606:4700::1111', 'public'], ['64:ff9b::808:808', 'public'],
    ['[::1]', 'private'], ['fe80::1%eth0', 'special'], ['not-an-address', 'special'],
  ];
  for (const [address, kind] of cases) assert.equal(classifyAddress(address), kind, address);
});

// --- the connect-time guard -------------------------------------------------------------------

test('a rebinding name (public to the check, 127.0.0.1 to the connection) is refused at connect time', async (t) => {
  const target = await plainServer(t, '127.0.0.1', (_req, res) => res.end('internal secret'));
  const lookup = scriptedLookup({ 'rebind.test': [PUBLIC_IP, '127.0.0.1'] });
  // The "check": the first resolution says public, as a pre-request guard would see it.
  await new Promise<void>((resolve) => lookup('rebind.test', { all: true }, () => resolve()));
  const agent = createGuardedAgent('public', { lookup });
  t.after(() => agent.close());
  await assert.rejects(fetch(`http://rebind.test:${target.port}/`, { dispatcher: agent }), (err: unknown) => {
    assert.ok(err instanceof Error && err.cause instanceof NonPublicAddressError, String(err));
    assert.equal(err.cause.message, 'rebind.test resolves to a non-public address');
    assert.doesNotMatch(err.cause.message, /127\.0\.0\.1/, 'the message never tells what the name resolves to');
    return true;
  });
  assert.deepEqual(lookup.calls, ['rebind.test', 'rebind.test'], 'the connection used the injected resolver');
  assert.deepEqual(target.hits, [], 'no request reached the internal server');

  // The same resolver under the "any" policy connects: the refusal above is the guard's, not DNS's.
  const open = createGuardedAgent('any', { lookup });
  t.after(() => open.close());
  const res = await fetch(`http://rebind.test:${target.port}/`, { dispatcher: open });
  assert.equal(await res.text(), 'internal secret');
});

test('address literals and IPv4-mapped forms are refused before connecting; a public stand-in connects', async (t) => {
  const target = await plainServer(t, '127.0.0.1', (_req, res) => res.end('ok'));
  const agent = createGuardedAgent('public');
  t.after(() => agent.close());
  for (const host of ['127.0.0.1', '[::ffff:127.0.0.1]', '[::1]', '169.254.169.254']) {
    await assert.rejects(fetch(`http://${host}:${target.port}/`, { dispatcher: agent }), (err: unknown) => {
      assert.ok(err instanceof Error && err.cause instanceof NonPublicAddressError, `${host}: ${String(err)}`);
      return true;
    });
  }
  assert.deepEqual(target.hits, []);
  const standIn = createGuardedAgent('public', { extraPublic: new Set(['127.0.0.1']) });
  t.after(() => standIn.close());
  assert.equal(await (await fetch(`http://127.0.0.1:${target.port}/`, { dispatcher: standIn })).text(), 'ok');
});

// --- sources: redirects -----------------------------------------------------------------------

test('a source on a private address still works, and may redirect within private networks', async (t) => {
  const up = await upstream(t);
  up.route('/old', { status: 302, location: '/feed.xml' });
  up.route('/feed.xml', { body: RSS, headers: { 'content-type': 'application/rss+xml' } });
  const out = await fetchFeed(up.url('/old'), { userAgent: UA });
  assert.equal(out.kind, 'ok');
  assert.equal(out.finalUrl, up.url('/feed.xml'));
});

test('a public source redirecting to a private address fails with a clear error; the private server sees nothing', async (t) => {
  const internal = await upstream(t); // 127.0.0.1: the operator's own network
  internal.route('/latest/meta-data', { body: 'secret-key' });
  // The public feed host: a real server on 127.0.0.2 that this test's rules count as public.
  const publicFeed = await plainServer(t, '127.0.0.2', (_req, res) => {
    res.writeHead(302, { location: internal.url('/latest/meta-data') }).end();
  });
  const network = { lookup: scriptedLookup({ 'feeds.example': ['127.0.0.2'] }), extraPublic: new Set(['127.0.0.2']) };
  const err = await fetchError(`http://feeds.example:${publicFeed.port}/feed`, { network });
  assert.match(err.message, /^fetch: http:\/\/feeds\.example:\d+\/feed: redirect to http:\/\/127\.0\.0\.1:\d+\/latest\/meta-data refused: 127\.0\.0\.1 resolves to a non-public address \(a source on a public address may not reach a private or link-local one/);
  assert.equal(publicFeed.hits.length, 1, 'the public hop was requested');
  assert.deepEqual(internal.requests(), [], 'the redirect was not followed');

  // Through a name that resolves privately, too: the address connected to is what is judged.
  const viaName = await plainServer(t, '127.0.0.2', (_req, res) => {
    res.writeHead(301, { location: `http://internal.example:${new URL(internal.origin).port}/latest/meta-data` }).end();
  });
  const named = { lookup: scriptedLookup({ 'feeds.example': ['127.0.0.2'], 'internal.example': ['127.0.0.1'] }), extraPublic: new Set(['127.0.0.2']) };
  const err2 = await fetchError(`http://feeds.example:${viaName.port}/feed`, { network: named });
  assert.match(err2.message, /internal\.example resolves to a non-public address/);
  assert.doesNotMatch(err2.message, /127\.0\.0\.1/);
  assert.deepEqual(internal.requests(), []);
});

test('no source, private or public, follows a redirect to the link-local metadata address', async (t) => {
  const up = await upstream(t);
  up.route('/feed.xml', { status: 302, location: 'http://169.254.169.254/latest/meta-data/' });
  const err = await fetchError(up.url('/feed.xml'), { connectTimeoutMs: 500, totalTimeoutMs: 2_000 });
  assert.match(err.message, /redirect to http:\/\/169\.254\.169\.254\/latest\/meta-data\/ refused: 169\.254\.169\.254 resolves to a non-public address \(a source may not redirect to a link-local or reserved address/);
});

test('a public source whose name rebinds to 127.0.0.1 on connect is refused', async (t) => {
  const internal = await upstream(t);
  internal.route('/feed', { body: RSS });
  const port = new URL(internal.origin).port;
  // Classification sees the public answer; the connection gets 127.0.0.1.
  const network = { lookup: scriptedLookup({ 'rebind.example': [PUBLIC_IP, '127.0.0.1'] }) };
  const err = await fetchError(`http://rebind.example:${port}/feed`, { network });
  assert.match(err.message, /rebind\.example:\d+\/feed refused: rebind\.example resolves to a non-public address/);
  assert.deepEqual(internal.requests(), []);
});

// --- sources: credentials ---------------------------------------------------------------------

test('user:pass@ sources send Basic auth to their origin only, never across a redirect to another', async (t) => {
  const up = await upstream(t);
  const other = await upstream(t);
  up.route('/private.xml', { status: 302, location: '/feed.xml' });
  up.route('/feed.xml', { body: RSS });
  up.route('/away', { status: 302, location: other.url('/feed.xml') });
  other.route('/feed.xml', { body: RSS });
  const withCredentials = (path: string): string => up.url(path).replace('http://', 'http://reader:p%40ss%3Aword@');

  const out = await fetchFeed(withCredentials('/private.xml'), { userAgent: UA });
  assert.equal(out.kind, 'ok');
  const expected = `Basic ${Buffer.from('reader:p@ss:word').toString('base64')}`;
  assert.equal(up.requests('/private.xml')[0]?.headers.authorization, expected);
  assert.equal(up.requests('/feed.xml')[0]?.headers.authorization, expected, 'kept on a same-origin redirect');
  assert.equal(out.finalUrl, up.url('/feed.xml'), 'the final URL carries no credentials');

  await fetchFeed(withCredentials('/away'), { userAgent: UA });
  assert.equal(up.requests('/away')[0]?.headers.authorization, expected);
  assert.equal(other.requests('/feed.xml')[0]?.headers.authorization, undefined, 'not forwarded to another origin');
});

test('a permanent same-origin move keeps the credentials; errors never show the password', async (t) => {
  const up = await upstream(t);
  up.route('/old.xml', { status: 301, location: '/new.xml' });
  up.route('/new.xml', { body: RSS });
  up.route('/denied.xml', { status: 401 });
  const base = up.url('/').replace('http://', 'http://reader:hunter2@');
  const out = await fetchFeed(`${base}old.xml`, { userAgent: UA });
  assert.equal(out.kind === 'ok' && out.permanentRedirect, `${base}new.xml`);
  const err = await fetchError(`${base}denied.xml`);
  assert.match(err.message, /^fetch: http:\/\/reader:\*\*\*@127\.0\.0\.1:\d+\/denied\.xml: HTTP 401$/);
  assert.doesNotMatch(err.message, /hunter2/);
});
