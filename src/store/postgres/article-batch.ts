// PostgreSQL: one batch of article writes. A batch is one transaction of a handful of set-based
// statements whatever its size; the decisions (new, changed, reclassified, a second source's copy) are
// SQLite's, made in JavaScript over the rows the batch touches.

import type { PoolClient } from 'pg';
import type { IndexedArticle, StoredArticle } from '../../model.ts';
import { contentHash, PUBLISHED_COLUMNS, sameSet, toArticleRow, withFirstSeenDates, type ArticleRow } from '../rows.ts';
import type { UpsertResult } from '../store.ts';
import { toTsvector } from './fts.ts';

/** What a batch needs to know of a stored article to decide about a new copy of it. */
export interface Known {
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

type Written = ArticleRow & { search: string };
type Outcome = { result: keyof UpsertResult; topicsRewritten: boolean };

/** The stored articles a batch touches, by id and by canonical URL, kept current as it decides. */
export class KnownArticles {
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
export class BatchWrites {
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
export function decide(incoming: IndexedArticle, known: KnownArticles, writes: BatchWrites): Outcome {
  const existing = known.find(incoming);
  const article = existing ? withFirstSeenDates(incoming, existing) : incoming;
  const hash = contentHash(article);
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

export function knownOf(article: StoredArticle): Known {
  return {
    id: article.id, url: article.url, source_id: article.sourceId, topics: JSON.stringify(article.topics),
    content_hash: '', published: article.published.getTime(), updated: article.updated.getTime(),
  };
}

export async function lookUp(client: PoolClient, articles: IndexedArticle[]): Promise<KnownArticles> {
  const ids = articles.map((a) => a.id);
  const urls = articles.filter((a) => !a.slug).map((a) => a.url);
  // Joins on unnest, not `= ANY($1)`: with a long array on a table without fresh statistics the
  // planner picked a sequential scan, which made every batch cost the whole archive.
  const columns = KNOWN_COLUMNS.split(', ').map((c) => `a.${c}`).join(', ');
  const { rows } = await client.query<Known>(`SELECT ${columns} FROM unnest($1::text[]) AS k(id) JOIN articles a ON a.id = k.id
    UNION SELECT ${columns} FROM unnest($2::text[]) AS k(url) JOIN articles a ON a.url = k.url`, [ids, urls]);
  return new KnownArticles(rows);
}

/** Sends a batch's writes: new rows, changed rows, topic-only changes, topic rows, sources. */
export async function flush(client: PoolClient, w: BatchWrites): Promise<void> {
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
    await client.query(`DELETE FROM article_topics t USING unnest($1::text[]) AS k(id) WHERE t.article_id = k.id`, [[...w.topicRows.keys()]]);
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
