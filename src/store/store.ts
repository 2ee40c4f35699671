// The storage seam: every backend implements ArticleStore, and openStore(url) picks one by the URL's
// scheme. SQLite is the embedded default; a PostgreSQL backend plugs in here and must pass
// test/store.contract.ts like SQLite does.

import type { Article, ArticleQuery, StoredArticle } from '../model.ts';
import { TidingsError } from '../errors.ts';

export interface UpsertResult {
  inserted: number;
  /** Articles whose stored content changed (their `updated` moved). */
  updated: number;
  unchanged: number;
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
  /** The last body was malformed XML read leniently: the strict error and what was repaired. */
  malformed?: string;
  nextPollAt?: Date;
  consecutiveFailures: number;
  feedTitle?: string;
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

export interface ArticleStore {
  /** Inserts new articles and updates changed ones, in one transaction. Idempotent. */
  upsertArticles(articles: Article[]): Promise<UpsertResult>;
  /** Removes every article of `sourceId` whose id is not in `keepIds` (a local file was deleted). */
  removeArticlesNotIn(sourceId: string, keepIds: string[]): Promise<number>;
  /**
   * Recomputes the topics of every article `select` accepts (after the topic rules changed); returns
   * how many changed. Runs in batches so a large archive does not hold one long transaction.
   */
  reclassify(select: (article: StoredArticle) => boolean, topicsOf: (article: StoredArticle) => string[]): Promise<number>;
  getArticle(id: string): Promise<StoredArticle | undefined>;
  getArticleBySlug(slug: string): Promise<StoredArticle | undefined>;
  /** Newest first, by (published desc, id desc). */
  queryArticles(query: ArticleQuery): Promise<StoredArticle[]>;
  queryVersion(query: ArticleQuery): Promise<QueryVersion>;
  /** Number of stored articles per topic id. */
  countByTopic(): Promise<Map<string, number>>;
  countArticles(): Promise<number>;
  /** Item count per source id (an article seen in two sources counts for both). */
  countBySource(): Promise<Map<string, number>>;
  getSourceState(sourceId: string): Promise<SourceState | undefined>;
  saveSourceState(state: SourceState): Promise<void>;
  listSourceStates(): Promise<SourceState[]>;
  /** Adds or renews (same topic and callback) a WebSub subscription; purges expired ones. */
  saveSubscription(subscription: Subscription): Promise<void>;
  /** Returns whether there was one to remove. */
  removeSubscription(topicUrl: string, callback: string): Promise<boolean>;
  /** Unexpired subscriptions, of one topic URL or of all, ordered by topic then callback. */
  listSubscriptions(topicUrl?: string): Promise<Subscription[]>;
  /**
   * A number that grows with every write to the store: at once for this process's writes, within a
   * second for another process's.
   */
  currentRevision(): Promise<number>;
  close(): Promise<void>;
}

/** Opens the backend named by a DATABASE_URL: `sqlite:path`, `file:path`, a bare path, or `:memory:`. */
export async function openStore(databaseUrl: string): Promise<ArticleStore> {
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(databaseUrl)?.[1]?.toLowerCase();
  if (scheme === 'postgres' || scheme === 'postgresql') {
    throw new TidingsError('config', 'DATABASE_URL', 'PostgreSQL is not implemented yet; use a sqlite: URL');
  }
  if (scheme === undefined || scheme === 'sqlite' || scheme === 'file' || databaseUrl === ':memory:') {
    const { openSqliteStore } = await import('./sqlite.ts');
    return openSqliteStore(sqlitePath(databaseUrl));
  }
  throw new TidingsError('config', 'DATABASE_URL', `unsupported scheme "${scheme}:" (use sqlite:path)`);
}

function sqlitePath(databaseUrl: string): string {
  if (databaseUrl === ':memory:' || databaseUrl === 'sqlite::memory:') return ':memory:';
  return databaseUrl.replace(/^(sqlite|file):(\/\/)?/i, '');
}
