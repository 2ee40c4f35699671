// Story merging on a labelled set (test/fixtures/stories/labelled.json): every same-language pair is a
// case, same-story or different-story by its label. Prints precision and recall; precision must be 100 %.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { sameStory, similarity } from '../src/stories/match.ts';
import { foldAndSign, storySignature, type StorySignature } from '../src/stories/signature.ts';

interface Labelled { id: string; story: string; lang: string; hour: number; title: string; text: string }

const { articles } = JSON.parse(readFileSync(new URL('./fixtures/stories/labelled.json', import.meta.url), 'utf8')) as { articles: Labelled[] };

function signed(a: Labelled): StorySignature {
  const signature = storySignature(a.title, a.text, a.lang);
  assert.ok(signature, `${a.id}: a signature`);
  return signature;
}

test('labelled set: precision 100 %, and recall reported', (t) => {
  const sigs = articles.map((a) => ({ a, s: signed(a) }));
  let tp = 0;
  let fp = 0;
  let fn = 0;
  const wrong: string[] = [];
  for (let i = 0; i < sigs.length; i++) {
    for (let j = i + 1; j < sigs.length; j++) {
      const x = sigs[i]!;
      const y = sigs[j]!;
      if (x.a.lang !== y.a.lang) continue;
      const same = x.a.story === y.a.story;
      const merged = sameStory(x.s, y.s);
      if (process.env.STORIES_DEBUG) t.diagnostic(`${x.a.id} ~ ${y.a.id}: ${similarity(x.s, y.s).toFixed(2)} ${merged}`);
      if (merged && same) tp++;
      else if (merged) { fp++; wrong.push(`${x.a.id} + ${y.a.id}`); }
      else if (same) fn++;
    }
  }
  const precision = tp + fp === 0 ? 1 : tp / (tp + fp);
  const recall = tp + fn === 0 ? 1 : tp / (tp + fn);
  t.diagnostic(`stories: precision ${(precision * 100).toFixed(1)} % (${tp}/${tp + fp}), recall ${(recall * 100).toFixed(1)} % (${tp}/${tp + fn})`);
  console.log(`stories: precision ${(precision * 100).toFixed(1)} %, recall ${(recall * 100).toFixed(1)} % on ${articles.length} articles`);
  assert.deepEqual(wrong, [], 'no two different stories merge');
  assert.ok(tp > 0, 'some same-story pair merges at all');
});

test('the names and numbers check refuses what word similarity alone would merge', () => {
  const byId = new Map(articles.map((a) => [a.id, signed(a)]));
  const patriot = byId.get('en-patriot-agency')!;
  const irisT = byId.get('en-iris-week-later')!;
  // Two German deliveries told in the same words: only the system, the counts and the months differ.
  assert.ok(similarity(patriot, irisT) >= 0.55, `similar words: ${similarity(patriot, irisT)}`);
  assert.equal(sameStory(patriot, irisT), false);
});

test('no signature without a language or with too few words; stories never cross languages', () => {
  assert.equal(storySignature('Patriot', 'Germany delivers', 'en'), undefined);
  assert.equal(storySignature(articles[0]!.title, articles[0]!.text, undefined), undefined);
  const en = signed(articles[0]!);
  assert.equal(sameStory(en, { ...en, lang: 'uk' }), false);
  assert.equal(sameStory(en, en), true);
  assert.equal(en.bands.length, 16);
  // The same words in another language: the same sketch, but not one band key in common.
  const uk = storySignature(articles[0]!.title, articles[0]!.text, 'uk')!;
  assert.deepEqual(uk.sketch, en.sketch);
  assert.ok(en.bands.every((b) => Number.isSafeInteger(b) && !uk.bands.includes(b)));
});

test('a signature from the folded words the worker hands on is the one the raw text gives', () => {
  for (const a of articles) {
    const folded = foldAndSign({ title: a.title, summary: '', text: a.text, language: a.lang });
    assert.deepEqual(folded.story, storySignature(a.title, a.text, a.lang), a.id);
  }
  // A long body: only its lead is read either way.
  const long = `${articles[0]!.text} ${'word '.repeat(2000)}${articles[1]!.text}`;
  const folded = foldAndSign({ title: articles[0]!.title, summary: '', text: long, language: 'en' });
  assert.deepEqual(folded.story, storySignature(articles[0]!.title, long, 'en'));
});
