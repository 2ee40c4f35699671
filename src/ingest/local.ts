// Local content → store: read every file under content/, classify and sign, upsert, and remove the
// articles whose files are gone. Never throws for a bad file: it is reported with its path and line,
// and the rest is published.

import type { CompiledTopics } from '../classify/topics.ts';
import { classify } from '../classify/topics.ts';
import { describeError, TidingsError } from '../errors.ts';
import { readContentDir } from '../fetch/local.ts';
import type { Logger } from '../log.ts';
import { LOCAL_SOURCE_ID, normalizeItem, type NormalizeContext } from '../normalize/normalize.ts';
import type { IndexedArticle } from '../model.ts';
import { withIndexAndSignature } from '../stories/signature.ts';
import type { ArticleStore, UpsertResult } from '../store/store.ts';
import { upsertInBatches, yieldToReaders } from './batches.ts';

/** Articles classified between two yields to readers. */
const CLASSIFY_SLICE = 20;

export interface LocalSyncResult extends UpsertResult {
  removed: number;
  failed: number;
}

export interface LocalSyncDeps {
  store: ArticleStore;
  contentDir: string;
  baseUrl: string;
  compiled: () => CompiledTopics;
  log: Logger;
  now?: () => Date;
}

/** What normalizing local files needs from the caller: Tidings' origin for article URLs, the clock, a logger. */
export type LocalContentContext = Pick<NormalizeContext, 'baseUrl' | 'now' | 'log'>;

export interface LoadedContent {
  /** Normalized articles, sorted by file path; `topics` holds only explicit front matter topics. */
  articles: IndexedArticle[];
  errors: TidingsError[];
}

/** Every article under `dir` read and parsed (src/fetch/local.ts), then normalized; bad files in `errors`. */
export async function loadContentDir(dir: string, ctx: LocalContentContext): Promise<LoadedContent> {
  const { files, errors } = await readContentDir(dir);
  const articles: IndexedArticle[] = [];
  for (const file of files) {
    // Normalizing is CPU work on the serving thread: readers are served between two files.
    await yieldToReaders();
    try {
      articles.push(normalizeItem(file.item, { ...ctx, sourceId: LOCAL_SOURCE_ID }));
    } catch (err) {
      errors.push(new TidingsError('content', file.path, `cannot normalize article: ${describeError(err)}`, { cause: err }));
    }
  }
  return { articles, errors };
}

export async function syncLocalContent(deps: LocalSyncDeps): Promise<LocalSyncResult> {
  const now = deps.now?.() ?? new Date();
  const { articles, errors } = await loadContentDir(deps.contentDir, { now, baseUrl: deps.baseUrl });
  for (const err of errors) deps.log.error({ source: LOCAL_SOURCE_ID, file: err.where }, err.message);
  const compiled = deps.compiled();
  // Trusted input, so it stays on this thread, but a big content/ must not hold readers up.
  const classified: IndexedArticle[] = [];
  for (const article of articles) {
    if (classified.length % CLASSIFY_SLICE === 0) await yieldToReaders();
    // Folded and signed where it is classified, as a remote item is in the worker (process-feed.ts): a
    // remote copy of a local article then finds it in the story index, and a local article stored first
    // leads.
    classified.push(withIndexAndSignature({ ...article, topics: classify(article, compiled, undefined, article.text) }));
  }
  const upserted = await upsertInBatches(deps.store, classified);
  // Articles stored before local articles were signed, and unchanged since, get their signature now:
  // later copies then find them (`npm run regroup` merges the copies already stored).
  const signedLate = await deps.store.addMissingSignatures(classified);
  if (signedLate > 0) deps.log.info({ source: LOCAL_SOURCE_ID, signed: signedLate }, 'signed local articles stored unsigned by an earlier version');
  // A file that fails to parse may be a half-saved edit of a published article: removing its article
  // would lose it, so deletions wait for a read in which every file parses.
  let removed = 0;
  if (errors.length === 0) removed = await deps.store.removeArticlesNotIn(LOCAL_SOURCE_ID, classified.map((a) => a.id));
  else deps.log.warn({ source: LOCAL_SOURCE_ID, failed: errors.length }, 'some content files failed to parse; deleted files are removed once all parse');
  return { ...upserted, removed, failed: errors.length };
}
