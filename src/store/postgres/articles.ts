// PostgreSQL: articles with their topics, sources and full-text index: writes go through batches
// (article-batch.ts); reads find a page with per-topic index range scans.

import type { ArticleQuery, IndexedArticle, RelatedArticle, StoredArticle } from '../../model.ts';
import { newestFirst, pageVersion, PUBLISHED_COLUMNS, sameSet, toArticle, type PageRow, type PublishedRow } from '../rows.ts';
import { renderArticlesWith, type PageRenderer } from '../page-renderer.ts';
import type { ArticleRepository, QueryVersion, Rendition, TopicCountOptions, UpsertResult } from '../store.ts';
import { groupRelated, storyCounts, withRelated, type RelatedRow } from '../stories.ts';
import { BatchWrites, decide, flush, knownOf, lookUp, lookUpStories } from './article-batch.ts';
import type { RegroupOptions, RegroupResult } from '../stories.ts';
import type { PgDb } from './db.ts';
import { addMissingSignaturesPostgres, regroupPostgres } from './regroup.ts';
import { toTsquery } from './fts.ts';
import { PerRevision } from '../per-revision.ts';

const PAGE_SIZE = 500;

/**
 * Topic rows of story copies. PostgreSQL plans this join from the copies (the partial index on
 * story_id); SQLite needed it rewritten (sqlite/counts.ts).
 */
export const COPIES_BY_TOPIC = `SELECT t.topic, count(*) AS n
  FROM articles a JOIN article_topics t ON t.article_id = a.id WHERE a.story_id IS NOT NULL GROUP BY t.topic`;

export class PgArticles implements ArticleRepository {
  private readonly shared: PgDb;
  /**
   * Pages read per query object by queryVersion, until queryArticles takes its page (see there): the
   * articles of a request are then those its version described, even when a write came between.
   */
  private readonly pages = new WeakMap<ArticleQuery, { revision: number; rows: Promise<PageRow[]> }>();

  /** STORY_WINDOW_HOURS in milliseconds. */
  private readonly storyWindowMs: number;
  /** The counts pages show: scans of whole indexes, read once per revision for every view until a write. */
  private readonly topicCounts: PerRevision<{ articles: { topic: string; n: number }[]; copies: { topic: string; n: string }[] }>;
  private readonly sourceCounts: PerRevision<{ source_id: string; n: number }[]>;

  constructor(shared: PgDb, storyWindowMs: number) {
    this.shared = shared;
    this.storyWindowMs = storyWindowMs;
    this.topicCounts = new PerRevision(async () => {
      const [articles, copies] = await Promise.all([
        shared.query<{ topic: string; n: number }>(`SELECT topic, count(*) AS n FROM article_topics GROUP BY topic`),
        shared.query<{ topic: string; n: string }>(COPIES_BY_TOPIC),
      ]);
      return { articles, copies };
    });
    this.sourceCounts = new PerRevision(() =>
      shared.query<{ source_id: string; n: number }>(`SELECT source_id, count(*) AS n FROM article_sources GROUP BY source_id`));
  }

  async upsertArticles(articles: IndexedArticle[]): Promise<UpsertResult> {
    const result: UpsertResult = { inserted: 0, updated: 0, unchanged: 0 };
    if (articles.length === 0) return result;
    await this.shared.transaction(async (client) => {
      const revision = await this.shared.nextRevision(client);
      const writes = new BatchWrites(revision, Date.now());
      const known = await lookUp(client, articles);
      const stories = await lookUpStories(client, articles, known, this.storyWindowMs);
      let topicsRewritten = false;
      for (const article of articles) {
        const outcome = decide(article, known, writes, { pool: stories, windowMs: this.storyWindowMs });
        result[outcome.result]++;
        topicsRewritten ||= outcome.topicsRewritten;
      }
      await flush(client, writes);
      // Rewriting an existing article's topics can take it out of a topic query, which no remaining
      // row of that query would show: it counts like a deletion. A new article's first topics do not.
      if (topicsRewritten) await this.shared.markRemoval(client, revision, writes.now);
    });
    return result;
  }

  async removeArticlesNotIn(sourceId: string, keepIds: string[]): Promise<number> {
    const keep = new Set(keepIds);
    return this.shared.transaction(async (client) => {
      const { rows } = await client.query<{ article_id: string }>(`SELECT article_id FROM article_sources WHERE source_id = $1`, [sourceId]);
      const gone = rows.map((r) => r.article_id).filter((id) => !keep.has(id));
      if (gone.length === 0) return 0;
      const revision = await this.shared.nextRevision(client);
      await client.query(`DELETE FROM article_sources s USING unnest($2::text[]) AS k(id) WHERE s.source_id = $1 AND s.article_id = k.id`, [sourceId, gone]);
      const { rows: orphans } = await client.query<{ id: string }>(`SELECT g.id FROM unnest($1::text[]) AS g(id)
        WHERE NOT EXISTS (SELECT 1 FROM article_sources s WHERE s.article_id = g.id)`, [gone]);
      const ids = orphans.map((r) => r.id);
      await client.query(`DELETE FROM article_topics t USING unnest($1::text[]) AS k(id) WHERE t.article_id = k.id`, [ids]);
      // Local articles carry no signature: only signed ones have band rows (not indexed by article: may scan).
      const { rows: signed } = await client.query<{ id: string }>(
        `SELECT a.id FROM unnest($1::text[]) AS k(id) JOIN articles a ON a.id = k.id WHERE a.story_signature IS NOT NULL`, [ids]);
      if (signed.length) await client.query(`DELETE FROM story_bands WHERE article_id = ANY($1::text[])`, [signed.map((r) => r.id)]);
      await client.query(`DELETE FROM articles a USING unnest($1::text[]) AS k(id) WHERE a.id = k.id`, [ids]);
      // A removed leader hands its story to its earliest remaining copy, which keeps its own id.
      await client.query(`WITH heirs AS (SELECT DISTINCT ON (story_id) story_id AS old, id AS heir FROM articles
          WHERE story_id = ANY($1::text[]) ORDER BY story_id, published, id)
        UPDATE articles a SET story_id = CASE WHEN a.id = h.heir THEN NULL ELSE h.heir END
        FROM heirs h WHERE a.story_id = h.old`, [ids]);
      await this.shared.markRemoval(client, revision, Date.now());
      return ids.length;
    });
  }

  async reclassify(select: (article: StoredArticle) => boolean, topicsOf: (article: StoredArticle) => string[]): Promise<number> {
    let changed = 0;
    for (let after = 0; ;) {
      const rows = await this.shared.query<PublishedRow & { seq: number }>(
        `SELECT seq, ${PUBLISHED_COLUMNS} FROM articles WHERE seq > $1 ORDER BY seq LIMIT ${PAGE_SIZE}`, [after]);
      if (rows.length === 0) return changed;
      after = rows[rows.length - 1]!.seq;
      const sources = await this.sourcesOfPage(rows.map((r) => r.id));
      const updates = rows.map((row) => toArticle(row, sources.get(row.id) ?? [])).filter(select)
        .map((article) => ({ article, topics: [...new Set(topicsOf(article))] }))
        .filter(({ article, topics }) => !sameSet(article.topics, topics));
      if (updates.length === 0) continue;
      await this.shared.transaction(async (client) => {
        const writes = new BatchWrites(await this.shared.nextRevision(client), Date.now());
        for (const { article, topics } of updates) {
          writes.setTopics(knownOf(article), topics, article.published.getTime());
        }
        await flush(client, writes);
        await this.shared.markRemoval(client, writes.revision, writes.now);
      });
      changed += updates.length;
    }
  }

  async getArticle(id: string): Promise<StoredArticle | undefined> {
    const [row] = await this.shared.query<PublishedRow>(`SELECT ${PUBLISHED_COLUMNS} FROM articles WHERE id = $1`, [id]);
    return row && toArticle(row, (await this.sourcesOfPage([id])).get(id) ?? []);
  }

  async getArticleBySlug(slug: string): Promise<StoredArticle | undefined> {
    const [row] = await this.shared.query<PublishedRow>(`SELECT ${PUBLISHED_COLUMNS} FROM articles WHERE slug = $1`, [slug]);
    return row && toArticle(row, (await this.sourcesOfPage([row.id])).get(row.id) ?? []);
  }

  /**
   * The articles of the page the query object's last queryVersion described (read afresh when there was
   * none): a WebSub hub that claimed a version delivers exactly that page, and a route's body matches
   * its ETag, even when a write lands between the two reads.
   */
  async queryArticles(query: ArticleQuery): Promise<StoredArticle[]> {
    const known = this.pages.get(query);
    this.pages.delete(query);
    const ids = (await (known?.rows ?? matchingRows(this.shared, query))).map((r) => r.id);
    if (ids.length === 0) return [];
    const [rows, sources, related] = await Promise.all([
      this.shared.query<PublishedRow>(`SELECT ${PUBLISHED_COLUMNS.split(', ').map((c) => `a.${c}`).join(', ')} FROM unnest($1::text[]) AS k(id) JOIN articles a ON a.id = k.id`, [ids]),
      this.sourcesOfPage(ids),
      query.stories === 'separate' ? new Map<string, RelatedArticle[]>() : this.relatedOfPage(ids),
    ]);
    const byId = new Map(rows.map((r) => [r.id, r]));
    return ids.flatMap((id) => {
      const row = byId.get(id);
      return row ? [withRelated(toArticle(row, sources.get(id) ?? []), related.get(id))] : [];
    });
  }

  /**
   * PostgreSQL reads in its own processes: the page is rendered here. After queryVersion the page it
   * described (its version is the caller's); else the page read and versioned now.
   */
  async renderQuery<I, O>(query: ArticleQuery, renderer: PageRenderer<I>): Promise<Rendition<O>> {
    const version = this.pages.has(query) ? undefined : await this.queryVersion(query);
    const output = (await renderArticlesWith(await this.queryArticles(query), renderer, version)).output as O;
    return version ? { version, output } : { output };
  }

  /** The other sources' copies of a page's leading articles, earliest first, in one statement. */
  private async relatedOfPage(ids: readonly string[]): Promise<Map<string, RelatedArticle[]>> {
    const rows = await this.shared.query<RelatedRow>(`SELECT a.id, a.url, a.title, a.source_id, a.story_id
      FROM unnest($1::text[]) AS k(id) JOIN articles a ON a.story_id = k.id ORDER BY a.published, a.id`, [ids]);
    return groupRelated(rows);
  }

  /**
   * The sources of a page of articles in one statement, instead of one per article. Id lists are
   * joined through unnest (see lookUp in article-batch.ts) so they always use the index.
   */
  private async sourcesOfPage(ids: readonly string[]): Promise<Map<string, string[]>> {
    const byArticle = new Map<string, string[]>();
    if (ids.length === 0) return byArticle;
    const rows = await this.shared.query<{ article_id: string; source_id: string }>(
      `SELECT s.article_id, s.source_id FROM unnest($1::text[]) AS k(id) JOIN article_sources s ON s.article_id = k.id
       ORDER BY s.article_id, s.source_id COLLATE "C"`, [ids]);
    for (const { article_id: id, source_id: source } of rows) {
      const list = byArticle.get(id);
      if (list) list.push(source);
      else byArticle.set(id, [source]);
    }
    return byArticle;
  }

  /** matchingRows for one query object, remembered until the next write this process knows of or its articles are read. */
  private async pageRows(query: ArticleQuery): Promise<PageRow[]> {
    const revision = await this.shared.currentRevision();
    const known = this.pages.get(query);
    if (known && known.revision === revision) return known.rows;
    const rows = matchingRows(this.shared, query);
    this.pages.set(query, { revision, rows });
    // A failed read is not remembered: the next call with this query reads again.
    rows.catch(() => {
      if (this.pages.get(query)?.rows === rows) this.pages.delete(query);
    });
    return rows;
  }

  async queryVersion(query: ArticleQuery): Promise<QueryVersion> {
    const [rows, meta] = await Promise.all([this.pageRows(query), this.shared.meta()]);
    return pageVersion(rows, meta.deletedRevision, meta.deletedAt);
  }

  async countByTopic(options: TopicCountOptions = {}): Promise<Map<string, number>> {
    const { articles, copies } = await this.topicCounts.get(await this.shared.currentRevision());
    return storyCounts(articles, copies, options.separate);
  }

  async countBySource(): Promise<Map<string, number>> {
    const rows = await this.sourceCounts.get(await this.shared.currentRevision());
    return new Map(rows.map((r) => [r.source_id, r.n]));
  }

  async countArticles(): Promise<number> {
    return (await this.shared.query<{ n: number }>(`SELECT count(*) AS n FROM articles`))[0]?.n ?? 0;
  }

  async regroupStories(options: RegroupOptions): Promise<RegroupResult> {
    return regroupPostgres(this.shared, this.storyWindowMs, options);
  }

  async addMissingSignatures(articles: IndexedArticle[]): Promise<number> {
    return addMissingSignaturesPostgres(this.shared, articles);
  }
}

/**
 * The newest matching articles, with what their version needs. A topic union reads each topic's own
 * index range, LIMITed, through a LATERAL join (fast on any archive size) and merges them here,
 * instead of one `IN (…) ORDER BY` over the join table, which sorts every match.
 */
async function matchingRows(shared: PgDb, query: ArticleQuery): Promise<PageRow[]> {
  const { sql, params } = pageQuery(query);
  const rows = await shared.query<PageRow & { published: number }>(sql, params);
  if (!query.topics?.length) return query.after ? rows.reverse() : rows;
  const merged = new Map(rows.map((r) => [r.id, r]));
  const sorted = [...merged.values()].sort(newestFirst);
  return query.after ? sorted.slice(Math.max(0, sorted.length - query.limit)) : sorted.slice(0, query.limit);
}

/** The statement that finds a query's page (exported for the query-plan test). */
export function pageQuery(query: ArticleQuery): { sql: string; params: unknown[] } {
  const topics = [...new Set(query.topics ?? [])];
  // Paging back (`after`) reads upwards from the cursor, then turns the page newest-first.
  const dir = query.after ? 'ASC' : 'DESC';
  const params: unknown[] = [];
  const p = (value: unknown) => `$${params.push(value)}`;
  if (topics.length === 0) {
    const where = filters(query, 'a.published', 'a.id', p);
    return { sql: `SELECT a.id, a.published, a.revision, a.changed_at FROM articles a WHERE ${where}
      ORDER BY a.published ${dir}, a.id ${dir} LIMIT ${p(query.limit)}`, params };
  }
  const topicList = p(topics);
  const where = filters(query, 't.published', 't.article_id', p);
  return { sql: `SELECT page.* FROM unnest(${topicList}::text[]) AS wanted(topic)
    CROSS JOIN LATERAL (SELECT t.article_id AS id, t.published, a.revision, a.changed_at
      FROM article_topics t JOIN articles a ON a.id = t.article_id
      WHERE t.topic = wanted.topic AND ${where}
      ORDER BY t.published ${dir}, t.article_id ${dir} LIMIT ${p(query.limit)}) AS page`, params };
}

/** WHERE clause for everything but the topic union; `published`/`id` name the ordered columns. */
function filters(query: ArticleQuery, published: string, id: string, p: (value: unknown) => string): string {
  // A story shows once, as its leading article: the cursor and the page count leaders only.
  const clauses: string[] = [query.stories === 'separate' ? 'true' : 'a.story_id IS NULL'];
  if (query.excludeTopics?.length) {
    clauses.push(`NOT EXISTS (SELECT 1 FROM article_topics x WHERE x.article_id = a.id AND x.topic = ANY(${p(query.excludeTopics)}::text[]))`);
  }
  if (query.sources?.length) {
    clauses.push(`EXISTS (SELECT 1 FROM article_sources s WHERE s.article_id = a.id AND s.source_id = ANY(${p(query.sources)}::text[]))`);
  }
  if (query.lang) {
    const lang = query.lang.toLowerCase();
    clauses.push(`(lower(a.language) = ${p(lang)} OR lower(a.language) LIKE ${p(`${lang}-%`)})`);
  }
  if (query.since) clauses.push(`${published} >= ${p(query.since.getTime())}`);
  // Row comparisons are what an index on (published, id) can start a range scan from.
  if (query.before) clauses.push(`(${published}, ${id}) < (${p(query.before.published.getTime())}, ${p(query.before.id)})`);
  if (query.after) clauses.push(`(${published}, ${id}) > (${p(query.after.published.getTime())}, ${p(query.after.id)})`);
  if (query.terms) {
    const tsquery = toTsquery(query.terms);
    clauses.push(tsquery === undefined ? 'false' : `a.search @@ ${p(tsquery)}::tsquery`);
  }
  return clauses.join(' AND ');
}
