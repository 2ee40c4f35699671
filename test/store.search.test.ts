// What the index holds and what a query looks for (src/text/search.ts), the one folding both store
// backends share: the contract suite checks the results, this pins the words.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseFeedRequest } from '../src/query/feed-query.ts';
import { searchableText, searchTerms, searchText } from '../src/text/search.ts';

test('indexed text: lowercase, Latin accents off, the three apostrophes split a word alike', () => {
  assert.equal(searchText('Мʼята, м’ята і М\'ЯТА — café NAÏVE'), 'м ята м ята і м ята cafe naive');
  assert.equal(searchText('EU\'s G7-summit: 2026 <b>'), 'eu s g7 summit 2026 b');
  assert.equal(searchText('Київ їде йде'), 'київ їде йде', 'Cyrillic letters keep their marks (ї, й)');
});

test('query words: stems from four letters, whole words below or with digits, explicit * a prefix', () => {
  assert.deepEqual(searchTerms('Франція'), [{ words: ['франц'], match: 'stem' }]);
  assert.deepEqual(searchTerms('зеленського'), [{ words: ['зеленськ'], match: 'stem' }]);
  assert.deepEqual(searchTerms('sanctions'), [{ words: ['sanction'], match: 'stem' }]);
  assert.deepEqual(searchTerms('Résumés'), [{ words: ['resum'], match: 'stem' }], 'folded before it is stemmed, as the index is');
  assert.deepEqual(searchTerms('ППО G7 eu'), [
    { words: ['ппо'], match: 'word' }, { words: ['g7'], match: 'word' }, { words: ['eu'], match: 'word' }]);
  assert.deepEqual(searchTerms('пари*'), [{ words: ['пари'], match: 'prefix' }]);
  assert.deepEqual(searchTerms("прем'єра"), [{ words: ['прем', 'єр'], match: 'prefix' }], 'an apostrophe makes a phrase');
  assert.deepEqual(searchTerms('мʼяту'), searchTerms("м'яту"));
  assert.deepEqual(searchTerms('(Франції,'), [{ words: ['франц'], match: 'stem' }], 'punctuation around a word is not its ending');
  assert.deepEqual(searchTerms('" OR ('), [{ words: ['or'], match: 'word' }], 'FTS syntax is just words');
  assert.deepEqual(searchTerms('— …'), []);
});

test('indexed stems: one per distinct inflecting word, the same stem a query word gets', () => {
  const { stems } = searchableText({ title: 'Франція і Франції', summary: 'Зеленський, G7, ППО', text: 'résumés sanctioned' });
  assert.deepEqual(stems.split(' '), ['франц', 'зеленськ', 'resum', 'sanction']);
  for (const q of ['Францію', 'зеленського', 'Résumé', 'sanctions']) {
    const [term] = searchTerms(q);
    assert.ok(term && stems.split(' ').includes(term.words[0] ?? ''), `${q} finds its stem among the indexed ones`);
  }
});

test('the query step hands the store terms, and refuses a q with no word in it', () => {
  const ctx = { knownTopics: new Set(['europe']), now: new Date(Date.UTC(2026, 0, 1)) };
  const ok = parseFeedRequest('europe.rss', { q: '  Франція   ППО ' }, ctx);
  assert.equal(ok.kind, 'ok');
  if (ok.kind === 'ok') {
    assert.deepEqual(ok.request.query.terms, [{ words: ['франц'], match: 'stem' }, { words: ['ппо'], match: 'word' }]);
    assert.equal(ok.request.filterString, 'q=%D0%A4%D1%80%D0%B0%D0%BD%D1%86%D1%96%D1%8F+%D0%9F%D0%9F%D0%9E', 'the canonical q is the reader\'s text');
  }
  const bad = parseFeedRequest('europe.rss', { q: 'ʼʼ' }, ctx);
  assert.deepEqual(bad, { kind: 'bad-request', parameter: 'q', message: 'q: needs at least one letter or digit' });
});

test('an explicit prefix needs three letters before its *: a shorter one would read much of the index', () => {
  const ctx = { knownTopics: new Set(['europe']), now: new Date(Date.UTC(2026, 0, 1)) };
  for (const [q, word] of [['k*', 'k*'], ['Київ ук*', 'ук*'], ["м'*", "м'*"], ['G7*', 'G7*'], ['дрон* ab**', 'ab**']]) {
    assert.deepEqual(parseFeedRequest('europe.rss', { q }, ctx),
      { kind: 'bad-request', parameter: 'q', message: `q: a prefix needs at least 3 letters before its *: "${word}"` }, q);
  }
  for (const q of ['укр*', 'Київ дро*', 'G7s*', 'kyiv *']) assert.equal(parseFeedRequest('europe.rss', { q }, ctx).kind, 'ok', q);
});
