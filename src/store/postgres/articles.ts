// PostgreSQL: articles with their topics, sources and full-text index. A batch is one transaction of
// a handful of set-based statements whatever its size; the decisions (new, changed, reclassified, a
// second source's copy) are SQLite's, made in JavaScript over the rows the batch touches.

import type { PoolClient } from 'pg';
import type { ArticleQuery, IndexedArticle, StoredArticle } from '../../model.ts';
import {
  contentHash, newestFirst, pageVersion, PUBLISHED_COLUMNS, sameSet, toArticle, toArticleRow,
  type ArticleRow, type PageRow, type PublishedRow,
} from '../rows.ts';
import type { ArticleRepository, QueryVersion, UpsertResult } from '../store.ts';
import type { PgDb } from './db.ts';
import { toTsquery, toTsvector } from './fts.ts';

/** What a batch needs to know of a stored article to decide about a new copy of it. */
interface Known {
  id: string;
  url: string;
  source_id: string;
  topics: string;
  content_hash: string;
  published: number;
  updated: number;
}

const KNOWN_COLUMNS = 'id, url, source_id, topics, content_hash, published, updated';
const ARTICLE_COLUMNS = `${PUBLISHED_COLUMNS}, content_hash, revision, changed_at`;
/** json_to_recordset's column list for a batch of article rows plus their tsvector. */
const RECORD_TYPES = `id text, slug text, title text, url text, summary text, content_html text, published bigint,
  updated bigint, authors text, language text, source_id text, categories text, topics text, image text,
  enclosures text, content_hash text, revision bigint, changed_at bigint, search text`;
const PAGE_SIZE = 500;

type Written = ArticleRow & { search: string };
type Outcome = { result: keyof UpsertResult; topicsRewritten: boolean };

/** The stored articles a batch touches, by id and by canonical URL, kept current as it decides. */
class KnownArticles {
  private readonly byId = new Map<string, Known>();
  private readonly byUrl = new Map<string, Known>();

  constructor(rows: Known[]) {
    for (const row of rows) this.put(row);
  }

  find(article: IndexedArticle): Known | undefined {
    return this.byId.get(article.id) ?? (article.slug ? undefined : this.byUrl.get(article.url));
  }

  put(row: Known): void {
    const before = this.byId.get(row.id);
    if (before && this.byUrl.get(before.url)?.id === row.id) this.byUrl.delete(before.url);
    this.byId.set(row.id, row);
    if (!this.byUrl.has(row.url)) this.byUrl.set(row.url, row);
  }
}

/** What one batch writes, collected while deciding, then sent in a few statements (see flush). */
class BatchWrites {
  readonly inserts = new Map<string, Written>();
  readonly updates = new Map<string, Written>();
  readonly topicOnly = new Map<string, string[]>();
  /** Articles whose topic rows are rewritten: id → topics and the date they sort by. */
  readonly topicRows = new Map<string, { topics: string[]; published: number }>();
  readonly sources: [string, string][] = [];

  constructor(readonly revision: number, readonly now: number) {}

  row(article: IndexedArticle, hash: string, updated: number): Written {
    const row = toArticleRow(article, hash, updated, this.revision, this.now);
    return { ...row, search: toTsvector([article.title, article.summary, article.text]) };
  }

  write(row: Written, isNew: boolean): void {
    const pending = this.inserts.get(row.id);
    if (isNew || pending) this.inserts.set(row.id, row);
    else this.updates.set(row.id, row);
    this.topicOnly.delete(row.id);
  }

  setTopics(known: Known, topics: string[], published: number): void {
    const json = JSON.stringify(topics);
    const pending = this.inserts.get(known.id) ?? this.updates.get(known.id);
    if (pending) pending.topics = json;
    else this.topicOnly.set(known.id, topics);
    known.topics = json;
    this.topicRows.set(known.id, { topics, published });
  }
}

/** The same decisions as SQLite's upsertOne, recorded in `writes`. */
function decide(article: IndexedArticle, known: KnownArticles, writes: BatchWrites): Outcome {
  const hash = contentHash(article);
  const existing = known.find(article);
  const published = article.published.getTime();
  if (!existing) {
    const row = writes.row(article, hash, article.updated.getTime());
    writes.write(row, true);
    known.put(row);
    writes.topicRows.set(article.id, { topics: article.topics, published });
    writes.sources.push([article.id, article.sourceId]);
    return { result: 'inserted', topicsRewritten: false };
  }
  writes.sources.push([existing.id, article.sourceId]);
  const storedTopics = JSON.parse(existing.topics) as string[];
  if (existing.source_id !== article.sourceId && existing.id !== article.id) {
    // A second source's copy: keep the first copy's text, but the article now belongs to both sources' topics.
    const merged = [...new Set([...storedTopics, ...article.topics])];
    if (sameSet(merged, storedTopics)) return { result: 'unchanged', topicsRewritten: false };
    writes.setTopics(existing, merged, existing.published);
    return { result: 'updated', topicsRewritten: true };
  }
  if (existing.content_hash === hash) {
    if (sameSet(storedTopics, article.topics)) return { result: 'unchanged', topicsRewritten: false };
    // Reclassified (topic rules changed): the feeds change, the article itself did not.
    writes.setTopics(existing, article.topics, existing.published);
    return { result: 'updated', topicsRewritten: true };
  }
  const topicsRewritten = !sameSet(storedTopics, article.topics);
  // Changed: `updated` must move forward even when the source does not say so.
  const updated = article.updated.getTime() > existing.updated ? article.updated.getTime() : Math.max(writes.now, existing.updated + 1);
  const row = writes.row({ ...article, id: existing.id }, hash, updated);
  writes.write(row, false);
  known.put(row);
  writes.topicRows.set(existing.id, { topics: article.topics, published });
  return { result: 'updated', topicsRewritten };
}

export class PgArticles implements ArticleRepository {
  private readonly shared: PgDb;
  /** The last page computed: queryVersion and queryArticles of one request share it. */
  private lastPage: { query: ArticleQuery; revision: number; rows: PageRow[] } | undefined;

  constructor(shared: PgDb) {
    this.shared = shared;
  }

  async upsertArticles(articles: IndexedArticle[]): Promise<UpsertResult> {
    const result: UpsertResult = { inserted: 0, updated: 0, unchanged: 0 };
    if (articles.length === 0) return result;
    await this.shared.transaction(async (client) => {
      const revision = await this.shared.nextRevision(client);
      const writes = new BatchWrites(revision, Date.now());
      const known = await lookUp(client, articles);
      let topicsRewritten = false;
      for (const article of articles) {
        const outcome = decide(article, known, writes);
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
      await client.query(`DELETE FROM article_sources WHERE source_id = $1 AND article_id = ANY($2::text[])`, [sourceId, gone]);
      const { rows: orphans } = await client.query<{ id: string }>(`SELECT g.id FROM unnest($1::text[]) AS g(id)
        WHERE NOT EXISTS (SELECT 1 FROM article_sources s WHERE s.article_id = g.id)`, [gone]);
      const ids = orphans.map((r) => r.id);
      await client.query(`DELETE FROM article_topics WHERE article_id = ANY($1::text[])`, [ids]);
      await client.query(`DELETE FROM articles WHERE id = ANY($1::text[])`, [ids]);
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

  async queryArticles(query: ArticleQuery): Promise<StoredArticle[]> {
    const ids = (await this.pageRows(query)).map((r) => r.id);
    if (ids.length === 0) return [];
    const [rows, sources] = await Promise.all([
      this.shared.query<PublishedRow>(`SELECT ${PUBLISHED_COLUMNS} FROM articles WHERE id = ANY($1::text[])`, [ids]),
      this.sourcesOfPage(ids),
    ]);
    const byId = new Map(rows.map((r) => [r.id, r]));
    return ids.flatMap((id) => {
      const row = byId.get(id);
      return row ? [toArticle(row, sources.get(id) ?? [])] : [];
    });
  }

  /** The sources of a page of articles in one statement, instead of one per article. */
  private async sourcesOfPage(ids: readonly string[]): Promise<Map<string, string[]>> {
    const byArticle = new Map<string, string[]>();
    if (ids.length === 0) return byArticle;
    const rows = await this.shared.query<{ article_id: string; source_id: string }>(
      `SELECT article_id, source_id FROM article_sources WHERE article_id = ANY($1::text[]) ORDER BY article_id, source_id COLLATE "C"`, [ids]);
    for (const { article_id: id, source_id: source } of rows) {
      const list = byArticle.get(id);
      if (list) list.push(source);
      else byArticle.set(id, [source]);
    }
    return byArticle;
  }

  /** matchingRows for one query object, remembered until the next write this process knows of. */
  private async pageRows(query: ArticleQuery): Promise<PageRow[]> {
    const revision = await this.shared.currentRevision();
    const known = this.lastPage;
    if (known && known.query === query && known.revision === revision) return known.rows;
    const rows = await matchingRows(this.shared, query);
    this.lastPage = { query, revision, rows };
    return rows;
  }

  async queryVersion(query: ArticleQuery): Promise<QueryVersion> {
    const [rows, meta] = await Promise.all([this.pageRows(query), this.shared.meta()]);
    return pageVersion(rows, meta.deletedRevision, meta.deletedAt);
  }

  async countByTopic(): Promise<Map<string, number>> {
    const rows = await this.shared.query<{ topic: string; n: number }>(`SELECT topic, count(*) AS n FROM article_topics GROUP BY topic`);
    return new Map(rows.map((r) => [r.topic, r.n]));
  }

  async countBySource(): Promise<Map<string, number>> {
    const rows = await this.shared.query<{ source_id: string; n: number }>(`SELECT source_id, count(*) AS n FROM article_sources GROUP BY source_id`);
    return new Map(rows.map((r) => [r.source_id, r.n]));
  }

  async countArticles(): Promise<number> {
    return (await this.shared.query<{ n: number }>(`SELECT count(*) AS n FROM articles`))[0]?.n ?? 0;
  }
}

function knownOf(article: StoredArticle): Known {
  return {
    id: article.id, url: article.url, source_id: article.sourceId, topics: JSON.stringify(article.topics),
    content_hash: '', published: article.published.getTime(), updated: article.updated.getTime(),
  };
}

async function lookUp(client: PoolClient, articles: IndexedArticle[]): Promise<KnownArticles> {
  const ids = articles.map((a) => a.id);
  const urls = articles.filter((a) => !a.slug).map((a) => a.url);
  const { rows } = await client.query<Known>(`SELECT ${KNOWN_COLUMNS} FROM articles WHERE id = ANY($1::text[])
    UNION SELECT ${KNOWN_COLUMNS} FROM articles WHERE url = ANY($2::text[])`, [ids, urls]);
  return new KnownArticles(rows);
}

/** Sends a batch's writes: new rows, changed rows, topic-only changes, topic rows, sources. */
async function flush(client: PoolClient, w: BatchWrites): Promise<void> {
  if (w.inserts.size) {
    await client.query(`INSERT INTO articles (${ARTICLE_COLUMNS}, search) SELECT ${ARTICLE_COLUMNS}, search::tsvector
      FROM json_to_recordset($1::json) AS x(${RECORD_TYPES})`, [JSON.stringify([...w.inserts.values()])]);
  }
  // Topic-only changes first: a later content update of the same article in the batch carries its topics.
  if (w.topicOnly.size) {
    await client.query(`UPDATE articles a SET topics = x.topics, revision = $3, changed_at = $4
      FROM unnest($1::text[], $2::text[]) AS x(id, topics) WHERE a.id = x.id`,
    [[...w.topicOnly.keys()], [...w.topicOnly.values()].map((t) => JSON.stringify(t)), w.revision, w.now]);
  }
  if (w.updates.size) {
    const set = ARTICLE_COLUMNS.split(', ').filter((c) => c !== 'id').map((c) => `${c} = x.${c}`).join(', ');
    await client.query(`UPDATE articles a SET ${set}, search = x.search::tsvector
      FROM json_to_recordset($1::json) AS x(${RECORD_TYPES}) WHERE a.id = x.id`, [JSON.stringify([...w.updates.values()])]);
  }
  if (w.topicRows.size) {
    await client.query(`DELETE FROM article_topics WHERE article_id = ANY($1::text[])`, [[...w.topicRows.keys()]]);
    const rows = [...w.topicRows].flatMap(([id, { topics, published }]) => topics.map((topic) => ({ topic, published, id })));
    if (rows.length) {
      await client.query(`INSERT INTO article_topics (topic, published, article_id)
        SELECT * FROM unnest($1::text[], $2::bigint[], $3::text[]) ON CONFLICT DO NOTHING`,
      [rows.map((r) => r.topic), rows.map((r) => r.published), rows.map((r) => r.id)]);
    }
  }
  if (w.sources.length) {
    await client.query(`INSERT INTO article_sources (article_id, source_id)
      SELECT * FROM unnest($1::text[], $2::text[]) ON CONFLICT DO NOTHING`,
    [w.sources.map((s) => s[0]), w.sources.map((s) => s[1])]);
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
  const clauses: string[] = ['true'];
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
