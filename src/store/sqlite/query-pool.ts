// The query workers of the SQLite backend: a feed page's reads (the full-text match above all, about
// 10 ms for a two-word `q` on a 100,000-article archive) run on worker threads with read-only
// connections, never on the thread that serves readers. Results are the same as in process.

import { Piscina } from 'piscina';
import type { ArticleQuery, StoredArticle } from '../../model.ts';
import type { PageRead } from './page-query.ts';

export type QueryTask =
  | { kind: 'page'; query: ArticleQuery }
  | { kind: 'articles'; ids: readonly string[]; stories: ArticleQuery['stories'] };

export interface QueryPool {
  page(query: ArticleQuery): Promise<PageRead>;
  articles(ids: readonly string[], stories: ArticleQuery['stories']): Promise<StoredArticle[]>;
  close(): Promise<void>;
}

export function createQueryPool(path: string, workers: number): QueryPool {
  const typescript = import.meta.url.endsWith('.ts');
  const pool = new Piscina<QueryTask, unknown>({
    filename: new URL(`./query-worker${typescript ? '.ts' : '.js'}`, import.meta.url).href,
    // Under tsx (tests, `npm run dev`) the worker needs tsx too; dist/ runs plain JavaScript.
    execArgv: typescript ? ['--import', import.meta.resolve('tsx')] : [],
    workerData: { path },
    minThreads: workers,
    maxThreads: workers,
    idleTimeout: Number.POSITIVE_INFINITY,
    // One page read at a time per worker: a queued one waits in piscina's queue, not in SQLite.
    concurrentTasksPerWorker: 1,
  });
  return {
    page: async (query) => (await pool.run({ kind: 'page', query })) as PageRead,
    articles: async (ids, stories) => (await pool.run({ kind: 'articles', ids, stories })) as StoredArticle[],
    close: () => pool.destroy(),
  };
}
