// The storage seam: every backend implements ArticleStore, and openStore(url) picks one by the URL's
// scheme. SQLite is the embedded default; a PostgreSQL backend plugs in here and must pass
// test/store.contract.ts like SQLite does.

import type { ArticleQuery, IndexedArticle, StoredArticle } from '../model.ts';
import { TidingsError } from '../errors.ts';
import type { PageRenderer } from './page-renderer.ts';
import { DEFAULT_STORY_WINDOW_HOURS, HOUR_MS, type RegroupOptions, type RegroupResult } from './stories.ts';

export interface UpsertResult {
  inserted: number;
  /** Articles whose stored content changed (their `updated` moved). */
  updated: number;
  unchanged: number;
}

/** A rendered page; `version` when renderQuery read the page itself (no queryVersion before it). */
export interface Rendition<O> {
  output: O;
  version?: QueryVersion;
}

/** A version of a query's result, cheap to compute without reading the articles. */
export interface QueryVersion {
  /** Changes whenever the result of the query may have changed (edits, additions, deletions). */
  tag: string;
  /** The newest change among the matching articles (or the epoch when none). */
  lastModified: Date;
}

/** What Tidings remembers of one remote source between polls. */
export interface SourceState {
  sourceId: string;
  /** The URL to poll; a 301 replaces the configured one. */
  url: string;
  /** The URL feeds/ named when this state was saved: a different one now means the config changed. */
  configuredUrl?: string;
  etag?: string;
  lastModified?: string;
  lastFetchAt?: Date;
  /** ok, not-modified, error, or gone (410: disabled until the config changes). */
  status: 'never' | 'ok' | 'not-modified' | 'error' | 'gone';
  error?: string;
  nextPollAt?: Date;
  consecutiveFailures: number;
  feedTitle?: string;
  /** The feed's RSS <ttl>, kept across 304s. */
  ttlMinutes?: number;
  /** The last Cache-Control max-age, kept across 304s. */
  maxAgeSeconds?: number;
  /** Set when the last body parsed only leniently: why (shown in /sources). */
  malformed?: string;
  /** Full-text fetches of a `fulltext: true` source: failures and articles awaiting a retry. */
  fulltext?: FulltextState;
  /** Hash of the last body stored in full (with what shaped its processing): the same bytes again skip the parse. */
  bodyHash?: string;
  /** Hashes of the items of that body as the source sent them: an unchanged item is not processed again. */
  itemHashes?: string[];
}

/** How fetching article pages goes for one source (see src/ingest/fulltext.ts). */
export interface FulltextState {
  /** Failed page fetches or extractions since the last success. */
  failures: number;
  /** The last failure, with the article URL it was for; cleared by a success. */
  lastError?: string;
  /** Articles still stored as teasers that will be tried again: article id → attempts so far and when next. */
  retries: Record<string, { attempts: number; nextAt: number }>;
  /** The walk through the teasers stored before full text was switched on (src/ingest/fulltext.ts). */
  backfill?: FulltextBackfill;
}

/** How far the backfill of a full-text source has come: newest first, `before` is where it goes on. */
export interface FulltextBackfill {
  before?: { published: number; id: string };
  /** Stored articles looked at so far. */
  examined: number;
  /** Of those, teasers that got their full text. */
  completed: number;
  done: boolean;
}

/** A WebSub subscriber whose intent was verified: `topicUrl`'s new content is POSTed to `callback`. */
export interface Subscription {
  /** One of our feed URLs, as the subscriber spelled it (it is sent back as rel="self"). */
  topicUrl: string;
  callback: string;
  /** Key of the X-Hub-Signature HMAC; absent when the subscriber gave none. */
  secret?: string;
  expiresAt: Date;
  createdAt: Date;
}

/** How countByTopic counts: see there. */
export interface TopicCountOptions {
  separate?: 'all' | readonly string[];
}

export interface ArticleRepository {
  /** Inserts new articles and updates changed ones, in one transaction. Idempotent. */
  upsertArticles(articles: IndexedArticle[]): Promise<UpsertResult>;
  /** Removes every article of `sourceId` whose id is not in `keepIds` (a local file was deleted). */
  removeArticlesNotIn(sourceId: string, keepIds: string[]): Promise<number>;
  /**
   * Recomputes the topics of every article `select` accepts (after the topic rules changed); returns
   * how many changed. Runs in batches so a large archive does not hold one long transaction.
   */
  reclassify(select: (article: StoredArticle) => boolean, topicsOf: (article: StoredArticle) => string[]): Promise<number>;
  getArticle(id: string): Promise<StoredArticle | undefined>;
  getArticleBySlug(slug: string): Promise<StoredArticle | undefined>;
  /**
   * Newest first, by (published desc, id desc). After queryVersion(query) with the same query object,
   * the page that version described (once), even if a write came between: a body then always matches
   * the version it is sent or delivered as.
   */
  queryArticles(query: ArticleQuery): Promise<StoredArticle[]>;
  /**
   * What the renderer's module makes of queryArticles(query), made on the query worker that reads
   * the page when the backend has one (SQLite's QUERY_WORKERS), else here. Its output comes back
   * structured-cloned from a worker: a Buffer arrives as a Uint8Array. After queryVersion(query) it
   * renders the page that version described; without one it reads the page, and its version comes
   * with the output (and goes to the renderer): a query asked for the first time then costs one
   * round trip to the query worker, not two.
   */
  renderQuery<I, O>(query: ArticleQuery, renderer: PageRenderer<I>): Promise<Rendition<O>>;
  queryVersion(query: ArticleQuery): Promise<QueryVersion>;
  /**
   * Stories per topic id: a story counts once, by its leader (which holds its copies' topics). Topics
   * in `separate` (topics.yaml `stories: off`; `'all'` for every topic) count every stored article.
   */
  countByTopic(options?: TopicCountOptions): Promise<Map<string, number>>;
  countArticles(): Promise<number>;
  /** Item count per source id (an article seen in two sources counts for both). */
  countBySource(): Promise<Map<string, number>>;
  /**
   * Merges stand-alone articles published since `options.since` into stories by the ingest rules
   * (after STORY_WINDOW_HOURS grew, or a batch of sources was added). Never moves an article that
   * leads copies or follows a leader; idempotent. See src/store/stories.ts (regroupStep).
   */
  regroupStories(options: RegroupOptions): Promise<RegroupResult>;
  /**
   * Stores the story signatures of those `articles` that are stored without one (local articles
   * stored before local articles were signed); their stored content is untouched. Returns how many.
   */
  addMissingSignatures(articles: IndexedArticle[]): Promise<number>;
}

/** A claim on one source for one poll (see claimSource). */
export interface SourceClaim {
  sourceId: string;
  url: string;
  owner: string;
  now: Date;
  until: Date;
  force?: boolean;
}

export interface SourceRepository {
  getSourceState(sourceId: string): Promise<SourceState | undefined>;
  saveSourceState(state: SourceState): Promise<void>;
  listSourceStates(): Promise<SourceState[]>;
  /**
   * Claims a source for one poll, atomically across processes: succeeds when no other owner holds an
   * unexpired lease AND (force, or the source has no saved nextPollAt, or nextPollAt <= now).
   * Creates the state row (status 'never', url = claim.url) when there is none. Returns whether
   * `owner` now holds the lease until `until`.
   */
  claimSource(claim: SourceClaim): Promise<boolean>;
  /** Ends `owner`'s lease on the source (no-op when another owner holds it or none). */
  releaseSource(sourceId: string, owner: string): Promise<void>;
  /** Takes or renews lock `name` for `owner` until `until` when it is free, expired, or already owner's. */
  tryLock(name: string, owner: string, now: Date, until: Date): Promise<boolean>;
  unlock(name: string, owner: string): Promise<void>;
}

export interface SubscriptionRepository {
  /** Adds or renews (same topic and callback) a WebSub subscription; purges expired ones. */
  saveSubscription(subscription: Subscription): Promise<void>;
  /** Returns whether there was one to remove. */
  removeSubscription(topicUrl: string, callback: string): Promise<boolean>;
  /** Unexpired subscriptions, of one topic URL or of all, ordered by topic then callback. */
  listSubscriptions(topicUrl?: string): Promise<Subscription[]>;
  /** Unexpired subscriptions, all or those whose callback URL has this host. */
  countSubscriptions(filter?: { callbackHost?: string }): Promise<number>;
  /** The content version last delivered to topicUrl's subscribers (undefined: never recorded). */
  getDeliveredVersion(topicUrl: string): Promise<string | undefined>;
  /**
   * Compare-and-set: records `next` as topicUrl's delivered version only if the stored one is still
   * `expected` (undefined = no row). Returns whether it was set: the one process that wins delivers.
   */
  swapDeliveredVersion(topicUrl: string, expected: string | undefined, next: string): Promise<boolean>;
}

export interface StoreLifecycle {
  /**
   * A number that grows with every write to the store: at once for this process's writes, within a
   * second for another process's.
   */
  currentRevision(): Promise<number>;
  /** Throws (a TidingsError 'store') unless the store can be read AND written right now (healthz). */
  probe(): Promise<void>;
  /** The connection pool's clients, for /metrics; undefined for a backend without a pool (SQLite). */
  poolStats(): PoolStats | undefined;
  /** The STORY_WINDOW_HOURS the stored stories were last grouped with; undefined until one is recorded. */
  recordedStoryWindow(): Promise<number | undefined>;
  /** Records that the stored stories are grouped with a window of `hours` (after a regroup). */
  recordStoryWindow(hours: number): Promise<void>;
  close(): Promise<void>;
}

export interface PoolStats {
  total: number;
  idle: number;
  /** Queries waiting for a client: above zero, DATABASE_POOL_SIZE is what they wait on. */
  waiting: number;
}

export type ArticleStore = ArticleRepository & SourceRepository & SubscriptionRepository & StoreLifecycle;

/** One flat store for callers out of a backend's per-aggregate parts. */
export function composeStore(
  articles: ArticleRepository,
  sources: SourceRepository,
  subscriptions: SubscriptionRepository,
  lifecycle: StoreLifecycle,
): ArticleStore {
  return {
    upsertArticles: (a) => articles.upsertArticles(a),
    removeArticlesNotIn: (s, keep) => articles.removeArticlesNotIn(s, keep),
    reclassify: (select, topicsOf) => articles.reclassify(select, topicsOf),
    getArticle: (id) => articles.getArticle(id),
    getArticleBySlug: (slug) => articles.getArticleBySlug(slug),
    queryArticles: (q) => articles.queryArticles(q),
    renderQuery: (q, renderer) => articles.renderQuery(q, renderer),
    queryVersion: (q) => articles.queryVersion(q),
    countByTopic: (options) => articles.countByTopic(options),
    countArticles: () => articles.countArticles(),
    countBySource: () => articles.countBySource(),
    regroupStories: (options) => articles.regroupStories(options),
    addMissingSignatures: (list) => articles.addMissingSignatures(list),
    getSourceState: (id) => sources.getSourceState(id),
    saveSourceState: (state) => sources.saveSourceState(state),
    listSourceStates: () => sources.listSourceStates(),
    claimSource: (claim) => sources.claimSource(claim),
    releaseSource: (id, owner) => sources.releaseSource(id, owner),
    tryLock: (name, owner, now, until) => sources.tryLock(name, owner, now, until),
    unlock: (name, owner) => sources.unlock(name, owner),
    saveSubscription: (s) => subscriptions.saveSubscription(s),
    removeSubscription: (t, c) => subscriptions.removeSubscription(t, c),
    listSubscriptions: (t) => subscriptions.listSubscriptions(t),
    countSubscriptions: (f) => subscriptions.countSubscriptions(f),
    getDeliveredVersion: (t) => subscriptions.getDeliveredVersion(t),
    swapDeliveredVersion: (t, e, n) => subscriptions.swapDeliveredVersion(t, e, n),
    currentRevision: () => lifecycle.currentRevision(),
    probe: () => lifecycle.probe(),
    poolStats: () => lifecycle.poolStats(),
    recordedStoryWindow: () => lifecycle.recordedStoryWindow(),
    recordStoryWindow: (hours) => lifecycle.recordStoryWindow(hours),
    close: () => lifecycle.close(),
  };
}

export interface StoreOptions {
  /** PostgreSQL: connections in the pool (default 10). */
  poolSize?: number;
  /** PostgreSQL: PGSSLMODE, for a URL without ?sslmode=. */
  sslMode?: string;
  /** SQLite: how long a write retries while another process holds the lock (default 30 s). */
  writeWaitMs?: number;
  /** SQLite, QUERY_WORKERS: worker threads that run feed page reads (default 0: in process). */
  queryWorkers?: number;
  /** STORY_WINDOW_HOURS: how far apart two sources' copies of one story may be published (default 72). */
  storyWindowHours?: number;
}

/**
 * Opens the backend named by a DATABASE_URL: `postgres://…` or `postgresql://…` (PostgreSQL), else
 * SQLite: `sqlite:path`, `file:path`, a bare path, or `:memory:`.
 */
export async function openStore(databaseUrl: string, options: StoreOptions = {}): Promise<ArticleStore> {
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(databaseUrl)?.[1]?.toLowerCase();
  const storyWindowMs = (options.storyWindowHours ?? DEFAULT_STORY_WINDOW_HOURS) * HOUR_MS;
  if (scheme === 'postgres' || scheme === 'postgresql') {
    const { openPostgresStore } = await import('./postgres/index.ts');
    return openPostgresStore(databaseUrl, {
      ...(options.poolSize === undefined ? {} : { poolSize: options.poolSize }),
      ...(options.sslMode === undefined ? {} : { sslMode: options.sslMode }),
    }, storyWindowMs);
  }
  if (scheme === undefined || scheme === 'sqlite' || scheme === 'file' || databaseUrl === ':memory:') {
    const { openSqliteStore } = await import('./sqlite/index.ts');
    return openSqliteStore(sqlitePath(databaseUrl), {
      ...(options.writeWaitMs === undefined ? {} : { writeWaitMs: options.writeWaitMs }),
      ...(options.queryWorkers === undefined ? {} : { queryWorkers: options.queryWorkers }),
    }, storyWindowMs);
  }
  throw new TidingsError('config', 'DATABASE_URL', `unsupported scheme "${scheme}:" (use sqlite:path or postgres://…)`);
}

function sqlitePath(databaseUrl: string): string {
  if (databaseUrl === ':memory:' || databaseUrl === 'sqlite::memory:') return ':memory:';
  return databaseUrl.replace(/^(sqlite|file):(\/\/)?/i, '');
}
