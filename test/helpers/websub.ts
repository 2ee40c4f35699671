// The WebSub hub's test rig: the Tidings app with its hub on a real SQLite store (in memory or a file
// several hubs share), and subscribers that are real HTTP servers on 127.0.0.1 (they echo challenges,
// record deliveries and check the HMAC), reachable under any name through a scripted resolver.

import { type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import request from 'supertest';
import { createApp } from '../../src/app.ts';
import { createCache } from '../../src/cache/cache.ts';
import type { HttpSettings } from '../../src/http/deps.ts';
import { feedTopicResolver } from '../../src/http/websub.ts';
import { createLogger, silentLogger } from '../../src/log.ts';
import { openStore, type ArticleStore } from '../../src/store/store.ts';
import { createHub, type HubOptions, type TopicResolution, type WebSubHub } from '../../src/websub/hub.ts';
import { BASE_URL, TEST_TOPICS } from './app.ts';
import { makeArticle } from '../store.contract.ts';

export const HUB_URL = `${BASE_URL}/websub`;
export const UKRAINE_RSS = `${BASE_URL}/feeds/ukraine.rss`;
export const HUB_TIMEOUT_MS = 1_000;
/** Every test ends: the slowest waits out three hub timeouts. */
export const BOUNDED = { timeout: 20_000 };

export interface HubApp {
  app: ReturnType<typeof createApp>;
  store: ArticleStore;
  hub: WebSubHub;
  logs: { msg: string; callback?: string; err?: string; reason?: string }[];
  /** How many times a feed was rendered for distribution. */
  renders: () => number;
  /** Stops this hub and closes its store (also done after the test). */
  stop: () => Promise<void>;
}

export interface HubAppOptions extends Partial<Omit<HubOptions, 'store' | 'hubUrl' | 'resolveTopic' | 'log'>> {
  /** Default: a fresh in-memory store. A file URL lets several hubs (processes) share one store. */
  databaseUrl?: string;
  /** Runs before each render of a feed for distribution; a throw makes that render fail. */
  beforeRender?: () => void;
}

/** A fresh app with the hub on (short timeouts and retries), its log lines captured. */
export async function startHubApp(t: TestContext, options: HubAppOptions = {}): Promise<HubApp> {
  const { databaseUrl = 'sqlite::memory:', beforeRender, ...hubOptions } = options;
  const store = await openStore(databaseUrl);
  const cache = await createCache({ maxEntries: 100, maxBytes: 8 * 1024 * 1024, ttlSeconds: 0 });
  const catalog = { topics: TEST_TOPICS, sources: [] };
  const settings: HttpSettings = {
    baseUrl: BASE_URL, siteTitle: 'Tidings', maxAgeSeconds: 300, staleWhileRevalidate: 60, corsOrigin: '*', hubUrl: HUB_URL,
    // These tests subscribe dozens of callbacks from one client: the per-client POST limit is not theirs.
    limits: { websubPerMinute: 10_000 },
  };
  const logs: HubApp['logs'] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) logs.push(JSON.parse(line) as HubApp['logs'][number]);
      done();
    },
  });
  let renders = 0;
  const resolve = feedTopicResolver({ store, catalog: () => catalog, settings });
  const countingResolver = (url: string): TopicResolution => {
    const topic = resolve(url);
    if (topic.kind === 'unknown') return topic;
    return {
      ...topic,
      render: async (lastModified) => {
        renders += 1;
        beforeRender?.();
        return topic.render(lastModified);
      },
    };
  };
  const hub = createHub({
    store,
    hubUrl: HUB_URL,
    resolveTopic: countingResolver,
    log: createLogger('debug', sink),
    timeoutMs: HUB_TIMEOUT_MS,
    retryDelaysMs: [20, 20],
    // Subscribers in these tests listen on 127.0.0.1; the default refusal has its own test.
    allowPrivateCallbacks: true,
    ...hubOptions,
  });
  const app = createApp({ store, cache, catalog: () => catalog, settings, log: silentLogger(), websub: hub });
  let stopped: Promise<void> | undefined;
  const stop = (): Promise<void> => (stopped ??= (async () => {
    await hub.close();
    cache.close();
    await store.close();
  })());
  t.after(stop);
  return { app, store, hub, logs, renders: () => renders, stop };
}


export interface Delivery {
  headers: IncomingHttpHeaders;
  body: string;
  signatureValid?: boolean;
  at: number;
}

export interface Subscriber {
  /** The callback URL, with a query parameter of its own the hub must keep. */
  callback: string;
  verifications: URLSearchParams[];
  deliveries: Delivery[];
  /** POSTs received, whatever was answered. */
  attempts: number[];
  /** Stops answering and drops open connections, so a hanging request fails now (also done after the test). */
  close(): Promise<void>;
}

export type Behaviour = {
  verify?: 'echo' | 'wrong-echo' | 'refuse' | 'hang';
  deliver?: 'ok' | 'fail' | 'hang' | 'gone';
  secret?: string;
  /** The name the callback URL uses instead of 127.0.0.1 (resolve it with scriptedLookup). */
  hostname?: string;
};

export async function startSubscriber(t: TestContext, behaviour: Behaviour = {}): Promise<Subscriber> {
  const { verify = 'echo', deliver = 'ok', secret, hostname = '127.0.0.1' } = behaviour;
  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    })();
    return closing;
  };
  const sub: Subscriber = { callback: '', verifications: [], deliveries: [], attempts: [], close };
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (req.method === 'GET') {
      sub.verifications.push(url.searchParams);
      if (verify === 'hang') return; // never answers: the hub's timeout must end it
      if (verify === 'refuse') res.writeHead(404).end('no such subscription');
      else res.writeHead(200, { 'Content-Type': 'text/plain' }).end(verify === 'echo' ? url.searchParams.get('hub.challenge') ?? '' : 'not the challenge');
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      sub.attempts.push(Date.now());
      if (deliver === 'hang') return; // never answers: the hub's timeout must end it
      if (deliver === 'fail') return void res.writeHead(500).end('broken');
      if (deliver === 'gone') return void res.writeHead(410).end('gone');
      const body = Buffer.concat(chunks);
      const delivery: Delivery = { headers: req.headers, body: body.toString('utf8'), at: Date.now() };
      if (secret !== undefined) {
        delivery.signatureValid = req.headers['x-hub-signature'] === `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
      }
      sub.deliveries.push(delivery);
      res.writeHead(204).end();
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  sub.callback = `http://${hostname}:${(server.address() as AddressInfo).port}/push?sub=1`;
  t.after(close);
  return sub;
}

export function subscribe(app: HubApp['app'], fields: Record<string, string>) {
  return request(app).post('/websub').type('form').send({ 'hub.mode': 'subscribe', 'hub.topic': UKRAINE_RSS, ...fields });
}

/** Subscribes and waits for the verification to finish. */
export async function subscribed(h: HubApp, sub: Subscriber, fields: Record<string, string> = {}): Promise<void> {
  await subscribe(h.app, { 'hub.callback': sub.callback, ...fields }).expect(202);
  await h.hub.idle();
  assert.equal(sub.verifications.length, 1, 'one verification request');
}

/** What a new article in `topics` looks like to the hub: a store write, then notify(). */
export async function publish(h: HubApp, n: number, topics: string[]): Promise<void> {
  await h.store.upsertArticles([makeArticle(n, { title: `News ${n}`, topics })]);
  await h.hub.notify();
  await h.hub.idle();
}

/** Resolves once `check` holds, polling; fails after `ms`. */
export async function eventually(check: () => boolean | Promise<boolean>, ms: number, what: string): Promise<number> {
  const started = Date.now();
  while (!(await check())) {
    if (Date.now() - started > ms) assert.fail(`${what}: not within ${ms} ms`);
    await sleep(10);
  }
  return Date.now() - started;
}
