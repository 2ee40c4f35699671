// Entry of a query worker thread (see query-pool.ts): runs a feed page's reads on a read-only
// connection of its own, so a full-text match over the archive never holds up the serving thread;
// and a page's rendering, when the caller hands a renderer (see src/store/page-renderer.ts).

import { workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { Piscina } from 'piscina';
import { renderArticlesWith, type RendererOutput } from '../page-renderer.ts';
import { lowerThisThreadPriority } from '../../thread-priority.ts';
import { SqliteDb } from './db.ts';
import { sourceCountRows, topicCountRows } from './counts.ts';
import { readArticles, readPage, readVersionedPage } from './page-query.ts';
import type { QueryTask } from './query-pool.ts';

/** Page cache of this connection, in KiB (SQLite's own default is 2 MB; better-sqlite3 builds with 16 MB). */
const CACHE_KIB = 2048;

/** WAL lets this connection read while the serving thread's connection writes; it never writes. */
const db = new Database(String(workerData.path), { readonly: true, fileMustExist: true });
// A search reads a few hundred KB of full-text index, different terms each time: a large page cache
// would only raise the process's resident memory, while the OS keeps the file's pages cached anyway.
db.pragma(`cache_size = -${CACHE_KIB}`);
const shared = new SqliteDb(db, String(workerData.path));
// Under a CPU shortage the serving thread answers cached hits first; a miss waits a little longer.
lowerThisThreadPriority();

/**
 * The output, its buffers moved rather than copied: a copy of a 70 KB page made the serving thread
 * write every byte again into freshly faulted-in memory (about a tenth of its CPU per miss).
 */
function moved({ output, transfer }: RendererOutput): unknown {
  if (transfer.length === 0) return output;
  // piscina's Transferable: the value and its transfer list, under the symbols the pool reads; its
  // typings name them by declarations it does not export, hence the cast.
  const transferable = { [Piscina.transferableSymbol]: transfer, [Piscina.valueSymbol]: output };
  return Piscina.move(transferable as unknown as Parameters<typeof Piscina.move>[0]);
}

export default function run(task: QueryTask): unknown {
  switch (task.kind) {
    case 'page':
      return readPage(shared, task.query);
    case 'articles':
      return readArticles(shared, task.ids, task.stories);
    case 'render':
      return renderArticlesWith(readArticles(shared, task.ids, task.stories), task.renderer).then(moved);
    case 'read-render': {
      const { version, articles } = readVersionedPage(shared, task.query);
      return renderArticlesWith(articles, task.renderer, version).then(({ output, transfer }) => moved({ output: { version, output }, transfer }));
    }
    case 'topic-counts':
      return topicCountRows(shared);
    case 'source-counts':
      return sourceCountRows(shared);
  }
}
