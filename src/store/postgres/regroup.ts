// PostgreSQL: regrouping stories after the fact (npm run regroup), as SQLite's regroup.ts does: pages
// of stand-alone signed articles, one transaction each, decided by regroupStep (src/store/stories.ts)
// on candidates from the same band index and window as at ingest; and signing articles stored unsigned.

import type { PoolClient } from 'pg';
import type { IndexedArticle } from '../../model.ts';
import {
  RegroupStopped,
  BAND_SCAN_ROWS, MAX_CANDIDATES_PER_BAND, REGROUP_PAGE, REGROUP_ROW_SELECT, regroupCandidate, regroupStep, signatureColumn, sourceNumber,
  type RegroupDecision, type RegroupOptions, type RegroupResult, type RegroupRow,
} from '../stories.ts';
import { sameSet } from '../rows.ts';
import type { PgDb } from './db.ts';
import { bandProbe, insertBandRows } from './story-bands.ts';

export async function regroupPostgres(shared: PgDb, windowMs: number, options: RegroupOptions): Promise<RegroupResult> {
  const result: RegroupResult = { examined: 0, joined: 0 };
  let cursor = { published: Number.MIN_SAFE_INTEGER, id: '' };
  for (;;) {
    if (options.stopped?.()) throw new RegroupStopped();
    const rows = await shared.query<{ id: string; published: string }>(`SELECT id, published FROM articles a
      WHERE story_signature IS NOT NULL AND story_id IS NULL AND published >= $1 AND (published, id) > ($2, $3)
      AND NOT EXISTS (SELECT 1 FROM articles c WHERE c.story_id = a.id) ORDER BY published, id LIMIT $4`,
    [options.since.getTime(), cursor.published, cursor.id, REGROUP_PAGE]);
    if (rows.length === 0) return result;
    const last = rows[rows.length - 1]!;
    cursor = { published: Number(last.published), id: last.id };
    await shared.transaction(async (client) => {
      if (options.stopped?.()) throw new RegroupStopped();
      const revision = await shared.nextRevision(client);
      const now = Date.now();
      let joined = 0;
      for (const { id } of rows) {
        const step = await decide(client, id, windowMs, options.leadingSource);
        if (step === 'not-alone') continue;
        result.examined++;
        if (step === undefined) continue;
        await join(client, step.copy, step.leader, revision, now);
        joined++;
      }
      // A copy leaves every feed it was in as a leader: that counts like a deletion for versions.
      if (joined > 0) await shared.markRemoval(client, revision, now);
      result.joined += joined;
    });
  }
}

/** The merge for article `id`, read afresh: an earlier step of this run may have merged it already. */
async function decide(client: PoolClient, id: string, windowMs: number, leadingSource: string | undefined): Promise<RegroupDecision> {
  const row = (await client.query<RegroupRow>(`${REGROUP_ROW_SELECT} WHERE id = $1`, [id])).rows[0];
  if (!row || row.story_id !== null || Number(row.copies) > 0) return 'not-alone';
  const alone = regroupCandidate(row);
  const published = alone.published;
  // Per band key, its newest few articles of other sources in the window (LIMITed range scans), as at ingest.
  const { rows } = await client.query<RegroupRow>(`${REGROUP_ROW_SELECT} WHERE a.id IN (
      SELECT h.article_id FROM unnest($1::bigint[]) AS w(band)
      ${bandProbe({ from: 2, to: 3, sources: 7, limit: 4, scan: 8 })})
    AND a.id <> $5 AND a.source_id <> $6 AND a.story_signature IS NOT NULL`,
  [alone.signature.bands, published - windowMs, published + windowMs, MAX_CANDIDATES_PER_BAND, id, row.source_id,
    [sourceNumber(row.source_id)], BAND_SCAN_ROWS]);
  return regroupStep(alone, rows.map(regroupCandidate), windowMs, leadingSource);
}

/** `copy` follows `leader`, whose `updated` moves and which takes the copy's topics (as at ingest). */
async function join(client: PoolClient, copy: string, leader: string, revision: number, now: number): Promise<void> {
  const { rows } = await client.query<{ id: string; topics: string; updated: string; published: string }>(
    `SELECT id, topics, updated, published FROM articles WHERE id = ANY($1::text[])`, [[copy, leader]]);
  const copyRow = rows.find((r) => r.id === copy);
  const leaderRow = rows.find((r) => r.id === leader);
  if (!copyRow || !leaderRow) return;
  await client.query(`UPDATE articles SET story_id = $1, revision = $2, changed_at = $3 WHERE id = $4`, [leader, revision, now, copy]);
  const topics = JSON.parse(leaderRow.topics) as string[];
  const merged = [...new Set([...topics, ...(JSON.parse(copyRow.topics) as string[])])];
  await client.query(`UPDATE articles SET updated = GREATEST(updated + 1, $1), topics = $2, revision = $3, changed_at = $4 WHERE id = $5`,
    [Number(copyRow.updated), JSON.stringify(merged), revision, now, leader]);
  if (sameSet(merged, topics)) return;
  await client.query(`INSERT INTO article_topics (topic, published, article_id)
    SELECT t, $2::bigint, $3 FROM unnest($1::text[]) AS t ON CONFLICT DO NOTHING`, [merged, Number(leaderRow.published), leader]);
}

/**
 * Stores the story signature and band rows of articles stored before they were signed (local articles
 * from before they were signed), so copies find them from now on; returns how many were signed.
 */
export async function addMissingSignaturesPostgres(shared: PgDb, articles: readonly IndexedArticle[]): Promise<number> {
  const signed = articles.filter((a) => a.story);
  if (signed.length === 0) return 0;
  return shared.transaction(async (client) => {
    const { rows } = await client.query<{ id: string }>(`UPDATE articles a SET story_signature = x.signature
      FROM unnest($1::text[], $2::text[]) AS x(id, signature) WHERE a.id = x.id AND a.story_signature IS NULL RETURNING a.id`,
    [signed.map((a) => a.id), signed.map((a) => signatureColumn(a))]);
    const done = new Set(rows.map((r) => r.id));
    await insertBandRows(client, signed.filter((a) => done.has(a.id)));
    return done.size;
  });
}
