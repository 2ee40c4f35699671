// How text is folded for full-text search, written once so every store backend indexes and every
// query searches the same words: lowercase, Latin diacritics dropped, and the three apostrophes
// Ukrainian uses (' ’ ʼ) made one — each splits a word like `'` always did, so мʼята, м’ята and
// м'ята are all the phrase "м ята", and EU's still contains the word "eu".

import type { SearchTerm } from '../model.ts';
import { MIN_STEM, searchStem } from './stem.ts';

/** A word of the index: letters, marks and digits; apostrophes (ʼ is a letter to Unicode) are not. */
const WORD = /(?:(?!['’ʼ])[\p{L}\p{M}\p{N}])+/gu;
const LATIN = /\p{Script=Latin}/u;
/** Text past this many characters is not indexed: PostgreSQL caps a tsvector at 1 MB. */
export const MAX_INDEXED_CHARS = 200_000;
/** At most this many words of a query are searched for. */
const MAX_TERMS = 16;

/** The words of `text` as the index holds them. */
export function searchWords(text: string): string[] {
  const words = text.slice(0, MAX_INDEXED_CHARS).normalize('NFC').toLowerCase().match(WORD) ?? [];
  return words.map(foldLatin);
}

/** The text an index stores for `text`: its search words, space-separated. */
export function searchText(text: string): string {
  return searchWords(text).join(' ');
}

/** A word with any character outside ASCII: only those can carry a diacritic to fold. */
const NON_ASCII = /[^\u0000-\u007f]/;

function foldLatin(word: string): string {
  // Most Latin words are plain ASCII, which folds to itself: three normalizations spared per word.
  if (!NON_ASCII.test(word)) return word;
  return LATIN.test(word) ? word.normalize('NFD').replace(/\p{M}/gu, '').normalize('NFC') : word;
}

/** An article's fields as the index stores them (searchText of each), and the stems of their words. */
export interface SearchableText {
  title: string;
  summary: string;
  text: string;
  /** The distinct search stems of the words that inflect, space-separated: what a `stem` term matches. */
  stems: string;
}

/** The fields of an article folded for the index, once: the ingest worker hands them to the store. */
export function searchableText(article: { title: string; summary: string; text: string }): SearchableText {
  const title = searchText(article.title);
  const summary = searchText(article.summary);
  const text = searchText(article.text);
  return { title, summary, text, stems: searchStems([title, summary, text]) };
}

/** The distinct stems of the words of folded fields (searchText's output) that inflect. */
export function searchStems(folded: readonly string[]): string {
  const seen = new Set<string>();
  const stems = new Set<string>();
  for (const field of folded) {
    for (const word of field === '' ? [] : field.split(' ')) {
      // Each distinct word stemmed once: a text repeats most of its words.
      if (seen.has(word)) continue;
      seen.add(word);
      if (inflects(word)) stems.add(searchStem(word));
    }
  }
  return [...stems].join(' ');
}

/** Whether a word is long enough to carry an ending and has no digit (ППО, G7 and 2026 never inflect). */
function inflects(letters: string): boolean {
  // UTF-16 length bounds the letter count from above: only a short word needs its code points counted.
  if (letters.length < MIN_STEM) return false;
  if (letters.length < 2 * MIN_STEM && [...letters].length < MIN_STEM) return false;
  return !/\p{N}/u.test(letters);
}

/**
 * A reader's `q` as terms that must all match. Each whitespace-separated word becomes a term: a word
 * long enough to inflect matches by its stem, like the classifier's keywords (франція finds Франції,
 * зеленського finds Зеленський: the index keeps every article's stems); a word ending in `*` matches
 * as a prefix; short words (≤ 3 letters) and words with digits (ППО, G7) match whole. A word an
 * apostrophe splits (прем'єра) is a phrase whose stemmed last word matches as a prefix.
 */
export function searchTerms(q: string): SearchTerm[] {
  const terms: SearchTerm[] = [];
  for (const raw of q.split(/\s+/u)) {
    const term = searchTerm(raw);
    if (term) terms.push(term);
    if (terms.length === MAX_TERMS) break;
  }
  return terms;
}

function searchTerm(raw: string): SearchTerm | undefined {
  const explicitPrefix = raw.endsWith('*');
  const word = (explicitPrefix ? raw.replace(/\*+$/u, '') : raw).normalize('NFC').toLowerCase();
  const letters = word.match(WORD)?.join('') ?? '';
  if (letters === '') return undefined;
  if (explicitPrefix) return { words: searchWords(word), match: 'prefix' };
  if (!inflects(letters)) return { words: searchWords(word), match: 'word' };
  const folded = searchWords(trimToWord(word));
  if (folded.length === 1) return { words: [searchStem(folded[0] as string)], match: 'stem' };
  return { words: searchWords(searchStem(trimToWord(word))), match: 'prefix' };
}

/** A query word without the punctuation around it ("(Франції," → Франції), so stemming sees its ending. */
function trimToWord(word: string): string {
  return word.replace(/^[^\p{L}\p{M}\p{N}]+|[^\p{L}\p{M}\p{N}]+$/gu, '');
}
