// Search terms (see src/text/search.ts) as FTS5 MATCH expressions that cannot be syntax errors: every
// term is a quoted phrase, all must match. Words, whole or with a `*` prefix, are looked up in
// articles_fts; stems in article_stems, which holds each article's distinct word stems, so a stemmed
// word is one exact index lookup instead of a merge of every word that begins with it.

import type { SearchTerm } from '../../model.ts';

export interface FtsQueries {
  /** For articles_fts (title, summary, body_text), when a term is a word or a prefix. */
  text?: string;
  /** For article_stems, when a term is a stem. */
  stems?: string;
}

export function toFtsQueries(terms: readonly SearchTerm[]): FtsQueries | undefined {
  if (terms.length === 0) return undefined;
  const text = terms.filter((t) => t.match !== 'stem').map((t) => `"${t.words.join(' ')}"${t.match === 'prefix' ? '*' : ''}`);
  const stems = terms.filter((t) => t.match === 'stem').map((t) => `"${t.words.join(' ')}"`);
  return {
    ...(text.length > 0 ? { text: text.join(' ') } : {}),
    ...(stems.length > 0 ? { stems: stems.join(' ') } : {}),
  };
}
