// Character sets of fetched bodies, byte for byte: short undeclared Cyrillic feeds are told apart by
// letter frequencies (chardet needs more text), and every code page iconv-lite knows is honoured when
// declared, under every label iconv-lite or WHATWG Encoding gives it.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import iconv from 'iconv-lite';
import { decodeFeedBody } from '../src/fetch/charset.ts';

const UK_NEWS = [
  'Новини Поділля',
  'Вінницькі рятувальники ліквідували пожежу в приватному будинку на Київській',
  'У Хмельницькому відкрили нову дитячу бібліотеку; діти читатимуть казки щосуботи',
  'Синоптики попереджають про ожеледицю на дорогах області в ніч на п’ятницю',
  'Фермери Тернопільщини зібрали рекордний урожай гречки цього року',
  'Мерія оголосила конкурс на найкращий проєкт реконструкції набережної',
];
const RU_NEWS = [
  'Новости Подолья',
  'Спасатели потушили пожар в частном доме, никто не пострадал',
  'В городе открыли новую детскую библиотеку, дети будут читать сказки по субботам',
  'Синоптики предупреждают о гололёде на дорогах области в ночь на пятницу',
];

function feed(lines: string[], declaration = '<?xml version="1.0"?>'): string {
  const [title, ...items] = lines;
  return `${declaration}\n<rss version="2.0"><channel><title>${title}</title><link>https://news.example/</link>\n${items
    .map((t, i) => `<item><title>${t}</title><link>https://news.example/${i}</link><description>${t}.</description></item>`)
    .join('\n')}\n</channel></rss>`;
}

test('a 1.5 KB windows-1251 feed without a declared charset is read as windows-1251', () => {
  const text = feed([...UK_NEWS, UK_NEWS[1] ?? ''].map((l) => l.replace('’', "'")));
  const bytes = iconv.encode(text, 'windows-1251');
  assert.ok(bytes.length > 1400 && bytes.length < 1700, `about 1.5 KB (${bytes.length})`);
  const out = decodeFeedBody(bytes, 'application/rss+xml');
  assert.equal(out.charset, 'windows-1251');
  assert.equal(out.source, 'detected');
  assert.equal(out.text, text);
});

test('a 462-byte koi8-u feed without a declared charset is read as koi8-u', () => {
  const text =
    '<rss version="2.0"><channel><title>Новини Поділля</title>' +
    '<item><title>Вінницькі рятувальники ліквідували пожежу</title><description>Їжак і єнот вийшли до людей.</description></item>' +
    '<item><title>Фермери зібрали рекордний урожай гречки</title><description>Ґанок відремонтували.</description></item>' +
    '<item><title>Нова бібліотека</title><description>Діти читатимуть казки щосуботи, а батьки питимуть каву поруч у дворі бібліотеки.</description></item></channel></rss>';
  const bytes = iconv.encode(text, 'koi8-u');
  assert.equal(bytes.length, 462);
  const out = decodeFeedBody(bytes);
  assert.equal(out.charset, 'koi8-u');
  assert.equal(out.text, text);
});

// Ukrainian needs і/ї/є, which KOI8-R and cp866 lack; Russian fits every Cyrillic code page.
const CASES: Array<[string, string[], string]> = [
  ['Ukrainian', UK_NEWS, 'windows-1251'],
  ['Ukrainian', UK_NEWS, 'koi8-u'],
  ['Ukrainian', UK_NEWS, 'iso-8859-5'],
  ['Russian', RU_NEWS, 'windows-1251'],
  ['Russian', RU_NEWS, 'koi8-r'],
  ['Russian', RU_NEWS, 'cp866'],
  ['Russian', RU_NEWS, 'iso-8859-5'],
];
for (const [language, lines, charset] of CASES) {
  test(`short undeclared ${language} in ${charset} is decoded byte for byte`, () => {
    const text = feed(lines.slice(0, 3).map((l) => l.replace('’', "'")));
    assert.equal(iconv.decode(iconv.encode(text, charset), charset), text, 'fixture sanity: the text fits the code page');
    const out = decodeFeedBody(iconv.encode(text, charset));
    assert.equal(out.text, text, `read as ${out.charset}`);
  });
}

test('short undeclared western European text is not taken for Cyrillic', () => {
  for (const sample of [
    'Le café est très bon à Noël, mais la crème brûlée coûte cher. Où est la gare ? Été chaud.',
    'Die Straße über den Fluß führt zur Bäckerei; Müller grüßt höflich. Schöne Grüße aus München.',
  ]) {
    const text = feed(['Nouvelles', sample]);
    const out = decodeFeedBody(iconv.encode(text, 'windows-1252'));
    assert.equal(out.text, text);
  }
});

/** Every label iconv-lite's table has, resolved to its codec entry. */
function iconvLabels(): string[] {
  iconv.encodingExists('utf-8'); // loads the table
  return Object.keys(iconv.encodings ?? {});
}
/** Labels Tidings reads differently on purpose: Latin-1/ASCII as windows-1252 (WHATWG), and encodings an ASCII declaration cannot be in. */
function deliberatelyOther(label: string): boolean {
  const ascii = '<?xml version="1.0"?><rss>';
  let roundTrip: string;
  try {
    roundTrip = iconv.decode(Buffer.from(ascii, 'latin1'), label);
  } catch {
    return true;
  }
  return roundTrip !== ascii || ['latin1', 'iso88591', 'l1', 'ascii', 'usascii', 'binary', 'base64', 'hex'].includes(label) ||
    /^(utf|ucs|cesu)/.test(label);
}
const HIGH_BYTES = Buffer.from(Array.from({ length: 0x60 }, (_, i) => 0xa0 + i).concat(Array.from({ length: 0x20 }, (_, i) => 0x80 + i)));

test('every code page iconv-lite knows is honoured when declared by HTTP or the XML declaration, under every label', () => {
  const labels = iconvLabels().filter((l) => !deliberatelyOther(l));
  assert.ok(labels.length > 250, `iconv-lite's labels (${labels.length})`);
  for (const label of labels) {
    const expected = iconv.decode(HIGH_BYTES, label);
    const http = decodeFeedBody(Buffer.concat([Buffer.from('<rss>'), HIGH_BYTES]), `application/xml; charset=${label}`);
    assert.equal(http.text, `<rss>${expected}`, `HTTP charset=${label} (read as ${http.charset})`);
    const declared = decodeFeedBody(Buffer.concat([Buffer.from(`<?xml version="1.0" encoding="${label}"?><rss>`), HIGH_BYTES]));
    assert.equal(declared.text, `<?xml version="1.0" encoding="UTF-8"?><rss>${expected}`, `encoding="${label}" (read as ${declared.charset})`);
  }
});

test('labels iconv-lite spells otherwise are honoured: WHATWG x-mac-*, x-cp125x, koi8, dos-866, ibm00858', () => {
  const cases: Array<[string, string]> = [
    ['x-mac-cyrillic', 'maccyrillic'], ['x-mac-ukrainian', 'macukraine'], ['x-mac-roman', 'macroman'],
    ['x-mac-greek', 'macgreek'], ['x-mac-ce', 'maccenteuro'], ['x-mac-turkish', 'macturkish'],
    ['x-cp1251', 'windows-1251'], ['x-cp1250', 'windows-1250'], ['koi8', 'koi8-r'], ['dos-866', 'cp866'],
    ['x-ibm866', 'cp866'], ['IBM00858', 'cp858'], ['cswindows1251', 'windows-1251'], ['"ibm866"', 'cp866'],
  ];
  for (const [label, codec] of cases) {
    const expected = `<rss>${iconv.decode(HIGH_BYTES, codec)}`;
    assert.equal(decodeFeedBody(Buffer.concat([Buffer.from('<rss>'), HIGH_BYTES]), `text/xml; charset=${label}`).text, expected, label);
  }
});
