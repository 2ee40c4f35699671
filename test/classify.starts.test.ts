// classify() tries each topic's alternation only at the words its firstWords table lets through (and
// that table is asked only for words whose first three code units can begin some first word); the
// rules themselves say a keyword matches wherever the guarded `keywords` expression does. This checks
// the two agree on generated text: the same topics as a scan of the whole text with `keywords`, for
// the bundled configuration and for keywords whose first word ends in a joiner or an apostrophe.

import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { KEYWORD_THRESHOLD, classify, compileTopics, type CompiledTopics } from '../src/classify/topics.ts';
import { loadFeedsConfig } from '../src/config.ts';
import type { Article, Topic } from '../src/model.ts';
import { random } from './helpers/random.ts';

const root = fileURLToPath(new URL('..', import.meta.url));

/**
 * classify's keyword rule as its comment states it: a scan of the whole text with `keywords`. The
 * global copies are made once per configuration, not per article: V8 compiled each new one, about
 * 1.5 s of this file's 6 s of CPU.
 */
function scanWithKeywords(compiled: CompiledTopics): (title: string, prose: string) => string[] {
  const scans = compiled.topics.map((topic) => ({ topic, all: topic.keywords && new RegExp(topic.keywords.source, 'giu') }));
  return (title, prose) => scans.flatMap(({ topic, all }) => {
    if (!topic.keywords || !all) return [];
    let score = topic.keywords.test(title) ? 2 : 0;
    if (score < KEYWORD_THRESHOLD) score += Math.min([...prose.matchAll(all)].length, KEYWORD_THRESHOLD - score);
    return score >= KEYWORD_THRESHOLD ? [topic.id] : [];
  });
}

function topicsByScan(compiled: CompiledTopics, title: string, prose: string): string[] {
  return scanWithKeywords(compiled)(title, prose);
}

function article(title: string, text: string): Article {
  return {
    id: 'urn:test:1', title, url: 'https://example.org/1', summary: '', contentHtml: `<p>${text}</p>`,
    published: new Date(0), updated: new Date(0), authors: [], sourceId: 'local', categories: [], topics: [], enclosures: [],
  };
}

const SEPARATORS = [' ', ' ', ' ', '\n', ', ', '. ', '-', "'", '’', 'ʼ', '&', '.', ' (', '"', '\u00a0'];
const NOISE = ['the', 'and', 'за', 'у', 'дані', 'x', 'ab', '42', 'ſ', '\u212A', 'K', 'İ', '𝐀', '😀', 'é', 'ß', 'ї', 'Ї', 'й'];
const ENDINGS = ['', '', 's', 'es', 'ed', 'ing', 'а', 'ою', 'ів', 'ськ', 'ʼя', 'x', '7', 'ями', 'abcde'];

/** A keyword of `keywords` (markers dropped), cut short, inflected or cased at random. */
function variant(keywords: readonly string[], next: () => number): string {
  let word = keywords[Math.floor(next() * keywords.length)]!.replace(/^=|\*$/gu, '');
  const r = next();
  if (r < 0.2) word = word.slice(0, Math.max(1, Math.floor(next() * word.length)));
  else if (r < 0.3) word = word.toUpperCase();
  else if (r < 0.4) word = word.toLowerCase();
  else if (r < 0.5) word = word.replace(/'/gu, '’');
  return word + ENDINGS[Math.floor(next() * ENDINGS.length)]!;
}

function text(keywords: readonly string[], words: number, next: () => number): string {
  let out = '';
  for (let i = 0; i < words; i++) {
    out += next() < 0.4 ? variant(keywords, next) : NOISE[Math.floor(next() * NOISE.length)]!;
    out += SEPARATORS[Math.floor(next() * SEPARATORS.length)]!;
  }
  return out;
}

function agreesOnGeneratedText(compiled: CompiledTopics, keywords: readonly string[], seed: number, cases: number): void {
  const next = random(seed);
  const scan = scanWithKeywords(compiled);
  let classified = 0;
  for (let i = 0; i < cases; i++) {
    const title = text(keywords, 1 + Math.floor(next() * 6), next);
    const prose = text(keywords, Math.floor(next() * 40), next);
    const got = classify(article(title, prose), compiled, undefined, prose);
    assert.deepEqual(got, scan(title, prose), `title ${JSON.stringify(title)}, text ${JSON.stringify(prose)}`);
    if (got.length > 0) classified++;
  }
  // Most generated articles name some keyword, but not all: both outcomes are compared.
  assert.ok(classified > cases / 4 && classified < cases, `${classified} of ${cases} classified`);
}

function topic(id: string, keywords: string[]): Topic {
  return { id, title: id, description: '', rules: { keywords, categories: [], sources: [] } };
}

describe('classify against a scan of the whole text with `keywords`', () => {
  it('agrees for the bundled feeds/topics.yaml', () => {
    const { compiled, topics } = loadFeedsConfig(join(root, 'feeds'));
    agreesOnGeneratedText(compiled, topics.flatMap((t) => t.rules.keywords), 1, 3000);
  });

  it('agrees for first words cut by a joiner or an apostrophe, one-letter words and prefixes', () => {
    // One topic per keyword, so that no other keyword's match hides one the table turned away.
    const keywords = [
      "О'Ніл", 'X', 'X files', 'мʼята', "прем'єр-міністр", 'R&D', 'F-16', 'G.7', "EU's", 'ʼабв',
      'дрон*', '=de', 'de*', 'sanction', 'Kyiv', 'İstanbul', 'straße', '𝐀lpha', 'ab', 'air defence', 'ЄС', 'Ї*',
    ];
    const compiled = compileTopics(keywords.map((k, i) => topic(`t${i}`, [k])));
    agreesOnGeneratedText(compiled, keywords, 2, 3000);
  });

  it('lets through every beginning the alternation accepts case-insensitively', () => {
    // Kelvin sign K and long s fold to k and s; a title word of one letter, an astral first letter.
    const keywords = ['Kyiv', 'sanction', 'İstanbul', 'X', '𝐀lpha', 'ЇЖАК'];
    const compiled = compileTopics(keywords.map((k, i) => topic(`t${i}`, [k])));
    const titles = ['\u212Ayiv', 'KYIV', 'ſanctions', 'SANCTIONED', 'İstanbul', 'istanbul', 'x', 'X-ray', '𝐀lphabet', 'їжак', 'Їжака'];
    for (const title of titles) {
      assert.deepEqual(classify(article(title, ''), compiled, undefined, ''), topicsByScan(compiled, title, ''), title);
    }
    assert.deepEqual(classify(article('\u212Ayiv', ''), compiled, undefined, ''), ['t0']);
    assert.deepEqual(classify(article('ſanctions', ''), compiled, undefined, ''), ['t1']);
  });

  it('finds a keyword that the generated text is sure to hold', () => {
    // Guards the comparison itself: the generator does produce matches the scan finds.
    const compiled = compileTopics([topic('t', ["О'Ніл", 'F-16'])]);
    assert.deepEqual(topicsByScan(compiled, 'заява Оʼніла', ''), ['t']);
    assert.deepEqual(classify(article('заява Оʼніла', ''), compiled, undefined, ''), ['t']);
    assert.deepEqual(classify(article('F-16 arrive', ''), compiled, undefined, ''), ['t']);
    assert.deepEqual(classify(article('F-16s arrive', ''), compiled, undefined, ''), []);
  });
});
