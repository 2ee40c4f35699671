// SQLite: the article counts that pages show (per topic on the home, topic, article and OPML pages
// and /topics; per source on /sources). Each is a scan of a whole index, about 10 ms for 100,000
// articles, so with query workers they run there: a page view must never hold up the serving thread.

import type { SqliteDb } from './db.ts';

/** Topic rows per topic, and those of story copies (see storyCounts): what countByTopic needs. */
export interface TopicCountRows {
  articles: { topic: string; n: number }[];
  copies: { topic: string; n: number }[];
}

/**
 * The copies are counted from the copies: the partial index on story_id lists them (a few percent of
 * the archive), and each one's topic rows are an index search. Written as a join, SQLite scanned
 * every topic row and read each one's article (body and all) to test its story_id: 500 ms on the
 * 100,000-article bench store. Named, because the date index holds story_id too (migration 16) and a
 * store without statistics may be planned as a walk of that whole index instead.
 */
export const COPIES_BY_TOPIC = `SELECT topic, count(*) AS n FROM article_topics
  WHERE article_id IN (SELECT id FROM articles INDEXED BY articles_by_story WHERE story_id IS NOT NULL) GROUP BY topic`;

export function topicCountRows(shared: SqliteDb): TopicCountRows {
  return {
    articles: shared.prepared<{ topic: string; n: number }>(`SELECT topic, count(*) AS n FROM article_topics GROUP BY topic`).all(),
    copies: shared.prepared<{ topic: string; n: number }>(COPIES_BY_TOPIC).all(),
  };
}

export function sourceCountRows(shared: SqliteDb): { source_id: string; n: number }[] {
  return shared.prepared<{ source_id: string; n: number }>(`SELECT source_id, count(*) AS n FROM article_sources GROUP BY source_id`).all();
}
