// The ingest worker's folding (foldArticle, one WordStems and StemHashes per feed job) against the
// functions it replaced, kept here as they were: the same search fields and the same story signatures,
// bit for bit, so stored articles keep matching new ones.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { bandNumber, bandTexts, StemHashes, storySignature, storySignatureOfWords } from '../src/stories/signature.ts';
import { foldArticle, MAX_INDEXED_CHARS, searchableText, searchStems, searchWords, WordStems } from '../src/text/search.ts';
import { MIN_STEM, searchStem, stem } from '../src/text/stem.ts';

// --- The replaced code, verbatim in behaviour -------------------------------------------------

const WORD = /(?:(?!['’ʼ])[\p{L}\p{M}\p{N}])+/gu;
function oldSearchWords(text: string): string[] {
  const words = text.slice(0, MAX_INDEXED_CHARS).normalize('NFC').toLowerCase().match(WORD) ?? [];
  return words.map((word) => {
    if (!/[^\u0000-\u007f]/.test(word)) return word;
    return /\p{Script=Latin}/u.test(word) ? word.normalize('NFD').replace(/\p{M}/gu, '').normalize('NFC') : word;
  });
}
function oldInflects(letters: string): boolean {
  if (letters.length < MIN_STEM) return false;
  if (letters.length < 2 * MIN_STEM && [...letters].length < MIN_STEM) return false;
  return !/\p{N}/u.test(letters);
}
function oldSearchStems(folded: readonly string[]): string {
  const seen = new Set<string>();
  const stems = new Set<string>();
  for (const field of folded) {
    for (const word of field === '' ? [] : field.split(' ')) {
      if (seen.has(word)) continue;
      seen.add(word);
      if (oldInflects(word)) stems.add(searchStem(word));
    }
  }
  return [...stems].join(' ');
}
function oldMix32(x: number): number {
  let h = x >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}
function oldFnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h >>> 0;
}
const OLD_SEEDS = Uint32Array.from({ length: 64 }, (_, i) => oldMix32(0x9e3779b9 + Math.imul(i + 1, 0x7f4a7c15)));
function oldSketch(title: string, text: string): number[] | undefined {
  const words = oldSearchWords(`${title}\n${text}`).slice(0, 400);
  const stems = new Set([...new Set(words.filter((w) => w.length > 2 && !/^\d+$/.test(w)))].map(stem));
  if (stems.size < 8) return undefined;
  const sketch = new Uint32Array(64).fill(0xffffffff);
  for (const shingle of stems) {
    const base = oldFnv1a(shingle);
    for (let i = 0; i < 64; i++) {
      const h = oldMix32(base ^ OLD_SEEDS[i]!);
      if (h < sketch[i]!) sketch[i] = h;
    }
  }
  return Array.from(sketch);
}

function oldNumbers(text: string): string[] {
  const found = text.match(/\d[\d,.\u00a0 ]*\d|\d/g) ?? [];
  return [...new Set(found.map((n) => n.replace(/[,.\u00a0 ]/g, '')))].sort();
}

// --- Fixtures ------------------------------------------------------------------------------------

interface Text { title: string; summary: string; text: string; lang: string }
const { articles: labelled } = JSON.parse(readFileSync(new URL('./fixtures/stories/labelled.json', import.meta.url), 'utf8')) as {
  articles: { title: string; text: string; lang: string }[];
};
const OWN: Text[] = [
  { lang: 'en', title: 'Café owners in São Paulo back the EU’s G7-summit plan', summary: 'NAÏVE résumés, 30,000 jobs & 2026 targets…', text: 'Sanctioned exporters said the sanctions were “naïve”. EU\'s ministers met in Brussels on 12.03.2026 with 1 500 delegates; rock\'n\'roll, e-mail, co-operation, Ångström, Œuvre, ﬁne ligatures, İstanbul, ΣΊΣΥΦΟΣ, 𝐁𝐨𝐥𝐝 math letters and 😀 emoji. Tracking tracked trackers tracks.' },
  { lang: 'uk', title: 'Зеленський і Макрон обговорили ППО для Харкова', summary: 'Прем\'єр-міністр, м’ята, мʼята і М\'ЯТА — у Києві та Франції', text: 'Президент Зеленський зустрівся з Макроном у Парижі. Франція передасть системи ППО, зокрема Patriot і SAMP/T, до 2026 року: 30 000 снарядів. Зеленського підтримали в Європарламенті; українці, українська, Україна, Україною. Сім\'я, подвір\'я, пір\'я. Й ї є ґ Ґанок.' },
  { lang: 'uk', title: 'Ціни на пальне: що зміниться з 1 квітня 2026 7', summary: '', text: '8 Уряд ухвалив рішення 1,5 млн. Ціни на бензин А-95 зростуть на 2,5 грн. Експерти кажуть, що ціни стабілізуються до літа, а дизельне пальне подешевшає. Водії, водіїв, водіям, водіями.' },
  { lang: 'en', title: 'A', summary: 'x', text: '' },
  { lang: 'en-GB', title: '', summary: '', text: 'one two three four five six seven eight nine ten eleven twelve'.repeat(60) },
  { lang: 'uk', title: 'Lone \ud800 surrogate and combining e\u0301 and decomposed Cafe\u0301', summary: '\u0000 control', text: 'ÅSTRÖM and Åström and A\u030astro\u0308m are one word; дерев\u0027яний, 2024-й, 5G, COVID-19.' },
];
const TEXTS: Text[] = [...OWN, ...labelled.map((a) => ({ title: a.title, summary: '', text: a.text, lang: a.lang }))];

// --- Tests ---------------------------------------------------------------------------------------

test('searchWords gives the words the Unicode pattern gave', () => {
  for (const t of TEXTS) {
    for (const field of [t.title, t.summary, t.text, `${t.title}\n${t.text}`]) assert.deepEqual(searchWords(field), oldSearchWords(field), field);
  }
  const long = 'слово word '.repeat(20_000);
  assert.deepEqual(searchWords(long), oldSearchWords(long), 'cut at MAX_INDEXED_CHARS alike');
});

test('foldArticle through one shared WordStems gives the fields and stems each article gave alone', () => {
  const stems = new WordStems();
  for (const t of [...TEXTS, ...TEXTS]) {
    const { searchable } = foldArticle(t, stems);
    const title = oldSearchWords(t.title).join(' ');
    const summary = oldSearchWords(t.summary).join(' ');
    const text = oldSearchWords(t.text).join(' ');
    assert.deepEqual(searchable, { title, summary, text, stems: oldSearchStems([title, summary, text]) }, t.title);
    assert.deepEqual(searchableText(t), searchable);
    assert.equal(searchStems([title, summary, text]), searchable.stems);
  }
});

test('story signatures from the handed-on words equal the old ones, sketch and bands bit for bit', () => {
  const stems = new WordStems();
  const hashes = new StemHashes();
  let signed = 0;
  for (const t of [...TEXTS, ...TEXTS]) {
    const { words } = foldArticle(t, stems);
    const sketch = oldSketch(t.title, t.text);
    const fromWords = storySignatureOfWords(t.title, t.text, t.lang, words, stems, hashes);
    assert.deepEqual(fromWords?.sketch, sketch, t.title);
    assert.deepEqual(storySignature(t.title, t.text, t.lang)?.sketch, sketch, t.title);
    if (sketch === undefined) continue;
    signed++;
    const lang = t.lang.toLowerCase().split('-')[0]!;
    // Band keys as signatures stored before band numbers hold them, then numbered by MD5.
    const oldBands = Array.from({ length: 16 }, (_, band) => `${lang}:${band}:${oldFnv1a(sketch.slice(band * 4, band * 4 + 4).join(',')).toString(36)}`);
    assert.deepEqual(bandTexts(lang, sketch), oldBands);
    assert.deepEqual(fromWords?.bands, oldBands.map(bandNumber));
    assert.deepEqual(fromWords?.numbers, oldNumbers(`${t.title}\n${t.text}`), t.title);
    assert.deepEqual(fromWords, storySignature(t.title, t.text, t.lang));
  }
  assert.ok(signed >= TEXTS.length, `most fixtures have a signature (${signed})`);
});
