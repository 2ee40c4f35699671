// Entry of a query worker thread (see query-pool.ts): runs a feed page's reads on a read-only
// connection of its own, so a full-text match over the archive never holds up the serving thread;
// and a page's rendering, when the caller hands a renderer (see src/store/page-renderer.ts).

import { workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { renderArticlesWith } from '../page-renderer.ts';
import { SqliteDb } from './db.ts';
import { readArticles, readPage } from './page-query.ts';
import type { QueryTask } from './query-pool.ts';

/** Page cache of this connection, in KiB (SQLite's own default is 2 MB; better-sqlite3 builds with 16 MB). */
const CACHE_KIB = 2048;

/** WAL lets this connection read while the serving thread's connection writes; it never writes. */
const db = new Database(String(workerData.path), { readonly: true, fileMustExist: true });
// A search reads a few hundred KB of full-text index, different terms each time: a large page cache
// would only raise the process's resident memory, while the OS keeps the file's pages cached anyway.
db.pragma(`cache_size = -${CACHE_KIB}`);
const shared = new SqliteDb(db, String(workerData.path));

export default function run(task: QueryTask): unknown {
  switch (task.kind) {
    case 'page':
      return readPage(shared, task.query);
    case 'articles':
      return readArticles(shared, task.ids, task.stories);
    case 'render':
      return renderArticlesWith(readArticles(shared, task.ids, task.stories), task.renderer);
  }
}
