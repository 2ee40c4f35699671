// The embedded SQLite backend (better-sqlite3 12, WAL). Synchronous underneath; the async interface is
// what lets a PostgreSQL backend replace it. Every batch is one transaction.

import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { Database as Db, Statement } from 'better-sqlite3';
import type { Article, ArticleQuery, StoredArticle } from '../model.ts';
import { TidingsError, describeError } from '../errors.ts';
import { htmlToText } from '../normalize/html.ts';
import { migrations } from './migrations.ts';
import { toFtsQuery } from './sqlite-fts.ts';
import type { ArticleStore, QueryVersion, SourceState, Subscription, UpsertResult } from './store.ts';

interface ArticleRow {
  rowid: number;
  id: string;
  slug: string | null;
  title: string;
  url: string;
  summary: string;
  content_html: string;
  published: number;
  updated: number;
  authors: string;
  language: string | null;
  source_id: string;
  categories: string;
  topics: string;
  image: string | null;
  enclosures: string;
  content_hash: string;
  revision: number;
}

/** What an article page needs of a row: not the bookkeeping (content hash, revision, change time). */
const PUBLISHED_COLUMNS = 'id, slug, title, url, summary, content_html, published, updated, authors, language, source_id, categories, topics, image, enclosures';
type PublishedRow = Pick<ArticleRow, 'id' | 'slug' | 'title' | 'url' | 'summary' | 'content_html' | 'published' | 'updated' |
  'authors' | 'language' | 'source_id' | 'categories' | 'topics' | 'image' | 'enclosures'>;

/** A page's article with what its version is made of, read by the query that finds the page. */
interface PageRow {
  id: string;
  revision: number;
  changed_at: number;
}
const PAGE_VERSION_COLUMNS = 'a.revision AS revision, a.changed_at AS changed_at';

interface SourceStateRow {
  source_id: string;
  url: string;
  etag: string | null;
  last_modified: string | null;
  last_fetch_at: number | null;
  status: SourceState['status'];
  error: string | null;
  next_poll_at: number | null;
  consecutive_failures: number;
  feed_title: string | null;
  configured_url: string | null;
}

interface SubscriptionRow {
  topic_url: string;
  callback: string;
  secret: string | null;
  expires_at: number;
  created_at: number;
}

type Param = string | number;

/** How stale currentRevision may be about writes made by another process. */
const EXTERNAL_WRITE_LAG_MS = 1000;

export function openSqliteStore(path: string): ArticleStore {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  let db: Db;
  try {
    db = new Database(path);
  } catch (err) {
    throw new TidingsError('store', path, `cannot open SQLite database: ${describeError(err)}`, { cause: err });
  }
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  // Checkpoint after ~40 MB of WAL instead of the default ~4 MB: one feed's batch rewrites the same
  // index and full-text pages many times over, and a rarer checkpoint copies each of them back once.
  db.pragma('wal_autocheckpoint = 10000');
  db.pragma('foreign_keys = ON');
  migrate(db, path);
  return new SqliteStore(db);
}

function migrate(db: Db, path: string): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > migrations.length) {
    throw new TidingsError('store', path, `database is at schema ${current}, newer than this Tidings (${migrations.length})`);
  }
  for (let version = current; version < migrations.length; version++) {
    db.transaction(() => {
      db.exec(migrations[version] as string);
      db.pragma(`user_version = ${version + 1}`);
    })();
  }
}

/** Hash of what a reader sees of an article; `updated` moves only when this changes. */
function contentHash(a: Article): string {
  const seen = [a.title, a.url, a.summary, a.contentHtml, a.published.getTime(), a.authors, a.language ?? '',
    a.categories, a.image ?? '', a.enclosures];
  return createHash('sha256').update(JSON.stringify(seen)).digest('base64url');
}

function sameSet(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((x) => b.includes(x));
}

class SqliteStore implements ArticleStore {
  private readonly db: Db;
  private readonly stmts;
  private readonly statementCache = new Map<string, Statement<Param[], unknown>>();
  private knownRevision = { value: 0, readAt: Number.NEGATIVE_INFINITY };
  /** Set when a write may have taken an article out of some topic (see markRemoval). */
  private topicsRewritten = false;
  /** The last page computed: queryVersion and queryArticles of one request share it. */
  private lastPage: { query: ArticleQuery; revision: number; rows: PageRow[] } | undefined;

  constructor(db: Db) {
    this.db = db;
    this.stmts = {
      byId: db.prepare<[string], ArticleRow>(`SELECT rowid, * FROM articles WHERE id = ?`),
      publishedById: db.prepare<[string], PublishedRow>(`SELECT ${PUBLISHED_COLUMNS} FROM articles WHERE id = ?`),
      byUrl: db.prepare<[string], ArticleRow>(`SELECT rowid, * FROM articles WHERE url = ? LIMIT 1`),
      bySlug: db.prepare<[string], PublishedRow>(`SELECT ${PUBLISHED_COLUMNS} FROM articles WHERE slug = ?`),
      insert: db.prepare(`INSERT INTO articles (id, slug, title, url, summary, content_html, published,
        updated, authors, language, source_id, categories, topics, image, enclosures, content_hash, revision, changed_at)
        VALUES (@id, @slug, @title, @url, @summary, @content_html, @published, @updated, @authors,
        @language, @source_id, @categories, @topics, @image, @enclosures, @content_hash, @revision, @changed_at)`),
      update: db.prepare(`UPDATE articles SET slug = @slug, title = @title, url = @url, summary = @summary,
        content_html = @content_html, published = @published, updated = @updated,
        authors = @authors, language = @language, source_id = @source_id, categories = @categories,
        topics = @topics, image = @image, enclosures = @enclosures, content_hash = @content_hash,
        revision = @revision, changed_at = @changed_at WHERE id = @id`),
      indexText: db.prepare<[number | bigint, string, string, string]>(
        `INSERT INTO articles_fts (rowid, title, summary, body_text) VALUES (?, ?, ?, ?)`),
      unindexText: db.prepare<[number]>(`DELETE FROM articles_fts WHERE rowid = ?`),
      setTopics: db.prepare(`UPDATE articles SET topics = ?, revision = ?, changed_at = ? WHERE id = ?`),
      deleteTopics: db.prepare(`DELETE FROM article_topics WHERE article_id = ?`),
      insertTopic: db.prepare(`INSERT OR IGNORE INTO article_topics (topic, published, article_id) VALUES (?, ?, ?)`),
      addSource: db.prepare(`INSERT OR IGNORE INTO article_sources (article_id, source_id) VALUES (?, ?)`),
      sourcesOf: db.prepare<[string], { source_id: string }>(`SELECT source_id FROM article_sources WHERE article_id = ? ORDER BY source_id`),
      idsOfSource: db.prepare<[string], { article_id: string }>(`SELECT article_id FROM article_sources WHERE source_id = ?`),
      dropSource: db.prepare(`DELETE FROM article_sources WHERE article_id = ? AND source_id = ?`),
      sourceCount: db.prepare<[string], { n: number }>(`SELECT count(*) AS n FROM article_sources WHERE article_id = ?`),
      deleteArticle: db.prepare(`DELETE FROM articles WHERE id = ?`),
      getMeta: db.prepare<[string], { value: number }>(`SELECT value FROM meta WHERE key = ?`),
      setMeta: db.prepare(`UPDATE meta SET value = ? WHERE key = ?`),
      countByTopic: db.prepare<[], { topic: string; n: number }>(`SELECT topic, count(*) AS n FROM article_topics GROUP BY topic`),
      countBySource: db.prepare<[], { source_id: string; n: number }>(`SELECT source_id, count(*) AS n FROM article_sources GROUP BY source_id`),
      countAll: db.prepare<[], { n: number }>(`SELECT count(*) AS n FROM articles`),
      getState: db.prepare<[string], SourceStateRow>(`SELECT * FROM source_state WHERE source_id = ?`),
      listStates: db.prepare<[], SourceStateRow>(`SELECT * FROM source_state ORDER BY source_id`),
      saveState: db.prepare(`INSERT INTO source_state (source_id, url, etag, last_modified, last_fetch_at, status, error,
        next_poll_at, consecutive_failures, feed_title, configured_url) VALUES (@source_id, @url, @etag, @last_modified,
        @last_fetch_at, @status, @error, @next_poll_at, @consecutive_failures, @feed_title, @configured_url)
        ON CONFLICT (source_id) DO UPDATE SET url = excluded.url, etag = excluded.etag,
        last_modified = excluded.last_modified, last_fetch_at = excluded.last_fetch_at, status = excluded.status,
        error = excluded.error, next_poll_at = excluded.next_poll_at,
        consecutive_failures = excluded.consecutive_failures, feed_title = excluded.feed_title,
        configured_url = excluded.configured_url`),
      saveSubscription: db.prepare(`INSERT INTO websub_subscriptions (topic_url, callback, secret, expires_at, created_at)
        VALUES (@topic_url, @callback, @secret, @expires_at, @created_at) ON CONFLICT (topic_url, callback) DO UPDATE
        SET secret = excluded.secret, expires_at = excluded.expires_at`),
      removeSubscription: db.prepare(`DELETE FROM websub_subscriptions WHERE topic_url = ? AND callback = ?`),
      purgeSubscriptions: db.prepare(`DELETE FROM websub_subscriptions WHERE expires_at <= ?`),
      listSubscriptions: db.prepare<[number], SubscriptionRow>(
        `SELECT * FROM websub_subscriptions WHERE expires_at > ? ORDER BY topic_url, callback`),
      topicSubscriptions: db.prepare<[string, number], SubscriptionRow>(
        `SELECT * FROM websub_subscriptions WHERE topic_url = ? AND expires_at > ? ORDER BY callback`),
    } as const;
  }

  /** Filters make many distinct SQL texts; preparing each once keeps a cache miss cheap. */
  private prepared<Row>(sql: string): Statement<Param[], Row> {
    let stmt = this.statementCache.get(sql);
    if (!stmt) {
      stmt = this.db.prepare<Param[], unknown>(sql);
      if (this.statementCache.size > 500) this.statementCache.clear();
      this.statementCache.set(sql, stmt);
    }
    return stmt as Statement<Param[], Row>;
  }

  private meta(key: string): number {
    return this.stmts.getMeta.get(key)?.value ?? 0;
  }

  private nextRevision(): number {
    const revision = this.meta('revision') + 1;
    this.stmts.setMeta.run(revision, 'revision');
    this.knownRevision = { value: revision, readAt: Date.now() };
    return revision;
  }

  /** Something left some query's results: every query version must move (see queryVersion). */
  private markRemoval(revision: number, at: number): void {
    this.stmts.setMeta.run(revision, 'deleted_revision');
    this.stmts.setMeta.run(at, 'deleted_at');
  }

  /**
   * Asked on every feed request, so it is answered from memory: this process's own writes update it at
   * once; another process writing the same file (`npm run ingest`) is noticed within a second.
   */
  async currentRevision(): Promise<number> {
    const now = Date.now();
    if (now - this.knownRevision.readAt >= EXTERNAL_WRITE_LAG_MS) this.knownRevision = { value: this.meta('revision'), readAt: now };
    return this.knownRevision.value;
  }

  async upsertArticles(articles: Article[]): Promise<UpsertResult> {
    const result: UpsertResult = { inserted: 0, updated: 0, unchanged: 0 };
    if (articles.length === 0) return result;
    this.db.transaction(() => {
      const revision = this.nextRevision();
      const now = Date.now();
      this.topicsRewritten = false;
      for (const article of articles) {
        const outcome = this.upsertOne(article, revision, now);
        result[outcome]++;
      }
      // Rewriting an existing article's topics can take it out of a topic query, which no remaining
      // row of that query would show: it counts like a deletion. A new article's first topics do not.
      if (this.topicsRewritten) this.markRemoval(revision, now);
    })();
    return result;
  }

  private upsertOne(incoming: Article, revision: number, now: number): keyof UpsertResult {
    // The same article reached through another source (another guid, same canonical URL) is one article.
    const existing = this.stmts.byId.get(incoming.id) ?? (incoming.slug ? undefined : this.stmts.byUrl.get(incoming.url));
    // No date of its own: the dates first seen stay, or every poll would make it look new.
    const article = incoming.datesUnknown && existing
      ? { ...incoming, published: new Date(existing.published), updated: new Date(existing.updated) } : incoming;
    const hash = contentHash(article);
    if (!existing) {
      const { lastInsertRowid } = this.stmts.insert.run(this.articleParams(article, hash, article.updated.getTime(), revision, now));
      this.indexText(lastInsertRowid, article);
      // A new id has no topic rows yet (deleting an article deletes its topics first): nothing to clear.
      this.insertTopics(article.id, article.topics, article.published.getTime());
      this.stmts.addSource.run(article.id, article.sourceId);
      return 'inserted';
    }
    this.stmts.addSource.run(existing.id, article.sourceId);
    const storedTopics = JSON.parse(existing.topics) as string[];
    if (existing.source_id !== article.sourceId && existing.id !== article.id) {
      // A second source's copy: keep the first copy's text, but the article now belongs to both sources' topics.
      const merged = [...new Set([...storedTopics, ...article.topics])];
      if (sameSet(merged, storedTopics)) return 'unchanged';
      this.topicsRewritten = true;
      this.stmts.setTopics.run(JSON.stringify(merged), revision, now, existing.id);
      this.writeTopics(existing.id, merged, existing.published);
      return 'updated';
    }
    if (existing.content_hash === hash) {
      if (sameSet(storedTopics, article.topics)) return 'unchanged';
      // Reclassified (topic rules changed): the feeds change, the article itself did not.
      this.topicsRewritten = true;
      this.stmts.setTopics.run(JSON.stringify(article.topics), revision, now, existing.id);
      this.writeTopics(existing.id, article.topics, existing.published);
      return 'updated';
    }
    if (!sameSet(storedTopics, article.topics)) this.topicsRewritten = true;
    // Changed: `updated` must move forward even when the source does not say so.
    const updated = article.updated.getTime() > existing.updated ? article.updated.getTime() : Math.max(now, existing.updated + 1);
    this.stmts.update.run(this.articleParams({ ...article, id: existing.id }, hash, updated, revision, now));
    this.stmts.unindexText.run(existing.rowid);
    this.indexText(existing.rowid, article);
    this.writeTopics(existing.id, article.topics, article.published.getTime());
    return 'updated';
  }

  /** What `q` searches: the title, the summary and the plain text of the body. */
  private indexText(rowid: number | bigint, a: Article): void {
    this.stmts.indexText.run(rowid, a.title, a.summary, htmlToText(a.contentHtml));
  }

  private writeTopics(id: string, topics: string[], published: number): void {
    this.stmts.deleteTopics.run(id);
    this.insertTopics(id, topics, published);
  }

  private insertTopics(id: string, topics: string[], published: number): void {
    for (const topic of topics) this.stmts.insertTopic.run(topic, published, id);
  }

  private articleParams(a: Article, hash: string, updated: number, revision: number, now: number): Record<string, Param | null> {
    return {
      id: a.id,
      slug: a.slug ?? null,
      title: a.title,
      url: a.url,
      summary: a.summary,
      content_html: a.contentHtml,
      published: a.published.getTime(),
      updated: Math.max(updated, a.published.getTime()),
      authors: JSON.stringify(a.authors),
      language: a.language ?? null,
      source_id: a.sourceId,
      categories: JSON.stringify(a.categories),
      topics: JSON.stringify(a.topics),
      image: a.image ?? null,
      enclosures: JSON.stringify(a.enclosures),
      content_hash: hash,
      revision,
      changed_at: now,
    };
  }

  async removeArticlesNotIn(sourceId: string, keepIds: string[]): Promise<number> {
    const keep = new Set(keepIds);
    let removed = 0;
    this.db.transaction(() => {
      const gone = this.stmts.idsOfSource.all(sourceId).map((r) => r.article_id).filter((id) => !keep.has(id));
      if (gone.length === 0) return;
      for (const id of gone) {
        this.stmts.dropSource.run(id, sourceId);
        if ((this.stmts.sourceCount.get(id)?.n ?? 0) > 0) continue;
        this.stmts.deleteTopics.run(id);
        this.stmts.deleteArticle.run(id);
        removed++;
      }
      this.markRemoval(this.nextRevision(), Date.now());
    })();
    return removed;
  }

  async reclassify(select: (article: StoredArticle) => boolean, topicsOf: (article: StoredArticle) => string[]): Promise<number> {
    const page = this.db.prepare<[number], ArticleRow>(`SELECT rowid, * FROM articles WHERE rowid > ? ORDER BY rowid LIMIT 500`);
    let changed = 0;
    for (let after = 0; ;) {
      const rows = page.all(after);
      if (rows.length === 0) return changed;
      after = rows[rows.length - 1]!.rowid;
      const updates = rows.map((row) => this.toArticle(row, this.sourcesOf(row.id))).filter(select)
        .map((article) => ({ article, topics: [...new Set(topicsOf(article))] }))
        .filter(({ article, topics }) => !sameSet(article.topics, topics));
      if (updates.length === 0) continue;
      this.db.transaction(() => {
        const revision = this.nextRevision();
        const now = Date.now();
        for (const { article, topics } of updates) {
          this.stmts.setTopics.run(JSON.stringify(topics), revision, now, article.id);
          this.writeTopics(article.id, topics, article.published.getTime());
        }
        this.markRemoval(revision, now);
      })();
      changed += updates.length;
    }
  }

  async getArticle(id: string): Promise<StoredArticle | undefined> {
    const row = this.stmts.publishedById.get(id);
    return row && this.toArticle(row, this.sourcesOf(id));
  }

  async getArticleBySlug(slug: string): Promise<StoredArticle | undefined> {
    const row = this.stmts.bySlug.get(slug);
    return row && this.toArticle(row, this.sourcesOf(row.id));
  }

  async queryArticles(query: ArticleQuery): Promise<StoredArticle[]> {
    const ids = this.pageRows(query).map((r) => r.id);
    const rows = ids.map((id) => this.stmts.publishedById.get(id)).filter((r): r is PublishedRow => r !== undefined);
    const sources = this.sourcesOfPage(ids);
    return rows.map((r) => this.toArticle(r, sources.get(r.id) ?? []));
  }

  private sourcesOf(id: string): string[] {
    return this.stmts.sourcesOf.all(id).map((r) => r.source_id);
  }

  /** The sources of a page of articles in one statement, instead of one per article. */
  private sourcesOfPage(ids: readonly string[]): Map<string, string[]> {
    const byArticle = new Map<string, string[]>();
    if (ids.length === 0) return byArticle;
    const rows = this.prepared<{ article_id: string; source_id: string }>(
      `SELECT article_id, source_id FROM article_sources WHERE article_id IN (${marks(ids)}) ORDER BY article_id, source_id`,
    ).all(...ids);
    for (const { article_id: id, source_id: source } of rows) {
      const list = byArticle.get(id);
      if (list) list.push(source);
      else byArticle.set(id, [source]);
    }
    return byArticle;
  }

  /**
   * The newest matching articles, with what their version needs. A topic union merges each topic's own
   * index range (fast on any archive size) instead of one `IN (…) ORDER BY` over the join table, which
   * sorts every match.
   */
  private matchingRows(query: ArticleQuery, limit: number): PageRow[] {
    const topics = query.topics ?? [];
    // Paging back (`after`) reads upwards from the cursor, then turns the page newest-first.
    const dir = query.after ? 'ASC' : 'DESC';
    if (topics.length === 0) {
      const { where, params } = this.filters(query, 'a.published', 'a.id');
      const sql = `SELECT a.id AS id, ${PAGE_VERSION_COLUMNS} FROM articles a WHERE ${where} ORDER BY a.published ${dir}, a.id ${dir} LIMIT ?`;
      const rows = this.prepared<PageRow>(sql).all(...params, limit);
      return query.after ? rows.reverse() : rows;
    }
    const { where, params } = this.filters(query, 't.published', 't.article_id');
    const stmt = this.prepared<PageRow & { published: number }>(
      `SELECT t.article_id AS id, t.published AS published, ${PAGE_VERSION_COLUMNS} FROM article_topics t
       JOIN articles a ON a.id = t.article_id
       WHERE t.topic = ? AND ${where} ORDER BY t.published ${dir}, t.article_id ${dir} LIMIT ?`);
    const merged = new Map<string, PageRow & { published: number }>();
    for (const topic of new Set(topics)) {
      for (const row of stmt.all(topic, ...params, limit)) merged.set(row.id, row);
    }
    const newestFirst = (a: { id: string; published: number }, b: { id: string; published: number }) =>
      b.published - a.published || (b.id < a.id ? -1 : b.id > a.id ? 1 : 0);
    const sorted = [...merged.values()].sort(newestFirst);
    return query.after ? sorted.slice(Math.max(0, sorted.length - limit)) : sorted.slice(0, limit);
  }

  /** WHERE clause for everything but the topic union; `published`/`id` name the ordered columns. */
  private filters(query: ArticleQuery, published: string, id: string): { where: string; params: Param[] } {
    const clauses: string[] = ['1'];
    const params: Param[] = [];
    if (query.excludeTopics?.length) {
      clauses.push(`NOT EXISTS (SELECT 1 FROM article_topics x WHERE x.article_id = a.id AND x.topic IN (${marks(query.excludeTopics)}))`);
      params.push(...query.excludeTopics);
    }
    if (query.sources?.length) {
      clauses.push(`EXISTS (SELECT 1 FROM article_sources s WHERE s.article_id = a.id AND s.source_id IN (${marks(query.sources)}))`);
      params.push(...query.sources);
    }
    if (query.lang) {
      clauses.push(`(lower(a.language) = ? OR lower(a.language) LIKE ?)`);
      params.push(query.lang.toLowerCase(), `${query.lang.toLowerCase()}-%`);
    }
    if (query.since) {
      clauses.push(`${published} >= ?`);
      params.push(query.since.getTime());
    }
    if (query.before) {
      clauses.push(`(${published} < ? OR (${published} = ? AND ${id} < ?))`);
      params.push(query.before.published.getTime(), query.before.published.getTime(), query.before.id);
    }
    if (query.after) {
      clauses.push(`(${published} > ? OR (${published} = ? AND ${id} > ?))`);
      params.push(query.after.published.getTime(), query.after.published.getTime(), query.after.id);
    }
    if (query.q) {
      const fts = toFtsQuery(query.q);
      clauses.push(fts === undefined ? '0' : `a.rowid IN (SELECT rowid FROM articles_fts WHERE articles_fts MATCH ?)`);
      if (fts !== undefined) params.push(fts);
    }
    return { where: clauses.join(' AND '), params };
  }

  /**
   * The version of exactly what the query returns: its page of ids, their newest change, and the last
   * deletion. It costs the page's own index scan plus an aggregate over at most `limit` rows, whatever
   * the archive's size, and the ids it found are kept for the queryArticles call that usually follows.
   */
  async queryVersion(query: ArticleQuery): Promise<QueryVersion> {
    let revision = 0;
    let changedAt = 0;
    const hash = createHash('sha1');
    for (const row of this.pageRows(query)) {
      revision = Math.max(revision, row.revision);
      changedAt = Math.max(changedAt, row.changed_at);
      hash.update(row.id).update('\n');
    }
    // A deletion leaves no row behind to testify, so the last one counts for every query.
    return {
      tag: `${revision}.${this.meta('deleted_revision')}.${hash.digest('base64url').slice(0, 16)}`,
      lastModified: new Date(Math.max(changedAt, this.meta('deleted_at'))),
    };
  }

  /** matchingRows for one query object, remembered until the next write. */
  private pageRows(query: ArticleQuery): PageRow[] {
    const revision = this.meta('revision');
    const known = this.lastPage;
    if (known && known.query === query && known.revision === revision) return known.rows;
    const rows = this.matchingRows(query, query.limit);
    this.lastPage = { query, revision, rows };
    return rows;
  }

  async countByTopic(): Promise<Map<string, number>> {
    return new Map(this.stmts.countByTopic.all().map((r) => [r.topic, r.n]));
  }

  async countBySource(): Promise<Map<string, number>> {
    return new Map(this.stmts.countBySource.all().map((r) => [r.source_id, r.n]));
  }

  async countArticles(): Promise<number> {
    return this.stmts.countAll.get()?.n ?? 0;
  }

  async getSourceState(sourceId: string): Promise<SourceState | undefined> {
    const row = this.stmts.getState.get(sourceId);
    return row && toSourceState(row);
  }

  async saveSourceState(state: SourceState): Promise<void> {
    this.stmts.saveState.run({
      source_id: state.sourceId,
      url: state.url,
      etag: state.etag ?? null,
      last_modified: state.lastModified ?? null,
      last_fetch_at: state.lastFetchAt?.getTime() ?? null,
      status: state.status,
      error: state.error ?? null,
      next_poll_at: state.nextPollAt?.getTime() ?? null,
      consecutive_failures: state.consecutiveFailures,
      feed_title: state.feedTitle ?? null,
      configured_url: state.configuredUrl ?? null,
    });
  }

  async listSourceStates(): Promise<SourceState[]> {
    return this.stmts.listStates.all().map(toSourceState);
  }

  async saveSubscription(subscription: Subscription): Promise<void> {
    this.db.transaction(() => {
      this.stmts.purgeSubscriptions.run(Date.now());
      this.stmts.saveSubscription.run({
        topic_url: subscription.topicUrl,
        callback: subscription.callback,
        secret: subscription.secret ?? null,
        expires_at: subscription.expiresAt.getTime(),
        created_at: subscription.createdAt.getTime(),
      });
    })();
  }

  async removeSubscription(topicUrl: string, callback: string): Promise<boolean> {
    return this.stmts.removeSubscription.run(topicUrl, callback).changes > 0;
  }

  async listSubscriptions(topicUrl?: string): Promise<Subscription[]> {
    const now = Date.now();
    const rows = topicUrl === undefined ? this.stmts.listSubscriptions.all(now) : this.stmts.topicSubscriptions.all(topicUrl, now);
    return rows.map(toSubscription);
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }

  private toArticle(row: PublishedRow, sources: string[]): StoredArticle {
    const article: StoredArticle = {
      id: row.id,
      title: row.title,
      url: row.url,
      summary: row.summary,
      contentHtml: row.content_html,
      published: new Date(row.published),
      updated: new Date(row.updated),
      authors: JSON.parse(row.authors) as StoredArticle['authors'],
      sourceId: row.source_id,
      categories: JSON.parse(row.categories) as string[],
      topics: JSON.parse(row.topics) as string[],
      enclosures: JSON.parse(row.enclosures) as StoredArticle['enclosures'],
      sources,
    };
    if (row.language !== null) article.language = row.language;
    if (row.image !== null) article.image = row.image;
    if (row.slug !== null) article.slug = row.slug;
    return article;
  }
}

function marks(values: readonly unknown[]): string {
  return values.map(() => '?').join(', ');
}

function toSourceState(row: SourceStateRow): SourceState {
  const state: SourceState = {
    sourceId: row.source_id,
    url: row.url,
    status: row.status,
    consecutiveFailures: row.consecutive_failures,
  };
  if (row.etag !== null) state.etag = row.etag;
  if (row.last_modified !== null) state.lastModified = row.last_modified;
  if (row.last_fetch_at !== null) state.lastFetchAt = new Date(row.last_fetch_at);
  if (row.error !== null) state.error = row.error;
  if (row.next_poll_at !== null) state.nextPollAt = new Date(row.next_poll_at);
  if (row.feed_title !== null) state.feedTitle = row.feed_title;
  if (row.configured_url !== null) state.configuredUrl = row.configured_url;
  return state;
}

function toSubscription(row: SubscriptionRow): Subscription {
  const subscription: Subscription = {
    topicUrl: row.topic_url,
    callback: row.callback,
    expiresAt: new Date(row.expires_at),
    createdAt: new Date(row.created_at),
  };
  if (row.secret !== null) subscription.secret = row.secret;
  return subscription;
}
