// SQLite: the story band index (story_bands, and story_bands_pending for the newest rows): the LSH
// lookups a batch of new articles or a regrouping makes, and the rows a signed article adds. Rows are
// integers (band number, date, source number, the article's rowid), about 150 to a B-tree page.

import type { IndexedArticle } from '../../model.ts';
import { BAND_SCAN_ROWS, bandRows, MAX_CANDIDATES_PER_BAND } from '../stories.ts';
import type { SqliteDb } from './db.ts';

/** What a lookup asks: band numbers, the publication range, and the sources whose rows do not count. */
export interface BandLookup {
  bands: readonly number[];
  from: number;
  to: number;
  sourceNumbers: readonly number[];
}

/**
 * Rows story_bands_pending collects before they move into story_bands (about 2,000 articles' bands,
 * 200–400 pages): small enough that a batch's 1,600 new rows dirty few pages, large enough that the
 * move, in key order, puts many rows on each story_bands page it writes.
 */
export const PENDING_BAND_ROWS = 32_768;

/**
 * Per band, the newest BAND_SCAN_ROWS rows in the range (of story_bands and story_bands_pending,
 * merged in key order without a sort), and of those the first MAX_CANDIDATES_PER_BAND of other
 * sources: all of a lookup's bands in one statement (LIMITed primary-key range scans, without a round
 * trip from JavaScript per band). Returns the bands each found article (by rowid) matched on.
 */
export function bandHits(shared: SqliteDb, lookup: BandLookup): Map<number, number[]> {
  const rows = shared.prepared<{ band: number; ids: string }>(`SELECT w.value AS band,
    (SELECT json_group_array(article) FROM (SELECT article FROM (
        SELECT article, source, published FROM story_bands WHERE band = w.value AND published BETWEEN ? AND ?
        UNION ALL SELECT article, source, published FROM story_bands_pending WHERE band = w.value AND published BETWEEN ? AND ?
        ORDER BY published DESC, article DESC LIMIT ?)
      WHERE source NOT IN (SELECT value FROM json_each(?)) ORDER BY published DESC, article DESC LIMIT ?)) AS ids
    FROM json_each(?) w`).all(
    lookup.from, lookup.to, lookup.from, lookup.to, BAND_SCAN_ROWS,
    JSON.stringify(lookup.sourceNumbers), MAX_CANDIDATES_PER_BAND, JSON.stringify(lookup.bands));
  const bandsOf = new Map<number, number[]>();
  for (const { band, ids } of rows) {
    if (ids === '[]') continue;
    for (const rowid of JSON.parse(ids) as number[]) {
      const bands = bandsOf.get(rowid);
      if (bands) bands.push(band);
      else bandsOf.set(rowid, [band]);
    }
  }
  return bandsOf;
}

/** A signed article and the rowid it was stored under: its band rows are written with its batch's. */
export interface SignedRow {
  article: IndexedArticle;
  rowid: number | bigint;
}

/**
 * The band rows of a batch of signed articles, sorted by key, in a few multi-row INSERTs into
 * story_bands_pending instead of one statement per article: the rows land in the B-tree in order, and
 * JavaScript crosses into SQLite once per 256 rows. A pending table of `pendingLimit` rows or more then
 * moves into story_bands.
 */
export function insertBandRows(shared: SqliteDb, signed: readonly SignedRow[], pendingLimit = PENDING_BAND_ROWS): void {
  const rows: [number, number, number, number][] = [];
  for (const { article, rowid } of signed) {
    for (const { band, published, source } of bandRows(article)) rows.push([band, published, source, Number(rowid)]);
  }
  rows.sort((a, b) => a[0] - b[0] || a[1] - b[1] || a[3] - b[3]);
  shared.insertOrIgnore('story_bands_pending', ['band', 'published', 'source', 'article'], rows);
  if (rows.length === 0) return;
  const pending = shared.prepared<{ n: number }>(`SELECT count(*) AS n FROM story_bands_pending`).get()?.n ?? 0;
  if (pending >= pendingLimit) movePendingBands(shared);
}

/** Moves every pending band row into story_bands, in key order (one pass over each page it writes). */
export function movePendingBands(shared: SqliteDb): void {
  shared.prepared(`INSERT OR IGNORE INTO story_bands (band, published, source, article)
    SELECT band, published, source, article FROM story_bands_pending ORDER BY band, published, article`).run();
  shared.prepared(`DELETE FROM story_bands_pending`).run();
}
