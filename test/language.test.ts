// Language detection: the Ukrainian script guard, franc's guesses mapped to BCP 47, and "unknown"
// when the text is too short to tell.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { detectLanguage } from '../src/normalize/language.ts';
import { loadContentDir } from '../src/ingest/local.ts';
import { parseTextArticle } from '../src/parse/text.ts';
import { htmlToText } from '../src/normalize/html.ts';

test('Ukrainian, Russian and English prose', () => {
  assert.equal(detectLanguage('Сьогодні в Києві тепло, тож люди гуляють парками та набережною Дніпра до пізнього вечора.'), 'uk');
  assert.equal(detectLanguage('Сегодня в Москве тепло, поэтому люди гуляют по паркам и набережной до позднего вечера.'), 'ru');
  assert.equal(detectLanguage('Today it is warm in the city, so people walk in the parks and along the river until late.'), 'en');
});

test('the script guard settles short Cyrillic: і/ї/є/ґ without ы/э/ъ/ё is Ukrainian', () => {
  assert.equal(detectLanguage('Їжак і ґудзик'), 'uk');
  assert.equal(detectLanguage('Ці слова є українськими'), 'uk');
  // ё rules Ukrainian out even next to і-like letters.
  assert.notEqual(detectLanguage('Ещё один день, и всё хорошо, и мы идём домой по тёмной улице.'), 'uk');
});

test('too little text is undetermined, not guessed', () => {
  assert.equal(detectLanguage(''), undefined);
  assert.equal(detectLanguage('OK'), undefined);
  assert.equal(detectLanguage('12345 !!!'), undefined);
});

test('our own Ukrainian fixture is detected as uk, through the whole content pipeline too', async () => {
  const path = fileURLToPath(new URL('./fixtures/content/tree/kyiv-metro.txt', import.meta.url));
  const item = parseTextArticle(await readFile(path, 'utf8'), path);
  assert.equal(detectLanguage(`${item.title}\n${htmlToText(item.contentHtml ?? '')}`), 'uk');
  const dir = fileURLToPath(new URL('./fixtures/content/tree/', import.meta.url));
  const { articles } = await loadContentDir(dir, { baseUrl: 'https://tidings.example', now: new Date() });
  assert.equal(articles.find((a) => a.slug === 'kyiv-metro')?.language, 'uk');
  assert.equal(articles.find((a) => a.slug === 'city-gardens')?.language, 'en-GB', 'declared lang wins over detection');
});

test('the seed article is detected as uk (when ../shared is present)', async (t) => {
  const seeds = fileURLToPath(new URL('../../shared/seeds/', import.meta.url));
  let names: string[];
  try {
    names = (await readdir(seeds)).filter((n) => n.endsWith('.txt'));
  } catch (err) {
    t.skip(`no ../shared/seeds here: ${(err as Error).message}`);
    return;
  }
  assert.ok(names.length > 0);
  for (const name of names) {
    const text = await readFile(join(seeds, name), 'utf8');
    assert.equal(detectLanguage(text), 'uk', name);
    // The body alone, without the title line, is Ukrainian too.
    const item = parseTextArticle(text, name);
    assert.equal(detectLanguage(htmlToText(item.contentHtml ?? '')), 'uk', `${name} body`);
  }
});
