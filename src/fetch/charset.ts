// Bytes → string for fetched feed bodies: picks the character set once, in a documented order, decodes
// once with iconv-lite, and rewrites the XML declaration so string-based parsers never decode again.

import iconv from 'iconv-lite';
import chardet from 'chardet';

/** Which rule chose the character set; in order of precedence. */
export type CharsetSource = 'bom' | 'http' | 'xml' | 'json' | 'detected' | 'default';

export interface DecodedBody {
  text: string;
  /** The iconv-lite name the body was decoded with, lowercased (`utf-8`, `windows-1251`, `koi8-u`…). */
  charset: string;
  source: CharsetSource;
}

/**
 * Decodes a feed body. The order, first match wins:
 * 1. a byte order mark (UTF-8, UTF-16LE, UTF-16BE), which is removed;
 * 2. the `charset=` parameter of the HTTP Content-Type, when iconv-lite knows it;
 * 3. for XML, the `encoding="…"` of the XML declaration read from the raw bytes as ASCII, or the
 *    UTF-16 byte pattern of `<?` (XML 1.0 appendix F) when there is no BOM;
 * 4. for JSON (JSON Feed), UTF-8: RFC 8259 allows nothing else;
 * 5. detection: bytes that are valid UTF-8 are UTF-8, otherwise chardet's best guess;
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
  const declared = /^\s*<\?xml\s[^>]*?\bencoding\s*=\s*["']([A-Za-z][A-Za-z0-9._:-]*)["']/.exec(head)?.[1];
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

/** KOI8-U differs from KOI8-R only where KOI8-R has box-drawing characters, which no feed text uses. */
const KOI8_U_ONLY_BYTES = new Set([0xa4, 0xa6, 0xa7, 0xad, 0xb4, 0xb6, 0xb7, 0xbd]);

function detectCharset(b: Uint8Array): string | undefined {
  if (isValidUtf8(b)) return 'utf-8';
  const guess = supported(chardet.detect(b) ?? undefined);
  // chardet knows no KOI8-U, and reads Ukrainian KOI8 as KOI8-R with і, ї, є, ґ as box-drawing.
  if (guess === 'koi8-r' && b.some((byte) => KOI8_U_ONLY_BYTES.has(byte))) return 'koi8-u';
  return guess;
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
  const name = label.trim().toLowerCase();
  if (['iso-8859-1', 'iso8859-1', 'latin1', 'l1', 'us-ascii', 'ascii', 'iso_8859-1'].includes(name)) {
    return 'windows-1252';
  }
  return iconv.encodingExists(name) ? name : undefined;
}

function rewriteXmlDeclaration(text: string): string {
  return text.replace(
    /^(\s*<\?xml\s[^>]*?\bencoding\s*=\s*)(["'])[^"']*\2/,
    (_whole, head: string, quote: string) => `${head}${quote}UTF-8${quote}`,
  );
}
