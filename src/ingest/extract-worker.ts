// Entry of the ingest workers for full text (see worker-pool.ts): Readability on a fetched article
// page. A module of its own, loaded by a worker on its first page, so workers that only parse feeds
// never load linkedom and Readability (a replacement worker's start counts against its job's budget).

import { extractArticle, type ExtractJob, type ExtractOutcome } from '../normalize/extract.ts';

export default function run(job: ExtractJob): ExtractOutcome {
  return extractArticle(job);
}
