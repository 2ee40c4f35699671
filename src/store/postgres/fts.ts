// Full-text search on PostgreSQL without its parser: the words are folded in JavaScript
// (src/text/search.ts) and written as a tsvector / tsquery literal, so what is indexed and what is
// searched never depends on the server's locale, and matches SQLite word for word.

import type { SearchTerm } from '../../model.ts';

/** PostgreSQL's limits: positions stop at 16383, a lexeme keeps 256 of them, and is < 2 KB. */
const MAX_POSITION = 16383;
const MAX_POSITIONS_PER_WORD = 256;
const MAX_LEXEME_BYTES = 2046;

function lexeme(word: string): string {
  return `'${word.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`;
}

/**
 * The tsvector of several fields, each already folded (searchText: its search words, space-separated),
 * and of their stems (searchStems); a gap between fields keeps a phrase from spanning two.
 */
export function toTsvector(folded: readonly string[], stems: string): string {
  const positions = new Map<string, number[]>();
  let position = 0;
  for (const field of folded) {
    for (const word of field === '' ? [] : field.split(' ')) {
      position = Math.min(position + 1, MAX_POSITION);
      if (Buffer.byteLength(word) > MAX_LEXEME_BYTES) continue;
      const list = positions.get(word);
      if (!list) positions.set(word, [position]);
      else if (list.length < MAX_POSITIONS_PER_WORD) list.push(position);
    }
    position = Math.min(position + 1, MAX_POSITION);
  }
  const words = [...positions].map(([word, at]) => `${lexeme(word)}:${at.join(',')}`).join(' ');
  const stemmed = stemLexemes(stems);
  return stemmed === '' ? words : words === '' ? stemmed : `${words} ${stemmed}`;
}

/**
 * A stem's lexeme: marked with a character no folded word contains (words are letters, marks and
 * digits), so a stem never matches a word nor a word term a stem.
 */
const STEM_MARK = '~';

/** The lexemes of an article's stems (searchStems' output), without positions: no phrase uses them. */
export function stemLexemes(stems: string): string {
  if (stems === '') return '';
  return stems.split(' ').filter((s) => Buffer.byteLength(s) < MAX_LEXEME_BYTES).map((s) => lexeme(STEM_MARK + s)).join(' ');
}

/** Terms as a tsquery: all terms (&), each a phrase (<->), a prefix term's last word `:*`, a stem its marked lexeme. */
export function toTsquery(terms: readonly SearchTerm[]): string | undefined {
  if (terms.length === 0) return undefined;
  return terms
    .map((t) => {
      if (t.match === 'stem') return lexeme(STEM_MARK + t.words.join(''));
      const words = t.words.map(lexeme);
      if (t.match === 'prefix') words[words.length - 1] += ':*';
      return words.length > 1 ? `(${words.join(' <-> ')})` : words[0];
    })
    .join(' & ');
}
