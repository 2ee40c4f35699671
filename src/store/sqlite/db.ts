// The SQLite connection every aggregate of the SQLite backend shares: opening, migrating, the
// revision counter, statement caching, and writes that wait for another process's lock without
// blocking the thread that serves readers.

import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { Database as Db, Statement } from 'better-sqlite3';
import { TidingsError, describeError } from '../../errors.ts';
import { AUTOCHECKPOINT_PAGES, type CheckpointSettings } from './checkpointer.ts';
import { migrations } from './migrations.ts';

export type Param = string | number | null;

/** How stale currentRevision may be about writes made by another process. */
const EXTERNAL_WRITE_LAG_MS = 1000;
/**
 * SQLite waits for a lock synchronously, which would freeze every request of this process: the
 * connection waits only this long, and a writer then retries after yielding (see SqliteDb.write).
 */
const BUSY_TIMEOUT_MS = 20;
/** How long a write keeps retrying while another process holds the write lock. */
export const DEFAULT_WRITE_WAIT_MS = 30_000;

export interface SqliteOptions {
  /** How long a write retries while another process holds the lock, then fails (default 30 s). */
  writeWaitMs?: number;
  /** Worker threads that run feed page reads on read-only connections (default 0: they run in process). */
  queryWorkers?: number;
  /** When the WAL checkpoint thread starts and checkpoints (see checkpointer.ts); tests make them small. */
  checkpoints?: CheckpointSettings;
}

export function openDatabase(path: string): Db {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  let db: Db;
  try {
    db = new Database(path, { timeout: BUSY_TIMEOUT_MS });
  } catch (err) {
    throw new TidingsError('store', path, `cannot open SQLite database: ${describeError(err)}`, { cause: err });
  }
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  // Checkpoint after ~40 MB of WAL instead of the default ~4 MB: one feed's batch rewrites the same
  // index and full-text pages many times over, and a rarer checkpoint copies each of them back once.
  db.pragma(`wal_autocheckpoint = ${AUTOCHECKPOINT_PAGES}`);
  // A checkpointed WAL restarts from its beginning at the next write; its file is then cut to this
  // size, so the file's size tells the checkpoint thread how much was written since (and a burst's
  // WAL does not keep its disk space).
  db.pragma(`journal_size_limit = ${WAL_SIZE_LIMIT_BYTES}`);
  // A 32 MB page cache instead of the default 2 MB: a batch of new articles inserts at random places
  // in several indexes (16 story bands each, topics, sources, URLs) and reads its story candidates'
  // rows; with 2 MB each of those evicted the pages the next insert needed (−20–25 % CPU per stored
  // article in a store of 16,000, measured). Pages are allocated as used, so a small store stays small.
  db.pragma('cache_size = -32768');
  db.pragma('foreign_keys = ON');
  return db;
}

function isBusy(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === 'SQLITE_BUSY' || code === 'SQLITE_BUSY_SNAPSHOT' || code === 'SQLITE_LOCKED';
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** What a restarted WAL file is cut to (see openDatabase). */
const WAL_SIZE_LIMIT_BYTES = 4 * 1024 * 1024;

/** The shared connection with what more than one aggregate needs of it. */
export class SqliteDb {
  readonly db: Db;
  readonly path: string;
  private readonly writeWaitMs: number;
  private readonly statementCache = new Map<string, Statement<Param[], unknown>>();
  private knownRevision = { value: 0, readAt: Number.NEGATIVE_INFINITY };

  /** Called after each committed write (the checkpoint thread looks at the WAL then). */
  private readonly onCommit: () => void;

  constructor(db: Db, path: string, options: SqliteOptions = {}, onCommit: () => void = () => undefined) {
    this.db = db;
    this.path = path;
    this.writeWaitMs = options.writeWaitMs ?? DEFAULT_WRITE_WAIT_MS;
    this.onCommit = onCommit;
  }

  /** Filters make many distinct SQL texts; preparing each once keeps a cache miss cheap. */
  prepared<Row>(sql: string): Statement<Param[], Row> {
    let stmt = this.statementCache.get(sql);
    if (!stmt) {
      stmt = this.db.prepare<Param[], unknown>(sql);
      if (this.statementCache.size >= 500) this.statementCache.clear();
      this.statementCache.set(sql, stmt);
    }
    return stmt as Statement<Param[], Row>;
  }

  /**
   * Runs `fn` in one IMMEDIATE transaction (the write lock is taken at BEGIN, so a conflict surfaces
   * before any work). While another process holds the lock it retries after yielding to the event
   * loop, for at most writeWaitMs, then fails with a message saying so.
   */
  async write<T>(fn: () => T, waitMs = this.writeWaitMs): Promise<T> {
    const deadline = Date.now() + waitMs;
    for (let attempt = 0; ; attempt++) {
      try {
        const result = this.db.transaction(fn).immediate();
        this.onCommit();
        return result;
      } catch (err) {
        if (!isBusy(err)) throw err;
        if (Date.now() >= deadline) {
          throw new TidingsError('store', this.path,
            `the database stayed locked by another process for ${waitMs} ms; write abandoned`, { cause: err });
        }
        await sleep(Math.min(250, 10 * 2 ** Math.min(attempt, 5)));
      }
    }
  }

  /**
   * `INSERT OR IGNORE` of many rows in multi-row statements of up to 256 rows: one crossing into SQLite
   * per chunk instead of one per row. A short last chunk is padded with copies of its last row, which
   * the statement ignores as duplicates.
   */
  insertOrIgnore(table: string, columns: readonly string[], rows: readonly Param[][]): void {
    const tuple = `(${marks(columns)})`;
    for (let at = 0; at < rows.length; at += ROWS_PER_INSERT) {
      const chunk = rows.slice(at, at + ROWS_PER_INSERT);
      const size = Math.min(ROWS_PER_INSERT, ROW_STEP * Math.ceil(chunk.length / ROW_STEP));
      while (chunk.length < size) chunk.push(chunk[chunk.length - 1]!);
      this.prepared(`INSERT OR IGNORE INTO ${table} (${columns.join(', ')}) VALUES ${Array<string>(size).fill(tuple).join(', ')}`)
        .run(...chunk.flat());
    }
  }

  meta(key: 'revision' | 'deleted_revision' | 'deleted_at'): number {
    return this.prepared<{ value: number }>(`SELECT value FROM meta WHERE key = ?`).get(key)?.value ?? 0;
  }

  /** Bumps the store's revision; call inside a write transaction. */
  nextRevision(): number {
    const revision = this.meta('revision') + 1;
    this.prepared(`UPDATE meta SET value = ? WHERE key = 'revision'`).run(revision);
    this.knownRevision = { value: revision, readAt: Date.now() };
    return revision;
  }

  /** Something left some query's results: every query version must move (see queryVersion). */
  markRemoval(revision: number, at: number): void {
    const set = this.prepared(`UPDATE meta SET value = ? WHERE key = ?`);
    set.run(revision, 'deleted_revision');
    set.run(at, 'deleted_at');
  }

  /**
   * Asked on every feed request, so it is answered from memory: this process's own writes update it at
   * once; another process writing the same file (`npm run ingest`) is noticed within a second.
   */
  currentRevision(): number {
    const now = Date.now();
    if (now - this.knownRevision.readAt >= EXTERNAL_WRITE_LAG_MS) this.knownRevision = { value: this.meta('revision'), readAt: now };
    return this.knownRevision.value;
  }
}

/** Rows bound per statement of SqliteDb.insertOrIgnore (4 columns: 1,024 parameters). */
const ROWS_PER_INSERT = 256;
/** A short last chunk is padded to a multiple of this many rows, so a table needs few statement texts. */
const ROW_STEP = 16;

/** At open nothing is served yet, so waiting for another process's lock may block. */
const OPEN_BUSY_TIMEOUT_MS = 10_000;

export function migrate(db: Db, path: string): void {
  db.pragma(`busy_timeout = ${OPEN_BUSY_TIMEOUT_MS}`);
  try {
    migrateLocked(db, path);
  } finally {
    db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
  }
}

function migrateLocked(db: Db, path: string): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > migrations.length) {
    throw new TidingsError('store', path, `database is at schema ${current}, newer than this Tidings (${migrations.length})`);
  }
  for (let version = current; version < migrations.length; version++) {
    const step = migrations[version]!;
    db.transaction(() => {
      if (typeof step === 'string') db.exec(step);
      else step(db);
      db.pragma(`user_version = ${version + 1}`);
    }).immediate();
  }
}

export function marks(values: readonly unknown[]): string {
  return values.map(() => '?').join(', ');
}
