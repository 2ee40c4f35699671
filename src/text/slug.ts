// URL slugs for local article pages: lowercase ASCII, digits and dashes, stable for the same title.
// Cyrillic is transliterated with the official Ukrainian table (KMU resolution No. 55, 2010),
// extended with the Russian-only letters; other scripts' diacritics are stripped via NFKD.

/** KMU 2010, position-independent values. Letters whose value depends on position are below. */
const CYRILLIC: Record<string, string> = {
  а: 'a', б: 'b', в: 'v', г: 'h', ґ: 'g', д: 'd', е: 'e', є: 'ie', ж: 'zh', з: 'z', и: 'y', і: 'i',
  ї: 'i', й: 'i', к: 'k', л: 'l', м: 'm', н: 'n', о: 'o', п: 'p', р: 'r', с: 's', т: 't', у: 'u',
  ф: 'f', х: 'kh', ц: 'ts', ч: 'ch', ш: 'sh', щ: 'shch', ь: '', ю: 'iu', я: 'ia',
  // Russian letters absent from Ukrainian.
  ы: 'y', э: 'e', ё: 'yo', ъ: '',
};

/** KMU 2010: these letters are written differently at the start of a word. */
const WORD_INITIAL: Record<string, string> = { є: 'ye', ї: 'yi', й: 'y', ю: 'yu', я: 'ya' };

/** Apostrophes inside words (п’ять, п'ять, пʼять): dropped, and they do not start a new word. */
const APOSTROPHES = new Set(["'", '’', 'ʼ', '‘', '`']);

/** Latin letters NFKD does not decompose. */
const LATIN_EXTRA: Record<string, string> = {
  ß: 'ss', æ: 'ae', œ: 'oe', ø: 'o', ł: 'l', đ: 'd', ð: 'd', þ: 'th', ı: 'i', ħ: 'h',
};

const MAX_LENGTH = 80;

function transliterate(text: string): string {
  let out = '';
  let prevIsWordChar = false;
  let prev = '';
  for (const ch of text) {
    if (APOSTROPHES.has(ch)) {
      // KMU drops the apostrophe; the next letter is still inside the word (п’ять → piat).
      continue;
    }
    // KMU 2010 writes "зг" as "zgh" so it is not read as "ж" (zh): Згорани → Zghorany.
    if (ch === 'г' && prev === 'з') {
      out += 'gh';
      prev = ch;
      prevIsWordChar = true;
      continue;
    }
    const initial = !prevIsWordChar ? WORD_INITIAL[ch] : undefined;
    const mapped = initial ?? CYRILLIC[ch] ?? LATIN_EXTRA[ch];
    out += mapped ?? ch;
    prevIsWordChar = /[\p{L}\p{N}]/u.test(ch);
    prev = ch;
  }
  return out;
}

/**
 * A URL-safe slug for a title: `Привіт, світе!` → `pryvit-svite`. At most 80 characters, cut at a
 * dash. Returns '' when the title has no letters or digits at all; the caller picks a fallback.
 */
export function slugify(title: string): string {
  // NFC first so a decomposed "й" (и + breve) is seen as one letter by the table.
  const lower = title.normalize('NFC').toLowerCase();
  const latin = transliterate(lower)
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '');
  let slug = latin
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  if (slug.length > MAX_LENGTH) {
    const cut = slug.slice(0, MAX_LENGTH + 1);
    const lastDash = cut.lastIndexOf('-');
    slug = (lastDash > 0 ? cut.slice(0, lastDash) : slug.slice(0, MAX_LENGTH)).replace(/-+$/g, '');
  }
  return slug;
}

/** True when `s` is already a slug: lowercase ASCII letters and digits, single dashes between. */
export function isSlug(s: string): boolean {
  return /^[a-z0-9]+(?:[-_][a-z0-9]+)*$/.test(s) && s.length <= MAX_LENGTH * 2;
}
