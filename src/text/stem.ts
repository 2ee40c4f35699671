// Word stemming shared by the classifier (keywords) and search (query words): strips inflection
// endings so Франція and Франції, sanctions and sanctioned share a stem. Pure and dependency-free,
// below every step of the data flow.

/** A stem never gets shorter than this: short stems match too many unrelated words. */
export const MIN_STEM = 4;

const CYRILLIC_ENDING = /[аяоеєіїиуюьй]+$/iu;
const LATIN_ENDING = /(?:ing|ed|es|s)$/i;
const LATIN_FINAL_VOWEL = /[ey]$/i;

/**
 * Strips a final run of vowels / soft sign / й (Ukrainian: Франція → Франц, Зеленський → Зеленськ)
 * or English endings s/es/ed/ing and a final e/y; a stem keeps at least MIN_STEM letters. Only the
 * last segment of a hyphenated word inflects.
 */
export function stem(word: string): string {
  const cut = Math.max(word.lastIndexOf('-'), 0);
  const head = word.slice(0, cut);
  const last = word.slice(cut);
  // An ASCII ending is never Cyrillic: most Latin words skip the Unicode script test.
  const stripped = !endsInAscii(last) && /\p{Script=Cyrillic}$/u.test(last) ? stripCyrillic(last) : stripLatin(last);
  return head + stripped;
}

function stripCyrillic(word: string): string {
  const ending = CYRILLIC_ENDING.exec(word)?.[0] ?? '';
  let keep = word.length - ending.length;
  // Росія would become Рос: keep vowels of the ending until the stem is long enough.
  while (keep < MIN_STEM && keep < word.length) keep += 1;
  return word.slice(0, keep);
}

function stripLatin(word: string): string {
  let result = word;
  const ending = LATIN_ENDING.exec(result)?.[0];
  if (ending && result.length - ending.length >= MIN_STEM) result = result.slice(0, -ending.length);
  if (LATIN_FINAL_VOWEL.test(result) && result.length - 1 >= MIN_STEM) result = result.slice(0, -1);
  return result;
}

/**
 * Case endings that contain a consonant (-ого, -ому, -ами, -ах…): a keyword's pattern allows up to
 * four letters after its stem, so the classifier never strips them, but a query word is matched as a
 * prefix and must lose them (зеленського → зеленськ, which begins Зеленський).
 */
const CYRILLIC_CASE_ENDING = /(?:ого|ому|ими|ами|ями|ам|ям|ах|ях|ом|ем|им|ів|їв|ей)$/iu;

/** The stem of a search word: its case ending with a consonant off, then stem(). */
export function searchStem(word: string): string {
  const ending = endsInAscii(word) ? undefined : CYRILLIC_CASE_ENDING.exec(word)?.[0];
  const trimmed = ending && [...word].length - ending.length >= MIN_STEM ? word.slice(0, -ending.length) : word;
  return stem(trimmed);
}

function endsInAscii(word: string): boolean {
  return word.length > 0 && word.charCodeAt(word.length - 1) < 0x80;
}
