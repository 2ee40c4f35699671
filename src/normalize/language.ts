// Language detection for articles that do not declare one: a script guard for Ukrainian, then
// franc-min's trigram model, mapped from ISO 639-3 to the BCP 47 tags the feeds publish.

import { franc } from 'franc-min';

/**
 * ISO 639-3 (franc) → BCP 47. BCP 47 requires the two-letter ISO 639-1 code where one exists;
 * languages franc-min knows that have none keep their three-letter code. Anything not listed is
 * reported as undetermined rather than guessed.
 */
const ISO639_3_TO_BCP47: Record<string, string> = {
  ukr: 'uk', rus: 'ru', bel: 'be', bul: 'bg', srp: 'sr', bos: 'bs', hrv: 'hr', kaz: 'kk',
  eng: 'en', fra: 'fr', deu: 'de', pol: 'pl', spa: 'es', ita: 'it', por: 'pt', nld: 'nl',
  ces: 'cs', ron: 'ro', hun: 'hu', swe: 'sv', tur: 'tr', vie: 'vi', ind: 'id', zlm: 'ms',
  jav: 'jv', sun: 'su', swh: 'sw', hau: 'ha', yor: 'yo', ibo: 'ig', zul: 'zu', som: 'so',
  kin: 'rw', run: 'rn', lin: 'ln', nya: 'ny', plt: 'mg', tgl: 'tl', uzn: 'uz', azj: 'az',
  arb: 'ar', urd: 'ur', pes: 'fa', hin: 'hi', mar: 'mr', npi: 'ne', ceb: 'ceb', ilo: 'ilo',
  mai: 'mai', bho: 'bho', mag: 'mag', skr: 'skr', ckb: 'ckb', koi: 'koi', mad: 'mad',
};

/** Enough text for a stable trigram profile; more only costs time. */
const SAMPLE_CHARS = 2000;

/** Fewer letters than this and franc's answer is a coin toss. */
const MIN_LETTERS_FOR_GUESS = 30;

/** Letters only Ukrainian uses among Cyrillic languages franc-min knows (ї, є, ґ; і is also Belarusian). */
const UKRAINIAN_ONLY = /[їєґЇЄҐ]/u;
const UKRAINIAN_OR_BELARUSIAN = /[іІ]/u;
const CYRILLIC = /\p{Script=Cyrillic}/u;
/** Letters Ukrainian never uses: Russian/Bulgarian/Belarusian ones, and Kazakh (which shares і). */
const NOT_UKRAINIAN = /[ыэъёўЫЭЪЁЎәғқңөұүһӘҒҚҢӨҰҮҺ]/u;

/**
 * The BCP 47 primary language of `text` (`uk`, `ru`, `en`…), or undefined when it cannot be told.
 */
export function detectLanguage(text: string): string | undefined {
  const sample = text.slice(0, SAMPLE_CHARS);
  // franc confuses uk/ru/bg on short texts; the alphabet settles it. Belarusian and Kazakh share
  // і but write letters (ў, ы, қ…) that NOT_UKRAINIAN rules out.
  if (!NOT_UKRAINIAN.test(sample) && (UKRAINIAN_ONLY.test(sample) || UKRAINIAN_OR_BELARUSIAN.test(sample))) {
    return 'uk';
  }
  // Trigram guesses on a few words are noise (franc calls "Hello world" Somali); say nothing instead.
  if (sample.replace(/[^\p{L}]/gu, '').length < MIN_LETTERS_FOR_GUESS) return undefined;
  // The converse: prose of any length in Ukrainian without one і/ї/є/ґ does not occur, so Cyrillic
  // text lacking them is never Ukrainian, whatever franc's nearly tied trigram scores say.
  const ukrainianImpossible = CYRILLIC.test(sample) && !UKRAINIAN_ONLY.test(sample) && !UKRAINIAN_OR_BELARUSIAN.test(sample);
  const code = franc(sample, ukrainianImpossible ? { ignore: ['ukr'] } : {});
  if (code === 'und') return undefined;
  return ISO639_3_TO_BCP47[code];
}
