// Entry of a query worker thread (see query-pool.ts): runs a feed page's reads on a read-only
// connection of its own, so a full-text match over the archive never holds up the serving thread.

import { workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { SqliteDb } from './db.ts';
import { readArticles, readPage } from './page-query.ts';
import type { QueryTask } from './query-pool.ts';

/** WAL lets this connection read while the serving thread's connection writes; it never writes. */
const shared = new SqliteDb(new Database(String(workerData.path), { readonly: true, fileMustExist: true }), String(workerData.path));

export default function run(task: QueryTask): unknown {
  switch (task.kind) {
    case 'page':
      return readPage(shared, task.query);
    case 'articles':
      return readArticles(shared, task.ids, task.stories);
  }
}
