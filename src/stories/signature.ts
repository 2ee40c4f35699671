// Story signatures: a MinHash sketch of an article's words, its LSH band keys, and the numbers and
// names its title and text carry. Pure and dependency-free below the data flow (like src/text/): the
// classify step computes a signature in the ingest worker, the store indexes and compares them.

import * as crypto from 'node:crypto';
import { foldArticle, searchWords, WordStems, type FoldedArticle, type SearchableText } from '../text/search.ts';
import { stem } from '../text/stem.ts';
import { MD5_ONE_BLOCK, md5Prefix52 } from './md5.ts';

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
  const all: Int32Array[] = [];
  for (const shingle of shingles) all.push(hashes.of(shingle));
  // Four stems at a time: each cell's running minimum is read and written once per four, not per stem.
  let k = 0;
  for (; k + 3 < all.length; k += 4) {
    const p = all[k]!;
    const q = all[k + 1]!;
    const r = all[k + 2]!;
    const s = all[k + 3]!;
    for (let i = 0; i < SKETCH_SIZE; i++) {
      let h = p[i]!;
      const y = q[i]!;
      const z = r[i]!;
      const w = s[i]!;
      if (y < h) h = y;
      if (z < h) h = z;
      if (w < h) h = w;
      if (h < flipped[i]!) flipped[i] = h;
    }
  }
  for (; k < all.length; k++) {
    const cells = all[k]!;
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
  let h = x | 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return h ^ (h >>> 16) ^ SIGN_BIT;
}

function bandKeys(lang: string, sketch: number[]): number[] {
  if (lang.length > MAX_BYTE_LANG || !/^[\x20-\x7e]*$/.test(lang)) return bandTexts(lang, sketch).map(bandNumber);
  // bandNumber(bandTexts(…)[band]) from the key's bytes, written here: no text key, no call into crypto.
  const key = new Uint8Array(MD5_ONE_BLOCK);
  for (let i = 0; i < lang.length; i++) key[i] = lang.charCodeAt(i);
  key[lang.length] = COLON;
  const keys: number[] = [];
  for (let band = 0; band * BAND_ROWS < sketch.length; band++) {
    let at = writeDigits(key, lang.length + 1, band, 10);
    key[at++] = COLON;
    at = writeDigits(key, at, rowsHash(sketch, band * BAND_ROWS, Math.min((band + 1) * BAND_ROWS, sketch.length)), 36);
    keys.push(md5Prefix52(key, at));
  }
  return keys;
}

/** The longest language tag whose band keys fit one MD5 block: `<lang>:<band>:<hash>` ≤ 55 bytes. */
const MAX_BYTE_LANG = MD5_ONE_BLOCK - 11;
const COLON = 0x3a;
const COMMA = 0x2c;
/** Digit characters of Number.prototype.toString up to base 36. */
const DIGITS = Uint8Array.from('0123456789abcdefghijklmnopqrstuvwxyz', (c) => c.charCodeAt(0));
const scratch = new Uint8Array(32);

/** fnv1a(sketch.slice(from, to).join(',')), hashing the decimal digits as they are made. */
function rowsHash(sketch: readonly number[], from: number, to: number): number {
  let h = 0x811c9dc5;
  for (let row = from; row < to; row++) {
    if (row > from) h = Math.imul(h ^ COMMA, 0x01000193);
    const end = writeDigits(scratch, 0, sketch[row]!, 10);
    for (let i = 0; i < end; i++) h = Math.imul(h ^ scratch[i]!, 0x01000193);
  }
  return h >>> 0;
}

/** Writes `n` (a non-negative integer below 2^32) in `base` at `at`, as toString(base) does; the index after it. */
function writeDigits(out: Uint8Array, at: number, n: number, base: number): number {
  let length = 1;
  for (let rest = Math.floor(n / base); rest > 0; rest = Math.floor(rest / base)) length++;
  let rest = n;
  for (let i = at + length - 1; i >= at; i--) {
    out[i] = DIGITS[rest % base]!;
    rest = Math.floor(rest / base);
  }
  return at + length;
}

/** The text key of each band (`<lang>:<band>:<hash>`): what signatures stored before band numbers hold. */
export function bandTexts(lang: string, sketch: readonly number[]): string[] {
  const keys: string[] = [];
  for (let band = 0; band * BAND_ROWS < sketch.length; band++) {
    const rows = sketch.slice(band * BAND_ROWS, (band + 1) * BAND_ROWS);
    keys.push(`${lang}:${band}:${fnv1a(rows.join(',')).toString(36)}`);
  }
  return keys;
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
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
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
