// SQLite: full-text rows held back from small writes. Every transaction that touches an FTS5 table
// flushes a new segment to it at commit (and may merge), whatever it wrote: for the one new article a
// re-poll typically writes, the two full-text tables were about half the write. A write of fewer than
// HELD_INDEX_ROWS articles puts its articles' folded text in search_held (a plain table, so a row
// costs what a row costs); once the table holds that many, the write that filled it moves them all
// into the index before it commits. A search moves them first (see SqliteArticles), and so does a
// store's close, so every search sees every stored article as before — unless another process keeps
// the write lock past HELD_INDEX_WAIT_MS: the search then reads without them rather than wait.
// Crash-safe: held rows are committed with their articles, and the next search or write moves them.

import type { SearchableText } from '../../text/search.ts';
import type { SqliteDb } from './db.ts';

/** Held rows that make a write index them all; a write of at least this many articles indexes its own at once. */
export const HELD_INDEX_ROWS = 16;
/** How long a search waits for another process's write lock to index the held rows before it reads without them. */
export const HELD_INDEX_WAIT_MS = 250;

export function holdIndexRows(shared: SqliteDb, rowid: number | bigint, s: SearchableText): void {
  shared.prepared(`INSERT OR REPLACE INTO search_held (rowid, title, summary, body_text, stems) VALUES (?, ?, ?, ?, ?)`)
    .run(Number(rowid), s.title, s.summary, s.text, s.stems);
}

/** Forgets an article's held rows (its text changed or it is gone). */
export function dropHeldIndexRows(shared: SqliteDb, rowid: number | bigint): void {
  shared.prepared(`DELETE FROM search_held WHERE rowid = ?`).run(Number(rowid));
}

export function heldIndexRows(shared: SqliteDb): number {
  return shared.prepared<{ n: number }>(`SELECT count(*) AS n FROM search_held`).get()?.n ?? 0;
}

/** Moves every held row into the two full-text tables; call inside a write transaction. */
export function indexHeldRows(shared: SqliteDb): void {
  shared.prepared(`INSERT INTO articles_fts (rowid, title, summary, body_text) SELECT rowid, title, summary, body_text FROM search_held`).run();
  shared.prepared(`INSERT INTO article_stems (rowid, stems) SELECT rowid, stems FROM search_held WHERE stems != ''`).run();
  shared.prepared(`DELETE FROM search_held`).run();
}
