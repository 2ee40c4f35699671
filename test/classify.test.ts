// Topic classification: keyword syntax (inflection, boundaries, exact, prefix, phrases), categories,
// source rules, explicit topics, and the bundled feeds/topics.yaml on real Ukrainian news text.

import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { KEYWORD_THRESHOLD, classify, compileTopics, TopicRuleError, type CompiledTopics } from '../src/classify/topics.ts';
import { loadFeedsConfig } from '../src/config.ts';
import type { Article, Source, Topic } from '../src/model.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const seedsDir = join(root, '..', 'shared', 'seeds');

function article(fields: Partial<Article> = {}): Article {
  return {
    id: 'urn:test:1',
    title: 'Untitled',
    url: 'https://example.org/1',
    summary: '',
    contentHtml: '',
    published: new Date('2026-03-01T00:00:00Z'),
    updated: new Date('2026-03-01T00:00:00Z'),
    authors: [],
    sourceId: 'local',
    categories: [],
    topics: [],
    enclosures: [],
    ...fields,
  };
}

function topic(id: string, rules: Partial<Topic['rules']> = {}): Topic {
  return { id, title: id, description: '', rules: { keywords: [], categories: [], sources: [], ...rules } };
}

/** Whether one keyword rule matches a title. */
function matches(keyword: string, text: string): boolean {
  const compiled = compileTopics([topic('t', { keywords: [keyword] })]);
  return classify(article({ title: text }), compiled).includes('t');
}

/** The plain-text article form: `date YYYY-MM-DD Title`, a blank line, paragraphs. */
function articleFromTextFile(path: string): { article: Article; text: string } {
  const raw = readFileSync(path, 'utf8').trim();
  const newline = raw.indexOf('\n');
  const first = raw.slice(0, newline);
  const head = /^date (\d{4}-\d{2}-\d{2}) (.+)$/.exec(first);
  assert.ok(head, `${path}: first line is not "date YYYY-MM-DD Title": ${first}`);
  const date = new Date(`${head[1]}T00:00:00Z`);
  return {
    article: article({ title: head[2] ?? '', published: date, updated: date, language: 'uk' }),
    text: raw.slice(newline + 1),
  };
}

function bundled(): CompiledTopics {
  return loadFeedsConfig(join(root, 'feeds')).compiled;
}

describe('keywords: inflection', () => {
  it('a Ukrainian noun matches its case forms (Франція → Франції, Францію, Францією)', () => {
    for (const form of ['Франція', 'Франції', 'Францію', 'Францією']) {
      assert.ok(matches('Франція', `Новини ${form} сьогодні`), form);
    }
  });

  it('a stem takes at most four more letters: Франція does not match французький', () => {
    assert.equal(matches('Франція', 'французький лідер'), false);
  });

  it('a consonant-final name keeps its whole stem (Макрон → Макрона, Макроном)', () => {
    assert.ok(matches('Макрон', 'зустріч із Макроном'));
    assert.ok(matches('Макрон', 'слова Макрона'));
    assert.ok(matches('Зеленський', 'допис Зеленського'));
  });

  it('a short stem keeps a vowel: Росія matches Росії but not росте', () => {
    assert.ok(matches('Росія', 'удари Росії'));
    assert.ok(matches('Росія', 'війна з Росією'));
    assert.equal(matches('Росія', 'ціна росте'), false);
  });

  it('English plurals and verb forms match both ways (sanction ↔ sanctions, sanctioned)', () => {
    assert.ok(matches('sanction', 'New sanctions on oil'));
    assert.ok(matches('sanction', 'Banks sanctioned'));
    assert.ok(matches('sanctions', 'a sanction regime'));
  });

  it('is case-insensitive in every script', () => {
    assert.ok(matches('україна', 'ПІДТРИМКА УКРАЇНИ'));
    assert.ok(matches('Ukraine', 'UKRAINIAN GRAIN'));
  });
});

describe('keywords: word boundaries', () => {
  it('EU matches the word EU only, not EUR or neutral', () => {
    assert.ok(matches('EU', 'The EU agreed'));
    assert.ok(matches('EU', "the EU's budget"));
    assert.equal(matches('EU', 'priced in EUR'), false);
    assert.equal(matches('EU', 'a neutral stance'), false);
    assert.equal(matches('EU', 'EUR 10'), false);
  });

  it('abbreviations match exactly: ППО, ЄС, G7, NATO', () => {
    assert.ok(matches('ППО', 'системи ППО, ракети'));
    assert.ok(matches('ППО', '(ППО)'));
    assert.ok(matches('ЄС', 'рішення ЄС'));
    assert.ok(matches('G7', 'головування в G7'));
    assert.equal(matches('G7', 'G77 countries'), false);
    assert.ok(matches('NATO', "NATO's summit"));
    assert.equal(matches('NATO', 'NATOS'), false);
  });

  it('a Ukrainian apostrophe joins a word: прем… of премія does not match прем’єр', () => {
    assert.equal(matches('премія', "прем'єр-міністр"), false);
    assert.equal(matches('премія', 'прем’єр'), false);
    assert.ok(matches('премія', 'лауреат премії'));
  });

  it('any apostrophe in a keyword matches any apostrophe in text', () => {
    assert.ok(matches("перемир'я", 'режим перемир’я'));
    assert.ok(matches("перемир'я", 'про перемирʼя'));
  });

  it('letters outside the Basic Multilingual Plane are word characters; emoji and lone surrogates are not', () => {
    assert.equal(matches('Kyiv', '𝐀Kyiv'), false);
    assert.ok(matches('Kyiv', '😀Kyiv'));
    assert.ok(matches('Kyiv', '\uD835Kyiv'));
    assert.equal(matches('Kyiv', 'Kyiv\u0301'), false, 'a combining mark continues the word');
  });

  it('a phrase match is counted once, not again for its own last word', () => {
    const compiled = compileTopics([topic('t', { keywords: ['air defence', 'defence'] })]);
    assert.deepEqual(classify(article({ contentHtml: '<p>air defence</p>' }), compiled), []);
    assert.deepEqual(classify(article({ contentHtml: '<p>air defence, defence</p>' }), compiled), ['t']);
  });
});

describe('keywords: where a match may begin', () => {
  it('a one-character keyword matches the word alone, also at the very end of the text', () => {
    assert.ok(matches('X', 'Twitter, now X'));
    assert.ok(matches('X', 'X, formerly Twitter'));
    assert.equal(matches('X', 'Xbox sales'), false);
    assert.ok(matches('X files', 'the X files return'));
  });

  it('a keyword whose second character is an apostrophe matches any apostrophe there', () => {
    assert.ok(matches("О'Ніл", 'заява О’Ніла'));
    assert.ok(matches("О'Ніл", 'заява Оʼніла'));
    assert.equal(matches("О'Ніл", 'заява Оніла'), false);
  });

  it('the first two letters compare case-insensitively, as the keyword does (two-letter words too)', () => {
    assert.ok(matches('Kyiv', 'kYIV today'));
    assert.ok(matches('AI', 'rules for ai'));
    assert.ok(matches('ЄС', 'рішення єс'));
    assert.ok(matches('AI', 'AI'));
    // Unicode case folding, like the keyword's own expression: long s is s, the Kelvin sign is k.
    assert.ok(matches('sanction', 'new ſanctions'));
    assert.ok(matches('Kyiv', '\u212Ayiv'));
  });

  it('a word start shared by many keywords of several topics finds each topic', () => {
    const compiled = compileTopics([
      topic('a', { keywords: ['defence', 'deal'] }),
      topic('b', { keywords: ['debt*'] }),
      topic('c', { keywords: ['=de'] }),
    ]);
    assert.deepEqual(classify(article({ title: 'Debts and the defence deal' }), compiled), ['a', 'b']);
    assert.deepEqual(classify(article({ title: 'de' }), compiled), ['c']);
  });
});

describe('keywords: syntax', () => {
  it('=word matches exactly', () => {
    assert.ok(matches('=Paris', 'in Paris today'));
    assert.equal(matches('=Paris', 'a Parisian cafe'), false);
    assert.ok(matches('Paris', 'a Parisian cafe'), 'the stemmed form does reach Parisian');
  });

  it('word* is a prefix of any length', () => {
    assert.ok(matches('кібер*', 'питання кібербезпеки'));
    assert.equal(matches('кібер', 'питання кібербезпеки'), false);
  });

  it('a phrase matches word by word across any whitespace', () => {
    assert.ok(matches('air defense', 'more air  defenses'));
    assert.ok(matches('air defense', 'Air\nDefense systems'));
    assert.ok(matches('коаліція охочих', 'зустріч «коаліції охочих»'));
    assert.equal(matches('air defense', 'airdefense'), false);
  });

  it('spelling variants match only when listed', () => {
    assert.equal(matches('air defense', 'air defence'), false);
    assert.ok(matches('air defen*', 'air defence'));
    assert.ok(matches('air defen*', 'air defense'));
    const both = compileTopics([topic('t', { keywords: ['air defense', 'air defence'] })]);
    assert.deepEqual(classify(article({ title: 'British air defence' }), both), ['t']);
  });

  it('hyphens and & belong to the keyword (F-16, R&D)', () => {
    assert.ok(matches('F-16', 'jets F-16 arrive'));
    assert.equal(matches('F-16', 'F-161'), false);
    assert.ok(matches('R&D', 'R&D spending'));
  });

  it('an invalid keyword stops compilation naming the topic and the keyword', () => {
    for (const bad of ['', '  ', '=', '*', '=war*', 'a*b', 'foo(', 'x|y']) {
      assert.throws(
        () => compileTopics([topic('ok'), topic('broken', { keywords: ['fine', bad] })]),
        (err: unknown) => {
          assert.ok(err instanceof TopicRuleError, `${JSON.stringify(bad)} threw ${String(err)}`);
          assert.equal(err.topicId, 'broken');
          assert.equal(err.field, 'keywords');
          assert.equal(err.index, 1);
          assert.match(err.message, /^config: topic broken: /);
          return true;
        },
      );
    }
  });
});

describe('classify', () => {
  const compiled = compileTopics([
    topic('defense', { keywords: ['ППО'], categories: ['Military'] }),
    topic('economy', { categories: ['Business'], sources: ['ft'] }),
    topic('culture', { keywords: ['музей'] }),
  ]);

  it('matches keywords in title, summary and the text of the HTML content', () => {
    assert.deepEqual(classify(article({ title: 'Нові системи ППО' }), compiled), ['defense']);
    assert.deepEqual(classify(article({ summary: 'Поставки ППО і ракет до ППО' }), compiled), ['defense']);
    assert.deepEqual(classify(article({ contentHtml: '<p>Відкрили <b>музей</b>; музей працює щодня</p>' }), compiled), ['culture']);
  });

  it(`needs ${KEYWORD_THRESHOLD} points of keyword evidence: a title mention, or two in the text`, () => {
    assert.deepEqual(classify(article({ contentHtml: '<p>Бюджет міста, а поруч згадали ППО.</p>' }), compiled), [], 'one passing mention');
    assert.deepEqual(classify(article({ contentHtml: '<p>ППО сьогодні. ППО завтра.</p>' }), compiled), ['defense']);
    assert.deepEqual(classify(article({ title: 'ППО', contentHtml: '<p>Текст.</p>' }), compiled), ['defense']);
    const derived = article({ summary: 'ППО сьогодні…', contentHtml: '<p>ППО сьогодні вночі</p>' });
    assert.deepEqual(classify(derived, compiled), [], 'a summary cut from the body does not count twice');
  });

  it('tags never glue words together, and entities are decoded', () => {
    const rd = compileTopics([topic('tech', { keywords: ['R&D'] })]);
    assert.deepEqual(classify(article({ contentHtml: '<p>R&amp;D budgets, R&amp;D staff</p>' }), rd), ['tech']);
    assert.deepEqual(classify(article({ contentHtml: '<p>ПП</p><p>О</p>' }), compiled), []);
  });

  it('uses the plain text it is given instead of the HTML', () => {
    const a = article({ contentHtml: '<p>музей</p>' });
    assert.deepEqual(classify(a, compiled, undefined, 'системи ППО, ракети для ППО'), ['defense']);
  });

  it('keeps explicit front-matter topics, known ones in configuration order, unknown ones after', () => {
    const a = article({ topics: ['sport', 'culture'], title: 'ППО' });
    assert.deepEqual(classify(a, compiled), ['defense', 'culture', 'sport']);
  });

  it('matches categories case-insensitively and exactly', () => {
    assert.deepEqual(classify(article({ categories: ['MILITARY'] }), compiled), ['defense']);
    assert.deepEqual(classify(article({ categories: [' business '] }), compiled), ['economy']);
    assert.deepEqual(classify(article({ categories: ['Military history'] }), compiled), []);
  });

  it('puts every article of a source named in a topic rule into that topic', () => {
    assert.deepEqual(classify(article({ sourceId: 'ft' }), compiled), ['economy']);
    assert.deepEqual(classify(article({ sourceId: 'other' }), compiled), []);
  });

  it("adds the source's default topics and its category mapping", () => {
    const source: Source = {
      id: 'kyiv',
      url: 'https://example.org/feed',
      topics: ['culture'],
      categoryTopics: { war: ['defense'] },
      intervalMinutes: 30,
      enabled: true,
    };
    const a = article({ sourceId: 'kyiv', categories: ['War'] });
    assert.deepEqual(classify(a, compiled, source), ['defense', 'culture']);
  });

  it('is pure: the article is not modified and repeated calls agree', () => {
    const a = article({ title: 'ППО', topics: ['culture'] });
    const first = classify(a, compiled);
    assert.deepEqual(classify(a, compiled), first);
    assert.deepEqual(a.topics, ['culture']);
  });
});

describe('bundled feeds/topics.yaml', () => {
  const required = ['diplomacy', 'defense', 'europe', 'ukraine'];
  const excluded = ['technology', 'science', 'climate', 'culture'];

  it('classifies the Ukrainian fixture (inflected forms only) as diplomacy, defense, europe, ukraine', () => {
    const dir = join(root, 'test', 'fixtures', 'content-uk');
    const files = readdirSync(dir).filter((f) => f.endsWith('.txt'));
    assert.ok(files.length > 0);
    for (const file of files) {
      const { article: a, text } = articleFromTextFile(join(dir, file));
      const topics = classify(a, bundled(), undefined, text);
      for (const id of required) assert.ok(topics.includes(id), `${file}: missing ${id} in ${topics.join(',')}`);
      for (const id of excluded) assert.ok(!topics.includes(id), `${file}: unexpected ${id}`);
    }
  });

  it(
    'classifies the seed news story the same way',
    { skip: existsSync(seedsDir) ? false : `no seed articles at ${seedsDir}` },
    () => {
      const tmp = mkdtempSync(join(tmpdir(), 'tidings-seed-'));
      try {
        const seeds = readdirSync(seedsDir).filter((f) => f.endsWith('.txt'));
        assert.ok(seeds.length > 0, 'seeds directory holds no .txt');
        for (const seed of seeds) {
          copyFileSync(join(seedsDir, seed), join(tmp, seed));
          const { article: a, text } = articleFromTextFile(join(tmp, seed));
          const topics = classify(a, bundled(), undefined, text);
          for (const id of required) assert.ok(topics.includes(id), `${seed}: missing ${id} in ${topics.join(',')}`);
          for (const id of excluded) assert.ok(!topics.includes(id), `${seed}: unexpected ${id}`);
        }
      } finally {
        rmSync(tmp, { recursive: true, force: true });
      }
    },
  );

  it('does not put an unrelated culture story into the news-desk topics', () => {
    const a = article({
      title: 'У Львові відкрили виставку графіки',
      summary: 'Музей показує роботи молодих художників.',
    });
    const topics = classify(a, bundled());
    assert.ok(topics.includes('culture'));
    for (const id of ['defense', 'diplomacy', 'economy']) assert.ok(!topics.includes(id), id);
  });
});
