// What the index holds and what a query looks for (src/text/search.ts), the one folding both store
// backends share: the contract suite checks the results, this pins the words.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { searchTerms, searchText } from '../src/text/search.ts';

test('indexed text: lowercase, Latin accents off, the three apostrophes split a word alike', () => {
  assert.equal(searchText('Мʼята, м’ята і М\'ЯТА — café NAÏVE'), 'м ята м ята і м ята cafe naive');
  assert.equal(searchText('EU\'s G7-summit: 2026 <b>'), 'eu s g7 summit 2026 b');
  assert.equal(searchText('Київ їде йде'), 'київ їде йде', 'Cyrillic letters keep their marks (ї, й)');
});

test('query words: stemmed prefixes from four letters, whole words below or with digits, explicit *', () => {
  assert.deepEqual(searchTerms('Франція'), [{ words: ['франц'], prefix: true }]);
  assert.deepEqual(searchTerms('зеленського'), [{ words: ['зеленськ'], prefix: true }]);
  assert.deepEqual(searchTerms('sanctions'), [{ words: ['sanction'], prefix: true }]);
  assert.deepEqual(searchTerms('ППО G7 eu'), [
    { words: ['ппо'], prefix: false }, { words: ['g7'], prefix: false }, { words: ['eu'], prefix: false }]);
  assert.deepEqual(searchTerms('пари*'), [{ words: ['пари'], prefix: true }]);
  assert.deepEqual(searchTerms("прем'єра"), [{ words: ['прем', 'єр'], prefix: true }], 'an apostrophe makes a phrase');
  assert.deepEqual(searchTerms('мʼяту'), searchTerms("м'яту"));
  assert.deepEqual(searchTerms('(Франції,'), [{ words: ['франц'], prefix: true }], 'punctuation around a word is not its ending');
  assert.deepEqual(searchTerms('" OR ('), [{ words: ['or'], prefix: false }], 'FTS syntax is just words');
  assert.deepEqual(searchTerms('— …'), []);
});
