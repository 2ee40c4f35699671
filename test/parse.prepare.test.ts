// prepareXml hands a feed that needs no repair on as it is, without rebuilding it token by token:
// checked against that rebuild (repairXml) on generated documents and on the benchmark's feeds.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { generateFeed, RUN_TOKEN, runTag } from '../bench/feeds-gen.ts';
import { prepareXml, repairXml } from '../src/parse/xml-feed.ts';
import { random } from './helpers/random.ts';

/** Pieces that need no repair, pieces that do (entities, markup inside a container), and broken ones. */
const PIECES = [
  '<item>', '</item>', '<title>', '</title>', '<description>', '</description>', '<content:encoded>', '</content:encoded>',
  '<link href="https://a.example/?x=1&amp;y=2"/>', '<link href="https://a.example/?x=1&y=2"/>', 'plain text ', '&lt;p&gt;',
  '&amp;', '&#38;', '&#x26;', '&nbsp;', 'AT&T', '&unknown;', '<![CDATA[<p>a & b</p>]]>', '<!-- c & d -->', '<?pi x?>',
  '<p>', '</p>', '<b/>', '<summary type="xhtml">', '</summary>', '<div xmlns="http://www.w3.org/1999/xhtml">', '</div>',
  '<a x="never closed', '<!-- never closed', ' a < b ', '<t a=\'q&amp;\'>', '</t>',
];

test('prepareXml equals the token-by-token repair on generated documents', () => {
  const next = random(7);
  let unchanged = 0;
  for (let n = 0; n < 4000; n++) {
    let xml = '<rss><channel>';
    const count = 1 + Math.floor(next() * 12);
    for (let i = 0; i < count; i++) xml += PIECES[Math.floor(next() * PIECES.length)];
    const repaired = repairXml(xml);
    assert.equal(prepareXml(xml), repaired, xml);
    if (repaired === xml) unchanged++;
  }
  // Both kinds were compared: documents the repair leaves alone and ones it changes.
  assert.ok(unchanged > 400 && unchanged < 3600, `${unchanged} unchanged`);
});

test('prepareXml equals the token-by-token repair on the benchmark feeds', () => {
  for (const format of ['rss', 'atom'] as const) {
    for (const lang of ['en', 'uk'] as const) {
      const xml = generateFeed({ format, lang, items: 50, seed: 3, idPrefix: 't' }).replaceAll(RUN_TOKEN, runTag(0));
      assert.equal(prepareXml(xml), repairXml(xml), `${format}-${lang}`);
    }
  }
});
