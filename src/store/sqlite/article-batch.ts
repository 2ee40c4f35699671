// SQLite: what one batch of article writes reads at its start and defers to its end. The batch's
// stored articles are read by id and by URL in two statements instead of two per article; the rows
// nothing in the batch reads back (story bands, sources, topics) are written in multi-row statements,
// and the full-text rows small batches held back move into the index once enough are held.

import type { IndexedArticle } from '../../model.ts';
import { matchedByUrl, type ArticleRow } from '../rows.ts';
import type { Param, SqliteDb } from './db.ts';
import { HELD_INDEX_ROWS, heldIndexRows, indexHeldRows } from './held-index.ts';
import { insertBandRows, type SignedRow } from './story-bands.ts';

export type StoredRow = ArticleRow & { rowid: number };

/** A topic row: the topic, the article's date, id and rowid (see migration 14). */
export const TOPIC_COLUMNS = ['topic', 'published', 'article_id', 'article_rowid'] as const;

const INSERT_TOPIC_ROW = `INSERT OR IGNORE INTO article_topics (${TOPIC_COLUMNS.join(', ')}) VALUES (?, ?, ?, ?)`;

/**
 * One article's topic rows written at once, outside a batch (a rewrite of its topics, a regroup's
 * join): a statement per row, since the few rows of one article do not pay for a padded multi-row one.
 */
export function insertTopicRows(shared: SqliteDb, article: { id: string; rowid: number }, topics: readonly string[], published: number): void {
  const insert = shared.prepared(INSERT_TOPIC_ROW);
  for (const topic of topics) insert.run(topic, published, article.id, article.rowid);
}

export class ArticleBatch {
  private readonly shared: SqliteDb;
  /** A write this small holds its full-text rows back (see held-index.ts). */
  readonly holdsIndex: boolean;
  /** New signed articles: their band rows are read only by the next batch's lookup. */
  readonly signed: SignedRow[] = [];
  private readonly sourceRows: Param[][] = [];
  private topicRows: Param[][] = [];
  private readonly byId = new Map<string, StoredRow>();
  private readonly byUrl = new Map<string, StoredRow>();
  /** Ids and URLs of rows this batch wrote: an article naming one is looked up afresh. */
  private readonly writtenIds = new Set<string>();
  private readonly writtenUrls = new Set<string>();

  constructor(shared: SqliteDb, articles: readonly IndexedArticle[]) {
    this.shared = shared;
    this.holdsIndex = articles.length < HELD_INDEX_ROWS;
    const ids = JSON.stringify(articles.map((a) => a.id));
    for (const row of shared.prepared<StoredRow>(`SELECT rowid, * FROM articles WHERE id IN (SELECT value FROM json_each(?))`).all(ids)) {
      this.byId.set(row.id, row);
    }
    const urls = JSON.stringify(articles.filter(matchedByUrl).map((a) => a.url));
    // Of several rows with one URL, the first by rowid: the one `url = ? LIMIT 1` reads through articles_by_url.
    for (const row of shared.prepared<StoredRow>(`SELECT rowid, * FROM articles WHERE url IN (SELECT value FROM json_each(?))
      ORDER BY rowid`).all(urls)) {
      if (!this.byUrl.has(row.url)) this.byUrl.set(row.url, row);
    }
  }

  /**
   * The stored article `incoming` is (by id, else by canonical URL), as the batch's earlier writes left
   * it: read at the batch's start unless one of them wrote a row with its id or URL; then read now.
   */
  find(incoming: IndexedArticle): StoredRow | undefined {
    const byUrl = matchedByUrl(incoming);
    if (this.writtenIds.has(incoming.id) || (byUrl && this.writtenUrls.has(incoming.url))) {
      return this.shared.prepared<StoredRow>(`SELECT rowid, * FROM articles WHERE id = ?`).get(incoming.id)
        ?? (byUrl ? this.shared.prepared<StoredRow>(`SELECT rowid, * FROM articles WHERE url = ? LIMIT 1`).get(incoming.url) : undefined);
    }
    return this.byId.get(incoming.id) ?? (byUrl ? this.byUrl.get(incoming.url) : undefined);
  }

  /** Records a write to the row with this id and URL (and a URL it had before). */
  wrote(id: string, ...urls: string[]): void {
    this.writtenIds.add(id);
    for (const url of urls) this.writtenUrls.add(url);
  }

  addSource(id: string, sourceId: string): void {
    this.sourceRows.push([id, sourceId]);
  }

  /** Topic rows to insert (or keep): deferred until the batch ends or the article's rows are deleted. */
  addTopics(article: { id: string; rowid: number | bigint }, topics: readonly string[], published: number): void {
    for (const topic of topics) this.topicRows.push([topic, published, article.id, Number(article.rowid)]);
  }

  /** Writes the deferred topic rows now: a deletion of an article's topic rows must come after them. */
  flushTopics(): void {
    this.shared.insertOrIgnore('article_topics', TOPIC_COLUMNS, this.topicRows);
    this.topicRows = [];
  }

  /** Writes everything deferred; the batch's last step. */
  finish(): void {
    this.flushTopics();
    this.shared.insertOrIgnore('article_sources', ['article_id', 'source_id'], this.sourceRows);
    insertBandRows(this.shared, this.signed);
    // A large write indexes what earlier small ones held along with its own; a small one, once enough are held.
    const held = heldIndexRows(this.shared);
    if (held >= HELD_INDEX_ROWS || (!this.holdsIndex && held > 0)) indexHeldRows(this.shared);
  }
}
