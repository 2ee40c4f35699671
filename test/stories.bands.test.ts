// A signature's band numbers are made from the key's bytes with an MD5 written in JavaScript; they must
// stay what bandNumber (node:crypto's MD5 of the text key) gives, or stored signatures stop matching.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bandNumber, bandTexts, md5Hex, storySignature } from '../src/stories/signature.ts';
import { fitsOneBlock, MD5_ONE_BLOCK, md5Prefix52 } from '../src/stories/md5.ts';
import { random } from './helpers/random.ts';

test('md5Prefix52 is the first 13 hex digits of node:crypto MD5, for every length one block holds', () => {
  const next = random(5);
  for (let n = 0; n < 3000; n++) {
    const length = n % (MD5_ONE_BLOCK + 1);
    let text = '';
    for (let i = 0; i < length; i++) text += String.fromCharCode(Math.floor(next() * 0x80));
    assert.ok(fitsOneBlock(text));
    assert.equal(md5Prefix52(text), Number.parseInt(md5Hex(text).slice(0, 13), 16), text);
  }
  assert.equal(fitsOneBlock('a'.repeat(MD5_ONE_BLOCK + 1)), false);
  assert.equal(fitsOneBlock('ÿ'), false);
  assert.throws(() => md5Prefix52('ÿ'), /not ASCII that fits one block/);
});

test('a signature\'s bands are bandNumber of its text keys, for any language tag', () => {
  const next = random(9);
  const words = ['kyiv', 'talks', 'ceasefire', 'energy', 'grid', 'repair', 'budget', 'vote', 'council', 'minister', 'port',
    'grain', 'export', 'drone', 'attack', 'city', 'school', 'shelter', 'winter', 'heating', 'україна', 'переговори'];
  // Tags whose keys md5Prefix52 takes (ASCII, short) and ones left to node:crypto (long, not ASCII).
  const languages = ['en', 'uk', 'en-GB', 'x-' + 'a'.repeat(38), 'x-' + 'a'.repeat(50), 'ÿy', 'de~1', 'zz:9'];
  let signed = 0;
  for (let n = 0; n < 400; n++) {
    let text = '';
    const count = 8 + Math.floor(next() * 60);
    for (let i = 0; i < count; i++) text += `${words[Math.floor(next() * words.length)]} `;
    const signature = storySignature('A title', text, languages[n % languages.length]);
    if (!signature) continue;
    signed++;
    assert.deepEqual(signature.bands, bandTexts(signature.lang, signature.sketch).map(bandNumber), `${signature.lang}: ${text}`);
  }
  assert.ok(signed > 300, `${signed} signed`);
});

/** The band text keys as they were first written: FNV-1a of the rows joined with commas. */
function joinedBandTexts(lang: string, sketch: readonly number[]): string[] {
  const keys: string[] = [];
  for (let band = 0; band * 4 < sketch.length; band++) {
    const text = sketch.slice(band * 4, band * 4 + 4).join(',');
    let h = 0x811c9dc5;
    for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
    keys.push(`${lang}:${band}:${(h >>> 0).toString(36)}`);
  }
  return keys;
}

test('band text keys hash each row\'s digits as join writes them, at every digit count', () => {
  // Values with 1–10 digits, zeros inside and at the ends of the low five, and the uint32 extremes.
  const edges = [0, 7, 10, 99, 100, 99_999, 100_000, 100_001, 1_000_005, 12_300_045, 999_999_999, 1_000_000_000,
    2 ** 31 - 1, 2 ** 31, 4_000_000_000, 2 ** 32 - 1];
  const next = random(13);
  for (let n = 0; n < 500; n++) {
    const sketch = Array.from({ length: 64 }, () =>
      next() < 0.5 ? edges[Math.floor(next() * edges.length)]! : Math.floor(next() * 10 ** (1 + Math.floor(next() * 9))));
    assert.deepEqual(bandTexts('uk', sketch), joinedBandTexts('uk', sketch), sketch.join(','));
  }
  // A sketch not made here (a short one, a value that is no uint32) is hashed as its text.
  const odd = [1.5, -3, 2 ** 32, Number.NaN, 5];
  assert.deepEqual(bandTexts('en', odd), joinedBandTexts('en', odd));
});
