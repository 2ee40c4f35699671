// What the index holds and what a query looks for (src/text/search.ts), the one folding both store
// backends share: the contract suite checks the results, this pins the words.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseFeedRequest } from '../src/query/feed-query.ts';
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

test('the query step hands the store terms, and refuses a q with no word in it', () => {
  const ctx = { knownTopics: new Set(['europe']), now: new Date(Date.UTC(2026, 0, 1)) };
  const ok = parseFeedRequest('europe.rss', { q: '  Франція   ППО ' }, ctx);
  assert.equal(ok.kind, 'ok');
  if (ok.kind === 'ok') {
    assert.deepEqual(ok.request.query.terms, [{ words: ['франц'], prefix: true }, { words: ['ппо'], prefix: false }]);
    assert.equal(ok.request.filterString, 'q=%D0%A4%D1%80%D0%B0%D0%BD%D1%86%D1%96%D1%8F+%D0%9F%D0%9F%D0%9E', 'the canonical q is the reader\'s text');
  }
  const bad = parseFeedRequest('europe.rss', { q: 'ʼʼ' }, ctx);
  assert.deepEqual(bad, { kind: 'bad-request', parameter: 'q', message: 'q: needs at least one letter or digit' });
});
