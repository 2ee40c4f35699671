// SQLite: regrouping stories after the fact (npm run regroup) — stand-alone signed articles page by
// page, one transaction each, decided by regroupStep (src/store/stories.ts) on candidates from the
// same band index and window as at ingest — and signing articles that were stored unsigned.

import type { IndexedArticle } from '../../model.ts';
import {
  RegroupStopped,
  REGROUP_PAGE, REGROUP_ROW_SELECT, regroupCandidate, regroupStep, signatureColumn, sourceNumber,
  type RegroupDecision, type RegroupOptions, type RegroupResult, type RegroupRow,
} from '../stories.ts';
import { sameSet } from '../rows.ts';
import { insertTopicRows } from './article-batch.ts';
import type { SqliteDb } from './db.ts';
import { bandHits, insertBandRows, type SignedRow } from './story-bands.ts';

export async function regroupSqlite(shared: SqliteDb, windowMs: number, options: RegroupOptions): Promise<RegroupResult> {
  const result: RegroupResult = { examined: 0, joined: 0 };
  // Stand-alone: signed, no leader, no copies; in (published, id) order from `since` on.
  const page = shared.prepared<{ id: string; published: number }>(`SELECT id, published FROM articles a
    WHERE story_signature IS NOT NULL AND story_id IS NULL AND published >= ? AND (published > ? OR (published = ? AND id > ?))
    AND NOT EXISTS (SELECT 1 FROM articles c WHERE c.story_id = a.id) ORDER BY published, id LIMIT ?`);
  let cursor = { published: Number.MIN_SAFE_INTEGER, id: '' };
  for (;;) {
    if (options.stopped?.()) throw new RegroupStopped();
    const rows = page.all(options.since.getTime(), cursor.published, cursor.published, cursor.id, REGROUP_PAGE);
    if (rows.length === 0) return result;
    cursor = rows[rows.length - 1]!;
    await shared.write(() => {
      // Asked again once the write lock is held: a stop that came while waiting for it merges nothing.
      if (options.stopped?.()) throw new RegroupStopped();
      const revision = shared.nextRevision();
      const now = Date.now();
      let joined = 0;
      for (const { id } of rows) {
        const step = decide(shared, id, windowMs, options.leadingSource);
        if (step === 'not-alone') continue;
        result.examined++;
        if (step === undefined) continue;
        join(shared, step.copy, step.leader, revision, now);
        joined++;
      }
      // A copy leaves every feed it was in as a leader: that counts like a deletion for versions.
      if (joined > 0) shared.markRemoval(revision, now);
      result.joined += joined;
    });
    // Readers are served between two pages.
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}

/** The merge for article `id`, read afresh: an earlier step of this run may have merged it already. */
function decide(shared: SqliteDb, id: string, windowMs: number, leadingSource: string | undefined): RegroupDecision {
  const row = shared.prepared<RegroupRow>(`${REGROUP_ROW_SELECT} WHERE id = ?`).get(id);
  if (!row || row.story_id !== null || Number(row.copies) > 0) return 'not-alone';
  const alone = regroupCandidate(row);
  const hits = bandHits(shared, {
    bands: alone.signature.bands, from: alone.published - windowMs, to: alone.published + windowMs, sourceNumbers: [sourceNumber(row.source_id)],
  });
  if (hits.size === 0) return undefined;
  const candidates = shared.prepared<RegroupRow>(`${REGROUP_ROW_SELECT} WHERE rowid IN (SELECT value FROM json_each(?)) AND id != ?
    AND source_id != ? AND story_signature IS NOT NULL`).all(JSON.stringify([...hits.keys()]), id, row.source_id);
  return regroupStep(alone, candidates.map(regroupCandidate), windowMs, leadingSource);
}

/** `copy` follows `leader`, whose `updated` moves and which takes the copy's topics (as at ingest). */
function join(shared: SqliteDb, copy: string, leader: string, revision: number, now: number): void {
  const rows = shared.prepared<{ rowid: number; id: string; topics: string; updated: number; published: number }>(
    `SELECT rowid, id, topics, updated, published FROM articles WHERE id IN (?, ?)`).all(copy, leader);
  const copyRow = rows.find((r) => r.id === copy);
  const leaderRow = rows.find((r) => r.id === leader);
  if (!copyRow || !leaderRow) return;
  shared.prepared(`UPDATE articles SET story_id = ?, revision = ?, changed_at = ? WHERE id = ?`).run(leader, revision, now, copy);
  const topics = JSON.parse(leaderRow.topics) as string[];
  const merged = [...new Set([...topics, ...(JSON.parse(copyRow.topics) as string[])])];
  shared.prepared(`UPDATE articles SET updated = max(updated + 1, ?), topics = ?, revision = ?, changed_at = ? WHERE id = ?`)
    .run(copyRow.updated, JSON.stringify(merged), revision, now, leader);
  if (sameSet(merged, topics)) return;
  insertTopicRows(shared, { id: leader, rowid: leaderRow.rowid }, merged, leaderRow.published);
}

/**
 * Stores the story signature and band rows of articles stored before they were signed (local articles
 * from before they were signed), so copies find them from now on; returns how many were signed.
 */
export async function addMissingSignaturesSqlite(shared: SqliteDb, articles: readonly IndexedArticle[]): Promise<number> {
  const signed = articles.filter((a) => a.story);
  if (signed.length === 0) return 0;
  const unsigned = new Set(shared.prepared<{ id: string }>(`SELECT id FROM articles
    WHERE story_signature IS NULL AND id IN (SELECT value FROM json_each(?))`).all(JSON.stringify(signed.map((a) => a.id))).map((r) => r.id));
  if (unsigned.size === 0) return 0;
  return shared.write(() => {
    const sign = shared.prepared<{ rowid: number }>(`UPDATE articles SET story_signature = ? WHERE id = ? AND story_signature IS NULL RETURNING rowid`);
    const stored: SignedRow[] = [];
    for (const article of signed.filter((a) => unsigned.has(a.id))) {
      const updated = sign.get(signatureColumn(article), article.id);
      if (updated) stored.push({ article, rowid: updated.rowid });
    }
    insertBandRows(shared, stored);
    return stored.length;
  });
}
