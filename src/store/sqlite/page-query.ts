// SQLite: the reads of a feed page — which articles a query matches (with what their version needs),
// then those articles in full. Plain functions over a connection, so the serving thread and the
// query workers (query-worker.ts) run the very same SQL.

import type { ArticleQuery, RelatedArticle, StoredArticle } from '../../model.ts';
import { newestFirst, pageVersion, toArticle, type PageRow, type PublishedRow, PUBLISHED_COLUMNS } from '../rows.ts';
import type { QueryVersion } from '../store.ts';
import { groupRelated, withRelated, type RelatedRow } from '../stories.ts';
import { marks, type Param, type SqliteDb } from './db.ts';
import { toFtsQueries } from './fts.ts';

const PAGE_VERSION_COLUMNS = 'a.revision AS revision, a.changed_at AS changed_at';

/** A page's rows and the last removal, read in one transaction so they describe one state of the store. */
export interface PageRead {
  rows: PageRow[];
  deletedRevision: number;
  deletedAt: number;
}

export function readPage(shared: SqliteDb, query: ArticleQuery): PageRead {
  return shared.db.transaction(() => ({
    rows: matchingRows(shared, query, query.limit),
    deletedRevision: shared.meta('deleted_revision'),
    deletedAt: shared.meta('deleted_at'),
  }))();
}

/**
 * A page read to be rendered at once (no queryVersion before it): its version and its articles, in one
 * transaction, so the two describe one state of the store.
 */
export function readVersionedPage(shared: SqliteDb, query: ArticleQuery): { version: QueryVersion; articles: StoredArticle[] } {
  return shared.db.transaction(() => {
    const page = readPage(shared, query);
    const version = pageVersion(page.rows, page.deletedRevision, page.deletedAt);
    return { version, articles: readArticles(shared, page.rows.map((r) => r.id), query.stories) };
  })();
}

/** The articles of a page, in the page's order, with their sources and (unless `separate`) their story's copies. */
export function readArticles(shared: SqliteDb, ids: readonly string[], stories: ArticleQuery['stories']): StoredArticle[] {
  if (ids.length === 0) return [];
  return shared.db.transaction(() => {
    const byId = new Map(shared.prepared<PublishedRow>(`SELECT ${PUBLISHED_COLUMNS} FROM articles WHERE id IN (${marks(ids)})`)
      .all(...ids).map((r) => [r.id, r]));
    const sources = sourcesOfPage(shared, ids);
    const related = stories === 'separate' ? new Map<string, RelatedArticle[]>() : relatedOfPage(shared, ids);
    const articles: StoredArticle[] = [];
    for (const id of ids) {
      const row = byId.get(id);
      if (row) articles.push(withRelated(toArticle(row, sources.get(id) ?? []), related.get(id)));
    }
    return articles;
  })();
}

/** The other sources' copies of a page's leading articles, earliest first, in one statement. */
function relatedOfPage(shared: SqliteDb, ids: readonly string[]): Map<string, RelatedArticle[]> {
  const rows = shared.prepared<RelatedRow>(
    `SELECT id, url, title, source_id, story_id FROM articles WHERE story_id IN (${marks(ids)}) ORDER BY published, id`,
  ).all(...ids);
  return groupRelated(rows);
}

/** The sources of a page of articles in one statement, instead of one per article. */
function sourcesOfPage(shared: SqliteDb, ids: readonly string[]): Map<string, string[]> {
  const byArticle = new Map<string, string[]>();
  const rows = shared.prepared<{ article_id: string; source_id: string }>(
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
function matchingRows(shared: SqliteDb, query: ArticleQuery, limit: number): PageRow[] {
  const topics = query.topics ?? [];
  // Paging back (`after`) reads upwards from the cursor, then turns the page newest-first.
  const dir = query.after ? 'ASC' : 'DESC';
  if (topics.length === 0) {
    const { where, params } = filters(query, 'a.published', 'a.id');
    const sql = `SELECT a.id AS id, ${PAGE_VERSION_COLUMNS} FROM articles a WHERE ${where} ORDER BY a.published ${dir}, a.id ${dir} LIMIT ?`;
    const rows = shared.prepared<PageRow>(sql).all(...params, limit);
    return query.after ? rows.reverse() : rows;
  }
  // Joined by rowid (migration 14), and a search's match is tested on the topic row's own rowid, so a
  // walked row whose article did not match costs no lookup of that article.
  const { where, params } = filters(query, 't.published', 't.article_id', 't.article_rowid');
  const stmt = shared.prepared<PageRow & { published: number }>(
    `SELECT t.article_id AS id, t.published AS published, ${PAGE_VERSION_COLUMNS} FROM article_topics t
     JOIN articles a ON a.rowid = t.article_rowid
     WHERE t.topic = ? AND ${where} ORDER BY t.published ${dir}, t.article_id ${dir} LIMIT ?`);
  const merged = new Map<string, PageRow & { published: number }>();
  for (const topic of new Set(topics)) {
    for (const row of stmt.all(topic, ...params, limit)) merged.set(row.id, row);
  }
  const sorted = [...merged.values()].sort(newestFirst);
  const page = query.after ? sorted.slice(Math.max(0, sorted.length - limit)) : sorted.slice(0, limit);
  return page.map(({ id, revision, changed_at }) => ({ id, revision, changed_at }));
}

/**
 * WHERE clause for everything but the topic union; `published`/`id` name the ordered columns, `rowid`
 * the article's rowid (the search index's key).
 */
function filters(query: ArticleQuery, published: string, id: string, rowid = 'a.rowid'): { where: string; params: Param[] } {
  // A story shows once, as its leading article: the cursor and the page count leaders only.
  const clauses: string[] = [query.stories === 'separate' ? '1' : 'a.story_id IS NULL'];
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
  if (query.terms) {
    const fts = toFtsQueries(query.terms);
    if (fts === undefined) clauses.push('0');
    if (fts?.stems !== undefined) {
      clauses.push(`${rowid} IN (SELECT rowid FROM article_stems WHERE article_stems MATCH ?)`);
      params.push(fts.stems);
    }
    if (fts?.text !== undefined) {
      clauses.push(`${rowid} IN (SELECT rowid FROM articles_fts WHERE articles_fts MATCH ?)`);
      params.push(fts.text);
    }
  }
  return { where: clauses.join(' AND '), params };
}
