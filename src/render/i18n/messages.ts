// The interface strings of every page Tidings serves, in Ukrainian and English: one catalogue, so a
// template names a message and never carries words of its own. `{name}` marks a value filled in by t().

export const LANGUAGES = ['uk', 'en'] as const;
export type Language = (typeof LANGUAGES)[number];

const en = {
  'feed.kind': 'This is a web feed',
  'feed.explain': 'Feed readers subscribe to it to get new articles as they appear. Copy this address into your feed reader:',
  'feed.home': 'Open the web page',
  'feed.latest': 'Latest articles',
  'feed.empty': 'No articles yet.',
  'feed.readers': 'No feed reader yet? Any of them works: NetNewsWire, Feedly, Inoreader, Thunderbird…',
  'feed.older': 'Older articles',
  'feed.newer': 'Newer articles',
} as const;

export type MessageKey = keyof typeof en;

const uk: Record<MessageKey, string> = {
  'feed.kind': 'Це стрічка новин',
  'feed.explain': 'Програми для читання стрічок підписуються на неї й показують нові статті, щойно вони з’являються. Скопіюйте цю адресу у свою програму:',
  'feed.home': 'Відкрити вебсторінку',
  'feed.latest': 'Останні статті',
  'feed.empty': 'Статей поки немає.',
  'feed.readers': 'Ще немає програми для стрічок? Підійде будь-яка: NetNewsWire, Feedly, Inoreader, Thunderbird…',
  'feed.older': 'Старіші статті',
  'feed.newer': 'Новіші статті',
};

const CATALOGUE: Record<Language, Record<MessageKey, string>> = { en, uk };

/** The message `key` in `lang`, with each `{name}` replaced by `values[name]`. */
export function t(lang: Language, key: MessageKey, values: Record<string, string | number> = {}): string {
  return CATALOGUE[lang][key].replace(/\{(\w+)\}/g, (whole, name: string) => (name in values ? String(values[name]) : whole));
}

export function isLanguage(value: unknown): value is Language {
  return typeof value === 'string' && (LANGUAGES as readonly string[]).includes(value);
}
