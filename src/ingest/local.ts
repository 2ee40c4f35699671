// Local content → store: read every file under content/, classify, upsert, and remove the articles
// whose files are gone. Never throws for a bad file: it is reported with its path and line, and the
// rest is published.

import type { CompiledTopics } from '../classify/topics.ts';
import { classify } from '../classify/topics.ts';
import { loadContentDir } from '../fetch/local.ts';
import type { Logger } from '../log.ts';
import { LOCAL_SOURCE_ID } from '../normalize/normalize.ts';
import type { ArticleStore, UpsertResult } from '../store/store.ts';

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

export async function syncLocalContent(deps: LocalSyncDeps): Promise<LocalSyncResult> {
  const now = deps.now?.() ?? new Date();
  const { articles, errors } = await loadContentDir(deps.contentDir, { now, baseUrl: deps.baseUrl });
  for (const err of errors) deps.log.error({ source: LOCAL_SOURCE_ID, file: err.where }, err.message);
  const compiled = deps.compiled();
  const classified = articles.map((article) => ({ ...article, topics: classify(article, compiled, undefined, article.text) }));
  const upserted = await deps.store.upsertArticles(classified);
  // A file that fails to parse may be a half-saved edit of a published article: removing its article
  // would lose it, so deletions wait for a read in which every file parses.
  let removed = 0;
  if (errors.length === 0) removed = await deps.store.removeArticlesNotIn(LOCAL_SOURCE_ID, classified.map((a) => a.id));
  else deps.log.warn({ source: LOCAL_SOURCE_ID, failed: errors.length }, 'some content files failed to parse; deleted files are removed once all parse');
  return { ...upserted, removed, failed: errors.length };
}
