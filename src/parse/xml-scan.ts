// A linear tokenizer of XML text for the repairs done before parsing (xml-feed.ts prepareXml) and the
// root sniffing of index.ts: every construct's end is found with one indexOf, never by a regular
// expression that could rescan the rest of the text from each start (an unclosed `<!--` repeated over
// 256 KB once cost seconds). An unclosed construct makes the rest of the text one Text token: such a
// document is not well-formed, and the XML parser reports it.

export type XmlToken =
  | { kind: 'text'; text: string }
  /** Comment, CDATA section, processing instruction or doctype: kept verbatim. */
  | { kind: 'markup'; text: string }
  | { kind: 'open'; name: string; attrs: string; selfClose: boolean; text: string }
  | { kind: 'close'; name: string; text: string };

/** Ends of the constructs that are copied verbatim, by how they start. */
const MARKUP_ENDS: readonly (readonly [string, string])[] = [
  ['<!--', '-->'],
  ['<![CDATA[', ']]>'],
  ['<?', '?>'],
];
const NAME = /[^\s>/!?]+/y;
const DOCTYPE = /<!DOCTYPE/iy;

/**
 * What scanSpans reports of one construct: where it lies, and for a tag where its name and attributes
 * lie. One object, reused from call to call: read it during the call, copy what is kept.
 */
export interface XmlSpan {
  kind: 'markup' | 'open' | 'close';
  /** The construct is `xml.slice(start, end)`. */
  start: number;
  end: number;
  /** A tag's name is `xml.slice(nameStart, nameEnd)`, its attributes `xml.slice(nameEnd, attrsEnd)`. */
  nameStart: number;
  nameEnd: number;
  attrsEnd: number;
  selfClose: boolean;
}

/** Where the markup construct starting at `at` ends (index after it), -1 when unclosed, 0 when none starts there. */
export function markupEnd(xml: string, at: number): number {
  // Every such construct begins `<!` or `<?`: a tag is told apart by one character.
  const next = xml.charCodeAt(at + 1);
  if (next !== BANG && next !== QUESTION) return 0;
  for (const [open, close] of MARKUP_ENDS) {
    if (xml.startsWith(open, at)) {
      const end = xml.indexOf(close, at + open.length);
      return end < 0 ? -1 : end + close.length;
    }
  }
  if (isDoctypeAt(xml, at)) return doctypeEnd(xml, at + '<!DOCTYPE'.length);
  return 0;
}

/** Whether a doctype declaration (`<!DOCTYPE`, any case) starts at `at`. */
export function isDoctypeAt(xml: string, at: number): boolean {
  DOCTYPE.lastIndex = at;
  return DOCTYPE.test(xml);
}

const BANG = 0x21;
const QUESTION = 0x3f;
const SLASH = 0x2f;
const GT = 0x3e;
const QUOTE = 0x22;
const APOSTROPHE = 0x27;

/** A doctype runs to the first `>` outside its `[…]` internal subset (which ends at its first `]`). */
function doctypeEnd(xml: string, from: number): number {
  for (let i = from; i < xml.length; i++) {
    const c = xml[i];
    if (c === '>') return i + 1;
    if (c === '[') {
      const close = xml.indexOf(']', i + 1);
      if (close < 0) return -1;
      i = close;
    }
  }
  return -1;
}

/** Fills `span` with the element tag starting at `at` (`<name …>` or `</name …>`); false when none does or it never closes. */
function tagSpan(xml: string, at: number, span: XmlSpan): boolean {
  const closing = xml.charCodeAt(at + 1) === SLASH;
  const nameStart = at + (closing ? 2 : 1);
  // test, not exec: the name's end is lastIndex, and no match array is made for each tag.
  NAME.lastIndex = nameStart;
  if (!NAME.test(xml)) return false;
  const nameEnd = NAME.lastIndex;
  for (let i = nameEnd; i < xml.length; i++) {
    const c = xml.charCodeAt(i);
    if (c === QUOTE || c === APOSTROPHE) {
      const close = xml.indexOf(c === QUOTE ? '"' : "'", i + 1);
      if (close < 0) return false;
      i = close;
    } else if (c === GT) {
      const selfClose = i > nameEnd && xml.charCodeAt(i - 1) === SLASH;
      span.kind = closing ? 'close' : 'open';
      span.start = at;
      span.end = i + 1;
      span.nameStart = nameStart;
      span.nameEnd = nameEnd;
      span.attrsEnd = selfClose ? i - 1 : i;
      span.selfClose = !closing && selfClose;
      return true;
    }
  }
  return false;
}

/**
 * Calls `visit` for each markup construct and tag in document order until it returns 'stop'; the
 * text between them is not reported. Stops at an unclosed construct (the rest is text). Linear in the
 * length of `xml`, and makes no object or string per construct (see XmlSpan).
 */
export function scanSpans(xml: string, visit: (span: Readonly<XmlSpan>) => void | 'stop'): void {
  const span: XmlSpan = { kind: 'markup', start: 0, end: 0, nameStart: 0, nameEnd: 0, attrsEnd: 0, selfClose: false };
  let at = xml.indexOf('<');
  while (at >= 0) {
    const end = markupEnd(xml, at);
    if (end < 0) return;
    if (end > 0) {
      span.kind = 'markup';
      span.start = at;
      span.end = end;
    } else if (!tagSpan(xml, at, span)) {
      if (unclosedTag(xml, at)) return;
      at = xml.indexOf('<', at + 1); // a `<` that starts nothing (`a < b`): text, as the parser will say
      continue;
    }
    if (visit(span) === 'stop') return;
    at = xml.indexOf('<', span.end);
  }
}

/** Calls `visit` for each token in document order until it returns 'stop'; linear in the length of `xml`. */
export function scanXml(xml: string, visit: (token: XmlToken) => void | 'stop'): void {
  let textStart = 0;
  let stopped = false;
  scanSpans(xml, (span) => {
    if (span.start > textStart) visit({ kind: 'text', text: xml.slice(textStart, span.start) });
    if (visit(tokenOf(xml, span)) === 'stop') {
      stopped = true;
      return 'stop';
    }
    textStart = span.end;
    return undefined;
  });
  if (!stopped && xml.length > textStart) visit({ kind: 'text', text: xml.slice(textStart) });
}

function tokenOf(xml: string, span: Readonly<XmlSpan>): XmlToken {
  const text = xml.slice(span.start, span.end);
  if (span.kind === 'markup') return { kind: 'markup', text };
  const name = xml.slice(span.nameStart, span.nameEnd);
  if (span.kind === 'close') return { kind: 'close', name, text };
  return { kind: 'open', name, attrs: xml.slice(span.nameEnd, span.attrsEnd), selfClose: span.selfClose, text };
}

/** Whether a `<name` at `at` runs to the end of the text without its `>`: then no later tag can close either. */
function unclosedTag(xml: string, at: number): boolean {
  NAME.lastIndex = at + (xml[at + 1] === '/' ? 2 : 1);
  return NAME.test(xml);
}

/** The deepest element nesting of `xml`, counting no further than `limit + 1`; linear. */
export function nestingDepth(xml: string, limit: number): number {
  let depth = 0;
  let deepest = 0;
  scanSpans(xml, (span) => {
    if (span.kind === 'open' && !span.selfClose) {
      depth++;
      deepest = Math.max(deepest, depth);
      if (deepest > limit) return 'stop';
    } else if (span.kind === 'close' && depth > 0) depth--;
    return undefined;
  });
  return deepest;
}
