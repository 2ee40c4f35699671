// The query workers of the SQLite backend: a feed page's reads (the full-text match above all, 3–4 ms
// for a two-word `q` of common words on a 100,000-article archive) run on worker threads with read-only
// connections, never on the thread that serves readers. Results are the same as in process.

import { Piscina } from 'piscina';
import type { ArticleQuery, StoredArticle } from '../../model.ts';
import type { PageRenderer } from '../page-renderer.ts';
import type { Rendition } from '../store.ts';
import type { TopicCountRows } from './counts.ts';
import type { PageRead } from './page-query.ts';

/** V8 old-generation cap per query worker, in MB: a 500-article page of 8 MB bodies fits (MAX_PAGE_MB stops the page before). */
const WORKER_HEAP_MB = 128;

export type QueryTask =
  | { kind: 'page'; query: ArticleQuery }
  | { kind: 'articles'; ids: readonly string[]; stories: ArticleQuery['stories'] }
  | { kind: 'render'; ids: readonly string[]; stories: ArticleQuery['stories']; renderer: PageRenderer<unknown> }
  | { kind: 'read-render'; query: ArticleQuery; renderer: PageRenderer<unknown> }
  | { kind: 'topic-counts' }
  | { kind: 'source-counts' };

export interface QueryPool {
  page(query: ArticleQuery): Promise<PageRead>;
  articles(ids: readonly string[], stories: ArticleQuery['stories']): Promise<StoredArticle[]>;
  /** The articles of `ids` handed to the renderer there: they never cross to this thread. */
  render(ids: readonly string[], stories: ArticleQuery['stories'], renderer: PageRenderer<unknown>): Promise<unknown>;
  /** The page of `query` read, versioned and rendered there in one task (see readVersionedPage). */
  readAndRender(query: ArticleQuery, renderer: PageRenderer<unknown>): Promise<Rendition<unknown>>;
  /** The counts pages show (see counts.ts): index scans too long for the serving thread. */
  topicCounts(): Promise<TopicCountRows>;
  sourceCounts(): Promise<{ source_id: string; n: number }[]>;
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
    // First come, first served. By default piscina puts a queued task it could not hand to a busy worker
    // back at the TAIL of its queue, every time a worker frees up: under a steady stream of misses one
    // request waited 0.25–1.5 s while those behind it were answered in 20–60 ms (bench:serve's misses).
    stricterFIFO: true,
    // A page read holds at most one page of rows: a small young generation keeps the thread's memory
    // small (the bench's peak RSS counts every thread), and the cap stops a runaway read, not the process.
    resourceLimits: { maxOldGenerationSizeMb: WORKER_HEAP_MB, maxYoungGenerationSizeMb: 4 },
  });
  return {
    page: async (query) => (await pool.run({ kind: 'page', query })) as PageRead,
    articles: async (ids, stories) => (await pool.run({ kind: 'articles', ids, stories })) as StoredArticle[],
    render: (ids, stories, renderer) => pool.run({ kind: 'render', ids, stories, renderer }),
    readAndRender: async (query, renderer) => (await pool.run({ kind: 'read-render', query, renderer })) as Rendition<unknown>,
    topicCounts: async () => (await pool.run({ kind: 'topic-counts' })) as TopicCountRows,
    sourceCounts: async () => (await pool.run({ kind: 'source-counts' })) as { source_id: string; n: number }[],
    close: () => pool.destroy(),
  };
}
