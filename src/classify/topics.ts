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
import { stem } from '../text/stem.ts';

/** Letters a stemmed keyword may be followed by within the same word (inflection endings). */
const MAX_ENDING = 4;

const WORD_CHAR = String.raw`\p{L}\p{M}\p{N}`;
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
   * The first two characters every match begins with (one, for a keyword of one character), matched
   * case-insensitively like the alternation: which word starts can match at all.
   */
  readonly heads?: RegExp;
  /** Lowercased categories. */
  readonly categories: ReadonlySet<string>;
  readonly sources: ReadonlySet<string>;
}

export interface CompiledTopics {
  /** In configuration order, which is also the order of classify()'s result. */
  readonly topics: readonly CompiledTopic[];
}

/**
 * Per compiled configuration: topic id → configuration position, and the first two code points of a
 * word (headKey) → indexes of the topics whose keywords can start with them. The second is filled as
 * pairs are met (a text uses a few hundred distinct word beginnings) because deciding it takes a
 * Unicode case-insensitive test per topic; it is a pure function of the configuration, so caching it
 * keeps classify() pure. Two characters rather than one turn away most word starts before any
 * keyword alternation is tried there.
 */
interface TopicIndex {
  readonly order: ReadonlyMap<string, number>;
  readonly byHead: Map<number, readonly number[]>;
}
const topicIndexes = new WeakMap<CompiledTopics, TopicIndex>();
/** Distinct word beginnings remembered per configuration; past it the table starts over. */
const MAX_HEADS = 16384;
/** Astral code points met in text, remembered as word characters or not; past it the table starts over. */
const MAX_ASTRAL = 4096;

/** One number for a word's first code point and the one after it (0 at the end of the text). */
function headKey(first: number, second: number): number {
  return first * 0x110000 + second;
}

function topicIndex(compiled: CompiledTopics): TopicIndex {
  let index = topicIndexes.get(compiled);
  if (!index) {
    index = { order: new Map(compiled.topics.map((t, i) => [t.id, i])), byHead: new Map() };
    topicIndexes.set(compiled, index);
  }
  return index;
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
  const body = `(?:${alternatives.join('|')})${WORD_END}`;
  // Every alternative begins with the literal text of its keyword's first word (or that word's stem),
  // so the first two characters of it, compared like the alternation compares them, are a necessary
  // condition for a match at a word start.
  const heads = new Set(topic.rules.keywords.map((k) => literal([...leadingLiteral(k)].slice(0, 2).join(''))));
  return {
    ...compiled,
    keywords: new RegExp(`${WORD_START}${body}`, 'iu'),
    atWordStart: new RegExp(body, 'iuy'),
    heads: new RegExp(`^(?:${[...heads].join('|')})`, 'iu'),
  };
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
  if (prefix) return { kind: 'ok', pattern: `${literal(word)}[${WORD_CHAR}]*` };
  if (exact || isExactByShape(word)) return { kind: 'ok', pattern: literal(word) };
  return { kind: 'ok', pattern: `${literal(stem(word))}\\p{L}{0,${MAX_ENDING}}` };
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
 * keywords can begin, in increasing order. One pass over the text serves every topic; the same
 * positions are exactly where `keywords` (which begins with WORD_START) could match.
 */
function candidateStarts(text: string, compiled: CompiledTopics, index: TopicIndex): number[][] {
  const starts: number[][] = compiled.topics.map(() => []);
  let previousIsWord = false;
  for (let at = 0; at < text.length; ) {
    const start = at;
    const cp = text.codePointAt(at) ?? 0;
    at += cp > 0xffff ? 2 : 1;
    const isWord = isWordChar(cp);
    const begins = isWord && !previousIsWord;
    previousIsWord = isWord;
    if (!begins) continue;
    const next = text.codePointAt(at) ?? 0;
    const topics = topicsByHead(compiled, index, cp, next);
    if (topics.length === 0) continue;
    if (start > 0 && APOSTROPHES.includes(text.charAt(start - 1))) {
      AFTER_CYRILLIC_APOSTROPHE.lastIndex = start;
      if (AFTER_CYRILLIC_APOSTROPHE.test(text)) continue;
    }
    for (const i of topics) starts[i]?.push(start);
  }
  return starts;
}

/** Indexes of the topics some keyword of which can begin with code points `first`, `second`. */
function topicsByHead(compiled: CompiledTopics, index: TopicIndex, first: number, second: number): readonly number[] {
  const key = headKey(first, second);
  let topics = index.byHead.get(key);
  if (topics === undefined) {
    // At the end of the text (second 0) the head is one character: only one-character keywords fit.
    const head = String.fromCodePoint(first) + (second === 0 ? '' : String.fromCodePoint(second));
    const found: number[] = [];
    compiled.topics.forEach((t, i) => {
      if (t.heads?.test(head)) found.push(i);
    });
    if (index.byHead.size >= MAX_HEADS) index.byHead.clear();
    index.byHead.set(key, found);
    topics = found;
  }
  return topics;
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
