// The bundled topic rules (feeds/topics.yaml) on the bundled articles (content/): every article gets
// the topics a reader of it would file it under, and nothing else. Expectations were written from
// reading each article, not from the classifier's output: `core` is what the article is about; `also`
// lists secondary topics the text gives real weight to, which the rules may or may not pick up.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { classify, type CompiledTopics } from '../src/classify/topics.ts';
import { loadFeedsConfig } from '../src/config.ts';
import { loadContentDir } from '../src/ingest/local.ts';
import type { Article } from '../src/model.ts';

const root = fileURLToPath(new URL('..', import.meta.url));

interface Expected {
  core: string[];
  also: string[];
}

const EXPECTED: Record<string, Expected> = {
  // A heatwave over Spain, Italy and Greece and its strain on power grids; two scientists are quoted.
  'heatwave-southern-europe': { core: ['europe', 'climate'], also: ['science', 'economy'] },
  // A film festival in Odesa; a paragraph on European funds and co-productions with EU countries.
  'odesa-film-festival': { core: ['ukraine', 'culture'], also: ['europe'] },
  // Germany and Ukraine agree to build air defence missiles together.
  'air-defence-production-germany': { core: ['ukraine', 'europe', 'defense'], also: ['diplomacy', 'economy'] },
  // Ukraine's R&D spending below 1 % of GDP; Horizon Europe grants; software and defence firms.
  'rd-spending-below-one-percent': { core: ['ukraine', 'economy', 'science'], also: ['europe', 'technology'] },
  // EU accession clusters for Ukraine and Moldova: governments, legislation, the internal market.
  'enlargement-talks-clusters': { core: ['ukraine', 'europe', 'diplomacy'], also: ['politics', 'economy'] },
  // Lviv residents vote on the participatory budget; the council's opposition; local democracy.
  'lviv-participatory-budget': { core: ['ukraine', 'politics'], also: ['economy'] },
  // Water vapour in an exoplanet's atmosphere, seen by the James Webb Space Telescope.
  'exoplanet-water-vapour': { core: ['science'], also: [] },
  // An advanced chip packaging plant in Saxony under the European Chips Act; state aid, jobs.
  'chip-packaging-plant': { core: ['europe', 'technology'], also: ['economy'] },
  // Foreign ministers of Poland, Germany and France with Ukraine in Warsaw: energy aid and sanctions.
  'varshava-ministry-zakordonnykh-sprav': { core: ['ukraine', 'europe', 'diplomacy'], also: ['economy'] },
  // The National Bank keeps its key rate and raises its inflation forecast.
  'nbu-oblikova-stavka': { core: ['economy'], also: ['ukraine'] },
  // Drought in southern Ukraine: lost harvests, climate adaptation; university scientists advise farmers.
  'posukha-na-pivdni': { core: ['climate'], also: ['ukraine', 'economy', 'science'] },
  // An exhibition of 20th-century Ukrainian graphic art at Kyiv's Mystetskyi Arsenal.
  'arsenal-vystavka-grafiky': { core: ['culture'], also: ['ukraine'] },
  // Ukrainian scientists at the Vernadsky station record the smallest sea ice on record.
  'stantsiia-vernadskyi': { core: ['science', 'climate'], also: ['ukraine'] },
  // Makers of interceptor drones form a consortium; "перші партії" are the first batches, not parties.
  'drony-perekhoplyuvachi': { core: ['defense'], also: ['ukraine', 'economy', 'technology'] },
  // The Verkhovna Rada passes a bill on village heads in its first reading.
  'rada-misceve-samovriaduvannia': { core: ['ukraine', 'politics'], also: [] },
  // Ukrainian AI start-ups raise record venture investment.
  'startapy-shi-investytsii': { core: ['technology', 'economy'], also: ['ukraine'] },
};

async function bundled(): Promise<{ compiled: CompiledTopics; articles: Article[] }> {
  const { compiled } = loadFeedsConfig(join(root, 'feeds'));
  const { articles, errors } = await loadContentDir(join(root, 'content'), { now: new Date('2026-12-01T00:00:00Z'), baseUrl: 'https://tidings.test' });
  assert.deepEqual(errors, [], 'every bundled article loads');
  return { compiled, articles };
}

test('every bundled article is filed under its own topics and no others', async () => {
  const { compiled, articles } = await bundled();
  assert.deepEqual(articles.map((a) => a.slug).sort(), Object.keys(EXPECTED).sort(), 'an expectation for every article in content/');
  for (const article of articles) {
    const expected = EXPECTED[article.slug ?? ''];
    assert.ok(expected);
    const topics = classify(article, compiled);
    for (const id of expected.core) assert.ok(topics.includes(id), `${article.slug}: missing ${id} (got ${topics.join(', ')})`);
    const allowed = new Set([...expected.core, ...expected.also]);
    const stray = topics.filter((id) => !allowed.has(id));
    assert.deepEqual(stray, [], `${article.slug}: mis-filed under ${stray.join(', ')}`);
  }
});

/** A one-paragraph article with the given title and text, classified by the bundled rules. */
function topicsOf(compiled: CompiledTopics, title: string, text: string): string[] {
  const article: Article = {
    id: 'urn:test:1', title, url: 'https://x.test/1', summary: '', contentHtml: `<p>${text}</p>`,
    published: new Date(0), updated: new Date(0), authors: [], sourceId: 'local', categories: [], topics: [], enclosures: [],
  };
  return classify(article, compiled, undefined, text);
}

test('words that share a keyword’s stem or spelling but not its meaning file nothing', async () => {
  const { compiled } = await bundled();
  const cases: Array<[string, string, string]> = [
    ['politics', 'Перші партії дронів передали військовим', 'Наступні партії обладнання прибудуть навесні, а ще дві партії — влітку.'],
    ['politics', 'Українка виборола золото чемпіонату', 'Вона виборола перемогу у фіналі, а подруга виборола бронзу.'],
    ['defense', 'Лікарі попереджають про тепловий удар', 'Сонячний удар і тепловий удар небезпечні для дітей; ударник гурту зомлів на сцені.'],
    ['defense', 'Нова ракетка для тенісу', 'Тенісистка змінила ракетку; ракетки подорожчали.'],
    ['defense', 'Танкер тіньового флоту затримали', 'Танкер і ще два танкери стоять у порту; фронтмен гурту заспівав на причалі.'],
    ['defense', 'Shellfish prices rise', 'Shell and other firms sold shellfish; the shells piled up.'],
    ['ukraine', 'Кримінал у великому місті', 'Поліція бореться з криміналом, кримінал не відступає.'],
    ['diplomacy', 'Як посолити сало', 'Посолити сало просто: візитка кухаря лежить на столі, візитки роздають гостям.'],
    ['climate', 'The solar system’s oldest comet', 'A solar flare and the solar wind shaped the solar system, astronomers say.'],
    ['science', 'Physical therapy after a fall', 'Physical exercise and physical rest both help, doctors say.'],
    ['technology', 'Techno night at the old factory', 'Techno fans filled the hall; techno DJs played till dawn.'],
    ['economy', 'Where to spend the weekend', 'Spend a day in the hills, then spend the evening by the lake.'],
  ];
  for (const [topic, title, text] of cases) {
    assert.ok(!topicsOf(compiled, title, text).includes(topic), `${title}: filed under ${topic}`);
  }
});

test('the narrowed rules still catch what they are for', async () => {
  const { compiled } = await bundled();
  const cases: Array<[string, string, string]> = [
    ['politics', 'Партійні списки на виборах', 'Фракції парламенту домовилися.'],
    ['politics', 'Дострокові вибори', 'Кандидати готуються до виборів.'],
    ['defense', 'Масований удар по енергетиці', 'Росія випустила ракети й дрони; ракетами уражено підстанції.'],
    ['defense', 'Бої на фронті', 'Танки й артилерія на фронті; фронтові підрозділи тримають оборону.'],
    ['defense', 'Shelling of the city continued', 'Houses were shelled overnight.'],
    ['ukraine', 'Новини Криму', 'У Криму і в кримських містах пройшли обшуки.'],
    ['diplomacy', 'Візит посла до Києва', 'Під час візиту посол зустрівся з міністром.'],
    ['climate', 'Solar power breaks a record', 'Solar panels and a new solar farm added capacity.'],
    ['science', 'Physics prize for a Kyiv team', 'The physicist thanked her physics teachers.'],
    ['technology', 'Tech firms hire again', 'Big tech is back.'],
    ['economy', 'Defence spending rises', 'Public spending on roads fell.'],
  ];
  for (const [topic, title, text] of cases) {
    assert.ok(topicsOf(compiled, title, text).includes(topic), `${title}: not filed under ${topic}`);
  }
});
