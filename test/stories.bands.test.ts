// A signature's band numbers are made from the key's bytes with an MD5 written in JavaScript; they must
// stay what bandNumber (node:crypto's MD5 of the text key) gives, or stored signatures stop matching.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bandNumber, bandTexts, md5Hex, storySignature } from '../src/stories/signature.ts';
import { MD5_ONE_BLOCK, md5Prefix52 } from '../src/stories/md5.ts';

/** mulberry32: the same inputs on every run. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

test('md5Prefix52 is the first 13 hex digits of node:crypto MD5, for every length one block holds', () => {
  const next = random(5);
  const encoder = new TextEncoder();
  for (let n = 0; n < 3000; n++) {
    const length = n % (MD5_ONE_BLOCK + 1);
    let text = '';
    for (let i = 0; i < length; i++) text += String.fromCharCode(0x20 + Math.floor(next() * 95));
    const bytes = encoder.encode(text);
    assert.equal(md5Prefix52(bytes, bytes.length), Number.parseInt(md5Hex(text).slice(0, 13), 16), text);
  }
  assert.throws(() => md5Prefix52(new Uint8Array(56), 56), /do not fit one block/);
});

test('a signature\'s bands are bandNumber of its text keys, for any language tag', () => {
  const next = random(9);
  const words = ['kyiv', 'talks', 'ceasefire', 'energy', 'grid', 'repair', 'budget', 'vote', 'council', 'minister', 'port',
    'grain', 'export', 'drone', 'attack', 'city', 'school', 'shelter', 'winter', 'heating', 'україна', 'переговори'];
  // Tags the byte path takes (ASCII, up to 44 characters) and ones it leaves to the text keys.
  const languages = ['en', 'uk', 'en-GB', 'x-' + 'a'.repeat(42), 'x-' + 'a'.repeat(43), 'ÿy', 'de~1', 'zz:9'];
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
