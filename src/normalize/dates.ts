// Date strings as feeds write them → instants. Reads what feedparser's date handlers read: ISO 8601 and
// W3C-DTF in their extended, basic, ordinal and week forms; RFC 822 and its relatives (asctime,
// Perforce, day and month swapped) with named zones; month and weekday names in many languages.

/** Zone abbreviations seen in feeds, in minutes east of UTC. Ambiguous ones take their commonest use. */
const NAMED_ZONES: Record<string, number> = {
  UT: 0, UTC: 0, GMT: 0, Z: 0, WET: 0, WEZ: 0, BST: 60, WEST: 60, WESZ: 60, IST: 330,
  CET: 60, MET: 60, MEZ: 60, WAT: 60, CEST: 120, MEST: 120, MESZ: 120, EET: 120, OEZ: 120, SAST: 120, CAT: 120,
  EEST: 180, OESZ: 180, MSK: 180, EAT: 180, TRT: 180, MSD: 240, IRST: 210, GST: 240, SAMT: 240,
  PKT: 300, YEKT: 300, NPT: 345, ICT: 420, WIB: 420, HKT: 480, SGT: 480, AWST: 480, PHT: 480, WITA: 480,
  JST: 540, KST: 540, ACST: 570, ACDT: 630, AEST: 600, AEDT: 660, NZST: 720, NZDT: 780,
  NST: -210, NDT: -150, ADT: -180, AST: -240, AT: -240, EDT: -240, EST: -300, ET: -300,
  CDT: -300, CST: -360, CT: -360, MDT: -360, MST: -420, MT: -420, PDT: -420, PST: -480, PT: -480,
  AKDT: -480, AKST: -540, HDT: -540, HST: -600, BRT: -180, BRST: -120, ART: -180, CLT: -240,
};

/** Month names and abbreviations by language, each list January to December. */
const MONTH_NAMES: string[][] = [
  ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'],
  ['january', 'february', 'march', 'april', 'may', 'june', 'july', 'august', 'september', 'october', 'november', 'december'],
  ['', '', '', '', '', '', '', '', 'sept', '', '', ''],
  // Ukrainian: genitive (5 грудня), nominative, abbreviations.
  ['січня', 'лютого', 'березня', 'квітня', 'травня', 'червня', 'липня', 'серпня', 'вересня', 'жовтня', 'листопада', 'грудня'],
  ['січень', 'лютий', 'березень', 'квітень', 'травень', 'червень', 'липень', 'серпень', 'вересень', 'жовтень', 'листопад', 'грудень'],
  ['січ', 'лют', 'бер', 'квіт', 'трав', 'черв', 'лип', 'серп', 'вер', 'жовт', 'лист', 'груд'],
  ['', '', '', 'кві', 'тра', 'чер', '', 'сер', '', 'жов', 'лис', 'гру'],
  // Russian.
  ['января', 'февраля', 'марта', 'апреля', 'мая', 'июня', 'июля', 'августа', 'сентября', 'октября', 'ноября', 'декабря'],
  ['январь', 'февраль', 'март', 'апрель', 'май', 'июнь', 'июль', 'август', 'сентябрь', 'октябрь', 'ноябрь', 'декабрь'],
  ['янв', 'фев', 'мар', 'апр', 'мая', 'июн', 'июл', 'авг', 'сен', 'окт', 'ноя', 'дек'],
  ['', 'февр', '', '', '', '', '', '', 'сент', '', 'нояб', ''],
  // German.
  ['januar', 'februar', 'märz', 'april', 'mai', 'juni', 'juli', 'august', 'september', 'oktober', 'november', 'dezember'],
  ['jän', '', 'mär', '', '', '', '', '', '', 'okt', '', 'dez'],
  ['jänner', '', 'mrz', '', '', '', '', '', '', '', '', ''],
  // French.
  ['janvier', 'février', 'mars', 'avril', 'mai', 'juin', 'juillet', 'août', 'septembre', 'octobre', 'novembre', 'décembre'],
  ['janv', 'févr', '', 'avr', '', '', 'juil', 'aoû', '', '', '', 'déc'],
  ['', 'fevrier', '', '', '', '', '', 'aout', '', '', '', 'decembre'],
  // Spanish, Italian, Portuguese.
  ['enero', 'febrero', 'marzo', 'abril', 'mayo', 'junio', 'julio', 'agosto', 'septiembre', 'octubre', 'noviembre', 'diciembre'],
  ['ene', '', '', 'abr', '', '', '', 'ago', 'setiembre', '', '', 'dic'],
  ['gennaio', 'febbraio', 'marzo', 'aprile', 'maggio', 'giugno', 'luglio', 'agosto', 'settembre', 'ottobre', 'novembre', 'dicembre'],
  ['gen', '', '', '', 'mag', 'giu', 'lug', '', 'set', 'ott', '', ''],
  ['janeiro', 'fevereiro', 'março', 'abril', 'maio', 'junho', 'julho', 'agosto', 'setembro', 'outubro', 'novembro', 'dezembro'],
  ['', 'fev', '', '', 'mai', '', '', '', '', 'out', '', 'dez'],
  // Dutch, Polish (genitive and nominative).
  ['januari', 'februari', 'maart', 'april', 'mei', 'juni', 'juli', 'augustus', 'september', 'oktober', 'november', 'december'],
  ['', '', 'mrt', '', '', '', '', '', '', '', '', ''],
  ['stycznia', 'lutego', 'marca', 'kwietnia', 'maja', 'czerwca', 'lipca', 'sierpnia', 'września', 'października', 'listopada', 'grudnia'],
  ['styczeń', 'luty', 'marzec', 'kwiecień', 'maj', 'czerwiec', 'lipiec', 'sierpień', 'wrzesień', 'październik', 'listopad', 'grudzień'],
  // Hungarian (feedparser's forms, `2004-július-13T9:15-05:00`, and the usual abbreviations).
  ['január', 'február', 'március', 'április', 'május', 'június', 'július', 'augusztus', 'szeptember', 'október', 'november', 'december'],
  ['', 'februári', '', '', 'máujus', '', '', '', '', '', '', ''],
  ['jan', 'febr', 'márc', 'ápr', 'máj', 'jún', 'júl', 'aug', 'szept', 'okt', 'nov', 'dec'],
  // Greek, with and without accents (feedparser's table).
  ['ιαν', 'φεβ', 'μάρ', 'απρ', 'μάι', 'ιούν', 'ιούλ', 'αύγ', 'σεπ', 'οκτ', 'νοέ', 'δεκ'],
  ['', '', 'μαρ', '', 'μαϊ', 'ιον', 'ιολ', 'αυγ', '', '', 'νοε', ''],
  ['', '', 'μάρ', '', 'μαι', '', '', '', '', '', '', ''],
];

const MONTHS = new Map<string, number>();
for (const names of MONTH_NAMES) names.forEach((name, month) => name && !MONTHS.has(name) && MONTHS.set(name, month));
// feedparser's Greek table spells March "Μάώ" / "Μαώ" (the ISO-8859-7 byte for ρ misread): kept.
MONTHS.set('μάώ', 2).set('μαώ', 2);

/** Weekday names and abbreviations, so a leading weekday in any of these languages is recognised. */
const WEEKDAYS = new Set(
  [
    'mon tue wed thu fri sat sun monday tuesday wednesday thursday friday saturday sunday tues thur thurs',
    'пн вт ср чт пт сб нд вс понеділок вівторок середа четвер пʼятниця п\'ятниця субота неділя',
    'понедельник вторник среда четверг пятница суббота воскресенье',
    'mo di mi do fr sa so montag dienstag mittwoch donnerstag freitag samstag sonntag',
    'lun mar mer jeu ven sam dim lundi mardi mercredi jeudi vendredi samedi dimanche',
    'lu ma mi ju vi sá sa do lunes martes miércoles jueves viernes sábado domingo',
    'seg ter qua qui sex sáb dom segunda terça quarta quinta sexta',
    'gio lunedì martedì mercoledì giovedì venerdì sabato domenica',
    'ma wo vr za zo maandag dinsdag woensdag donderdag vrijdag zaterdag zondag',
    'pon wt śr czw pt sob niedz niedziela poniedziałek wtorek środa czwartek piątek sobota',
    'h k sze cs p szo v hétfő kedd szerda csütörtök péntek szombat vasárnap',
    'κυρ δευ τρι τετ πεμ παρ σαβ',
    '월 화 수 목 금 토 일 월요일 화요일 수요일 목요일 금요일 토요일 일요일',
  ].join(' ').split(' '),
);

/** Words between the parts of a date that carry nothing: "5 грудня 2026 о 10:00", "le 5 mai 2026 à 10h". */
const FILLER = new Set(['at', 'on', 'the', 'à', 'a', 'le', 'de', 'del', 'um', 'am', 'o', 'об', 'в', 'во', 'р', 'р.', 'г', 'г.', 'року', 'года', 'roku', 'r.', 'év', 'ano']);

/** Minutes east of UTC for a zone token (`+0300`, `+03:00`, `-03`, `GMT+2`, `Etc/GMT`, `EEST`, `A`), or undefined. */
function zoneOffset(raw: string): number | undefined {
  const zone = raw.replace(/^\(|\)$/g, '').replace(/^etc\//i, '');
  const numeric = /^(?:(?:GMT|UTC|UT)?([+-])(\d{1,2})(?::?(\d{2}))?)$/i.exec(zone);
  if (numeric) {
    const [, sign, h, m] = numeric;
    const minutes = Number(h) * 60 + Number(m ?? 0);
    if (Number(h) > 14 || Number(m ?? 0) > 59) return undefined;
    return sign === '-' ? -minutes : minutes;
  }
  const upper = zone.toUpperCase();
  const named = NAMED_ZONES[upper];
  if (named !== undefined) return named;
  // Military single letters (A–I, K–Z). RFC 822 got their signs backwards, so RFC 2822 §4.3 says to
  // read them as "-0000" (UTC, offset unknown) rather than trust either sign.
  if (/^[A-IK-Z]$/.test(upper)) return 0;
  return undefined;
}

/** Date.UTC with range checks: 31 February is an error, not 3 March. */
function utcDate(y: number, mo: number, d: number, h: number, mi: number, s: number, ms: number, offsetMin: number): Date | undefined {
  if (mo < 0 || mo > 11 || d < 1 || d > 31 || h > 24 || mi > 59 || s > 60 || y < 1 || y > 9999) return undefined;
  if (h === 24 && (mi !== 0 || s !== 0)) return undefined; // ISO 8601 allows 24:00 for the end of a day
  // setUTCFullYear, not Date.UTC: Date.UTC reads years 0–99 as 1900–1999.
  const day = new Date(0);
  day.setUTCFullYear(y, mo, d);
  if (day.getUTCMonth() !== mo) return undefined;
  day.setUTCHours(h, mi, Math.min(s, 59), ms);
  // A leap second (":60") is folded into the next second's instant.
  const t = day.getTime() + (s === 60 ? 1000 : 0) - offsetMin * 60_000;
  const date = new Date(t);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

/** RFC 2822 §4.3: two-digit years 00–49 are 2000–2049, 50–99 are 1950–1999. */
function fullYear(y: string): number {
  const n = Number(y);
  return y.length <= 2 ? (n < 50 ? 2000 + n : 1900 + n) : n;
}

// ---------------------------------------------------------------------------------------------
// ISO 8601 / W3C-DTF / RFC 3339

const ISO_DATE = new RegExp(
  '^(?:' +
    [
      '(?<wy>\\d{4})-?W(?<ww>\\d{2})(?:-?(?<wd>[1-7]))?', // week date: 2026-W02-3, 2026W023
      '(?<oy>\\d{4})-?(?<od>\\d{3})(?![\\d-])', // ordinal date: 2026-006, 2026006
      '(?<y>\\d{4})-(?<m>0?\\d{1,2})(?:-(?<d>\\d{1,2}))?', // extended: 2026-01-06, 2026-1-6, 2026-01, 2026-012-06
      '(?<by>\\d{4})(?<bm>\\d{2})(?<bd>\\d{2})', // basic: 20260106
      '(?<yo>\\d{4})(?=$)', // a year alone
    ].join('|') +
    ')',
  'i',
);
const ISO_TIME =
  /^(?:[T ]\s*|(?<=\d)(?=\d))(?<h>\d{1,2})(?::?(?<mi>\d{2})(?::?(?<s>\d{2})(?:[.,](?<f>\d+))?)?)?\s*(?<z>Z|[+-]\d{1,2}(?::?\d{2})?|(?:GMT|UTC|UT)(?:[+-]\d{1,2}(?::?\d{2})?)?|[A-Z]{3,5})?$/i;

/** Monday of ISO week 1 of `year`, as a UTC day number (ms). */
function isoWeekOneMonday(year: number): number {
  const jan4 = Date.UTC(year, 0, 4);
  const weekday = (new Date(jan4).getUTCDay() + 6) % 7; // Monday 0
  return jan4 - weekday * 86_400_000;
}

function parseIso8601(s: string): Date | undefined {
  const m = ISO_DATE.exec(s);
  if (!m?.groups) return undefined;
  const g = m.groups;
  let year: number;
  let month: number;
  let day: number;
  if (g.wy !== undefined) {
    const week = Number(g.ww);
    if (week < 1 || week > 53) return undefined;
    const t = isoWeekOneMonday(Number(g.wy)) + ((week - 1) * 7 + Number(g.wd ?? 1) - 1) * 86_400_000;
    const d = new Date(t);
    [year, month, day] = [d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()];
  } else if (g.oy !== undefined) {
    const ordinal = Number(g.od);
    const d = new Date(Date.UTC(Number(g.oy), 0, ordinal));
    if (ordinal < 1 || d.getUTCFullYear() !== Number(g.oy)) return undefined;
    [year, month, day] = [d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()];
  } else {
    year = Number(g.y ?? g.by ?? g.yo);
    month = Number(g.m ?? g.bm ?? 1) - 1;
    day = Number(g.d ?? g.bd ?? 1);
  }
  const rest = s.slice(m[0].length);
  if (rest === '') return utcDate(year, month, day, 0, 0, 0, 0, 0);
  const t = ISO_TIME.exec(rest)?.groups;
  if (!t) return undefined;
  // A time without a zone is read as UTC: W3C-DTF allows no better, and feeds that omit it are rare.
  const offset = t.z === undefined ? 0 : zoneOffset(t.z);
  if (offset === undefined) return undefined;
  const ms = t.f ? Math.round(Number(`0.${t.f}`) * 1000) : 0;
  return utcDate(year, month, day, Number(t.h), Number(t.mi ?? 0), Number(t.s ?? 0), Math.min(ms, 999), offset);
}

// ---------------------------------------------------------------------------------------------
// RFC 822 and everything else written in words: tokens in any order a feed has been seen to use

interface Parts {
  year?: number;
  month?: number;
  day?: number;
  time?: { h: number; mi: number; s: number; ms: number };
  pm?: boolean;
  am?: boolean;
  offset?: number;
}

function monthOf(token: string): number | undefined {
  const t = token.toLowerCase().replace(/\.$/, '');
  const exact = MONTHS.get(t);
  if (exact !== undefined) return exact;
  // English month names of any length from three letters: "Sept", "Octob".
  if (/^[a-z]{3,9}$/.test(t)) {
    const english = MONTH_NAMES[1]?.findIndex((name) => name.startsWith(t));
    if (english !== undefined && english >= 0) return english;
  }
  return undefined;
}

/** One token into `parts`; false when it is something no date has. */
function readToken(token: string, parts: Parts, first: boolean): boolean {
  const lower = token.toLowerCase();
  let m: RegExpExecArray | null;
  if ((m = /^(\d{1,2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?(am|pm)?$/i.exec(token))) {
    if (parts.time) return false;
    parts.time = { h: Number(m[1]), mi: Number(m[2]), s: Number(m[3] ?? 0), ms: m[4] ? Math.min(999, Math.round(Number(`0.${m[4]}`) * 1000)) : 0 };
    if (m[5]) (m[5].toLowerCase() === 'pm' ? (parts.pm = true) : (parts.am = true));
    return true;
  }
  if ((m = /^(\d{1,2})h(\d{2})$/i.exec(token))) return readToken(`${m[1]}:${m[2]}`, parts, first); // French 10h30
  if (/^(am|a\.m\.|오전)$/i.test(token)) return (parts.am = true);
  if (/^(pm|p\.m\.|오후)$/i.test(token)) return (parts.pm = true);
  // Perforce `2006/09/15`, and day-first numeric dates `15.09.2006` as written across Europe.
  if ((m = /^(\d{4})\/(\d{1,2})\/(\d{1,2})$/.exec(token))) return setDate(parts, Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  if ((m = /^(\d{1,2})\.(\d{1,2})\.(\d{4})$/.exec(token))) return setDate(parts, Number(m[3]), Number(m[2]) - 1, Number(m[1]));
  // Korean `2004년`, `05월`, `28일`.
  if ((m = /^(\d{4})년$/.exec(token))) return parts.year === undefined && (parts.year = Number(m[1])) > 0;
  if ((m = /^(\d{1,2})월$/.exec(token))) return parts.month === undefined && (parts.month = Number(m[1]) - 1) >= 0;
  if ((m = /^(\d{1,2})일$/.exec(token))) return parts.day === undefined && (parts.day = Number(m[1])) > 0;
  if ((m = /^(\d{4})-(\d{1,2})-(\d{1,2})$/.exec(token))) return setDate(parts, Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  if ((m = /^(\d{1,2})\.?$/.exec(token)) && parts.day === undefined) {
    parts.day = Number(m[1]);
    return true;
  }
  if ((m = /^(\d{4}|\d{2})$/.exec(token))) {
    if (parts.year !== undefined) return false;
    parts.year = fullYear(m[1] ?? '');
    return true;
  }
  const month = monthOf(token);
  if (month !== undefined && parts.month === undefined) {
    parts.month = month;
    return true;
  }
  const offset = parts.time || parts.year !== undefined ? zoneOffset(token) : undefined;
  if (offset !== undefined && parts.offset === undefined) {
    parts.offset = offset;
    return true;
  }
  if (first && WEEKDAYS.has(lower.replace(/\.$/, ''))) return true;
  if (FILLER.has(lower)) return true;
  return false;
}

function setDate(parts: Parts, year: number, month: number, day: number): boolean {
  if (parts.year !== undefined || parts.month !== undefined || parts.day !== undefined) return false;
  Object.assign(parts, { year, month, day });
  return true;
}

/**
 * RFC 822/1123/2822 and its relatives, read as tokens: `Tue, 06 Jan 2026 10:00:00 EEST`,
 * `Sun Jan  4 16:29:06 PST 2004` (asctime), `Fri, 2006/09/15 08:19:53 EDT` (Perforce),
 * `Κυρ, 11 Ιούλ 2004 12:00:00 EST`, `5 грудня 2026, 10:00`, `2004년 05월 28일 01:31:15`.
 * A leading word is a weekday when it is one or is followed by a comma; without a time the date is
 * midnight, without a zone UTC (Korean forms: KST, as feedparser reads them).
 */
function parseWords(s: string): Date | undefined {
  const tokens = s
    .replace(/(\d)(?:st|nd|rd|th)\b/gi, '$1')
    .replace(/([+-]\d{2}:?\d{2})\s*\([^)]*\)$/, '$1') // "+0300 (EEST)": the comment repeats the offset
    .split(/[\s,]+/)
    .filter((t) => t !== '');
  if (tokens.length < 2 || tokens.length > 9) return undefined;
  const parts: Parts = {};
  const korean = /[년월일]|오[전후]/.test(s);
  // A leading word is a weekday, whatever its language, when a comma follows it ("Mar, 05 Jan …") or
  // when it is a weekday name and a month name follows ("mar 05 janv 2026": French "mar" is Tuesday).
  const first = tokens[0] ?? '';
  const leadingWeekday =
    /^\p{L}+\.?$/u.test(first) &&
    (/^\s*\p{L}+\.?\s*,/u.test(s) || (WEEKDAYS.has(first.toLowerCase().replace(/\.$/, '')) && tokens.slice(1).some((t) => monthOf(t) !== undefined)));
  for (const [i, token] of tokens.entries()) {
    if (i === 0 && leadingWeekday) continue;
    if (!readToken(token, parts, i === 0)) return undefined;
  }
  const { year, month, day, time } = parts;
  if (year === undefined || month === undefined || day === undefined) return undefined;
  let h = time?.h ?? 0;
  if (parts.pm && h < 12) h += 12;
  if (parts.am && h === 12) h = 0;
  const offset = parts.offset ?? (korean ? 540 : 0);
  return utcDate(year, month, day, h, time?.mi ?? 0, time?.s ?? 0, time?.ms ?? 0, offset);
}

/** `2004-július-13T9:15-05:00`, `2026-дек-05`: a month name where ISO 8601 has a number. */
function parseIsoWithMonthName(s: string): Date | undefined {
  const m = /^(\d{4})-(\p{L}+\.?)-(\d{1,2})(.*)$/u.exec(s);
  if (!m) return undefined;
  const month = monthOf(m[2] ?? '');
  if (month === undefined) return undefined;
  return parseIso8601(`${m[1]}-${String(month + 1).padStart(2, '0')}-${(m[3] ?? '').padStart(2, '0')}${m[4] ?? ''}`);
}

/**
 * A feed's date string or Date as an instant, or undefined when it cannot be read. Tries, in order:
 * 1. a Date object (JSON Feed and front matter parsers may give one) — passed through if valid;
 * 2. ISO 8601 / RFC 3339 / W3C-DTF (Atom, JSON Feed, dc:date, front matter), every form above;
 * 3. the same with a month name in place of the month number (feedparser's Hungarian form);
 * 4. dates in words: RFC 822 and relatives, in any of the languages above.
 */
export function parseDate(value: string | Date): Date | undefined {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? undefined : new Date(value.getTime());
  const s = value.trim().replace(/\s+/g, ' ');
  if (s === '' || s.length > 100) return undefined;
  return parseIso8601(s) ?? parseIsoWithMonthName(s) ?? parseWords(s);
}
