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

/** Letters a stemmed keyword may be followed by within the same word (inflection endings). */
const MAX_ENDING = 4;
/** A stem never gets shorter than this: short stems match too many unrelated words. */
const MIN_STEM = 4;

const WORD_CHAR = String.raw`\p{L}\p{M}\p{N}`;
/** Apostrophes Ukrainian text uses interchangeably inside words (м'ята, м’ята, мʼята). */
const APOSTROPHES = `'’ʼ`;
const VALID_WORD = new RegExp(`^[${WORD_CHAR}]+(?:[-.&${APOSTROPHES}][${WORD_CHAR}]+)*$`, 'u');
// A Ukrainian apostrophe sits inside a word (прем'єр, сім'я), an English one ends it (EU's): so a
// match may neither start nor end next to an apostrophe that joins Cyrillic letters.
const WORD_START = `(?<![${WORD_CHAR}]|\\p{Script=Cyrillic}[${APOSTROPHES}])`;
const WORD_END = `(?![${WORD_CHAR}]|[${APOSTROPHES}]\\p{Script=Cyrillic})`;
const CYRILLIC_ENDING = /[аяоеєіїиуюьй]+$/iu;
const LATIN_ENDING = /(?:ing|ed|es|s)$/i;
const LATIN_FINAL_VOWEL = /[ey]$/i;

export interface CompiledTopic {
  readonly id: string;
  /** Every keyword of the topic as one alternation; absent when the topic has no keywords. */
  readonly keywords?: RegExp;
  /** Lowercased categories. */
  readonly categories: ReadonlySet<string>;
  readonly sources: ReadonlySet<string>;
}

export interface CompiledTopics {
  /** In configuration order, which is also the order of classify()'s result. */
  readonly topics: readonly CompiledTopic[];
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
  const source = `${WORD_START}(?:${alternatives.join('|')})${WORD_END}`;
  return { ...compiled, keywords: new RegExp(source, 'iu') };
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

function wordPattern(raw: string): KeywordPattern {
  const exact = raw.startsWith('=');
  const prefix = raw.endsWith('*');
  const word = raw.slice(exact ? 1 : 0, prefix ? -1 : undefined);
  if (exact && prefix) return { kind: 'invalid', reason: 'both exact (=) and a prefix (*)' };
  if (word === '') return { kind: 'invalid', reason: 'no letters or digits' };
  if (!VALID_WORD.test(word)) {
    return { kind: 'invalid', reason: "only letters and digits, joined by - . & ' (with = first or * last)" };
  }
  if (prefix) return { kind: 'ok', pattern: `${literal(word)}[${WORD_CHAR}]*` };
  if (exact || isExactByShape(word)) return { kind: 'ok', pattern: literal(word) };
  return { kind: 'ok', pattern: `${literal(stem(word))}\\p{L}{0,${MAX_ENDING}}` };
}

/** Abbreviations and codes (ЄС, EU, G7, NATO, ППО) have no endings to strip. */
function isExactByShape(word: string): boolean {
  const letters = [...word];
  if (letters.length <= 3) return true;
  if (/\p{N}/u.test(word)) return true;
  return word === word.toUpperCase() && word !== word.toLowerCase();
}

/** The stem of a plain keyword; only the last segment of a hyphenated word inflects. */
function stem(word: string): string {
  const cut = Math.max(word.lastIndexOf('-'), 0);
  const head = word.slice(0, cut);
  const last = word.slice(cut);
  const stripped = /\p{Script=Cyrillic}$/u.test(last) ? stripCyrillic(last) : stripLatin(last);
  return head + stripped;
}

function stripCyrillic(word: string): string {
  const ending = CYRILLIC_ENDING.exec(word)?.[0] ?? '';
  let keep = word.length - ending.length;
  // Росія would become Рос: keep vowels of the ending until the stem is long enough.
  while (keep < MIN_STEM && keep < word.length) keep += 1;
  return word.slice(0, keep);
}

function stripLatin(word: string): string {
  let result = word;
  const ending = LATIN_ENDING.exec(result)?.[0];
  if (ending && result.length - ending.length >= MIN_STEM) result = result.slice(0, -ending.length);
  if (LATIN_FINAL_VOWEL.test(result) && result.length - 1 >= MIN_STEM) result = result.slice(0, -1);
  return result;
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

function keywordScore(keywords: RegExp, title: string, prose: string): number {
  let score = 0;
  if (keywords.test(title)) score += TITLE_POINTS;
  if (score >= KEYWORD_THRESHOLD) return score;
  const all = new RegExp(keywords.source, keywords.flags.includes('g') ? keywords.flags : `${keywords.flags}g`);
  for (const _ of prose.matchAll(all)) {
    if (++score >= KEYWORD_THRESHOLD) break;
  }
  return score;
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
  // Callers that already hold the article's text pass it; HTML is read only by normalize/html.ts.
  const body = text ?? htmlToText(article.contentHtml);
  // A summary derived from the body would count its words twice.
  const summary = article.summary.replace(/…$/u, '');
  const prose = body.includes(summary) ? body : `${summary}\n${body}`;
  const categories = article.categories.map(normalizeCategory);

  for (const topic of compiled.topics) {
    if (found.has(topic.id)) continue;
    if (topic.sources.has(article.sourceId)) found.add(topic.id);
    else if (categories.some((c) => topic.categories.has(c))) found.add(topic.id);
    else if (topic.keywords && keywordScore(topic.keywords, article.title, prose) >= KEYWORD_THRESHOLD) found.add(topic.id);
  }
  if (source) {
    for (const id of source.topics) found.add(id);
    for (const category of categories) {
      for (const id of source.categoryTopics[category] ?? []) found.add(id);
    }
  }

  const order = new Map(compiled.topics.map((t, i) => [t.id, i]));
  const rank = (id: string): number => order.get(id) ?? order.size;
  return [...found].sort((a, b) => rank(a) - rank(b));
}
