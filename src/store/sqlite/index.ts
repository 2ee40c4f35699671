// The embedded SQLite backend (better-sqlite3 12, WAL): one connection shared by the per-aggregate
// repositories, composed into the flat ArticleStore callers use.

import { TidingsError, describeError } from '../../errors.ts';
import { composeStore, type ArticleStore } from '../store.ts';
import { DEFAULT_STORY_WINDOW_HOURS, HOUR_MS, STORY_WINDOW_KEY } from '../stories.ts';
import { SqliteArticles } from './articles.ts';
import { WalCheckpointer } from './checkpointer.ts';
import { migrate, openDatabase, SqliteDb, type SqliteOptions } from './db.ts';
import { heldIndexRows, indexHeldRows } from './held-index.ts';
import { createQueryPool } from './query-pool.ts';
import { createSqliteSources } from './sources.ts';
import { createSqliteSubscriptions } from './subscriptions.ts';

export function openSqliteStore(path: string, options: SqliteOptions = {}, storyWindowMs = DEFAULT_STORY_WINDOW_HOURS * HOUR_MS): ArticleStore {
  const db = openDatabase(path);
  migrate(db, path);
  // A second connection cannot see an in-memory database, and it has no WAL.
  const checkpointer = path === ':memory:'
    ? undefined
    : new WalCheckpointer(path, { setAutocheckpoint: (pages) => db.pragma(`wal_autocheckpoint = ${pages}`) }, options.checkpoints);
  const shared = new SqliteDb(db, path, options, checkpointer && (() => checkpointer.afterCommit()));
  // A second connection cannot see an in-memory database: its reads stay on this one.
  const queries = (options.queryWorkers ?? 0) > 0 && path !== ':memory:' ? createQueryPool(path, options.queryWorkers ?? 0) : undefined;
  return composeStore(new SqliteArticles(shared, storyWindowMs, queries), createSqliteSources(shared), createSqliteSubscriptions(shared), {
    currentRevision: async () => shared.currentRevision(),
    probe: () => probe(shared),
    // One connection, no pool.
    poolStats: () => undefined,
    recordedStoryWindow: async () => shared.prepared<{ value: number }>(`SELECT value FROM meta WHERE key = ?`).get(STORY_WINDOW_KEY)?.value,
    recordStoryWindow: async (hours) => {
      await shared.write(() => shared.prepared(`INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`)
        .run(STORY_WINDOW_KEY, hours));
    },
    close: async () => {
      await queries?.close();
      await checkpointer?.close();
      if (db.open) {
        indexHeldOnClose(shared);
        db.close();
      }
    },
  });
}

/**
 * A closing store indexes the full-text rows small writes held back, so a file left behind is
 * searchable as it is. If another process holds the write lock, they stay held: the next search or
 * write, of any process, moves them.
 */
function indexHeldOnClose(shared: SqliteDb): void {
  try {
    if (heldIndexRows(shared) > 0) shared.db.transaction(() => indexHeldRows(shared))();
  } catch {
    // Left held, not lost (see above).
  }
}

/** How long a health probe's write may wait for another process's lock: "writable right now". */
const PROBE_WAIT_MS = 1000;

/** A real read and a real write (of a row nothing else reads), as /healthz needs to know. */
async function probe(shared: SqliteDb): Promise<void> {
  try {
    shared.meta('revision');
    await shared.write(() => shared.db.prepare(`INSERT INTO locks (name, owner, until) VALUES ('probe', 'probe', 0)
      ON CONFLICT (name) DO UPDATE SET until = 0`).run(), PROBE_WAIT_MS);
  } catch (err) {
    if (err instanceof TidingsError) throw err;
    throw new TidingsError('store', shared.path, `not readable and writable: ${describeError(err)}`, { cause: err });
  }
}
