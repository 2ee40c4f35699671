// XML text safety for every XML renderer (RSS, Atom, OPML): the ONE place that escapes and that strips
// characters XML 1.0 cannot carry. Renderers build markup from these helpers and never escape by hand.

/**
 * Characters outside the XML 1.0 `Char` production (C0 controls other than tab/LF/CR, lone surrogates,
 * U+FFFE/U+FFFF). A single one makes the whole document ill-formed, so they are dropped, not escaped:
 * XML 1.0 has no escape for them (`&#1;` is just as illegal).
 */
const ILLEGAL_XML_CHARS =
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

const MAYBE_ILLEGAL_XML_CHARS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF\uD800-\uDFFF]/;

/** Removes XML-illegal characters. JSON Feed uses it too, so every format publishes the same title. */
export function stripIllegalXmlChars(value: string): string {
  // A plain scan for any code unit the pattern above could remove (surrogates of valid pairs too) is
  // several times cheaper than its lookarounds; clean text, nearly all text, skips the replace.
  return MAYBE_ILLEGAL_XML_CHARS.test(value) ? value.replace(ILLEGAL_XML_CHARS, '') : value;
}

/**
 * Escapes character data. `>` is escaped so `]]>` can never appear; CR becomes `&#13;` because a parser
 * would otherwise normalize it to LF and the text would not round-trip.
 */
export function escapeText(value: string): string {
  const text = stripIllegalXmlChars(value);
  // Most values (dates, ids, names) need no escape: one scan instead of four replaces.
  if (!TEXT_SPECIALS.test(text)) return text;
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\r/g, '&#13;');
}

const TEXT_SPECIALS = /[&<>\r]/;

/**
 * Escapes an attribute value for double quotes. Tab, LF and CR become character references because
 * attribute-value normalization would turn the literal characters into spaces.
 */
export function escapeAttr(value: string): string {
  const text = escapeText(value);
  if (!ATTR_SPECIALS.test(text)) return text;
  return text.replace(/"/g, '&quot;').replace(/\t/g, '&#9;').replace(/\n/g, '&#10;');
}

const ATTR_SPECIALS = /["\t\n]/;

/**
 * Plain text to an HTML fragment, for fields readers treat as HTML (RSS `<description>`). Call
 * `escapeText` on the result as usual: the HTML escape and the XML escape are two different layers.
 */
export function plainTextToHtml(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Attribute values by name; `undefined` leaves the attribute out, so callers can list optional ones. */
export type Attrs = Record<string, string | number | undefined>;

function renderAttrs(attrs: Attrs): string {
  let out = '';
  for (const [name, value] of Object.entries(attrs)) {
    if (value !== undefined) out += ` ${name}="${escapeAttr(String(value))}"`;
  }
  return out;
}

/** `<name attrs>text</name>`; the text is escaped here. */
export function textElement(name: string, text: string, attrs: Attrs = {}): string {
  return `<${name}${renderAttrs(attrs)}>${escapeText(text)}</${name}>`;
}

/** `<name attrs/>`. */
export function emptyElement(name: string, attrs: Attrs): string {
  return `<${name}${renderAttrs(attrs)}/>`;
}

/**
 * `<name attrs>children</name>`, children already rendered by these helpers, one per line. Concatenated
 * with `+`, not join(): join copies every child into a new flat string, so a body nested in item,
 * channel and rss was copied once per level; `+` makes a rope that is flattened once, when sent.
 */
export function parentElement(name: string, children: readonly string[], attrs: Attrs = {}): string {
  let inner = children.length === 0 ? '' : '\n';
  for (const child of children) inner += child + '\n';
  return `<${name}${renderAttrs(attrs)}>${inner}</${name}>`;
}

export const XML_DECLARATION = '<?xml version="1.0" encoding="utf-8"?>';
