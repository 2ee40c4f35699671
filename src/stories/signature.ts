// Story signatures: a MinHash sketch of an article's words, its LSH band keys, and the numbers and
// names its title and text carry. Pure and dependency-free below the data flow (like src/text/): the
// classify step computes a signature in the ingest worker, the store indexes and compares them.

import * as crypto from 'node:crypto';
import { foldArticle, searchWords, WordStems, type FoldedArticle, type SearchableText } from '../text/search.ts';
import { stem } from '../text/stem.ts';
import { fitsOneBlock, md5Prefix52 } from './md5.ts';

/** Hash functions in a sketch: the estimate of the Jaccard similarity has a standard error ≈ 0.06. */
export const SKETCH_SIZE = 64;
/** Rows per LSH band: with 16 bands of 4 rows a pair at Jaccard 0.5 shares a band 64 % of the time, at 0.7 98 %. */
export const BAND_ROWS = 4;
/** How much of the text a signature reads: the lead of an article names its story. */
const MAX_WORDS = 400;

export interface StorySignature {
  /** Primary language subtag (`uk`, `en`); stories never cross languages. */
  lang: string;
  /** SKETCH_SIZE minimum hashes of the word stems of title and text. */
  sketch: number[];
  /**
   * One per LSH band: the store's index looks candidates up by these. Each is bandNumber of the key
   * `<lang>:<band>:<hash>`, so languages never meet (signatures stored before held those keys).
   */
  bands: number[];
  /** The numbers of the title and text, as written without separators (`30,000` → `30000`). */
  numbers: string[];
  /** Capitalized words of the title but its first, stemmed and lowercased: the names it is about. */
  names: string[];
}

/** The signature of an article, or undefined when it has too few words or no language to compare. */
export function storySignature(title: string, text: string, language: string | undefined): StorySignature | undefined {
  return signatureOf(title, text, language, searchWords(`${title}\n${text}`).slice(0, MAX_WORDS), new WordStems());
}

/**
 * storySignature from the words foldArticle handed on, stemmed through the same `stems` and hashed
 * through `hashes` (the ingest worker's, for one feed job): what the search index stemmed already is
 * not stemmed again, and a stem another article of the feed has is not hashed again.
 */
export function storySignatureOfWords(
  title: string, text: string, language: string | undefined, words: FoldedArticle['words'], stems: WordStems, hashes: StemHashes,
): StorySignature | undefined {
  const lead = words.title.length >= MAX_WORDS ? words.title.slice(0, MAX_WORDS) : words.title.concat(words.text.slice(0, MAX_WORDS - words.title.length));
  return signatureOf(title, text, language, lead, stems, hashes);
}

function signatureOf(
  title: string, text: string, language: string | undefined, lead: readonly string[], memo: WordStems, hashes = new StemHashes(),
): StorySignature | undefined {
  const lang = language?.toLowerCase().split('-')[0];
  if (!lang) return undefined;
  const stems = new Set<string>();
  for (const word of lead) {
    if (word.length > 2 && !isNumber(word)) stems.add(memo.stem(word));
  }
  if (stems.size < 8) return undefined;
  const sketch = minHash(stems, hashes);
  return {
    lang,
    sketch,
    bands: bandKeys(lang, sketch),
    numbers: numbersOf(title, text),
    names: namesOf(title),
  };
}

/**
 * The SKETCH_SIZE hashes of each stem met, for the articles of one feed job (created by the worker per
 * job, never module-level), which share most of their stems: a sketch then costs one minimum per cell.
 * Holds at most MAX_REMEMBERED stems (256 bytes each); past that a stem is hashed each time.
 */
export class StemHashes {
  readonly #byStem = new Map<string, Int32Array>();

  /** The stem's hash for each cell, top bit flipped (see minHash). */
  of(stem: string): Int32Array {
    let found = this.#byStem.get(stem);
    if (found === undefined) {
      found = new Int32Array(SKETCH_SIZE);
      const base = fnv1a(stem);
      for (let i = 0; i < SKETCH_SIZE; i++) found[i] = mixFlipped(base ^ SEEDS_SIGNED[i]!);
      if (this.#byStem.size < MAX_REMEMBERED) this.#byStem.set(stem, found);
    }
    return found;
  }
}

const MAX_REMEMBERED = 65_536;

/** Whether a word is all ASCII digits (a year, a count): those say nothing of the story's words. */
function isNumber(word: string): boolean {
  for (let i = 0; i < word.length; i++) {
    const unit = word.charCodeAt(i);
    if (unit < 0x30 || unit > 0x39) return false;
  }
  return true;
}

/**
 * An article's fields folded for the full-text index and its story signature, from one folding of its
 * words (the signature reads the same words the index holds). `stems` and `hashes` are the caller's to
 * scope: the ingest worker shares one of each across a feed job's articles.
 */
export function foldAndSign(
  article: { title: string; summary: string; text: string; language?: string | undefined },
  stems = new WordStems(),
  hashes = new StemHashes(),
): { searchable: SearchableText; story?: StorySignature } {
  const folded = foldArticle(article, stems);
  const story = storySignatureOfWords(article.title, article.text, article.language, folded.words, stems, hashes);
  return story ? { searchable: folded.searchable, story } : { searchable: folded.searchable };
}

/**
 * The article with its folded index fields and, when it has one, its signature (computed where the text
 * is: the ingest worker, or the step that made the text), so the store folds nothing again.
 */
export function withIndexAndSignature<T extends { title: string; summary: string; text: string; language?: string | undefined }>(
  article: T,
): T & { searchable: SearchableText; story?: StorySignature } {
  return { ...article, ...foldAndSign(article) };
}

function minHash(shingles: Iterable<string>, hashes: StemHashes): number[] {
  // Each cell holds its hash with the top bit flipped, as a signed 32-bit integer: signed order on
  // those is unsigned order on the hashes, and the loop stays in small integers (a uint32 past 2^31
  // is a double to V8). The flip is undone on the way out.
  const flipped = new Int32Array(SKETCH_SIZE).fill(0x7fffffff);
  for (const shingle of shingles) {
    const cells = hashes.of(shingle);
    for (let i = 0; i < SKETCH_SIZE; i++) {
      const h = cells[i]!;
      if (h < flipped[i]!) flipped[i] = h;
    }
  }
  const sketch = new Array<number>(SKETCH_SIZE);
  for (let i = 0; i < SKETCH_SIZE; i++) sketch[i] = (flipped[i]! ^ SIGN_BIT) >>> 0;
  return sketch;
}

const SIGN_BIT = -0x80000000;

/** mix32 with its top bit flipped, as a signed integer. */
function mixFlipped(x: number): number {
  return mix32(x) ^ SIGN_BIT;
}

function bandKeys(lang: string, sketch: number[]): number[] {
  // bandNumber in JavaScript: sixteen calls into node:crypto cost more than the hashing.
  return bandTexts(lang, sketch).map((key) => (fitsOneBlock(key) ? md5Prefix52(key) : bandNumber(key)));
}

/** The text key of each band (`<lang>:<band>:<hash>`): what signatures stored before band numbers hold. */
export function bandTexts(lang: string, sketch: readonly number[]): string[] {
  const keys: string[] = [];
  for (let band = 0; band * BAND_ROWS < sketch.length; band++) {
    keys.push(`${lang}:${band}:${rowsHash(sketch, band * BAND_ROWS, Math.min((band + 1) * BAND_ROWS, sketch.length)).toString(36)}`);
  }
  return keys;
}

/**
 * fnv1a(sketch.slice(from, to).join(',')), hashing each row's decimal digits as they are made: a
 * sketch cell is a uint32, and one past 2^31 is a double to V8, whose conversion to text is slow.
 */
function rowsHash(sketch: readonly number[], from: number, to: number): number {
  let h = 0x811c9dc5;
  for (let row = from; row < to; row++) {
    if (row > from) h = Math.imul(h ^ COMMA, FNV_PRIME);
    const value = sketch[row]!;
    if (!(Number.isInteger(value) && value >= 0 && value < 2 ** 32)) {
      // Not a cell of a sketch made here: its text as join writes it.
      h = fnv1aFrom(h, [value].join(''));
      continue;
    }
    // Two halves of at most five digits each, so the digit arithmetic stays in small integers.
    const high = Math.floor(value / 100_000);
    const low = value - high * 100_000;
    if (high > 0) h = fnvDigits(fnvDigits(h, high, digitCount(high)), low, 5);
    else h = fnvDigits(h, low, digitCount(low));
  }
  return h >>> 0;
}

const COMMA = 0x2c;
const ZERO = 0x30;
const FNV_PRIME = 0x01000193;

/** Digits of an integer below 100 000 (at least one). */
function digitCount(n: number): number {
  return n < 10 ? 1 : n < 100 ? 2 : n < 1000 ? 3 : n < 10_000 ? 4 : 5;
}

/**
 * FNV-1a over the last `count` of the five decimal digits of `n` (below 100 000, zero-padded), most
 * significant first. Constant divisors: an integer division by a constant is a multiplication.
 */
function fnvDigits(h: number, n: number, count: number): number {
  let hash = h;
  const d4 = (n / 10_000) | 0;
  const r4 = n - d4 * 10_000;
  const d3 = (r4 / 1000) | 0;
  const r3 = r4 - d3 * 1000;
  const d2 = (r3 / 100) | 0;
  const r2 = r3 - d2 * 100;
  const d1 = (r2 / 10) | 0;
  const d0 = r2 - d1 * 10;
  if (count >= 5) hash = Math.imul(hash ^ (ZERO + d4), FNV_PRIME);
  if (count >= 4) hash = Math.imul(hash ^ (ZERO + d3), FNV_PRIME);
  if (count >= 3) hash = Math.imul(hash ^ (ZERO + d2), FNV_PRIME);
  if (count >= 2) hash = Math.imul(hash ^ (ZERO + d1), FNV_PRIME);
  return Math.imul(hash ^ (ZERO + d0), FNV_PRIME);
}

/**
 * A band key as the index stores it: the first 52 bits of its MD5, an integer a B-tree page holds
 * three times as many of as the text key. MD5 because both databases compute it too, when a
 * migration turns the text keys of signatures stored before into numbers (a number passes as is).
 */
export function bandNumber(key: string | number): number {
  if (typeof key === 'number') return key;
  return Number.parseInt(md5Hex(key).slice(0, 13), 16);
}

/** MD5 in hex; crypto.hash (Node ≥ 20.12) spares a Hash object per call, twice as fast on band keys. */
export function md5Hex(text: string): string {
  return typeof crypto.hash === 'function' ? crypto.hash('md5', text, 'hex') : crypto.createHash('md5').update(text).digest('hex');
}

/**
 * The numbers of title and text, read apart (a number never spans the line that used to join them):
 * joining them only made a copy of the whole text for the pattern to read.
 */
function numbersOf(title: string, text: string): string[] {
  const found = new Set<string>();
  for (const field of [title, text]) {
    for (const n of field.match(NUMBER) ?? []) found.add(n.replace(/[,.\u00a0 ]/g, ''));
  }
  return [...found].sort();
}

const NUMBER = /\d[\d,.\u00a0 ]*\d|\d/g;

function namesOf(title: string): string[] {
  const words = title.normalize('NFC').match(/[\p{L}\p{N}][\p{L}\p{N}'’ʼ-]*/gu) ?? [];
  return [...new Set(words.slice(1).filter((w) => /^\p{Lu}/u.test(w)).map((w) => stem(w.toLowerCase())))].sort();
}

/** FNV-1a over UTF-16 code units: fast, and good enough to seed the mixer below. */
function fnv1a(text: string): number {
  return fnv1aFrom(0x811c9dc5, text) >>> 0;
}

/** fnv1a's loop from a running hash `h` (as a signed 32-bit integer). */
function fnv1aFrom(h: number, text: string): number {
  let hash = h;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, FNV_PRIME);
  }
  return hash;
}

/** MurmurHash3's finalizer: each seed turns it into an independent-looking hash function. */
function mix32(x: number): number {
  let h = x >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

const SEEDS = Uint32Array.from({ length: SKETCH_SIZE }, (_, i) => mix32(0x9e3779b9 + Math.imul(i + 1, 0x7f4a7c15)));
/** SEEDS as signed integers (the same bits). */
const SEEDS_SIGNED = Int32Array.from(SEEDS);
