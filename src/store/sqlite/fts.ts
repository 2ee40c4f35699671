// Search terms (see src/text/search.ts) as an FTS5 MATCH expression that cannot be a syntax error:
// every term is a quoted phrase of index words (all must match); a prefix term ends in `*`.

import type { SearchTerm } from '../../model.ts';

export function toFtsQuery(terms: readonly SearchTerm[]): string | undefined {
  if (terms.length === 0) return undefined;
  return terms.map((t) => `"${t.words.join(' ')}"${t.prefix ? '*' : ''}`).join(' ');
}
