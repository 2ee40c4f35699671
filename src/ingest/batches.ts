// Work on the serving thread in slices: ingest steps that must run there (store writes, local content)
// hand the event loop back between slices, so a reader waits for one slice, never for the whole job.

import type { IndexedArticle } from '../model.ts';
import type { ArticleStore, UpsertResult } from '../store/store.ts';

/** Articles written per store transaction. */
export const WRITE_BATCH = 100;

/** Resolves after the event loop has served what was waiting (I/O, timers). */
export function yieldToReaders(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Writes `batch` articles per transaction with readers served between two; returns the summed counts. */
export async function upsertInBatches(store: ArticleStore, articles: IndexedArticle[], batch = WRITE_BATCH): Promise<UpsertResult> {
  const total: UpsertResult = { inserted: 0, updated: 0, unchanged: 0 };
  for (let at = 0; at < articles.length; at += batch) {
    if (at > 0) await yieldToReaders();
    const done = await store.upsertArticles(articles.slice(at, at + batch));
    total.inserted += done.inserted;
    total.updated += done.updated;
    total.unchanged += done.unchanged;
  }
  return total;
}
