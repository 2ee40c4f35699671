// How text is folded for full-text search, written once so every store backend indexes and every
// query searches the same words: lowercase, Latin diacritics dropped, and the three apostrophes
// Ukrainian uses (' ’ ʼ) made one — each splits a word like `'` always did, so мʼята, м’ята and
// м'ята are all the phrase "м ята", and EU's still contains the word "eu".

import type { SearchTerm } from '../model.ts';
import { MIN_STEM, searchStem, stem } from './stem.ts';

/** A word of the index: letters, marks and digits; apostrophes (ʼ is a letter to Unicode) are not. */
const WORD = /(?:(?!['’ʼ])[\p{L}\p{M}\p{N}])+/gu;
const LATIN = /\p{Script=Latin}/u;
/** Text past this many characters is not indexed: PostgreSQL caps a tsvector at 1 MB. */
export const MAX_INDEXED_CHARS = 200_000;
/** At most this many words of a query are searched for. */
const MAX_TERMS = 16;
/**
 * Letters (or digits) an explicit prefix needs before its `*`. A full-text index merges the lists of
 * every word a prefix begins, so a short one reads a large part of the archive's index: on the
 * 100,000-article bench store `k*` took 180–245 ms of a query worker, sixteen one-letter prefixes
 * 1.3 s, against 3–7 ms for a word; a three-letter prefix 107–122 ms, sixteen of them 68–76 ms.
 */
export const MIN_PREFIX_LETTERS = 3;

/** The words of `text` as the index holds them: WORD's matches, each with foldLatin applied. */
export function searchWords(text: string): string[] {
  const folded = text.slice(0, MAX_INDEXED_CHARS).normalize('NFC').toLowerCase();
  // A walk over a table of code points rather than `match(WORD)`: the Unicode classes and lookahead
  // cost more per character than the lookup, and the walk learns on the way whether a word can fold.
  const words: string[] = [];
  let start = -1;
  let nonAscii = false;
  let latin = false;
  for (let at = 0; at < folded.length; ) {
    const unit = folded.charCodeAt(at);
    let width = 1;
    let kind: number;
    if (unit < 0x80) kind = ASCII_KIND[unit]!;
    else if (unit >= 0xd800 && unit < 0xdc00 && at + 1 < folded.length && isLowSurrogate(folded.charCodeAt(at + 1))) {
      width = 2;
      kind = astralKind(folded.codePointAt(at)!);
    } else kind = bmpKind(unit);
    if (kind & WORD_BIT) {
      if (start < 0) {
        start = at;
        nonAscii = false;
        latin = false;
      }
      if (unit >= 0x80) nonAscii = true;
      if (kind & LATIN_BIT) latin = true;
    } else if (start >= 0) {
      words.push(foldWord(folded.slice(start, at), nonAscii, latin));
      start = -1;
    }
    at += width;
  }
  if (start >= 0) words.push(foldWord(folded.slice(start), nonAscii, latin));
  return words;
}

/** The text an index stores for `text`: its search words, space-separated. */
export function searchText(text: string): string {
  return searchWords(text).join(' ');
}

/** Latin diacritics dropped; only a word with a non-ASCII character of the Latin script can carry one. */
function foldWord(word: string, nonAscii: boolean, latin: boolean): string {
  return nonAscii && latin ? word.normalize('NFD').replace(/\p{M}/gu, '').normalize('NFC') : word;
}

// What searchWords asks of a code point: whether WORD's class holds it, and whether it is Latin.
const WORD_BIT = 1;
const LATIN_BIT = 2;
const KNOWN_BIT = 4;
const WORD_CHAR = /^(?:(?!['’ʼ])[\p{L}\p{M}\p{N}])$/u;

function kindOf(char: string): number {
  return KNOWN_BIT | (WORD_CHAR.test(char) ? WORD_BIT : 0) | (LATIN.test(char) ? LATIN_BIT : 0);
}

const ASCII_KIND = Uint8Array.from({ length: 0x80 }, (_, unit) => kindOf(String.fromCharCode(unit)));
/** Basic Multilingual Plane code unit → its kind, filled as units are met (a lone surrogate is a non-word unit). */
const bmpKinds = new Uint8Array(0x10000);

function bmpKind(unit: number): number {
  let kind = bmpKinds[unit]!;
  if (kind === 0) {
    kind = kindOf(String.fromCharCode(unit));
    bmpKinds[unit] = kind;
  }
  return kind;
}

/** Astral code points are rare in news text: asked each time, never remembered. */
function astralKind(codePoint: number): number {
  return kindOf(String.fromCodePoint(codePoint));
}

/** The second half of a surrogate pair (for the text walks here and in classify). */
export function isLowSurrogate(unit: number): boolean {
  return unit >= 0xdc00 && unit < 0xe000;
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
export function searchableText(article: { title: string; summary: string; text: string }, stems = new WordStems()): SearchableText {
  return foldArticle(article, stems).searchable;
}

/** An article folded for the index, with the words of its title and text for the story signature. */
export interface FoldedArticle {
  searchable: SearchableText;
  /** The search words of the title and of the text (searchable.title and .text, not yet joined). */
  words: { title: readonly string[]; text: readonly string[] };
}

/**
 * searchableText, handing on the words it folded so the story signature neither folds nor splits the
 * text again, and stemming through `stems`, which the signature shares.
 */
export function foldArticle(article: { title: string; summary: string; text: string }, stems: WordStems): FoldedArticle {
  const title = searchWords(article.title);
  const summary = searchWords(article.summary);
  const text = searchWords(article.text);
  return {
    searchable: { title: title.join(' '), summary: summary.join(' '), text: text.join(' '), stems: stemsOf([title, summary, text], stems) },
    words: { title, text },
  };
}

/** The distinct stems of the words of folded fields (searchText's output) that inflect. */
export function searchStems(folded: readonly string[]): string {
  return stemsOf(folded.map((field) => (field === '' ? [] : field.split(' '))), new WordStems());
}

function stemsOf(fields: readonly (readonly string[])[], memo: WordStems): string {
  const stems = new Set<string>();
  for (const words of fields) {
    for (const word of words) {
      const stem = memo.indexStem(word);
      if (stem !== undefined) stems.add(stem);
    }
  }
  return [...stems].join(' ');
}

/**
 * The stems of folded words, each word stemmed once: a text repeats most of its words, and the articles
 * of one feed share most of theirs. Its owner scopes it (the ingest worker keeps one per feed job, a
 * test or a store call one per call), so it never outlives the words of one batch.
 */
export class WordStems {
  /** Word → its search stem, or '' when it does not inflect. */
  readonly #index = new Map<string, string>();
  readonly #plain = new Map<string, string>();

  /** searchStem of a word that inflects; undefined for one that does not (short, or with a digit). */
  indexStem(word: string): string | undefined {
    let found = this.#index.get(word);
    if (found === undefined) {
      found = inflects(word) ? searchStem(word) : '';
      this.#index.set(word, found);
    }
    return found === '' ? undefined : found;
  }

  /** stem() of a word: what the story signature compares. */
  stem(word: string): string {
    let found = this.#plain.get(word);
    if (found === undefined) {
      found = stem(word);
      this.#plain.set(word, found);
    }
    return found;
  }
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

/** The first word of `q` that asks for a prefix shorter than MIN_PREFIX_LETTERS (`k*`, `м'*`), if any. */
export function shortPrefix(q: string): string | undefined {
  return q.split(/\s+/u).find((raw) => {
    const { explicitPrefix, letters } = queryWord(raw);
    // A word without letters is no term at all (searchTerms skips it), whatever its stars.
    return explicitPrefix && letters !== '' && [...letters].length < MIN_PREFIX_LETTERS;
  });
}

/** A word of `q` as searchTerm and shortPrefix read it: its stars, its text, and the letters in it. */
function queryWord(raw: string): { explicitPrefix: boolean; word: string; letters: string } {
  const explicitPrefix = raw.endsWith('*');
  const word = (explicitPrefix ? raw.replace(/\*+$/u, '') : raw).normalize('NFC').toLowerCase();
  return { explicitPrefix, word, letters: word.match(WORD)?.join('') ?? '' };
}

function searchTerm(raw: string): SearchTerm | undefined {
  const { explicitPrefix, word, letters } = queryWord(raw);
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
