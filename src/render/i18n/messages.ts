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
  'site.intro': 'Topic feeds for your feed reader. Subscribe to one topic, or import them all at once with the',
  'site.opmlFile': 'OPML file',
  'site.everything': 'Everything',
  'site.allArticles': 'all articles',
  'site.allTopicFeeds': 'All topic feeds (OPML)',
  'site.topics': 'Topics',
  'site.articles': '{count} articles',
  'site.filters': 'Filters work on every feed:',
  'site.severalTopics': 'several topics at once:',
  'site.subscribe': 'Subscribe:',
  'site.noArticles': 'No articles yet.',
  'site.embedTitle': 'Embed on your site',
  'site.embedScript': 'Show the latest articles on your own page with a script (the list takes your page\'s styles; these attributes filter it:',
  'site.embedFrame': 'or in a frame (the few lines after it make the frame as tall as its list; without them it is still tall enough):',
  'site.language': 'Українською',
  'site.description': '{title}: news by topic, as feeds for your reader and as pages like this one.',
  'site.allTitle': 'All articles',
  'site.allDescription': 'Every article of every topic, newest first.',
  'site.browseAll': 'Browse all articles',
  'search.label': 'Search articles',
  'search.button': 'Search',
  'search.title': 'Search: {q}',
  'search.results': 'Articles matching “{q}”, newest first.',
  'search.none': 'No articles match.',
  'search.feeds': 'Follow this search in your feed reader:',
  'search.inTopics': 'In topics:',
  'error.badParameter': 'The parameter “{name}” has a value this page cannot use: “{value}”.',
  'error.badParameterEmpty': 'The parameter “{name}” needs a value.',
  'param.q': 'Give one to {max} characters, with at least one letter or digit.',
  'param.limit': 'Give a whole number from 1 to {max}.',
  'param.since': 'Give a date (2026-01-06 or 2026-01-06T10:00:00Z) or a time back from now (24h, 7d).',
  'param.before': 'Follow the “Older articles” and “Newer articles” links instead of writing cursors.',
  'param.topics': 'Name topics of this site (see the home page), separated by commas, at most {max}.',
  'param.source': 'Name sources of this site (local is its own articles), separated by commas, at most {max}.',
  'param.language': 'Give a language tag such as uk or en-GB.',
  'param.stories': 'Give on or off.',
  'error.badAddress': 'This server cannot read the address {path}.',
  'error.notFound': 'Not found',
  'error.badRequest': 'Bad request',
  'error.noTopic': 'There is no topic "{id}".',
  'error.noArticle': 'There is no article "{slug}".',
  'error.noPage': 'There is nothing at {path}.',
  'error.tooManyRequests': 'Too many requests',
  'error.tooManyRetry': 'Your address has sent more requests than this site answers in a minute. Try again in {seconds} seconds.',
  'error.busy': 'The server is busy',
  'error.busyRetry': 'The server has more work than it can take on right now. Try again in {seconds} seconds.',
  'sources.title': 'Sources',
  'sources.intro': 'Every remote source: how its last poll went and when the next one is due.',
  'sources.source': 'Source',
  'sources.state': 'State',
  'sources.lastFetch': 'Last fetch',
  'sources.nextPoll': 'Next poll',
  'sources.items': 'Items',
  'sources.error': 'Last error',
  'sources.malformed': 'Read leniently',
  'sources.none': 'No remote sources are configured.',
  'sources.json': 'The same as JSON',
  'sources.never': 'never',
  'embed.more': 'More on {site}',
  'embed.empty': 'No articles yet.',
  'embed.error': 'The latest articles could not be loaded.',
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
  'site.intro': 'Стрічки тем для вашої програми читання стрічок. Підпишіться на одну тему або імпортуйте всі разом з',
  'site.opmlFile': 'файлу OPML',
  'site.everything': 'Усе',
  'site.allArticles': 'усі статті',
  'site.allTopicFeeds': 'Стрічки всіх тем (OPML)',
  'site.topics': 'Теми',
  'site.articles': 'статей: {count}',
  'site.filters': 'Фільтри працюють на кожній стрічці:',
  'site.severalTopics': 'кілька тем разом:',
  'site.subscribe': 'Підписатися:',
  'site.noArticles': 'Статей поки немає.',
  'site.embedTitle': 'Вбудувати на свій сайт',
  'site.embedScript': 'Покажіть останні статті на своїй сторінці скриптом (список бере стилі вашої сторінки; ці атрибути його фільтрують:',
  'site.embedFrame': 'або у фреймі (кілька рядків після нього роблять фрейм заввишки з його список; і без них він досить високий):',
  'site.language': 'English',
  'site.description': '{title}: новини за темами — стрічками для вашої програми читання й такими сторінками, як ця.',
  'site.allTitle': 'Усі статті',
  'site.allDescription': 'Кожна стаття кожної теми, найновіші спершу.',
  'site.browseAll': 'Переглянути всі статті',
  'search.label': 'Пошук статей',
  'search.button': 'Шукати',
  'search.title': 'Пошук: {q}',
  'search.results': 'Статті, де є «{q}», найновіші спершу.',
  'search.none': 'Жодна стаття не підходить.',
  'search.feeds': 'Стежте за цим пошуком у програмі для стрічок:',
  'search.inTopics': 'У темах:',
  'error.badParameter': 'Параметр «{name}» має значення, з яким ця сторінка не працює: «{value}».',
  'error.badParameterEmpty': 'Параметрові «{name}» потрібне значення.',
  'param.q': 'Від одного до {max} символів, серед них хоча б одна літера чи цифра.',
  'param.limit': 'Ціле число від 1 до {max}.',
  'param.since': 'Дата (2026-01-06 або 2026-01-06T10:00:00Z) або час назад від тепер (24h, 7d).',
  'param.before': 'Переходьте за посиланнями «Старіші статті» й «Новіші статті», а не пишіть курсори самі.',
  'param.topics': 'Теми цього сайту (див. головну сторінку) через кому, не більше {max}.',
  'param.source': 'Джерела цього сайту (local — його власні статті) через кому, не більше {max}.',
  'param.language': 'Мовний тег, наприклад uk або en-GB.',
  'param.stories': 'on або off.',
  'error.badAddress': 'Сервер не може прочитати адресу {path}.',
  'error.notFound': 'Не знайдено',
  'error.badRequest': 'Хибний запит',
  'error.noTopic': 'Теми «{id}» немає.',
  'error.noArticle': 'Статті «{slug}» немає.',
  'error.noPage': 'За адресою {path} нічого немає.',
  'error.tooManyRequests': 'Забагато запитів',
  'error.tooManyRetry': 'З вашої адреси надійшло більше запитів, ніж сайт обслуговує за хвилину. Спробуйте ще раз за {seconds} с.',
  'error.busy': 'Сервер зайнятий',
  'error.busyRetry': 'Зараз у сервера більше роботи, ніж він може взяти. Спробуйте ще раз за {seconds} с.',
  'sources.title': 'Джерела',
  'sources.intro': 'Кожне віддалене джерело: як пройшло останнє опитування і коли буде наступне.',
  'sources.source': 'Джерело',
  'sources.state': 'Стан',
  'sources.lastFetch': 'Останнє отримання',
  'sources.nextPoll': 'Наступне опитування',
  'sources.items': 'Статей',
  'sources.error': 'Остання помилка',
  'sources.malformed': 'Прочитано поблажливо',
  'sources.none': 'Віддалених джерел не налаштовано.',
  'sources.json': 'Те саме в JSON',
  'sources.never': 'ніколи',
  'embed.more': 'Більше на {site}',
  'embed.empty': 'Статей поки немає.',
  'embed.error': 'Не вдалося завантажити останні статті.',
};

const CATALOGUE: Record<Language, Record<MessageKey, string>> = { en, uk };

/** The message `key` in `lang`, with each `{name}` replaced by `values[name]`. */
export function t(lang: Language, key: MessageKey, values: Record<string, string | number> = {}): string {
  return CATALOGUE[lang][key].replace(/\{(\w+)\}/g, (whole, name: string) => (name in values ? String(values[name]) : whole));
}

/** The Intl locale and options dates are written with; the embed script formats with the same in the browser. */
export const DATE_LOCALES: Record<Language, string> = { uk: 'uk-UA', en: 'en-GB' };
export const DATE_OPTIONS: Intl.DateTimeFormatOptions = { dateStyle: 'long', timeZone: 'UTC' };

const DATE_FORMATS: Record<Language, Intl.DateTimeFormat> = {
  uk: new Intl.DateTimeFormat(DATE_LOCALES.uk, DATE_OPTIONS),
  en: new Intl.DateTimeFormat(DATE_LOCALES.en, DATE_OPTIONS),
};

/** A calendar day as a reader of `lang` writes it (UTC, like the feeds): `5 грудня 2026 р.`, `5 December 2026`. */
export function formatDate(lang: Language, date: Date): string {
  return DATE_FORMATS[lang].format(date);
}

/** The other language of the two: what the language switch on every page offers. */
export function otherLanguage(lang: Language): Language {
  return lang === 'uk' ? 'en' : 'uk';
}

export function isLanguage(value: unknown): value is Language {
  return typeof value === 'string' && (LANGUAGES as readonly string[]).includes(value);
}

/** What a per-language text of feeds/topics.yaml says in `lang`: that language, else the other, else `plain`. */
export function inLanguage(lang: Language, texts: Readonly<Record<string, string>> | undefined, plain: string): string {
  return texts?.[lang] ?? texts?.[otherLanguage(lang)] ?? plain;
}
