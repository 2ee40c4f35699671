// The contract between the scheduler and the ingestion pipeline: what polling one source reports.
// The pipeline (pipeline.ts) produces PollResults and never throws; the scheduler only reads them.

import type { CacheHints } from '../fetch/remote.ts';
import type { Source } from '../model.ts';

export type { CacheHints };

export type PollOutcome = 'ok' | 'not-modified' | 'error' | 'gone';

export interface PollResult {
  sourceId: string;
  outcome: PollOutcome;
  /** Articles inserted and changed by this poll (0 unless `ok`). */
  newItems: number;
  updatedItems: number;
  /** Why the poll failed, for logs and the CLI (`error` and `gone`). */
  error?: string;
  /**
   * When to poll again. The pipeline computes it with `nextPollAt()` from scheduler.ts (the only
   * place the rules live) and saves the same value in SourceState.nextPollAt, so a restart resumes
   * the schedule. For `gone` it is NEVER.
   */
  nextPollAt: Date;
  /** The feed's RSS <ttl>, when it has one. */
  ttlMinutes?: number;
  /** Freshness from the response; for 429/503 the pipeline puts FetchError.retryAfter in `retryAfter`. */
  cacheHints?: CacheHints;
}

/** Polls one source: fetch → parse → normalize → classify → store, and saves its SourceState. */
export type PollSource = (source: Source) => Promise<PollResult>;
