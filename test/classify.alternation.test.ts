// A topic's keywords compile into one alternation whose branches are grouped under shared endings
// (src/classify/alternation.ts), so that V8 compiles it several times faster. The grouping must not
// change a single match: here the grouped and the plain alternation, each followed by the same rest,
// find the same matches (where and how long) in generated text, for the bundled topics and for
// keyword sets built to catch a reordering — case variants of a first letter (k, K, the Kelvin sign;
// s, ſ), a phrase and its own first word, prefixes and exact words mixed.

import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { groupedAlternation, plainAlternation } from '../src/classify/alternation.ts';
import { KEYWORD_ENDINGS, keywordPattern } from '../src/classify/topics.ts';
import { loadFeedsConfig } from '../src/config.ts';
import { random } from './helpers/random.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
/** Rests the alternation is followed by: nothing, and a word end as classify has it. */
const RESTS = ['', String.raw`(?![\p{L}\p{M}\p{N}]|['’ʼ]\p{Script=Cyrillic})`];
const SEPARATORS = [' ', ' ', ' ', '\n', ', ', '. ', '-', "'", '’', 'ʼ', '&', ' (', '\u00a0'];
const ENDS = ['', '', 's', 'es', 'ed', 'ing', 'а', 'ою', 'ів', 'ськ', 'ʼя', 'x', '7', 'ями', 'abcde'];

/** Patterns as compileTopic orders them: each keyword's, longest first. */
function patternsOf(keywords: readonly string[]): string[] {
  return keywords.map((k) => {
    const result = keywordPattern(k);
    assert.equal(result.kind, 'ok', k);
    return result.kind === 'ok' ? result.pattern : '';
  }).sort((a, b) => b.length - a.length);
}

/** Text of keywords (markers dropped, cased, cut or inflected at random), noise and separators. */
function text(keywords: readonly string[], words: number, next: () => number): string {
  const noise = ['the', 'and', 'за', 'у', 'x', 'ab', '42', 'ſ', '\u212A', 'K', 'İ', 'ß', 'ẞ', 'ї', 'Ї', 'й'];
  let out = '';
  for (let i = 0; i < words; i++) {
    if (next() < 0.5) {
      let word = keywords[Math.floor(next() * keywords.length)]!.replace(/^=|\*$/gu, '').replace(/\*(?= )|(?<= )=/gu, '');
      const r = next();
      if (r < 0.2) word = word.slice(0, Math.max(1, Math.floor(next() * word.length)));
      else if (r < 0.35) word = word.toUpperCase();
      else if (r < 0.5) word = word.toLowerCase();
      else if (r < 0.6) word = word.replace(/^k/iu, '\u212A').replace(/^s/iu, 'ſ');
      out += word + ENDS[Math.floor(next() * ENDS.length)]!;
    } else {
      out += noise[Math.floor(next() * noise.length)]!;
    }
    out += SEPARATORS[Math.floor(next() * SEPARATORS.length)]!;
  }
  return out;
}

/** Every match of `pattern` in `input` as `index:text`, by exec on the one object (a copy is compiled anew). */
function matches(pattern: string | RegExp, input: string): string[] {
  const regex = typeof pattern === 'string' ? new RegExp(pattern, 'giu') : pattern;
  const found: string[] = [];
  regex.lastIndex = 0;
  for (let m = regex.exec(input); m !== null; m = regex.exec(input)) found.push(`${m.index}:${m[0]}`);
  return found;
}

function sameMatches(keywords: readonly string[], seed: number, cases: number, rests = RESTS): void {
  const patterns = patternsOf(keywords);
  // Compiled once each: a plain alternation takes tens of milliseconds (what the grouping saves).
  const pairs = rests.map((rest) => ({
    rest,
    grouped: new RegExp(groupedAlternation(patterns, KEYWORD_ENDINGS) + rest, 'giu'),
    plain: new RegExp(plainAlternation(patterns) + rest, 'giu'),
  }));
  const next = random(seed);
  let found = 0;
  for (let i = 0; i < cases; i++) {
    const input = text(keywords, 1 + Math.floor(next() * 30), next);
    for (const { rest, grouped, plain } of pairs) {
      const want = matches(plain, input);
      assert.deepEqual(matches(grouped, input), want, `text ${JSON.stringify(input)}, rest ${JSON.stringify(rest)}`);
      found += want.length;
    }
  }
  // The comparison has matches to compare, not only empty lists.
  assert.ok(found > cases, `${found} matches in ${cases} texts`);
}

/** How often a topic's patterns end in each of KEYWORD_ENDINGS, as written. */
function endingCount(source: string): number {
  return KEYWORD_ENDINGS.reduce((n, ending) => n + source.split(ending).length - 1, 0);
}

describe('the grouped alternation', () => {
  it('finds exactly what the plain alternation finds, for every bundled topic', () => {
    const { topics } = loadFeedsConfig(join(root, 'feeds'));
    for (const [i, t] of topics.entries()) {
      // Followed by the word end only, as classify has them (the crafted set below tries both rests).
      if (t.rules.keywords.length > 0) sameMatches(t.rules.keywords, 100 + i, 60, RESTS.slice(1));
    }
  });

  it('keeps the order of branches that begin with the same letter up to case, whatever their endings', () => {
    const keywords = [
      'Kyiv', 'kyivan*', '=KYIV', 'Kherson', 'Kharkiv region', 'khar*', 'sanction', 'sanctions regime', 'ſtraße', 'straße*',
      'prime minister', 'prime*', '=prime', 'ЄС', 'Європ*', 'Європа', 'європейськ*', "прем'єр-міністр", "прем'єр*", 'дрон*', 'дрони',
      'air defence', 'air*', 'Zelensky', 'Зеленський', 'F-16', 'G7',
    ];
    sameMatches(keywords, 7, 600);
  });

  it('a phrase still wins over its own first word, as the longest-first order says', () => {
    const patterns = patternsOf(['prime', 'prime minister', 'minister']);
    const grouped = groupedAlternation(patterns, KEYWORD_ENDINGS);
    assert.deepEqual(matches(grouped, 'the Prime Minister said'), ['4:Prime Minister']);
  });

  it('shares each ending among many branches: the bundled topics write a third as many or fewer', () => {
    const { topics } = loadFeedsConfig(join(root, 'feeds'));
    let plain = 0;
    let grouped = 0;
    for (const t of topics) {
      const patterns = patternsOf(t.rules.keywords);
      plain += endingCount(plainAlternation(patterns));
      grouped += endingCount(groupedAlternation(patterns, KEYWORD_ENDINGS));
    }
    assert.ok(grouped * 3 <= plain, `${grouped} endings grouped against ${plain} plain`);
  });

  it('stays plain when a branch does not begin with a letter, mark or digit', () => {
    const patterns = ['[ab]c\\p{L}{0,4}', 'abc\\p{L}{0,4}'];
    assert.equal(groupedAlternation(patterns, KEYWORD_ENDINGS), plainAlternation(patterns));
  });
});
