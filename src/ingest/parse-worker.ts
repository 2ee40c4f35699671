// Entry of an ingest worker thread (see worker-pool.ts): runs processFeed on what the serving thread
// sends, with the topic rules compiled once per distinct configuration rather than once per feed.

import { compileTopics, type CompiledTopics } from '../classify/topics.ts';
import { processFeed, type FeedOutcome } from './process-feed.ts';
import type { WorkerTask } from './worker-pool.ts';

// The worker's own state, one per thread: the configuration last compiled here.
let compiledFor: { key: string; compiled: CompiledTopics } | undefined;

export default async function run(job: WorkerTask): Promise<FeedOutcome | undefined> {
  // Loading this module (and everything it imports) was the point of a warm-up task.
  if ('warmUp' in job) return undefined;
  const key = JSON.stringify(job.topics);
  if (compiledFor?.key !== key) compiledFor = { key, compiled: compileTopics(job.topics) };
  return processFeed(job, compiledFor.compiled);
}
