// What one process tells Prometheus about itself (GET /metrics): HTTP requests, the response cache,
// polls, the source schedule, WebSub and the store. One registry per process; the modules that do
// the work get the counters they increment, and gauges read their sources when scraped.

import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { CacheStats } from './cache/cache.ts';

export type PollOutcomeLabel = 'ok' | 'not-modified' | 'error' | 'gone';
import type { DeliveryOutcome } from './websub/delivery.ts';

/** Read when scraped: each is optional because a role may not have it (a web process polls nothing). */
export interface MetricSources {
  cacheStats?: () => CacheStats;
  subscriptions?: () => Promise<number>;
  /** Connections of the store's pool in use and in total, when the backend can tell. */
  storePool?: () => { total: number; idle: number; waiting: number } | undefined;
}

export interface Metrics {
  readonly registry: Registry;
  /** Counts one HTTP request; `route` is the route pattern (`/feeds/:spec`), never the raw path. */
  observeRequest(route: string, method: string, status: number, seconds: number): void;
  observePoll(outcome: PollOutcomeLabel, seconds: number): void;
  /** Sources due now (read by the scheduler on each scan) and leased by this process. */
  setSources(due: number, leased: number): void;
  observeDelivery(outcome: DeliveryOutcome): void;
  /** Attaches what is read at scrape time (the cache and store exist only after the metrics do). */
  attach(sources: MetricSources): void;
  /** The Prometheus text exposition. */
  render(): Promise<{ contentType: string; body: string }>;
}

const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];
const POLL_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

export function createMetrics(labels: { role: string }): Metrics {
  const registry = new Registry();
  registry.setDefaultLabels({ role: labels.role });
  collectDefaultMetrics({ register: registry, prefix: 'tidings_' });
  let sources: MetricSources = {};

  const requests = new Histogram({
    name: 'tidings_http_request_duration_seconds',
    help: 'HTTP requests by route, method and status, with their latency',
    labelNames: ['route', 'method', 'status'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [registry],
  });
  const polls = new Histogram({
    name: 'tidings_poll_duration_seconds',
    help: 'Polls of remote sources by outcome, with their duration',
    labelNames: ['outcome'] as const,
    buckets: POLL_BUCKETS,
    registers: [registry],
  });
  const due = new Gauge({ name: 'tidings_sources_due', help: 'Sources due for a poll at the last scan', registers: [registry] });
  const leased = new Gauge({ name: 'tidings_sources_leased', help: 'Sources this process holds a poll lease on', registers: [registry] });
  const deliveries = new Counter({
    name: 'tidings_websub_deliveries_total',
    help: 'WebSub content deliveries to subscribers by outcome',
    labelNames: ['outcome'] as const,
    registers: [registry],
  });
  new Gauge({
    name: 'tidings_websub_subscriptions',
    help: 'Unexpired WebSub subscriptions in the store',
    registers: [registry],
    async collect() {
      if (sources.subscriptions) this.set(await sources.subscriptions());
    },
  });
  const cacheGauge = (name: string, help: string, read: (s: CacheStats) => number): void => {
    new Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        const stats = sources.cacheStats?.();
        if (stats) this.set(read(stats));
      },
    });
  };
  // The cache keeps running totals; a gauge of a total is how prom-client exposes a foreign counter.
  cacheGauge('tidings_cache_hits', 'Rendered-response cache hits since start', (s) => s.hits);
  cacheGauge('tidings_cache_misses', 'Rendered-response cache misses since start', (s) => s.misses);
  cacheGauge('tidings_cache_bytes', 'Bytes held by the rendered-response cache', (s) => s.bytes);
  cacheGauge('tidings_cache_entries', 'Entries in the rendered-response cache', (s) => s.entries);
  cacheGauge('tidings_cache_evictions', 'Entries evicted from the cache since start', (s) => s.evictions);
  new Gauge({
    name: 'tidings_store_pool_connections',
    help: 'Store connection pool: total, idle and waiting clients (PostgreSQL)',
    labelNames: ['state'] as const,
    registers: [registry],
    collect() {
      const pool = sources.storePool?.();
      if (!pool) return;
      this.set({ state: 'total' }, pool.total);
      this.set({ state: 'idle' }, pool.idle);
      this.set({ state: 'waiting' }, pool.waiting);
    },
  });

  return {
    registry,
    observeRequest(route, method, status, seconds) {
      requests.observe({ route, method, status: String(status) }, seconds);
    },
    observePoll(outcome, seconds) {
      polls.observe({ outcome }, seconds);
    },
    setSources(dueCount, leasedCount) {
      due.set(dueCount);
      leased.set(leasedCount);
    },
    observeDelivery(outcome) {
      deliveries.inc({ outcome });
    },
    attach(next) {
      sources = { ...sources, ...next };
    },
    async render() {
      return { contentType: registry.contentType, body: await registry.metrics() };
    },
  };
}
