// The item scan a re-poll relies on: where each item of an RSS, RDF or Atom document lies, found
// without parsing, and the document rebuilt with only some of them. Anything it cannot read plainly
// is left to the whole-document parse.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { itemText, splitItems, withItems } from '../src/parse/item-split.ts';
import { parseFeed } from '../src/parse/index.ts';

const RSS = `<?xml version="1.0"?>
<!-- a comment with <item>not an item</item> -->
<rss version="2.0"><channel><title>T</title>
<item><guid>a</guid><description><![CDATA[<p>a CDATA body that says </item> and <item>]]></description></item>
<item><guid>b</guid><source url="https://x.example/"><item>nested, not one</item></source></item>
<lastBuildDate>Tue, 06 Jan 2026 10:00:00 GMT</lastBuildDate>
<item/>
</channel></rss>`;

test('RSS items are found at rss > channel > item, whatever CDATA, comments and nested elements say', () => {
  const split = splitItems(RSS);
  assert.ok(split);
  assert.equal(split.items.length, 3);
  assert.match(itemText(split, 0), /^<item><guid>a<\/guid>.*<\/description><\/item>$/s);
  assert.match(itemText(split, 1), /^<item><guid>b<\/guid>.*nested, not one<\/item><\/source><\/item>$/s);
  assert.equal(itemText(split, 2), '<item/>');
});

test('withItems keeps every other byte: all items is the document, none is its frame', async () => {
  const split = splitItems(RSS);
  assert.ok(split);
  assert.equal(withItems(split, [0, 1, 2]), RSS);
  const frame = withItems(split, []);
  assert.ok(!frame.includes('<guid>'));
  assert.ok(frame.includes('<lastBuildDate>'));
  const onlyB = await parseFeed(withItems(split, [1]));
  assert.deepEqual(onlyB.items.map((i) => i.guid), ['b']);
  assert.equal(onlyB.title, 'T');
});

test('RSS 1.0 items are the root\'s children and Atom items are entries', () => {
  const rdf = `<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/">
<channel rdf:about="x"><items><rdf:Seq><rdf:li resource="a"/></rdf:Seq></items></channel>
<item rdf:about="a"><title>A</title></item></rdf:RDF>`;
  assert.deepEqual(splitItems(rdf)?.items.map((_, i) => itemText(splitItems(rdf)!, i)), ['<item rdf:about="a"><title>A</title></item>']);
  const atom = `<feed xmlns="http://www.w3.org/2005/Atom"><title>F</title><entry><id>1</id></entry><entry><id>2</id></entry></feed>`;
  assert.equal(splitItems(atom)?.items.length, 2);
});

test('what is not plainly well-nested XML of a known root is not split', () => {
  assert.equal(splitItems('{"version":"https://jsonfeed.org/version/1.1","items":[]}'), undefined, 'JSON Feed');
  assert.equal(splitItems('<!DOCTYPE rss [<!ENTITY x "y">]><rss><channel><item>&x;</item></channel></rss>'), undefined, 'a doctype');
  assert.equal(splitItems('<rss><channel><item><p>unclosed</item></channel></rss>'), undefined, 'a mismatched tag');
  assert.equal(splitItems('<rss><channel><item>truncated'), undefined, 'a truncated body');
  assert.equal(splitItems('<html><body>a page</body></html>'), undefined, 'an unknown root');
  for (const root of ['constructor', '__proto__', 'toString', 'hasOwnProperty']) {
    assert.equal(splitItems(`<${root}><item>x</item><channel><item>y</item></channel></${root}>`), undefined, `a root named ${root}`);
  }
});

test('an element named like an item, or a parent, but longer or shorter is not one', () => {
  const rss = '<rss><channel><items><item>in items</item></items><itemx>x</itemx><item>real</item></channel><channelx><item>no</item></channelx></rss>';
  const split = splitItems(rss);
  assert.ok(split);
  assert.deepEqual(split.items.map((_, i) => itemText(split, i)), ['<item>real</item>']);
  assert.equal(splitItems('<rss><channel><item>a</itemz></channel></rss>'), undefined, 'an end tag one letter longer');
  assert.equal(splitItems('<rss><channel><item>a</ite></channel></rss>'), undefined, 'an end tag one letter shorter');
});

test('every fixture feed: an item parsed alone in its frame is the item parsed in the whole document', async () => {
  const dir = new URL('./fixtures/feeds/', import.meta.url);
  let split = 0;
  for (const name of readdirSync(dir).filter((f) => f.endsWith('.xml'))) {
    const text = readFileSync(new URL(name, dir), 'utf8');
    const parts = splitItems(text);
    if (!parts) continue;
    let whole;
    try {
      whole = await parseFeed(text);
    } catch {
      continue; // not a feed the strict parser reads: re-polls parse it whole too
    }
    if (whole.recovered || whole.itemErrors.length > 0) continue;
    split++;
    assert.equal(parts.items.length, whole.items.length, `${name}: item count`);
    const { items: _frameItems, ...frame } = await parseFeed(withItems(parts, []));
    const { items: _wholeItems, ...wholeFrame } = whole;
    assert.deepEqual(frame, wholeFrame, `${name}: the frame parses to the same feed`);
    for (let i = 0; i < parts.items.length; i++) {
      assert.deepEqual((await parseFeed(withItems(parts, [i]))).items, [whole.items[i]], `${name}: item ${i}`);
    }
  }
  assert.ok(split >= 10, `only ${split} fixtures were split`);
});
