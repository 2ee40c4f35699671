// SQLite: articles with their topics, sources and full-text index. Synchronous underneath (better-sqlite3);
// every batch is one transaction, taken through SqliteDb.write so another process's lock never blocks
// the serving thread.

import type { ArticleQuery, IndexedArticle, StoredArticle } from '../../model.ts';
import {
  contentHash, pageVersion, PUBLISHED_COLUMNS, sameSet, toArticle, toArticleRow, withFirstSeenDates, type PublishedRow,
} from '../rows.ts';
import { renderArticlesWith, type PageRenderer } from '../page-renderer.ts';
import type { ArticleRepository, QueryVersion, Rendition, TopicCountOptions, UpsertResult } from '../store.ts';
import { chooseStory, lookupRange, storyCounts, storyTopics, StoryPool, type CandidateRow } from '../stories.ts';
import type { RegroupOptions, RegroupResult } from '../stories.ts';
import type { SqliteDb } from './db.ts';
import { readArticles, readPage, readVersionedPage, type PageRead } from './page-query.ts';
import type { QueryPool } from './query-pool.ts';
import { addMissingSignaturesSqlite, regroupSqlite } from './regroup.ts';
import { bandHits } from './story-bands.ts';
import { sourceCountRows, topicCountRows, type TopicCountRows } from './counts.ts';
import { PerRevision } from '../per-revision.ts';
import { dropHeldIndexRows, HELD_INDEX_WAIT_MS, heldIndexRows, holdIndexRows, indexHeldRows } from './held-index.ts';
import { TidingsError } from '../../errors.ts';
import { ArticleBatch, insertTopicRows, type StoredRow } from './article-batch.ts';
import { searchableText } from '../../text/search.ts';

export class SqliteArticles implements ArticleRepository {
  private readonly shared: SqliteDb;
  private readonly stmts;
  /** Set when a write may have taken an article out of some topic (see upsertArticles). */
  private topicsRewritten = false;
  /**
   * Pages read per query object, until its articles are read: queryVersion and queryArticles of one
   * request (and of concurrent ones) share one read.
   */
  private readonly pages = new WeakMap<ArticleQuery, { revision: number; read: Promise<PageRead> }>();
  /** Worker threads with read-only connections that run page reads (absent: they run here). */
  private readonly queries: QueryPool | undefined;

  /** STORY_WINDOW_HOURS in milliseconds. */
  private readonly storyWindowMs: number;
  /** The counts pages show, read on a query worker when there is one, once per revision. */
  private readonly topicCounts: PerRevision<TopicCountRows>;
  private readonly sourceCounts: PerRevision<{ source_id: string; n: number }[]>;

  constructor(shared: SqliteDb, storyWindowMs: number, queries?: QueryPool) {
    this.shared = shared;
    this.queries = queries;
    this.storyWindowMs = storyWindowMs;
    this.topicCounts = new PerRevision(() => queries?.topicCounts() ?? Promise.resolve().then(() => topicCountRows(shared)));
    this.sourceCounts = new PerRevision(() => queries?.sourceCounts() ?? Promise.resolve().then(() => sourceCountRows(shared)));
    const { db } = shared;
    this.stmts = {
      publishedById: db.prepare<[string], PublishedRow>(`SELECT ${PUBLISHED_COLUMNS} FROM articles WHERE id = ?`),
      bySlug: db.prepare<[string], PublishedRow>(`SELECT ${PUBLISHED_COLUMNS} FROM articles WHERE slug = ?`),
      insert: db.prepare(`INSERT INTO articles (id, slug, title, url, summary, content_html, published,
        updated, authors, language, source_id, categories, topics, image, enclosures, story_id, story_signature, content_hash, revision, changed_at)
        VALUES (@id, @slug, @title, @url, @summary, @content_html, @published, @updated, @authors,
        @language, @source_id, @categories, @topics, @image, @enclosures, @story_id, @story_signature, @content_hash, @revision, @changed_at)`),
      update: db.prepare(`UPDATE articles SET slug = @slug, title = @title, url = @url, summary = @summary,
        content_html = @content_html, published = @published, updated = @updated,
        authors = @authors, language = @language, source_id = @source_id, categories = @categories,
        topics = @topics, image = @image, enclosures = @enclosures, story_signature = @story_signature, content_hash = @content_hash,
        revision = @revision, changed_at = @changed_at WHERE id = @id`),
      indexText: db.prepare<[number | bigint, string, string, string]>(
        `INSERT INTO articles_fts (rowid, title, summary, body_text) VALUES (?, ?, ?, ?)`),
      indexStems: db.prepare<[number | bigint, string]>(`INSERT INTO article_stems (rowid, stems) VALUES (?, ?)`),
      unindexText: db.prepare<[number]>(`DELETE FROM articles_fts WHERE rowid = ?`),
      unindexStems: db.prepare<[number]>(`DELETE FROM article_stems WHERE rowid = ?`),
      setTopics: db.prepare(`UPDATE articles SET topics = ?, revision = ?, changed_at = ? WHERE id = ?`),
      deleteTopics: db.prepare(`DELETE FROM article_topics WHERE article_id = ?`),
      sourcesOf: db.prepare<[string], { source_id: string }>(`SELECT source_id FROM article_sources WHERE article_id = ? ORDER BY source_id`),
      idsOfSource: db.prepare<[string], { article_id: string }>(`SELECT article_id FROM article_sources WHERE source_id = ?`),
      dropSource: db.prepare(`DELETE FROM article_sources WHERE article_id = ? AND source_id = ?`),
      sourceCount: db.prepare<[string], { n: number }>(`SELECT count(*) AS n FROM article_sources WHERE article_id = ?`),
      deleteArticle: db.prepare(`DELETE FROM articles WHERE id = ?`),
      countAll: db.prepare<[], { n: number }>(`SELECT count(*) AS n FROM articles`),
      storyCandidates: db.prepare<[string, string], Omit<CandidateRow, 'bands'> & { rowid: number }>(`SELECT rowid, id, story_id,
        source_id, published, story_signature FROM articles WHERE rowid IN (SELECT value FROM json_each(?))
        AND source_id NOT IN (SELECT value FROM json_each(?)) AND story_signature IS NOT NULL`),
      // What a joining copy changes of its leader: not the whole row (its body is kilobytes).
      leaderTopics: db.prepare<[string], { rowid: number; url: string; topics: string; published: number }>(
        `SELECT rowid, url, topics, published FROM articles WHERE id = ?`),
      // One UPDATE: SQLite rewrites the whole record, its body's overflow pages too, at every one.
      joinStory: db.prepare(`UPDATE articles SET updated = max(updated + 1, ?), topics = ?, revision = ?, changed_at = ? WHERE id = ?`),
      // A removed leader hands its story to its earliest remaining copy.
      followerTopics: db.prepare<[string], { topics: string }>(`SELECT topics FROM articles WHERE story_id = ?`),
      firstFollower: db.prepare<[string], { id: string }>(`SELECT id FROM articles WHERE story_id = ? ORDER BY published, id LIMIT 1`),
      moveStory: db.prepare(`UPDATE articles SET story_id = ? WHERE story_id = ?`),
      leadOwnStory: db.prepare(`UPDATE articles SET story_id = NULL WHERE id = ?`),

    } as const;
  }

  async upsertArticles(articles: IndexedArticle[]): Promise<UpsertResult> {
    const result: UpsertResult = { inserted: 0, updated: 0, unchanged: 0 };
    if (articles.length === 0) return result;
    await this.shared.write(() => {
      const revision = this.shared.nextRevision();
      const now = Date.now();
      this.topicsRewritten = false;
      const stories = this.storyPool(articles);
      const batch = new ArticleBatch(this.shared, articles);
      for (const article of articles) {
        const outcome = this.upsertOne(article, revision, now, stories, batch);
        result[outcome]++;
      }
      batch.finish();
      // Rewriting an existing article's topics can take it out of a topic query, which no remaining
      // row of that query would show: it counts like a deletion. A new article's first topics do not.
      if (this.topicsRewritten) this.shared.markRemoval(revision, now);
    });
    return result;
  }

  /** The stored articles that share a band key with any of the batch's articles, within the window. */
  private storyPool(articles: readonly IndexedArticle[]): StoryPool {
    const range = lookupRange(articles, this.storyWindowMs);
    if (!range) return new StoryPool([]);
    const bandsOf = bandHits(this.shared, range);
    if (bandsOf.size === 0) return new StoryPool([]);
    const rows = this.stmts.storyCandidates.all(JSON.stringify([...bandsOf.keys()]), JSON.stringify(range.sources));
    return new StoryPool(rows.map(({ rowid, ...r }) => ({ ...r, bands: bandsOf.get(rowid) ?? [] })));
  }

  private upsertOne(incoming: IndexedArticle, revision: number, now: number, stories: StoryPool, batch: ArticleBatch): keyof UpsertResult {
    // The same article reached through another source (another guid, same canonical URL) is one article.
    const existing = batch.find(incoming);
    const article = existing ? withFirstSeenDates(incoming, existing) : incoming;
    const hash = contentHash(article);
    if (!existing) {
      const storyId = chooseStory(article, stories.candidatesOf(article), this.storyWindowMs);
      const { lastInsertRowid } = this.stmts.insert.run(toArticleRow(article, hash, article.updated.getTime(), revision, now, storyId));
      batch.wrote(article.id, article.url);
      this.indexText(lastInsertRowid, article, batch);
      // A new id has no topic rows yet (deleting an article deletes its topics first): nothing to clear.
      batch.addTopics({ id: article.id, rowid: lastInsertRowid }, article.topics, article.published.getTime());
      batch.addSource(article.id, article.sourceId);
      batch.signed.push({ article, rowid: lastInsertRowid });
      stories.add(article, storyId);
      if (storyId) this.joinStory(storyId, article, revision, now, batch);
      return 'inserted';
    }
    batch.addSource(existing.id, article.sourceId);
    const storedTopics = JSON.parse(existing.topics) as string[];
    if (existing.source_id !== article.sourceId && existing.id !== article.id) {
      // A second source's copy: keep the first copy's text, but the article now belongs to both sources' topics.
      const merged = [...new Set([...storedTopics, ...article.topics])];
      if (sameSet(merged, storedTopics)) return 'unchanged';
      this.topicsRewritten = true;
      this.stmts.setTopics.run(JSON.stringify(merged), revision, now, existing.id);
      batch.wrote(existing.id, existing.url);
      this.writeTopics(existing, merged, existing.published, batch);
      return 'updated';
    }
    if (existing.content_hash === hash) {
      if (sameSet(storedTopics, article.topics)) return 'unchanged';
      // A story's leader also holds its copies' topics; else reclassified (topic rules changed): the
      // feeds change, the article itself did not.
      const topics = storyTopics(article.topics, this.stmts.followerTopics.all(existing.id));
      if (sameSet(storedTopics, topics)) return 'unchanged';
      this.topicsRewritten = true;
      this.stmts.setTopics.run(JSON.stringify(topics), revision, now, existing.id);
      batch.wrote(existing.id, existing.url);
      this.writeTopics(existing, topics, existing.published, batch);
      return 'updated';
    }
    const topics = storyTopics(article.topics, this.stmts.followerTopics.all(existing.id));
    if (!sameSet(storedTopics, topics)) this.topicsRewritten = true;
    // Changed: `updated` must move forward even when the source does not say so.
    const updated = article.updated.getTime() > existing.updated ? article.updated.getTime() : Math.max(now, existing.updated + 1);
    this.stmts.update.run(toArticleRow({ ...article, id: existing.id, topics }, hash, updated, revision, now));
    batch.wrote(existing.id, existing.url, article.url);
    this.stmts.unindexText.run(existing.rowid);
    this.stmts.unindexStems.run(existing.rowid);
    dropHeldIndexRows(this.shared, existing.rowid);
    this.indexText(existing.rowid, article, batch);
    this.writeTopics(existing, topics, article.published.getTime(), batch);
    return 'updated';
  }

  /**
   * Another source's copy joined the story: its leader keeps its id (readers must not see it as new)
   * but its `updated` moves, and it now belongs to the copy's topics too.
   */
  private joinStory(leaderId: string, copy: IndexedArticle, revision: number, now: number, batch: ArticleBatch): void {
    const leader = this.stmts.leaderTopics.get(leaderId);
    if (!leader) return;
    const topics = JSON.parse(leader.topics) as string[];
    const merged = [...new Set([...topics, ...copy.topics])];
    this.stmts.joinStory.run(copy.updated.getTime(), JSON.stringify(merged), revision, now, leaderId);
    batch.wrote(leaderId, leader.url);
    // The leader's topic rows stay; only the copy's new topics are added.
    if (!sameSet(merged, topics)) batch.addTopics({ id: leaderId, rowid: leader.rowid }, merged.filter((t) => !topics.includes(t)), leader.published);
  }

  /** A removed leader hands its story to its earliest remaining copy, which keeps its own id. */
  private handOnStory(removedId: string): void {
    const heir = this.stmts.firstFollower.get(removedId);
    if (!heir) return;
    this.stmts.moveStory.run(heir.id, removedId);
    this.stmts.leadOwnStory.run(heir.id);
  }

  /** What `q` searches: the title, the summary and the plain text of the body, and their words' stems. */
  private indexText(rowid: number | bigint, a: IndexedArticle, batch: ArticleBatch): void {
    const s = a.searchable ?? searchableText(a);
    if (batch.holdsIndex) return holdIndexRows(this.shared, rowid, s);
    this.stmts.indexText.run(rowid, s.title, s.summary, s.text);
    if (s.stems !== '') this.stmts.indexStems.run(rowid, s.stems);
  }

  /** Replaces an article's topic rows; within a batch, after the rows the batch deferred. */
  private writeTopics(article: { id: string; rowid: number }, topics: string[], published: number, batch?: ArticleBatch): void {
    batch?.flushTopics();
    this.stmts.deleteTopics.run(article.id);
    insertTopicRows(this.shared, article, topics, published);
  }

  async removeArticlesNotIn(sourceId: string, keepIds: string[]): Promise<number> {
    const keep = new Set(keepIds);
    return this.shared.write(() => {
      const gone = this.stmts.idsOfSource.all(sourceId).map((r) => r.article_id).filter((id) => !keep.has(id));
      if (gone.length === 0) return 0;
      let removed = 0;
      for (const id of gone) {
        this.stmts.dropSource.run(id, sourceId);
        if ((this.stmts.sourceCount.get(id)?.n ?? 0) > 0) continue;
        this.stmts.deleteTopics.run(id);
        this.stmts.deleteArticle.run(id);
        this.handOnStory(id);
        removed++;
      }
      this.shared.markRemoval(this.shared.nextRevision(), Date.now());
      return removed;
    });
  }

  async reclassify(select: (article: StoredArticle) => boolean, topicsOf: (article: StoredArticle) => string[]): Promise<number> {
    const page = this.shared.prepared<StoredRow>(`SELECT rowid, * FROM articles WHERE rowid > ? ORDER BY rowid LIMIT 100`);
    let changed = 0;
    for (let after = 0; ;) {
      // Classifying a page is CPU work on the serving thread: readers are served between two pages,
      // small enough (100 articles) that one stays well under a second on a loaded machine.
      if (after > 0) await new Promise<void>((resolve) => setImmediate(resolve));
      const rows = page.all(after);
      if (rows.length === 0) return changed;
      after = rows[rows.length - 1]!.rowid;
      const updates = rows.map((row) => ({ rowid: row.rowid, article: toArticle(row, this.sourcesOf(row.id)) }))
        .filter(({ article }) => select(article))
        .map(({ rowid, article }) => ({ rowid, article, topics: [...new Set(topicsOf(article))] }))
        .filter(({ article, topics }) => !sameSet(article.topics, topics));
      if (updates.length === 0) continue;
      await this.shared.write(() => {
        const revision = this.shared.nextRevision();
        const now = Date.now();
        for (const { rowid, article, topics } of updates) {
          this.stmts.setTopics.run(JSON.stringify(topics), revision, now, article.id);
          this.writeTopics({ id: article.id, rowid }, topics, article.published.getTime());
        }
        this.shared.markRemoval(revision, now);
      });
      changed += updates.length;
    }
  }

  async getArticle(id: string): Promise<StoredArticle | undefined> {
    const row = this.stmts.publishedById.get(id);
    return row && toArticle(row, this.sourcesOf(id));
  }

  async getArticleBySlug(slug: string): Promise<StoredArticle | undefined> {
    const row = this.stmts.bySlug.get(slug);
    return row && toArticle(row, this.sourcesOf(row.id));
  }

  /**
   * The articles of the page the query object's last queryVersion described (read afresh when there was
   * none): a WebSub hub that claimed a version delivers exactly that page, and a route's body matches
   * its ETag, even when a write lands between the two reads. The page is forgotten then: the route
   * remembers the version, and keeping the rows too would hold a page of ids for every distinct URL
   * asked at this revision (about 6 KB each, 60 MB for a flood of searches).
   */
  async queryArticles(query: ArticleQuery): Promise<StoredArticle[]> {
    const ids = await this.pageIds(query);
    return this.queries ? this.queries.articles(ids, query.stories) : readArticles(this.shared, ids, query.stories);
  }

  async renderQuery<I, O>(query: ArticleQuery, renderer: PageRenderer<I>): Promise<Rendition<O>> {
    if (this.pages.has(query)) {
      // The page a queryVersion described: the caller holds its version.
      if (!this.queries) return { output: (await renderArticlesWith(await this.queryArticles(query), renderer)).output as O };
      return { output: (await this.queries.render(await this.pageIds(query), query.stories, renderer)) as O };
    }
    // The page is read here or on the worker below, not through readPage.
    await this.indexHeldFor(query);
    if (this.queries) return (await this.queries.readAndRender(query, renderer)) as Rendition<O>;
    const { version, articles } = readVersionedPage(this.shared, query);
    return { version, output: (await renderArticlesWith(articles, renderer, version)).output as O };
  }

  /** The ids of the page the query object's last queryVersion described (see queryArticles). */
  private async pageIds(query: ArticleQuery): Promise<string[]> {
    const known = this.pages.get(query);
    this.pages.delete(query);
    return (await (known?.read ?? this.readPage(query))).rows.map((r) => r.id);
  }

  private sourcesOf(id: string): string[] {
    return this.stmts.sourcesOf.all(id).map((r) => r.source_id);
  }

  /**
   * The version of exactly what the query returns: its page of ids, their newest change, and the last
   * deletion. It costs the page's own index scan plus an aggregate over at most `limit` rows, whatever
   * the archive's size, and the ids it found are kept for the queryArticles call that usually follows.
   */
  async queryVersion(query: ArticleQuery): Promise<QueryVersion> {
    const page = await this.pageRows(query);
    return pageVersion(page.rows, page.deletedRevision, page.deletedAt);
  }

  /**
   * The page of one query object, remembered until the next write or its articles are read; concurrent
   * callers share one read.
   */
  private pageRows(query: ArticleQuery): Promise<PageRead> {
    const revision = this.shared.meta('revision');
    const known = this.pages.get(query);
    if (known && known.revision === revision) return known.read;
    const read = this.readPage(query);
    this.pages.set(query, { revision, read });
    // A failed read is not remembered: the next call with this query reads again.
    read.catch(() => {
      if (this.pages.get(query)?.read === read) this.pages.delete(query);
    });
    return read;
  }

  /** With query workers the read runs there, else here. */
  private async readPage(query: ArticleQuery): Promise<PageRead> {
    await this.indexHeldFor(query);
    return this.queries ? this.queries.page(query) : readPage(this.shared, query);
  }

  /**
   * Before a search reads the full-text index, the rows small writes held back join it (see
   * held-index.ts). A reader never waits long for that: while another process keeps the write lock
   * past HELD_INDEX_WAIT_MS, the search reads without them (the words of fewer than 16 articles),
   * rather than failing.
   */
  private async indexHeldFor(query: ArticleQuery): Promise<void> {
    if (!query.terms || heldIndexRows(this.shared) === 0) return;
    try {
      await this.shared.write(() => indexHeldRows(this.shared), HELD_INDEX_WAIT_MS);
    } catch (err) {
      // write() throws a TidingsError only when the lock stayed taken.
      if (!(err instanceof TidingsError)) throw err;
    }
  }

  async countByTopic(options: TopicCountOptions = {}): Promise<Map<string, number>> {
    const { articles, copies } = await this.topicCounts.get(this.shared.currentRevision());
    return storyCounts(articles, copies, options.separate);
  }

  async countBySource(): Promise<Map<string, number>> {
    const rows = await this.sourceCounts.get(this.shared.currentRevision());
    return new Map(rows.map((r) => [r.source_id, r.n]));
  }

  async countArticles(): Promise<number> {
    return this.stmts.countAll.get()?.n ?? 0;
  }

  async regroupStories(options: RegroupOptions): Promise<RegroupResult> {
    return regroupSqlite(this.shared, this.storyWindowMs, options);
  }

  async addMissingSignatures(articles: IndexedArticle[]): Promise<number> {
    return addMissingSignaturesSqlite(this.shared, articles);
  }
}
