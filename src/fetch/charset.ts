// Bytes → string for fetched feed bodies: picks the character set once, in a documented order, decodes
// once with iconv-lite, and rewrites the XML declaration so string-based parsers never decode again.

import iconv from 'iconv-lite';
import chardet from 'chardet';

/** Which rule chose the character set; in order of precedence. */
export type CharsetSource = 'bom' | 'http' | 'xml' | 'meta' | 'json' | 'detected' | 'default';

export interface DecodedBody {
  text: string;
  /** The iconv-lite name the body was decoded with, lowercased (`utf-8`, `windows-1251`, `koi8-u`…). */
  charset: string;
  source: CharsetSource;
}

/**
 * Decodes a feed body. The order, first match wins:
 * 1. a byte order mark (UTF-8, UTF-16LE, UTF-16BE), which is removed;
 * 2. the `charset=` parameter of the HTTP Content-Type, when iconv-lite knows it under that label or
 *    another spelling (WHATWG's `x-mac-cyrillic`, `x-cp1251`, `koi8`, `dos-866`, `ibm00858`…);
 * 3. for XML, the `encoding="…"` of the XML declaration read from the raw bytes as ASCII, or the
 *    UTF-16 byte pattern of `<?` (XML 1.0 appendix F) when there is no BOM;
 * 4. for JSON (JSON Feed), UTF-8: RFC 8259 allows nothing else;
 * 5. detection: bytes that are valid UTF-8 are UTF-8; Cyrillic text (words wholly in bytes above
 *    0x7F) the Cyrillic code page whose letter frequencies fit best; otherwise chardet's best guess;
 * 6. UTF-8.
 * An XML declaration in the decoded text then says `encoding="UTF-8"`, since the text is no longer in
 * the declared encoding and xml2js/sax would otherwise be told a lie.
 */
export function decodeFeedBody(bytes: Uint8Array, contentType?: string): DecodedBody {
  const { charset, source, bomLength } = chooseCharset(bytes, contentType);
  const text = iconv.decode(Buffer.from(bytes.buffer, bytes.byteOffset + bomLength, bytes.byteLength - bomLength), charset, {
    stripBOM: false,
  });
  return { text: rewriteXmlDeclaration(text), charset, source };
}

/**
 * Decodes an HTML page (an article page fetched for its full text): a byte order mark, then the HTTP
 * charset, then `<meta charset>` or `<meta http-equiv="Content-Type" content="…; charset=…">` in
 * the first 1024 bytes (the HTML standard's prescan length), then detection as for feeds, then UTF-8.
 */
export function decodeHtmlBody(bytes: Uint8Array, contentType?: string): DecodedBody {
  const bom = bomCharset(bytes);
  const http = supported(httpCharset(contentType));
  const meta = supported(metaCharset(bytes));
  const detected = detectCharset(bytes);
  const choice: Choice = bom
    ? { charset: bom.charset, source: 'bom', bomLength: bom.length }
    : http
      ? { charset: http, source: 'http', bomLength: 0 }
      : meta
        ? { charset: meta, source: 'meta', bomLength: 0 }
        : { charset: detected ?? 'utf-8', source: detected ? 'detected' : 'default', bomLength: 0 };
  const body = Buffer.from(bytes.buffer, bytes.byteOffset + choice.bomLength, bytes.byteLength - choice.bomLength);
  return { text: iconv.decode(body, choice.charset, { stripBOM: false }), charset: choice.charset, source: choice.source };
}

/** The charset a `<meta>` declares in the page's first 1024 bytes, read as ASCII. */
function metaCharset(b: Uint8Array): string | undefined {
  const head = Buffer.from(b.buffer, b.byteOffset, Math.min(b.byteLength, 1024)).toString('latin1');
  const label = /charset\s*=\s*["']?\s*([A-Za-z0-9][A-Za-z0-9._:-]*)/i;
  for (const tag of head.match(/<meta\s[^>]*>/gi) ?? []) {
    const content = /\bcontent\s*=\s*(?:"([^"]*)"|'([^']*)')/i.exec(tag);
    // `<meta charset=…>`, an attribute of its own; or the charset inside http-equiv's content.
    const own = label.exec(content ? tag.replace(content[0], '') : tag)?.[1];
    const inContent = /http-equiv\s*=\s*["']?content-type/i.test(tag) ? label.exec(content?.[1] ?? content?.[2] ?? '')?.[1] : undefined;
    const declared = own ?? inContent;
    // A page that says UTF-16 in ASCII bytes is not UTF-16 (the HTML standard reads it as UTF-8).
    if (declared) return /^utf-?16/i.test(declared) ? 'utf-8' : declared;
  }
  return undefined;
}

interface Choice {
  charset: string;
  source: CharsetSource;
  bomLength: number;
}

function chooseCharset(bytes: Uint8Array, contentType: string | undefined): Choice {
  const bom = bomCharset(bytes);
  if (bom) return { charset: bom.charset, source: 'bom', bomLength: bom.length };

  const http = supported(httpCharset(contentType));
  if (http) return { charset: http, source: 'http', bomLength: 0 };

  const xml = supported(xmlDeclaredCharset(bytes));
  if (xml) return { charset: xml, source: 'xml', bomLength: 0 };

  if (isJson(bytes, contentType)) return { charset: 'utf-8', source: 'json', bomLength: 0 };

  const detected = detectCharset(bytes);
  if (detected) return { charset: detected, source: 'detected', bomLength: 0 };

  return { charset: 'utf-8', source: 'default', bomLength: 0 };
}

function bomCharset(b: Uint8Array): { charset: string; length: number } | undefined {
  if (b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf) return { charset: 'utf-8', length: 3 };
  if (b[0] === 0xff && b[1] === 0xfe) return { charset: 'utf-16le', length: 2 };
  if (b[0] === 0xfe && b[1] === 0xff) return { charset: 'utf-16be', length: 2 };
  return undefined;
}

/** The `charset` parameter of a Content-Type header value, unquoted; undefined when absent. */
export function httpCharset(contentType: string | undefined): string | undefined {
  if (!contentType) return undefined;
  const m = /;\s*charset\s*=\s*(?:"([^"]*)"|([^;\s]*))/i.exec(contentType);
  const value = (m?.[1] ?? m?.[2])?.trim();
  return value ? value : undefined;
}

function xmlDeclaredCharset(b: Uint8Array): string | undefined {
  // Without a BOM, UTF-16 shows itself by the zero bytes around `<?` (XML 1.0 appendix F).
  if (b[0] === 0x3c && b[1] === 0x00 && b[2] === 0x3f && b[3] === 0x00) return 'utf-16le';
  if (b[0] === 0x00 && b[1] === 0x3c && b[2] === 0x00 && b[3] === 0x3f) return 'utf-16be';
  // Every encoding a feed may declare is ASCII-compatible up to the end of the declaration.
  const head = Buffer.from(b.buffer, b.byteOffset, Math.min(b.byteLength, 512)).toString('latin1');
  const declared = /^\s*<\?xml\s[^>]*?\bencoding\s*=\s*["']([A-Za-z0-9][A-Za-z0-9._:-]*)["']/.exec(head)?.[1];
  // A declaration readable as ASCII cannot be in UTF-16/32, whatever it says.
  if (declared && /^(utf-?16|utf-?32|ucs-?2)/i.test(declared)) return undefined;
  return declared;
}

function isJson(b: Uint8Array, contentType: string | undefined): boolean {
  if (contentType && /\bjson\b/i.test(contentType.split(';')[0] ?? '')) return true;
  for (const byte of b) {
    if (byte === 0x20 || byte === 0x09 || byte === 0x0a || byte === 0x0d) continue;
    return byte === 0x7b; // `{`: a JSON Feed is an object
  }
  return false;
}

function detectCharset(b: Uint8Array): string | undefined {
  if (isValidUtf8(b)) return 'utf-8';
  const guess = supported(chardet.detect(b) ?? undefined);
  // chardet needs more text than a short feed has: it reads a few hundred bytes of windows-1251 as
  // windows-1252 and knows no KOI8-U. Where it guessed a Cyrillic or Western code page, Cyrillic text
  // (words written wholly in bytes above 0x7F) is decided by letter frequencies instead.
  if (guess === undefined || CYRILLIC_OR_WESTERN.has(guess)) return detectCyrillic(b) ?? guess;
  return guess;
}

/** chardet's guesses for short Cyrillic text; not Greek, Arabic, Hebrew or CJK, whose words are all high bytes too. */
const CYRILLIC_OR_WESTERN = new Set([
  'windows-1251', 'koi8-r', 'koi8-u', 'iso-8859-5', 'ibm866', 'cp866', 'maccyrillic',
  // Latin code pages: their words mix ASCII letters with accented ones, so looksCyrillic refuses them.
  'windows-1252', 'iso-8859-2', 'windows-1250', 'iso-8859-9', 'windows-1254', 'iso-8859-15',
]);

const CYRILLIC_SAMPLE_BYTES = 64 * 1024;

/** The code pages Ukrainian and Russian feeds are written in; on a tie the first wins. */
const CYRILLIC_CANDIDATES = ['windows-1251', 'koi8-r', 'koi8-u', 'cp866', 'iso-8859-5'] as const;

/**
 * Relative frequency (per mille) of lowercase letters in Ukrainian and Russian prose, both languages
 * in one table: the decoding that turns the bytes into the likeliest letters wins.
 */
const CYRILLIC_FREQ: Record<string, number> = {
  о: 100, а: 80, е: 75, и: 65, н: 65, т: 58, і: 45, с: 50, р: 47, в: 45, л: 42, к: 35, м: 30, д: 30,
  п: 27, у: 27, я: 20, ь: 16, ы: 15, г: 16, з: 17, б: 16, ч: 13, й: 11, х: 9, ж: 8, ї: 7, ш: 7, ю: 6,
  є: 4, ц: 5, щ: 4, э: 3, ф: 2, ё: 2, ъ: 1, ґ: 1,
};

/**
 * The Cyrillic code page the bytes read best in, or undefined when they do not look like Cyrillic text.
 * Cyrillic words consist only of bytes above 0x7F, while accented Latin words mix them with ASCII
 * letters; the candidates then differ in which bytes are letters at all (cp866 and ISO-8859-5 put
 * box drawing or symbols where the others have letters, KOI8-R has box drawing for і, ї, є, ґ) and in
 * letter case (KOI8 and windows-1251 swap upper and lower case), which frequencies of lowercase
 * letters in running text tell apart.
 */
function detectCyrillic(bytes: Uint8Array): string | undefined {
  // A sample is enough to tell the code pages apart: a 10 MB body is not decoded five times over.
  const b = bytes.subarray(0, CYRILLIC_SAMPLE_BYTES);
  if (!looksCyrillic(b)) return undefined;
  let best: { charset: string; score: number } | undefined;
  for (const charset of CYRILLIC_CANDIDATES) {
    const score = cyrillicScore(iconv.decode(Buffer.from(b.buffer, b.byteOffset, b.byteLength), charset));
    if (!best || score > best.score) best = { charset, score };
  }
  return best && best.score > 0 ? best.charset : undefined;
}

/** Most words that contain bytes above 0x7F consist of nothing else. */
function looksCyrillic(b: Uint8Array): boolean {
  let highWords = 0;
  let pureHighWords = 0;
  let hasHigh = false;
  let hasAsciiLetter = false;
  const endWord = (): void => {
    if (hasHigh) {
      highWords++;
      if (!hasAsciiLetter) pureHighWords++;
    }
    hasHigh = false;
    hasAsciiLetter = false;
  };
  for (const byte of b) {
    if (byte >= 0x80) hasHigh = true;
    else if ((byte >= 0x41 && byte <= 0x5a) || (byte >= 0x61 && byte <= 0x7a)) hasAsciiLetter = true;
    else endWord();
  }
  endWord();
  return highWords >= 3 && pureHighWords >= highWords * 0.6;
}

function cyrillicScore(text: string): number {
  let score = 0;
  let previousIsLetter = false;
  for (const ch of text) {
    const code = ch.codePointAt(0) ?? 0;
    if (code < 0x80) {
      previousIsLetter = /[A-Za-z]/.test(ch);
      continue;
    }
    const lower = ch.toLowerCase();
    const freq = CYRILLIC_FREQ[lower];
    if (freq === undefined) {
      score -= 50; // box drawing, symbols, Latin letters: not what these feeds are written in
      previousIsLetter = false;
      continue;
    }
    // Capitals start words; inside a word a capital letter is a sign of the wrong code page.
    score += lower === ch ? freq : previousIsLetter ? -freq : freq / 4;
    previousIsLetter = true;
  }
  return score;
}

function isValidUtf8(b: Uint8Array): boolean {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(b);
    return true;
  } catch (err) {
    if (err instanceof TypeError) return false;
    throw err;
  }
}

/**
 * A label iconv-lite can decode, normalized; undefined for unknown labels so the next rule applies.
 * Latin-1 and ASCII labels mean windows-1252, as in browsers (WHATWG Encoding): feeds that say
 * ISO-8859-1 routinely contain windows-1252 quotes and dashes in 0x80–0x9F, which Latin-1 has as
 * control characters; the two agree on every other byte.
 */
function supported(label: string | undefined): string | undefined {
  if (!label) return undefined;
  const name = label.trim().replace(/^["']|["']$/g, '').toLowerCase();
  if (['iso-8859-1', 'iso8859-1', 'latin1', 'l1', 'us-ascii', 'ascii', 'iso_8859-1'].includes(name)) {
    return 'windows-1252';
  }
  for (const candidate of [LABEL_ALIASES[name], name, ...spellings(name)]) {
    if (candidate && iconv.encodingExists(candidate)) return candidate;
  }
  return undefined;
}

/** Labels in use (WHATWG Encoding's among them) that iconv-lite knows under another name. */
const LABEL_ALIASES: Record<string, string> = {
  'x-mac-roman': 'macroman', 'x-mac-cyrillic': 'maccyrillic', 'x-mac-ukrainian': 'macukraine',
  'mac-ukrainian': 'macukraine', 'x-mac-greek': 'macgreek', 'x-mac-ce': 'maccenteuro',
  'x-mac-centraleurope': 'maccenteuro', 'mac-centraleurope': 'maccenteuro', 'x-mac-turkish': 'macturkish',
  'x-mac-icelandic': 'maciceland', 'mac-icelandic': 'maciceland', 'x-mac-croatian': 'maccroatian',
  'x-mac-romania': 'macromania', 'x-mac-romanian': 'macromania', 'mac-romanian': 'macromania', 'x-mac-thai': 'macthai',
  koi: 'koi8-r', koi8: 'koi8-r', 'x-ibm874': 'windows-874',
};

/** Other spellings of a label: without `x-`/`cs`, `ibm00858`/`dos-866`/`x-cp1251` → `cp…`. */
function spellings(name: string): string[] {
  const bare = name.replace(/^x-/, '').replace(/^cs(?=[a-z])/, '');
  const digits = /^(?:x-)?(?:ibm|dos|cp|ms|windows)?[-_ ]?0*(\d{3,5})$/.exec(name)?.[1];
  return [bare, ...(digits ? [`cp${digits}`, `windows-${digits}`] : [])];
}

function rewriteXmlDeclaration(text: string): string {
  return text.replace(
    /^(\s*<\?xml\s[^>]*?\bencoding\s*=\s*)(["'])[^"']*\2/,
    (_whole, head: string, quote: string) => `${head}${quote}UTF-8${quote}`,
  );
}
