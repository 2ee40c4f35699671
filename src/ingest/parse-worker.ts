// Entry of an ingest worker thread (see worker-pool.ts): runs processFeed on what the serving thread
// sends, with the topic rules compiled once per distinct configuration rather than once per feed.

import { compileTopics, type CompiledTopics } from '../classify/topics.ts';
import type { ExtractJob, ExtractOutcome } from '../normalize/extract.ts';
import { processFeed, type FeedJob, type FeedOutcome } from './process-feed.ts';

// The worker's own state, one per thread: the configuration last compiled here.
let compiledFor: { key: string; compiled: CompiledTopics } | undefined;

export default async function run(job: FeedJob): Promise<FeedOutcome> {
  const key = JSON.stringify(job.topics);
  if (compiledFor?.key !== key) compiledFor = { key, compiled: compileTopics(job.topics) };
  return processFeed(job, compiledFor.compiled);
}

/**
 * Full text of an article page (piscina calls it by name: `{ name: 'extract' }`). Readability and
 * linkedom load on first use, so a worker that only parses feeds starts as fast as before.
 */
export async function extract(job: ExtractJob): Promise<ExtractOutcome> {
  const { extractArticle } = await import('../normalize/extract.ts');
  return extractArticle(job);
}
