// Deterministic RSS 2.0 and Atom 1.0 feed texts for bench:ingest, in English and Ukrainian: news-like
// titles, 1–2 KB HTML bodies (links, emphasis, images, a stray script and tracking pixel to sanitize),
// categories, authors and dates. Same seed, same bytes; nothing here is Tidings code.

import { prng } from './dataset.ts';

export type GenFormat = 'rss' | 'atom';
export type GenLang = 'en' | 'uk';

export interface FeedSpec {
  format: GenFormat;
  lang: GenLang;
  items: number;
  seed: number;
  /** Goes into every guid and link, so one template yields distinct articles per run (see RUN_TOKEN). */
  idPrefix: string;
  /** Host of the generated site, e.g. `news-17.example`. */
  host?: string;
}

/**
 * Placeholder a template carries in every guid and link. Replacing it with an equally long tag
 * (runTag) gives a new set of ids while the rest of the bytes stay the same.
 */
export const RUN_TOKEN = '@@RUN@@';
/**
 * A generated text as a fetched body reaches the parsers: decoded from bytes into one flat string.
 * Texts made with replaceAll are ropes of pieces that the first read flattens (about 1.3 ms for a
 * 136 KB feed), which a bench would time as the parser's work.
 */
export function asFetched(text: string): string {
  return Buffer.from(text, 'utf8').toString('utf8');
}

export function runTag(n: number): string {
  return `r${String(n).padStart(RUN_TOKEN.length - 1, '0')}`;
}

/** Words about one subject: an item mostly talks about one theme, as real news does. */
interface Theme {
  subjects: readonly string[];
  objects: readonly string[];
  /** The section the publisher files it under. */
  category: string;
}

interface Vocabulary {
  /** One per topic of feeds/topics.yaml, so classification has real work and real misses. */
  themes: readonly Theme[];
  /** Sentences that name no topic keyword. */
  neutralSubjects: readonly string[];
  neutralObjects: readonly string[];
  verbs: readonly string[];
  tails: readonly string[];
  titleLeads: readonly string[];
  extraCategories: readonly string[];
  authors: readonly string[];
  linkWords: readonly string[];
  quoteLeads: readonly string[];
  feedTitle: string;
  feedDescription: string;
  readMore: string;
  /** Syllables and endings of made-up place names, so each item names a place no other item does. */
  syllables: readonly string[];
  placeEndings: readonly string[];
  /** How a sentence names the item's place and one of its figures. */
  factPhrase: (place: string, names: [string, string, string], figure: string) => string;
  /** Joins a sentence's clause of common words to the rest (`, with`; ` — `). */
  clauseLead: string;
}

const EN: Vocabulary = {
  themes: [
    { category: 'Ukraine', subjects: ['Officials in Kyiv', 'Residents of Kharkiv', 'Volunteers in Odesa'],
      objects: ['repairs to bridges across the Dnipro', 'a reconstruction plan for Kherson', 'new shelters in Lviv schools', 'the return of displaced families to Zaporizhzhia'] },
    { category: 'Europe', subjects: ['European Union ministers', 'The European Commission', 'Leaders in Berlin and Paris'],
      objects: ['the accession talks in Brussels', 'a common asylum policy for Europe', 'German and Polish border checks', 'the next European Parliament session'] },
    { category: 'World', subjects: ['Diplomats', 'The foreign minister', 'Envoys at the United Nations'],
      objects: ['a new package of sanctions', 'talks on a ceasefire', 'security guarantees for the region', 'a bilateral agreement on transit'] },
    { category: 'Defense', subjects: ['Military commanders', 'The defence minister', 'NATO planners'],
      objects: ['deliveries of air defence systems', 'a contract for artillery ammunition', 'training for drone operators', 'the repair of damaged missile launchers'] },
    { category: 'Politics', subjects: ['Lawmakers', 'Opposition parties', 'The prime minister'],
      objects: ['the timetable for the next election', 'a bill on local government reform', 'a referendum on the new constitution', 'rules for parliamentary committees'] },
    { category: 'Business', subjects: ['The central bank', 'Economists', 'Exporters'],
      objects: ['inflation forecasts for next year', 'a loan from the IMF', 'tariffs on steel imports', 'the budget deficit and public debt'] },
    { category: 'Technology', subjects: ['Software developers', 'A young startup', 'Engineers at a chipmaker'],
      objects: ['new rules for artificial intelligence', 'a smartphone app for veterans', 'a data centre powered by hydro', 'a cybersecurity audit of state registries'] },
    { category: 'Science', subjects: ['Researchers at the university', 'Astronomers', 'A team of biologists'],
      objects: ['the results of a vaccine trial', 'images from a space telescope', 'a peer-reviewed study of soil bacteria', 'a new laboratory for physics students'] },
    { category: 'Environment', subjects: ['Climate scientists', 'Farmers in the south', 'Energy companies'],
      objects: ['a plan to cut carbon emissions by 2030', 'a report on wildfires and heatwaves', 'a wind farm on the coast', 'the damage from spring floods'] },
    { category: 'Arts', subjects: ['Museum curators', 'Film directors', 'Organisers of the festival'],
      objects: ['an exhibition of contemporary painting', 'a festival of independent cinema', 'a new translation of classic literature', 'a concert in the reopened theatre'] },
  ],
  neutralSubjects: ['Local residents', 'Analysts', 'Spokespeople', 'Several experts', 'Critics', 'Journalists', 'Community leaders'],
  neutralObjects: ['the proposal', 'the latest figures', 'a long-awaited report', 'the new schedule', 'the details of the plan', 'the decision', 'the costs involved'],
  verbs: [
    'announced', 'debated', 'approved', 'criticised', 'postponed', 'unveiled', 'reviewed', 'welcomed', 'questioned',
    'presented', 'rejected', 'signed', 'discussed', 'published', 'defended',
  ],
  tails: [
    'on Tuesday', 'after weeks of talks', 'despite objections from critics', 'according to officials',
    'in a statement published online', 'at a press conference', 'earlier this month', 'for the second time this year',
    'amid growing public pressure', 'without giving further details',
  ],
  titleLeads: ['Update:', 'Analysis:', 'Explainer:', 'Live:', 'Opinion:', '', '', '', '', ''],
  extraCategories: ['News', 'Top stories', 'Features', 'Regions'],
  authors: ['Olena Kovalenko', 'James Whitfield', 'Maria Schmidt', 'Taras Melnyk', 'Sophie Laurent', 'Andriy Bondar', 'Emily Carter'],
  linkWords: ['the full report', 'an earlier article', 'official data', 'the statement', 'our live coverage'],
  quoteLeads: ['“We cannot wait any longer,” said one participant.', '“This is a decisive moment,” a spokesperson told reporters.'],
  feedTitle: 'Bench News',
  feedDescription: 'News, analysis and features',
  readMore: 'Read more',
  syllables: ['ka', 'ro', 'vel', 'mi', 'tan', 'dor', 'sel', 'bri', 'lo', 'nav', 'ter', 'gu', 'pel', 'zo', 'rin', 'mar'],
  placeEndings: ['ovo', 'ville', 'ka', 'sk', 'ton'],
  factPhrase: (place, [a, b, c], figure) => `in ${place}, with ${a}, ${b} and ${c}, citing ${figure} cases`,
  clauseLead: ', with',
};

const UK: Vocabulary = {
  themes: [
    { category: 'Україна', subjects: ['Посадовці в Києві', 'Мешканці Харкова', 'Волонтери Одеси'],
      objects: ['ремонт мостів через Дніпро', 'план відновлення Херсона', 'нові укриття у школах Львова', 'повернення переселенців до Запоріжжя'] },
    { category: 'Європа', subjects: ['Міністри Європейського Союзу', 'Представники Єврокомісії', 'Лідери Німеччини та Франції'],
      objects: ['переговори про вступ до ЄС', 'спільну міграційну політику Європи', 'прикордонний контроль Польщі', 'наступну сесію Європарламенту'] },
    { category: 'Світ', subjects: ['Дипломати', 'Міністр закордонних справ', 'Посли країн G7'],
      objects: ['новий пакет санкцій', "переговори про перемир'я", 'гарантії безпеки для регіону', 'двосторонню угоду про транзит'] },
    { category: 'Оборона', subjects: ['Командири ЗСУ', 'Посадовці Міноборони', 'Планувальники НАТО'],
      objects: ['постачання систем ППО', 'контракт на артилерійські боєприпаси', 'навчання операторів дронів', 'ремонт пошкоджених ракетних установок'] },
    { category: 'Політика', subjects: ['Народні депутати', 'Опозиційні партії', "Прем'єр-міністр"],
      objects: ['графік наступних виборів', 'законопроєкт про реформу місцевого самоврядування', 'референдум щодо нової конституції', 'правила роботи парламентських комітетів'] },
    { category: 'Бізнес', subjects: ['Члени правління Нацбанку', 'Економісти', 'Експортери'],
      objects: ['прогноз інфляції на наступний рік', 'кредит МВФ', 'мита на імпорт сталі', 'дефіцит бюджету та державний борг'] },
    { category: 'Технології', subjects: ['Розробники програмного забезпечення', 'Молодий стартап', 'Інженери виробника мікросхем'],
      objects: ['нові правила для штучного інтелекту', 'цифрові послуги для ветеранів', 'дата-центр на гідроенергії', 'аудит кібербезпеки державних реєстрів'] },
    { category: 'Наука', subjects: ['Науковці університету', 'Астрономи', 'Група біологів'],
      objects: ['результати випробувань вакцини', 'знімки космічного телескопа', 'дослідження ґрунтових бактерій', 'нову лабораторію для студентів-фізиків'] },
    { category: 'Довкілля', subjects: ['Кліматологи', 'Фермери півдня', 'Енергетичні компанії'],
      objects: ['план скорочення викидів до 2030 року', 'звіт про лісові пожежі та спеку', 'вітрову електростанцію на узбережжі', 'збитки від весняної повені'] },
    { category: 'Культура', subjects: ['Працівники музеїв', 'Кінорежисери', 'Організатори фестивалю'],
      objects: ['виставку сучасного живопису', 'фестиваль незалежного кіно', 'новий переклад класичної літератури', 'концерт у відновленому театрі'] },
  ],
  neutralSubjects: ['Місцеві мешканці', 'Аналітики', 'Речники', 'Кілька експертів', 'Критики', 'Журналісти', 'Громадські активісти'],
  neutralObjects: ['цю пропозицію', 'останні дані', 'довгоочікуваний звіт', 'новий розклад', 'подробиці плану', 'це рішення', "пов'язані витрати"],
  verbs: [
    'оголосили', 'обговорили', 'схвалили', 'розкритикували', 'відклали', 'представили', 'переглянули', 'привітали',
    'поставили під сумнів', 'підписали', 'відхилили', 'оприлюднили', 'захистили', 'проаналізували', 'підтримали',
  ],
  tails: [
    'у вівторок', 'після тижнів обговорень', 'попри заперечення критиків', 'за словами посадовців',
    'у заяві, оприлюдненій в мережі', 'на пресконференції', 'на початку місяця', 'вдруге цього року',
    'на тлі зростання суспільного тиску', 'не надавши подробиць',
  ],
  titleLeads: ['Оновлено:', 'Аналіз:', 'Пояснюємо:', 'Наживо:', 'Думка:', '', '', '', '', ''],
  extraCategories: ['Новини', 'Головне', 'Репортажі', 'Регіони'],
  authors: ['Олена Коваленко', 'Тарас Мельник', 'Андрій Бондар', 'Ірина Шевчук', "Мар'яна Ткаченко", 'Богдан Лисенко', 'Оксана Гнатюк'],
  linkWords: ['повний звіт', 'попередню статтю', 'офіційні дані', 'заяву', 'нашу пряму трансляцію'],
  quoteLeads: ['«Ми не можемо більше чекати», — сказав один з учасників.', '«Це вирішальний момент», — заявила речниця журналістам.'],
  feedTitle: 'Бенч Новини',
  feedDescription: 'Новини, аналітика й репортажі',
  readMore: 'Читати далі',
  syllables: ['ка', 'ро', 'вел', 'мі', 'тан', 'дор', 'сел', 'бри', 'ло', 'нав', 'тер', 'гу', 'пел', 'зо', 'рин', 'мар'],
  placeEndings: ['ове', 'івка', 'ськ', 'ин', 'ичі'],
  factPhrase: (place, [a, b, c], figure) => `у громаді ${place} разом із ${a}, ${b} та ${c}, згадавши ${figure} випадків`,
  clauseLead: ' —',
};

type Rand = () => number;
const pick = <T>(rand: Rand, list: readonly T[]): T => list[Math.floor(rand() * list.length)] as T;

const VOCAB: Record<GenLang, Vocabulary> = { en: EN, uk: UK };

/**
 * The rest of a language's vocabulary, as made-up words drawn by Zipf's law: news prose uses thousands
 * of words, a few very often and most rarely. With the themes' few dozen phrases alone, two unrelated
 * items shared far more words than real news does (median estimated Jaccard 0.13 in English and 0.17 in
 * Ukrainian, against 0.08 and 0.03 for the hand-written different stories of the story test set, which
 * are on the same subjects), and the story index found candidates where a news stream has none. With
 * this pool: 0.08 in English, 0.11 in Ukrainian; unrelated pairs sharing an LSH band 1.2 → 0.2 % and
 * 2.5 → 0.5 %. Ukrainian stays the harder case of the two. The vocabulary now grows as news text does:
 * four 500-item feeds (about 540,000 words) hold 45,000 distinct words, within Heaps' law's usual range
 * for news (22,000–72,000 for that length); with the themes alone they held 15,000, so the per-new-word
 * work of classify, stemming and signing was undercounted too.
 */
const COMMON_WORDS = 50_000;
/** Zipf exponent: below 1, the flatter tail of a large vocabulary (the themes already give the frequent words). */
const ZIPF_S = 0.7;

interface WordPool {
  words: readonly string[];
  /** Cumulative Zipf weights (rank r weighs 1/r^ZIPF_S), normalized to end at 1. */
  cumulative: Float64Array;
}

function wordPool(v: Vocabulary, seed: number): WordPool {
  const rand = prng(seed);
  const words = new Set<string>();
  while (words.size < COMMON_WORDS) {
    let word = '';
    for (let i = 1 + Math.floor(rand() * 3); i > 0; i--) word += pick(rand, v.syllables);
    words.add(word + pick(rand, v.syllables));
  }
  const cumulative = new Float64Array(COMMON_WORDS);
  let sum = 0;
  for (let r = 0; r < COMMON_WORDS; r++) cumulative[r] = sum += 1 / (r + 1) ** ZIPF_S;
  for (let r = 0; r < COMMON_WORDS; r++) cumulative[r]! /= sum;
  return { words: [...words], cumulative };
}

const POOLS: Record<GenLang, WordPool> = { en: wordPool(EN, 11), uk: wordPool(UK, 13) };


function commonWord(rand: Rand, pool: WordPool): string {
  const x = rand();
  let lo = 0;
  let hi = pool.words.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (pool.cumulative[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return pool.words[lo]!;
}
const DAY_NAMES = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTH_NAMES = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
/** Newest item of every feed: fixed, so the bytes do not depend on the day the bench runs. */
const NEWEST = Date.UTC(2026, 5, 1, 12, 0, 0);


/** What one item is about: a main theme and, for some, a second one it touches. */
interface Angle {
  v: Vocabulary;
  main: Theme;
  second: Theme | undefined;
  /** The item's own place and figures: what makes two items on one theme two different stories. */
  facts: Facts;
}

/**
 * A place, names and figures of one item, as every real news story names its own: without them two
 * items on one theme share most of their words, and the story index would see near-duplicates in
 * unrelated news (with the themes' words alone, one pair of items in eight shared an LSH band).
 */
interface Facts {
  place: string;
  names: string[];
  figures: string[];
}

function makeFacts(rand: Rand, v: Vocabulary): Facts {
  const name = (): string => {
    let word = '';
    for (let i = 2 + Math.floor(rand() * 2); i > 0; i--) word += pick(rand, v.syllables);
    word += pick(rand, v.placeEndings);
    return word.charAt(0).toUpperCase() + word.slice(1);
  };
  const figure = (): string => String(100 + Math.floor(rand() * 99_900));
  return { place: name(), names: Array.from({ length: 40 }, name), figures: [figure(), figure(), figure()] };
}

/** A sentence on the main theme (most), the second one, or nothing in particular (filler). */
function sentence(rand: Rand, a: Angle): string {
  const r = rand();
  const theme = r < 0.5 ? a.main : r < 0.7 ? (a.second ?? a.main) : undefined;
  const subject = theme && rand() < 0.6 ? pick(rand, theme.subjects) : pick(rand, a.v.neutralSubjects);
  const object = theme ? pick(rand, theme.objects) : pick(rand, a.v.neutralObjects);
  const { place, names, figures } = a.facts;
  const tail = rand() < 0.5 ? a.v.factPhrase(place, [pick(rand, names), pick(rand, names), pick(rand, names)], pick(rand, figures)) : pick(rand, a.v.tails);
  const pool = a.v === UK ? POOLS.uk : POOLS.en;
  const clause = Array.from({ length: 3 + Math.floor(rand() * 4) }, () => commonWord(rand, pool)).join(' ');
  return `${subject} ${pick(rand, a.v.verbs)} ${object}${a.v.clauseLead} ${clause}, ${tail}.`;
}

function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** An article body as publishers write it: 1–2 KB of paragraphs with the usual inline markup. */
function bodyHtml(rand: Rand, a: Angle, host: string, n: number): string {
  const target = 1000 + Math.floor(rand() * 1000);
  const parts: string[] = [];
  let size = 0;
  let p = 0;
  while (size < target) {
    const sentences = [sentence(rand, a), sentence(rand, a), sentence(rand, a)];
    let html: string;
    const r = rand();
    if (p === 0) html = `<p><strong>${sentences[0]}</strong> ${sentences[1]}</p>`;
    else if (r < 0.25) html = `<p>${sentences[0]} See <a href="/archive/${n}-${p}.html">${pick(rand, a.v.linkWords)}</a>. ${sentences[1]}</p>`;
    else if (r < 0.35) html = `<blockquote><p>${pick(rand, a.v.quoteLeads)}</p></blockquote>`;
    else if (r < 0.45) html = `<figure><img src="https://cdn.${host}/img/${n}-${p}.jpg" alt="${escapeXml(sentences[0] ?? '')}" width="800" height="450"><figcaption>${sentences[2]}</figcaption></figure>`;
    else if (r < 0.52) html = `<ul><li>${sentences[0]}</li><li>${sentences[1]}</li></ul>`;
    else html = `<p>${sentences[0]} <em>${sentences[1]}</em> ${sentences[2]}</p>`;
    parts.push(html);
    size += html.length;
    p++;
  }
  // What real feeds carry and the sanitizer must drop: a tracking pixel, now and then a script.
  parts.push(`<img src="https://pixel.wp.com/g.gif?post=${n}" width="1" height="1" alt="">`);
  if (rand() < 0.2) parts.push(`<script>window.track && track(${n});</script>`);
  return parts.join('\n');
}

function rfc822(t: number): string {
  // Kyiv time (+0300 in summer), as Ukrainian publishers write it; English feeds say GMT.
  const d = new Date(t);
  const pad = (x: number): string => String(x).padStart(2, '0');
  return `${DAY_NAMES[d.getUTCDay()]}, ${pad(d.getUTCDate())} ${MONTH_NAMES[d.getUTCMonth()]} ${d.getUTCFullYear()} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} GMT`;
}

interface GenItem {
  guid: string;
  link: string;
  title: string;
  summary: string;
  body: string;
  published: number;
  updated: number;
  author: string;
  categories: string[];
}

function makeItem(rand: Rand, v: Vocabulary, spec: FeedSpec, host: string, i: number): GenItem {
  const main = pick(rand, v.themes);
  const other = pick(rand, v.themes);
  const facts = makeFacts(rand, v);
  const angle: Angle = { v, main, second: rand() < 0.4 && other !== main ? other : undefined, facts };
  const lead = pick(rand, v.titleLeads);
  const where = spec.lang === 'uk' ? `: ${facts.place}` : ` in ${facts.place}`;
  const title = `${lead ? `${lead} ` : ''}${pick(rand, main.subjects)} ${pick(rand, v.verbs)} ${pick(rand, main.objects)}${where}`;
  const published = NEWEST - i * 37 * 60_000 - Math.floor(rand() * 600_000);
  const categories = [main.category];
  if (angle.second && rand() < 0.5) categories.push(angle.second.category);
  if (rand() < 0.4) categories.push(pick(rand, v.extraCategories));
  const path = `/${spec.lang}/${spec.idPrefix}/${RUN_TOKEN}/story-${i}`;
  return {
    guid: `https://${host}${path}`,
    link: `https://${host}${path}?utm_source=rss&utm_medium=feed`,
    title,
    summary: `${sentence(rand, angle)} ${sentence(rand, angle)}`,
    body: bodyHtml(rand, angle, host, i),
    published,
    updated: published + (rand() < 0.3 ? 3_600_000 : 0),
    author: pick(rand, v.authors),
    categories,
  };
}

/** One feed document as text, with RUN_TOKEN in every guid and link (see runTag). */
export function generateFeed(spec: FeedSpec): string {
  const rand = prng(spec.seed);
  const v = VOCAB[spec.lang];
  const host = spec.host ?? `${spec.lang}.news.example`;
  const items: GenItem[] = [];
  for (let i = 0; i < spec.items; i++) items.push(makeItem(rand, v, spec, host, i));
  return spec.format === 'rss' ? rss(items, v, spec, host) : atom(items, v, spec, host);
}

function rss(items: GenItem[], v: Vocabulary, spec: FeedSpec, host: string): string {
  const out: string[] = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:atom="http://www.w3.org/2005/Atom">',
    '<channel>',
    `<title>${escapeXml(v.feedTitle)}</title>`,
    `<link>https://${host}/</link>`,
    `<atom:link href="https://${host}/${spec.lang}/rss.xml" rel="self" type="application/rss+xml"/>`,
    `<description>${escapeXml(v.feedDescription)}</description>`,
    `<language>${spec.lang === 'uk' ? 'uk' : 'en-GB'}</language>`,
    `<lastBuildDate>${rfc822(NEWEST)}</lastBuildDate>`,
    '<ttl>15</ttl>',
  ];
  for (const it of items) {
    out.push(
      '<item>',
      `<title>${escapeXml(it.title)}</title>`,
      `<link>${escapeXml(it.link)}</link>`,
      `<guid isPermaLink="true">${escapeXml(it.guid)}</guid>`,
      `<pubDate>${rfc822(it.published)}</pubDate>`,
      `<dc:creator>${escapeXml(it.author)}</dc:creator>`,
      ...it.categories.map((c) => `<category>${escapeXml(c)}</category>`),
      // The summary escaped (as most CMSs do), the body in CDATA (as WordPress does).
      `<description>${escapeXml(`<p>${it.summary}</p>`)}</description>`,
      `<content:encoded><![CDATA[${it.body}\n<p><a href="${it.link}">${v.readMore}</a></p>]]></content:encoded>`,
      '</item>',
    );
  }
  out.push('</channel>', '</rss>', '');
  return out.join('\n');
}

function atom(items: GenItem[], v: Vocabulary, spec: FeedSpec, host: string): string {
  const out: string[] = [
    '<?xml version="1.0" encoding="utf-8"?>',
    `<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="${spec.lang}">`,
    `<title>${escapeXml(v.feedTitle)}</title>`,
    `<subtitle>${escapeXml(v.feedDescription)}</subtitle>`,
    `<id>https://${host}/${spec.lang}/</id>`,
    `<link rel="alternate" type="text/html" href="https://${host}/"/>`,
    `<link rel="self" type="application/atom+xml" href="https://${host}/${spec.lang}/atom.xml"/>`,
    `<updated>${new Date(NEWEST).toISOString()}</updated>`,
  ];
  for (const it of items) {
    out.push(
      '<entry>',
      `<id>${escapeXml(it.guid)}</id>`,
      `<title type="text">${escapeXml(it.title)}</title>`,
      `<link rel="alternate" type="text/html" href="${escapeXml(it.link)}"/>`,
      `<published>${new Date(it.published).toISOString()}</published>`,
      `<updated>${new Date(it.updated).toISOString()}</updated>`,
      `<author><name>${escapeXml(it.author)}</name></author>`,
      ...it.categories.map((c) => `<category term="${escapeXml(c)}"/>`),
      `<summary type="html">${escapeXml(`<p>${it.summary}</p>`)}</summary>`,
      `<content type="html">${escapeXml(it.body)}</content>`,
      '</entry>',
    );
  }
  out.push('</feed>', '');
  return out.join('\n');
}
