// Topic classification: compiles the rules of feeds/topics.yaml once at boot (an invalid keyword
// stops the boot) and assigns topic ids to an article with a pure function, no I/O, no state.
//
// Keyword syntax (matching is case-insensitive, Unicode-aware, and always on whole words: a word is
// a run of letters, marks and digits, so `EU` never matches inside `EUR` or `neutral`):
//   Франція      a plain keyword is stemmed, then matches any word made of the stem plus at most
//                4 more letters. Stemming strips a final run of vowels / soft sign / й (Ukrainian:
//                а я о е є і ї и у ю ь й, so Франція → Франц, matching Франції, Францію, Францією;
//                Зеленський → Зеленськ) and English endings s/es/ed/ing and a final e/y
//                (sanctions → sanction, matching sanctioned). A stem keeps at least 4 letters
//                (Росія → Росі, so the rule never matches `росте`); a consonant ending is kept whole
//                (Макрон matches Макрона, Макроном).
//   ЄС, G7       a keyword of at most 3 characters, or any keyword with a digit or written all in
//                capitals (NATO, ППО), matches the word exactly.
//   =Paris       `=` forces an exact whole-word match (Paris alone would also reach Parisian).
//   дрон*        `*` is an explicit prefix: the word starts with `дрон`, any length after.
//   air defence  a phrase: each word follows the rules above, separated by any whitespace.
// Spelling variants are not guessed: `air defense` does not match `air defence`; list both, or
// write `air defen*`. All keywords of a topic compile into one regular expression.

import { TidingsError } from '../errors.ts';
import type { Article, Source, Topic } from '../model.ts';
import { htmlToText } from '../normalize/html.ts';
import { isLowSurrogate } from '../text/search.ts';
import { stem } from '../text/stem.ts';
import { groupedAlternation } from './alternation.ts';

/** Letters a stemmed keyword may be followed by within the same word (inflection endings). */
const MAX_ENDING = 4;

const WORD_CHAR = String.raw`\p{L}\p{M}\p{N}`;
/** What follows a stemmed keyword's stem, and a prefix keyword's letters (see wordPattern). */
const STEM_ENDING = `\\p{L}{0,${MAX_ENDING}}`;
const PREFIX_ENDING = `[${WORD_CHAR}]*`;
/** The keyword patterns' endings a topic's alternation groups its branches under (see alternation.ts). */
export const KEYWORD_ENDINGS: readonly string[] = [STEM_ENDING, PREFIX_ENDING];
/** Apostrophes Ukrainian text uses interchangeably inside words (м'ята, м’ята, мʼята). */
const APOSTROPHES = `'’ʼ`;
const VALID_WORD = new RegExp(`^[${WORD_CHAR}]+(?:[-.&${APOSTROPHES}][${WORD_CHAR}]+)*$`, 'u');
// A Ukrainian apostrophe sits inside a word (прем'єр, сім'я), an English one ends it (EU's): so a
// match may neither start nor end next to an apostrophe that joins Cyrillic letters.
const WORD_START = `(?<![${WORD_CHAR}]|\\p{Script=Cyrillic}[${APOSTROPHES}])`;
const WORD_END = `(?![${WORD_CHAR}]|[${APOSTROPHES}]\\p{Script=Cyrillic})`;

export interface CompiledTopic {
  readonly id: string;
  /** Every keyword of the topic as one alternation; absent when the topic has no keywords. */
  readonly keywords?: RegExp;
  /**
   * The same alternation without the leading word-start guard, sticky (`iuy`): classify finds word
   * starts once per text and tries this only there, instead of evaluating the Unicode lookbehind of
   * `keywords` at every character of the text for every topic.
   */
  readonly atWordStart?: RegExp;
  /**
   * What a text word must begin with for a match to begin at its start: each keyword's first word (for
   * a stemmed keyword, its stem) up to a joiner or an apostrophe, matched case-insensitively like the
   * alternation; when a joiner follows, the text word must end there. Most words fail it, so the
   * alternation is tried at a few words per article instead of at every word whose letters could begin it.
   */
  readonly firstWords?: RegExp;
  /** Code points in the longest of those first words. */
  readonly firstWordLength?: number;
  /** The first (up to) three characters of each first word, as patterns: see TopicIndex.wordBegins. */
  readonly firstBegins?: readonly string[];
  /** Lowercased categories. */
  readonly categories: ReadonlySet<string>;
  readonly sources: ReadonlySet<string>;
}

export interface CompiledTopics {
  /** In configuration order, which is also the order of classify()'s result. */
  readonly topics: readonly CompiledTopic[];
}

/**
 * Per compiled configuration: topic id → configuration position, and a text word's beginning →
 * indexes of the topics whose firstWords it passes. The second is filled as words are met (a feed uses
 * a few thousand distinct words) because deciding it takes a Unicode case-insensitive test per topic;
 * it is a pure function of the configuration, so caching it keeps classify() pure.
 */
interface TopicIndex {
  readonly order: ReadonlyMap<string, number>;
  /** A word's first `wordKeyUnits` code units → indexes of the topics whose firstWords it passes. */
  readonly byWord: Map<string, readonly number[]>;
  /**
   * How much of a word decides firstWords: two code units per code point of the longest first word
   * and of the character after it (a case-insensitive match of a code point never takes more than
   * two), so a cut key is always longer than any first word and a `$` after one still fails on it.
   */
  readonly wordKeyUnits: number;
  /**
   * A necessary condition met before byWord is asked: whether a word's first three code units (all
   * it has, when shorter) can begin some topic's first word, case-insensitively; by the units as one
   * number, filled as beginnings are met. Most words of any text fail it, and then cost a table read
   * instead of a cut key made and hashed (a tenth of what the ingest worker allocated).
   */
  readonly begins: Map<number, boolean>;
  /** `^` and every topic's firstBegins, case-insensitive like firstWords: decides a beginning met first. */
  readonly wordBegins: RegExp;
}
const topicIndexes = new WeakMap<CompiledTopics, TopicIndex>();
/** Distinct words (their first wordKeyUnits code units) remembered per configuration; past it the table starts over. */
const MAX_WORDS = 65536;
/** Astral code points met in text, remembered as word characters or not; past it the table starts over. */
const MAX_ASTRAL = 4096;

function topicIndex(compiled: CompiledTopics): TopicIndex {
  let index = topicIndexes.get(compiled);
  if (!index) {
    index = {
      order: new Map(compiled.topics.map((t, i) => [t.id, i])),
      byWord: new Map(),
      wordKeyUnits: 2 * (Math.max(0, ...compiled.topics.map((t) => t.firstWordLength ?? 0)) + 1),
      begins: new Map(),
      wordBegins: wordBeginsOf(compiled),
    };
    topicIndexes.set(compiled, index);
  }
  return index;
}

/** Matches what can begin a first word of any topic; with no keywords anywhere, nothing. */
function wordBeginsOf(compiled: CompiledTopics): RegExp {
  const begins = [...new Set(compiled.topics.flatMap((t) => t.firstBegins ?? []))];
  return begins.length === 0 ? /(?!)/ : new RegExp(`^(?:${begins.join('|')})`, 'iu');
}

/** A rule that cannot compile; says which topic and which entry, so config can point at its line. */
export class TopicRuleError extends TidingsError {
  readonly topicId: string;
  readonly field: 'keywords' | 'categories' | 'sources';
  readonly index: number;
  /** The message without its `config: topic <id>:` prefix. */
  readonly reason: string;

  constructor(topicId: string, field: TopicRuleError['field'], index: number, reason: string) {
    super('config', `topic ${topicId}`, reason);
    this.name = 'TopicRuleError';
    this.topicId = topicId;
    this.field = field;
    this.index = index;
    this.reason = reason;
  }
}

/** Compiles every topic's rules; throws TopicRuleError on the first invalid one. */
export function compileTopics(topics: readonly Topic[]): CompiledTopics {
  return { topics: topics.map(compileTopic) };
}

function compileTopic(topic: Topic): CompiledTopic {
  const alternatives = topic.rules.keywords.map((keyword, index) => {
    const result = keywordPattern(keyword);
    if (result.kind === 'invalid') {
      throw new TopicRuleError(topic.id, 'keywords', index, `keyword ${JSON.stringify(keyword)}: ${result.reason}`);
    }
    return result.pattern;
  });
  topic.rules.categories.forEach((category, index) => {
    if (category.trim() === '') throw new TopicRuleError(topic.id, 'categories', index, 'empty category');
  });
  const compiled: CompiledTopic = {
    id: topic.id,
    categories: new Set(topic.rules.categories.map(normalizeCategory)),
    sources: new Set(topic.rules.sources),
  };
  if (alternatives.length === 0) return compiled;
  // Longest first so a phrase wins over its own first word when both are listed.
  alternatives.sort((a, b) => b.length - a.length);
  // Grouped under shared endings: the same matches, about a fifth of the compile time (see alternation.ts).
  const body = `${groupedAlternation(alternatives, KEYWORD_ENDINGS)}${WORD_END}`;
  // Every alternative begins with the literal text of its keyword's first word (or that word's stem):
  // the part of it a text word holds is a necessary condition for a match at a word start.
  const firstWords = topic.rules.keywords.map((k) => firstWordPattern(leadingLiteral(k)));
  return {
    ...compiled,
    keywords: new RegExp(`${WORD_START}${body}`, 'iu'),
    atWordStart: new RegExp(body, 'iuy'),
    firstWords: new RegExp(`^(?:${[...new Set(firstWords.map((w) => w.pattern))].join('|')})`, 'iu'),
    firstWordLength: Math.max(...firstWords.map((w) => w.length)),
    firstBegins: [...new Set(firstWords.map((w) => w.begin))],
  };
}

/**
 * What a text word that can begin `leading` (a keyword's leading literal) begins with: the literal's
 * word characters up to the first joiner or apostrophe. A text word ends at a joiner (- . &) and at '
 * or ’, so after those it must end there; ʼ is a letter, so the text word may go on through it.
 */
function firstWordPattern(leading: string): { pattern: string; length: number; begin: string } {
  const chars = [...leading];
  const end = chars.findIndex((ch) => APOSTROPHES.includes(ch) || !IS_WORD_CHAR.test(ch));
  // A text word that passes holds the first word's first BEGIN_UNITS characters, or all of it.
  const begin = literal(chars.slice(0, Math.min(BEGIN_UNITS, end < 0 ? chars.length : end)).join(''));
  if (end < 0) return { pattern: literal(leading), length: chars.length, begin };
  const head = literal(chars.slice(0, end).join(''));
  return { pattern: APOSTROPHES.includes(chars[end]!) ? `${head}(?:ʼ|$)` : `${head}$`, length: end, begin };
}

export type KeywordPattern = { kind: 'ok'; pattern: string } | { kind: 'invalid'; reason: string };

/** The regular expression source for one keyword, without the word-boundary guards. */
export function keywordPattern(keyword: string): KeywordPattern {
  const trimmed = keyword.trim();
  if (trimmed === '') return { kind: 'invalid', reason: 'empty keyword' };
  const words = trimmed.split(/\s+/u);
  const parts: string[] = [];
  for (const word of words) {
    const part = wordPattern(word);
    if (part.kind === 'invalid') {
      return words.length === 1 ? part : { kind: 'invalid', reason: `word "${word}": ${part.reason}` };
    }
    parts.push(part.pattern);
  }
  return { kind: 'ok', pattern: parts.join(String.raw`\s+`) };
}

/** One word of a keyword: its letters, and whether `=` or `*` marked it. */
function keywordWord(raw: string): { word: string; exact: boolean; prefix: boolean } {
  const exact = raw.startsWith('=');
  const prefix = raw.endsWith('*');
  return { word: raw.slice(exact ? 1 : 0, prefix ? -1 : undefined), exact, prefix };
}

function wordPattern(raw: string): KeywordPattern {
  const { word, exact, prefix } = keywordWord(raw);
  if (exact && prefix) return { kind: 'invalid', reason: 'both exact (=) and a prefix (*)' };
  if (word === '') return { kind: 'invalid', reason: 'no letters or digits' };
  if (!VALID_WORD.test(word)) {
    return { kind: 'invalid', reason: "only letters and digits, joined by - . & ' (with = first or * last)" };
  }
  if (prefix) return { kind: 'ok', pattern: `${literal(word)}${PREFIX_ENDING}` };
  if (exact || isExactByShape(word)) return { kind: 'ok', pattern: literal(word) };
  return { kind: 'ok', pattern: `${literal(stem(word))}${STEM_ENDING}` };
}

/** The text wordPattern's pattern for a valid keyword's first word begins with: the word, or its stem. */
function leadingLiteral(keyword: string): string {
  const { word, exact, prefix } = keywordWord(keyword.trim().split(/\s+/u)[0] ?? '');
  return prefix || exact || isExactByShape(word) ? word : stem(word);
}

/** Abbreviations and codes (ЄС, EU, G7, NATO, ППО) have no endings to strip. */
function isExactByShape(word: string): boolean {
  const letters = [...word];
  if (letters.length <= 3) return true;
  if (/\p{N}/u.test(word)) return true;
  return word === word.toUpperCase() && word !== word.toLowerCase();
}

/** Regex-escapes a word and lets any apostrophe stand for any other. */
function literal(word: string): string {
  let out = '';
  for (const ch of word) {
    if (APOSTROPHES.includes(ch)) out += `[${APOSTROPHES}]`;
    else out += ch.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  }
  return out;
}

// A word start is where a run of word characters begins, unless a Cyrillic letter and an apostrophe
// precede it. The text is walked by code point with a table of which code points are word
// characters: a regular expression per word (even a sticky skip) cost more than all the matching.
const IS_WORD_CHAR = new RegExp(`^[${WORD_CHAR}]$`, 'iu');
/** Basic Multilingual Plane code point → 1 word character, 2 not, 0 not yet asked; filled on use. */
const bmpWordChar = new Uint8Array(0x10000);
const astralWordChar = new Map<number, boolean>();

/** WORD_CHAR's class, flags included, for one code point (a lone surrogate is one too, and not a word character). */
function isWordChar(cp: number): boolean {
  if (cp < 0x10000) {
    let known = bmpWordChar[cp] ?? 0;
    if (known === 0) {
      known = IS_WORD_CHAR.test(String.fromCharCode(cp)) ? 1 : 2;
      bmpWordChar[cp] = known;
    }
    return known === 1;
  }
  let known = astralWordChar.get(cp);
  if (known === undefined) {
    known = IS_WORD_CHAR.test(String.fromCodePoint(cp));
    // Bounded like any cache fed by input; astral letters are rare in news text.
    if (astralWordChar.size >= MAX_ASTRAL) astralWordChar.clear();
    astralWordChar.set(cp, known);
  }
  return known;
}

/** Tried (sticky) only where an apostrophe precedes a run: the second half of WORD_START's guard. */
const AFTER_CYRILLIC_APOSTROPHE = new RegExp(`(?<=\\p{Script=Cyrillic}[${APOSTROPHES}])`, 'iuy');

/**
 * For each topic (by index), the positions in `text` where WORD_START holds and one of the topic's
 * keywords can begin, in increasing order: the starts of the words that pass the topic's firstWords.
 * One pass over the text serves every topic; `keywords` (which begins with WORD_START) can match
 * nowhere else.
 */
function candidateStarts(text: string, compiled: CompiledTopics, index: TopicIndex): number[][] {
  const starts: number[][] = compiled.topics.map(() => []);
  let wordStart = -1;
  for (let at = 0; at < text.length; ) {
    const unit = text.charCodeAt(at);
    let width = 1;
    let isWord: boolean;
    if (unit >= 0xd800 && unit < 0xdc00 && at + 1 < text.length && isLowSurrogate(text.charCodeAt(at + 1))) {
      width = 2;
      isWord = isWordChar(text.codePointAt(at) ?? 0);
    } else isWord = isWordChar(unit);
    if (isWord) {
      if (wordStart < 0) wordStart = at;
    } else if (wordStart >= 0) {
      addWordStart(starts, text, wordStart, at, index, compiled);
      wordStart = -1;
    }
    at += width;
  }
  if (wordStart >= 0) addWordStart(starts, text, wordStart, text.length, index, compiled);
  return starts;
}

/** Records the start of the word text[start, end) for each topic whose firstWords it passes. */
function addWordStart(starts: number[][], text: string, start: number, end: number, index: TopicIndex, compiled: CompiledTopics): void {
  if (!mayBeginFirstWord(text, start, end, index)) return;
  const key = text.slice(start, Math.min(end, start + index.wordKeyUnits));
  let topics = index.byWord.get(key);
  if (topics === undefined) {
    const found: number[] = [];
    compiled.topics.forEach((t, i) => {
      if (t.firstWords?.test(key)) found.push(i);
    });
    if (index.byWord.size >= MAX_WORDS) index.byWord.clear();
    // A copy, so the table never holds on to the whole text the key was sliced from.
    index.byWord.set([...key].join(''), found);
    topics = found;
  }
  if (topics.length === 0) return;
  if (start > 0 && APOSTROPHES.includes(text.charAt(start - 1))) {
    AFTER_CYRILLIC_APOSTROPHE.lastIndex = start;
    if (AFTER_CYRILLIC_APOSTROPHE.test(text)) return;
  }
  for (const i of topics) starts[i]?.push(start);
}

/** Code units of a word's beginning that index.begins decides on (three fit a number exactly). */
const BEGIN_UNITS = 3;

/**
 * Whether the word text[start, end) can begin some topic's first word, by its first BEGIN_UNITS code
 * units (index.begins). A surrogate among them is a code point the units cannot stand for alone:
 * such a word is left to byWord.
 */
function mayBeginFirstWord(text: string, start: number, end: number, index: TopicIndex): boolean {
  const units = Math.min(BEGIN_UNITS, end - start);
  let key = 0;
  for (let i = 0; i < units; i++) {
    const unit = text.charCodeAt(start + i);
    if (unit >= 0xd800 && unit < 0xe000) return true;
    key = key * 0x10000 + unit;
  }
  // Keys of different lengths never meet: a word's first unit is never 0.
  let may = index.begins.get(key);
  if (may === undefined) {
    may = index.wordBegins.test(text.slice(start, start + units));
    if (index.begins.size >= MAX_WORDS) index.begins.clear();
    index.begins.set(key, may);
  }
  return may;
}

/** Whether `matcher` matches at one of `starts`. */
function matchesAt(matcher: RegExp, text: string, starts: readonly number[]): boolean {
  for (const at of starts) {
    matcher.lastIndex = at;
    if (matcher.test(text)) return true;
  }
  return false;
}

/**
 * Non-overlapping matches of `matcher` at `starts`, counted up to `limit`: the count String.matchAll
 * gives for the guarded `keywords` regex, because a search resumes where the last match ended and the
 * leftmost start that matches wins.
 */
function countAt(matcher: RegExp, text: string, starts: readonly number[], limit: number): number {
  let count = 0;
  let from = 0;
  for (const at of starts) {
    if (at < from) continue;
    matcher.lastIndex = at;
    if (!matcher.test(text)) continue;
    if (++count >= limit) break;
    from = matcher.lastIndex;
  }
  return count;
}

function normalizeCategory(category: string): string {
  return category.trim().toLowerCase();
}

/**
 * Keyword evidence a topic needs: a match in the title counts TITLE_POINTS, each match in the text
 * one. One passing mention in the body ("scientists" in a story about a city budget) is not enough;
 * a title mention, or two in the text, is.
 */
export const KEYWORD_THRESHOLD = 2;
const TITLE_POINTS = 2;

/**
 * Topic ids for an article, in configuration order, then any explicit topics the configuration
 * does not know (kept: front matter is the author's word). Pure: same input, same output.
 * Explicit topics, source rules and categories are decisive; keywords need KEYWORD_THRESHOLD points.
 */
export function classify(article: Article, compiled: CompiledTopics, source?: Source, text?: string): string[] {
  const found = new Set<string>(article.topics);
  const index = topicIndex(compiled);
  // Callers that already hold the article's text pass it; HTML is read only by normalize/html.ts.
  const body = text ?? htmlToText(article.contentHtml);
  // A summary derived from the body would count its words twice.
  const summary = article.summary.replace(/…$/u, '');
  const prose = body.includes(summary) ? body : `${summary}\n${body}`;
  const categories = article.categories.map(normalizeCategory);
  // Word starts are found once per text, and only when some topic gets as far as its keywords.
  let titleStarts: number[][] | undefined;
  let proseStarts: number[][] | undefined;

  compiled.topics.forEach((topic, i) => {
    if (found.has(topic.id)) return;
    if (topic.sources.has(article.sourceId)) found.add(topic.id);
    else if (categories.some((c) => topic.categories.has(c))) found.add(topic.id);
    else if (topic.atWordStart) {
      titleStarts ??= candidateStarts(article.title, compiled, index);
      let score = matchesAt(topic.atWordStart, article.title, titleStarts[i] ?? []) ? TITLE_POINTS : 0;
      if (score < KEYWORD_THRESHOLD) {
        proseStarts ??= candidateStarts(prose, compiled, index);
        score += countAt(topic.atWordStart, prose, proseStarts[i] ?? [], KEYWORD_THRESHOLD - score);
      }
      if (score >= KEYWORD_THRESHOLD) found.add(topic.id);
    }
  });
  if (source) {
    for (const id of source.topics) found.add(id);
    for (const category of categories) {
      for (const id of source.categoryTopics[category] ?? []) found.add(id);
    }
  }

  const rank = (id: string): number => index.order.get(id) ?? index.order.size;
  return [...found].sort((a, b) => rank(a) - rank(b));
}
