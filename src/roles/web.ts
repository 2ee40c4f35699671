// The web role: serves HTTP (feeds, pages, WebSub subscription requests, /metrics) from the store and
// never polls. Any number of web processes can share one store: each feed's cache key carries the
// content version read at the store's current revision, so a worker's commit is served within about a
// second by every instance, never stale bytes from an in-process cache. A front door before Express
// answers repeats of cached URLs (src/http/front-door.ts); Express answers the rest and fills the cache.

import { createServer, type RequestListener, type Server } from 'node:http';
import { createApp } from '../app.ts';
import { createCache, type ResponseCache } from '../cache/cache.ts';
import type { EnvConfig, FeedsConfig } from '../config.ts';
import { TidingsError } from '../errors.ts';
import type { HttpSettings } from '../http/deps.ts';
import { FrontDoorRecords, withFrontDoor } from '../http/front-door.ts';
import type { Logger } from '../log.ts';
import type { Metrics } from '../metrics.ts';
import type { ArticleStore } from '../store/store.ts';
import type { WebSubHub } from '../websub/hub.ts';

const CACHE_MAX_ENTRIES = 5_000;

export interface WebDeps {
  env: EnvConfig;
  settings: HttpSettings;
  store: ArticleStore;
  catalog: () => FeedsConfig;
  log: Logger;
  metrics: Metrics;
  websub?: WebSubHub;
}

export interface WebRole {
  /** Where this process answers (`http://localhost:<port>` style, from BASE_URL's host when local). */
  readonly port: number;
  close(): Promise<void>;
}

export async function startWeb(deps: WebDeps): Promise<WebRole> {
  const cache: ResponseCache = await createCache({ maxEntries: CACHE_MAX_ENTRIES, maxBytes: deps.env.cacheMaxBytes, ttlSeconds: 0 });
  deps.metrics.attach({ cacheStats: () => cache.stats() });
  const frontDoor = new FrontDoorRecords();
  const app = createApp({
    store: deps.store,
    cache,
    catalog: deps.catalog,
    settings: deps.settings,
    log: deps.log,
    metrics: deps.metrics,
    frontDoor,
    ...(deps.websub ? { websub: deps.websub } : {}),
  });
  const door = withFrontDoor({ store: deps.store, cache, catalog: deps.catalog, records: frontDoor, metrics: deps.metrics }, app);
  let server: Server;
  try {
    server = await listen(door, deps.env.port);
  } catch (err) {
    cache.close();
    throw err;
  }
  return {
    port: deps.env.port,
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      await closed;
      cache.close();
    },
  };
}

/**
 * Listens on `port`, resolving once bound. Express 5's app.listen hands a bind error to its callback,
 * where it is easy to ignore; here EADDRINUSE and EACCES reject with one clear message instead.
 */
export function listen(app: RequestListener, port: number): Promise<Server> {
  const server = createServer(app);
  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException): void => {
      const why = err.code === 'EADDRINUSE'
        ? `port ${port} is already in use by another program; stop it or set PORT to a free port`
        : err.code === 'EACCES'
          ? `port ${port} needs privileges this process does not have; set PORT above 1023`
          : `cannot listen on port ${port}: ${err.message}`;
      reject(new TidingsError('config', 'PORT', why, { cause: err }));
    };
    server.once('error', onError);
    server.listen(port, () => {
      server.off('error', onError);
      resolve(server);
    });
  });
}
