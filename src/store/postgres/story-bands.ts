// PostgreSQL: the story band index (story_bands), as SQLite's story-bands.ts reads and writes it: per
// band, the newest BAND_SCAN_ROWS rows in the window, and of those the first MAX_CANDIDATES_PER_BAND
// of other sources; integer band and source numbers, the article by its id.

import type { PoolClient } from 'pg';
import type { IndexedArticle } from '../../model.ts';
import { bandRows } from '../stories.ts';

/**
 * A LATERAL subquery giving `h.article_id` for the band `w.band`, with the range, the excluded source
 * numbers (int[]), the per-band limit and the scan limit in the numbered parameters given.
 */
export function bandProbe(p: { from: number; to: number; sources: number; limit: number; scan: number }): string {
  return `CROSS JOIN LATERAL (SELECT s.article_id FROM (SELECT b.article_id, b.source, b.published FROM story_bands b
      WHERE b.band = w.band AND b.published BETWEEN $${p.from} AND $${p.to} ORDER BY b.published DESC LIMIT $${p.scan}) AS s
    WHERE NOT (s.source = ANY($${p.sources}::int[])) ORDER BY s.published DESC LIMIT $${p.limit}) AS h`;
}

/** The band rows of new signed articles, in one statement. */
export async function insertBandRows(client: PoolClient, articles: readonly IndexedArticle[]): Promise<void> {
  const rows = articles.flatMap(bandRows);
  if (rows.length === 0) return;
  await client.query(`INSERT INTO story_bands (band, published, source, article_id)
    SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::int[], $4::text[]) ON CONFLICT DO NOTHING`,
  [rows.map((b) => b.band), rows.map((b) => b.published), rows.map((b) => b.source), rows.map((b) => b.id)]);
}
