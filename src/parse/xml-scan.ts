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

/** Where the markup construct starting at `at` ends (index after it), -1 when unclosed, 0 when none starts there. */
export function markupEnd(xml: string, at: number): number {
  for (const [open, close] of MARKUP_ENDS) {
    if (xml.startsWith(open, at)) {
      const end = xml.indexOf(close, at + open.length);
      return end < 0 ? -1 : end + close.length;
    }
  }
  DOCTYPE.lastIndex = at;
  if (DOCTYPE.test(xml)) return doctypeEnd(xml, at + '<!DOCTYPE'.length);
  return 0;
}

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

/** The element tag starting at `at` (`<name …>` or `</name …>`), or undefined when none does or it never closes. */
function tagAt(xml: string, at: number): Extract<XmlToken, { kind: 'open' | 'close' }> | undefined {
  const closing = xml[at + 1] === '/';
  NAME.lastIndex = at + (closing ? 2 : 1);
  const name = NAME.exec(xml)?.[0];
  if (name === undefined) return undefined;
  const attrsStart = NAME.lastIndex;
  for (let i = attrsStart; i < xml.length; i++) {
    const c = xml[i];
    if (c === '"' || c === "'") {
      const close = xml.indexOf(c, i + 1);
      if (close < 0) return undefined;
      i = close;
    } else if (c === '>') {
      const selfClose = i > attrsStart && xml[i - 1] === '/';
      const attrs = xml.slice(attrsStart, selfClose ? i - 1 : i);
      const text = xml.slice(at, i + 1);
      return closing ? { kind: 'close', name, text } : { kind: 'open', name, attrs, selfClose, text };
    }
  }
  return undefined;
}

/** Calls `visit` for each token in document order until it returns 'stop'; linear in the length of `xml`. */
export function scanXml(xml: string, visit: (token: XmlToken) => void | 'stop'): void {
  let textStart = 0;
  let at = xml.indexOf('<');
  const flushText = (end: number): void => {
    if (end > textStart) visit({ kind: 'text', text: xml.slice(textStart, end) });
  };
  while (at >= 0) {
    const end = markupEnd(xml, at);
    if (end < 0) break;
    const token = end > 0 ? { kind: 'markup' as const, text: xml.slice(at, end) } : tagAt(xml, at);
    if (token) {
      flushText(at);
      if (visit(token) === 'stop') return;
      textStart = at + token.text.length;
      at = xml.indexOf('<', textStart);
    } else if (unclosedTag(xml, at)) {
      break;
    } else {
      at = xml.indexOf('<', at + 1); // a `<` that starts nothing (`a < b`): text, as the parser will say
    }
  }
  flushText(xml.length);
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
  scanXml(xml, (token) => {
    if (token.kind === 'open' && !token.selfClose) {
      depth++;
      deepest = Math.max(deepest, depth);
      if (deepest > limit) return 'stop';
    } else if (token.kind === 'close' && depth > 0) depth--;
    return undefined;
  });
  return deepest;
}
