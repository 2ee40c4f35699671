// PostgreSQL: one batch of article writes. A batch is one transaction of a handful of set-based
// statements whatever its size; the decisions (new, changed, reclassified, a second source's copy) are
// SQLite's, made in JavaScript over the rows the batch touches.

import type { PoolClient } from 'pg';
import type { IndexedArticle, StoredArticle } from '../../model.ts';
import { contentHash, matchedByUrl, PUBLISHED_COLUMNS, sameSet, toArticleRow, withFirstSeenDates, type ArticleRow } from '../rows.ts';
import type { UpsertResult } from '../store.ts';
import {
  BAND_SCAN_ROWS, chooseStory, lookupRange, MAX_CANDIDATES_PER_BAND, storyTopics, StoryPool, type CandidateRow,
} from '../stories.ts';
import { bandProbe, insertBandRows } from './story-bands.ts';
import { searchableText } from '../../text/search.ts';
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
/** What an update rewrites: all but story_id, which only an insert sets (a copy stays in its story). */
const ARTICLE_COLUMNS = `${PUBLISHED_COLUMNS.replace(', story_id', '')}, story_signature, content_hash, revision, changed_at`;
/** json_to_recordset's column list for a batch of article rows plus their tsvector. */
const RECORD_TYPES = `id text, slug text, title text, url text, summary text, content_html text, published bigint,
  updated bigint, authors text, language text, source_id text, categories text, topics text, image text,
  enclosures text, story_id text, story_signature text, content_hash text, revision bigint, changed_at bigint, search text`;

type Written = ArticleRow & { search: string };
type Outcome = { result: keyof UpsertResult; topicsRewritten: boolean };

/** The stored articles a batch touches, by id and by canonical URL, kept current as it decides. */
export class KnownArticles {
  private readonly byId = new Map<string, Known>();
  private readonly byUrl = new Map<string, Known>();
  /** Topics of the copies of the stories these articles lead (a leader holds them too). */
  readonly copyTopics = new Map<string, { topics: string }[]>();

  constructor(rows: Known[]) {
    for (const row of rows) this.put(row);
  }

  get(id: string): Known | undefined {
    return this.byId.get(id);
  }

  find(article: IndexedArticle): Known | undefined {
    return this.byId.get(article.id) ?? (matchedByUrl(article) ? this.byUrl.get(article.url) : undefined);
  }

  put(row: Known): void {
    const before = this.byId.get(row.id);
    if (before && this.byUrl.get(before.url)?.id === row.id) this.byUrl.delete(before.url);
    this.byId.set(row.id, row);
    if (row.url !== '' && !this.byUrl.has(row.url)) this.byUrl.set(row.url, row);
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
  /** New signed articles, whose band rows are written (a changed one keeps its first: its story was decided then). */
  readonly signed: IndexedArticle[] = [];
  /** Story leaders another source's copy joined: id → the copy's `updated`. */
  readonly storyBumps = new Map<string, number>();

  constructor(readonly revision: number, readonly now: number) {}

  row(article: IndexedArticle, hash: string, updated: number, storyId?: string): Written {
    const row = toArticleRow(article, hash, updated, this.revision, this.now, storyId);
    const s = article.searchable ?? searchableText(article);
    return { ...row, search: toTsvector([s.title, s.summary, s.text], s.stems) };
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

/** The story candidates of a batch and the window they were read for. */
export interface StoryLookup {
  pool: StoryPool;
  windowMs: number;
}

/** The same decisions as SQLite's upsertOne, recorded in `writes`. */
export function decide(incoming: IndexedArticle, known: KnownArticles, writes: BatchWrites, stories: StoryLookup): Outcome {
  const existing = known.find(incoming);
  const article = existing ? withFirstSeenDates(incoming, existing) : incoming;
  const hash = contentHash(article);
  const published = article.published.getTime();
  if (!existing) {
    const storyId = chooseStory(article, stories.pool.candidatesOf(article), stories.windowMs);
    const row = writes.row(article, hash, article.updated.getTime(), storyId);
    writes.write(row, true);
    known.put(row);
    writes.topicRows.set(article.id, { topics: article.topics, published });
    writes.sources.push([article.id, article.sourceId]);
    if (article.story) writes.signed.push(article);
    stories.pool.add(article, storyId);
    if (storyId) joinStory(storyId, article, known, writes);
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
  // A story's leader also holds its copies' topics.
  const topics = storyTopics(article.topics, known.copyTopics.get(existing.id) ?? []);
  if (existing.content_hash === hash) {
    if (sameSet(storedTopics, topics)) return { result: 'unchanged', topicsRewritten: false };
    // Reclassified (topic rules changed): the feeds change, the article itself did not.
    writes.setTopics(existing, topics, existing.published);
    return { result: 'updated', topicsRewritten: true };
  }
  const topicsRewritten = !sameSet(storedTopics, topics);
  // Changed: `updated` must move forward even when the source does not say so.
  const updated = article.updated.getTime() > existing.updated ? article.updated.getTime() : Math.max(writes.now, existing.updated + 1);
  const row = writes.row({ ...article, id: existing.id, topics }, hash, updated);
  writes.write(row, false);
  known.put(row);
  writes.topicRows.set(existing.id, { topics, published });
  return { result: 'updated', topicsRewritten };
}

/**
 * Another source's copy joined the story: its leader keeps its id (readers must not see it as new)
 * but its `updated` moves, and it now belongs to the copy's topics too (SQLite's joinStory).
 */
function joinStory(leaderId: string, copy: IndexedArticle, known: KnownArticles, writes: BatchWrites): void {
  const leader = known.get(leaderId);
  if (!leader) return;
  const updated = Math.max(leader.updated + 1, copy.updated.getTime());
  leader.updated = updated;
  const pending = writes.inserts.get(leaderId) ?? writes.updates.get(leaderId);
  if (pending) pending.updated = updated;
  else writes.storyBumps.set(leaderId, updated);
  const topics = JSON.parse(leader.topics) as string[];
  const merged = [...new Set([...topics, ...copy.topics])];
  known.copyTopics.set(leaderId, [...(known.copyTopics.get(leaderId) ?? []), { topics: JSON.stringify(copy.topics) }]);
  if (!sameSet(merged, topics)) writes.setTopics(leader, merged, leader.published);
}

/**
 * The stored articles sharing a band key with any of the batch's articles within the window, and
 * (into `known`) the stories' leaders they name, which a joining copy updates.
 */
export async function lookUpStories(client: PoolClient, articles: IndexedArticle[], known: KnownArticles, windowMs: number): Promise<StoryPool> {
  const range = lookupRange(articles, windowMs);
  if (!range) return new StoryPool([]);
  // Per band key, its newest few articles of other sources in the window (LIMITed range scans), then theirs.
  const { rows: found } = await client.query<Omit<CandidateRow, 'bands'> & { bands: string[] }>(`SELECT a.id, a.story_id, a.source_id,
      a.published, a.story_signature, array_agg(w.band) AS bands
    FROM unnest($1::bigint[]) AS w(band)
    ${bandProbe({ from: 2, to: 3, sources: 5, limit: 6, scan: 7 })}
    JOIN articles a ON a.id = h.article_id
    WHERE NOT (a.source_id = ANY($4::text[])) AND a.story_signature IS NOT NULL GROUP BY a.id`,
  [range.bands, range.from, range.to, range.sources, range.sourceNumbers, MAX_CANDIDATES_PER_BAND, BAND_SCAN_ROWS]);
  // bigint comes back as text; band numbers have 52 bits, exact in a JavaScript number.
  const rows: CandidateRow[] = found.map((r) => ({ ...r, bands: r.bands.map(Number) }));
  const leaders = [...new Set(rows.map((r) => r.story_id ?? r.id))].filter((id) => !known.get(id));
  if (leaders.length) {
    const { rows: found } = await client.query<Known>(`SELECT ${KNOWN_COLUMNS} FROM articles WHERE id = ANY($1::text[])`, [leaders]);
    for (const row of found) known.put(row);
  }
  return new StoryPool(rows);
}

export function knownOf(article: StoredArticle): Known {
  return {
    id: article.id, url: article.url, source_id: article.sourceId, topics: JSON.stringify(article.topics),
    content_hash: '', published: article.published.getTime(), updated: article.updated.getTime(),
  };
}

export async function lookUp(client: PoolClient, articles: IndexedArticle[]): Promise<KnownArticles> {
  const ids = articles.map((a) => a.id);
  const urls = articles.filter(matchedByUrl).map((a) => a.url);
  // Joins on unnest, not `= ANY($1)`: with a long array on a table without fresh statistics the
  // planner picked a sequential scan, which made every batch cost the whole archive.
  const columns = KNOWN_COLUMNS.split(', ').map((c) => `a.${c}`).join(', ');
  const { rows } = await client.query<Known>(`SELECT ${columns} FROM unnest($1::text[]) AS k(id) JOIN articles a ON a.id = k.id
    UNION SELECT ${columns} FROM unnest($2::text[]) AS k(url) JOIN articles a ON a.url = k.url`, [ids, urls]);
  const known = new KnownArticles(rows);
  if (rows.length === 0) return known;
  const { rows: copies } = await client.query<{ story_id: string; topics: string }>(
    `SELECT a.story_id, a.topics FROM unnest($1::text[]) AS k(id) JOIN articles a ON a.story_id = k.id`, [rows.map((r) => r.id)]);
  for (const { story_id: leader, topics } of copies) known.copyTopics.set(leader, [...(known.copyTopics.get(leader) ?? []), { topics }]);
  return known;
}

/** Sends a batch's writes: new rows, changed rows, topic-only changes, topic rows, sources. */
export async function flush(client: PoolClient, w: BatchWrites): Promise<void> {
  if (w.inserts.size) {
    await client.query(`INSERT INTO articles (${ARTICLE_COLUMNS}, story_id, search) SELECT ${ARTICLE_COLUMNS}, story_id, search::tsvector
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
  await flushStories(client, w);
  if (w.sources.length) {
    await client.query(`INSERT INTO article_sources (article_id, source_id)
      SELECT * FROM unnest($1::text[], $2::text[]) ON CONFLICT DO NOTHING`,
    [w.sources.map((s) => s[0]), w.sources.map((s) => s[1])]);
  }
}

/** Band rows of new articles and the `updated` of leaders a copy joined. */
async function flushStories(client: PoolClient, w: BatchWrites): Promise<void> {
  await insertBandRows(client, w.signed);
  if (w.storyBumps.size) {
    await client.query(`UPDATE articles a SET updated = GREATEST(a.updated + 1, x.updated), revision = $3, changed_at = $4
      FROM unnest($1::text[], $2::bigint[]) AS x(id, updated) WHERE a.id = x.id`,
    [[...w.storyBumps.keys()], [...w.storyBumps.values()], w.revision, w.now]);
  }
}
