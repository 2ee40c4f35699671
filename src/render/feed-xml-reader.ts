// Reads the `feed` package's output back into the xml-js element tree ./feed-tree.ts edits. Not a
// general XML parser: `feed` writes through xml-js's js2xml, whose output is restricted (one declaration,
// elements, double-quoted attributes, text, CDATA, the predefined entities; character references are
// read too), so a reader for exactly that takes 0.1 ms for 50 items where xml-js's sax-based xml2js took
// 1.2 ms, more than the rest of the render together. Anything else (a comment, a doctype, an unknown
// entity, an unclosed tag) throws FeedShapeError instead of being guessed at: it means a `feed` upgrade
// changed what it writes.
//
// The tree is the one xml-js's xml2js (compact: false) builds from the same text, node for node: text
// that is only whitespace (by String#trim, so NBSP too) is dropped as xml2js drops it, and an empty CDATA
// section gives no node, as sax gives none.

import type { Element } from 'xml-js';

/** Raised when `feed`'s output is not what the fixes rely on: a `feed` upgrade changed its shape. */
export class FeedShapeError extends Error {
  constructor(message: string) {
    super(`render: feed output: ${message}`);
    this.name = 'FeedShapeError';
  }
}

/** What xml-js's js2xml writes first for `feed`'s `_declaration`. */
const FEED_DECLARATION = '<?xml version="1.0" encoding="utf-8"?>';
const CDATA_OPEN = '<![CDATA[';
const CDATA_CLOSE = ']]>';

const PREDEFINED_ENTITIES: Readonly<Record<string, string>> = {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
};

/** The whole document: a root node whose `elements` hold the document element. */
export function readFeedXml(xml: string): Element {
  if (!xml.startsWith(FEED_DECLARATION)) throw shapeError('no XML declaration', 0);
  const root: Element = {};
  const open: Element[] = [root];
  let pos = FEED_DECLARATION.length;
  while (pos < xml.length) {
    const lt = xml.indexOf('<', pos);
    const textEnd = lt < 0 ? xml.length : lt;
    if (textEnd > pos) addText(open, xml.slice(pos, textEnd), pos);
    if (lt < 0) break;
    if (xml.startsWith('</', lt)) pos = readEndTag(xml, lt, open);
    else if (xml.startsWith(CDATA_OPEN, lt)) pos = readCdata(xml, lt, current(open));
    else pos = readStartTag(xml, lt, open);
  }
  if (open.length > 1) throw shapeError(`<${current(open).name ?? '?'}> is never closed`, xml.length);
  if (root.elements?.length !== 1) throw shapeError('not exactly one document element', xml.length);
  return root;
}

function current(open: Element[]): Element {
  const element = open[open.length - 1];
  if (element === undefined) throw new FeedShapeError('element stack is empty');
  return element;
}

function append(parent: Element, node: Element): void {
  if (parent.elements === undefined) parent.elements = [node];
  else parent.elements.push(node);
}

function addText(open: Element[], raw: string, at: number): void {
  const text = decodeEntities(raw, at);
  if (text.trim() === '') return;
  if (open.length === 1) throw shapeError('text outside the document element', at);
  append(current(open), { type: 'text', text });
}

function readCdata(xml: string, lt: number, parent: Element): number {
  const start = lt + CDATA_OPEN.length;
  const end = xml.indexOf(CDATA_CLOSE, start);
  if (end < 0) throw shapeError('unterminated CDATA section', lt);
  if (parent.type !== 'element') throw shapeError('CDATA outside the document element', lt);
  if (end > start) append(parent, { type: 'cdata', cdata: xml.slice(start, end) });
  return end + CDATA_CLOSE.length;
}

function readEndTag(xml: string, lt: number, open: Element[]): number {
  const gt = xml.indexOf('>', lt);
  if (gt < 0) throw shapeError('unterminated end tag', lt);
  const name = xml.slice(lt + 2, gt);
  const element = current(open);
  if (open.length === 1 || element.name !== name) {
    throw shapeError(`</${name}> does not close <${element.name ?? '#document'}>`, lt);
  }
  open.pop();
  return gt + 1;
}

/** `<name attr="value" …>` or `<name …/>`; returns the position after it. */
function readStartTag(xml: string, lt: number, open: Element[]): number {
  let pos = lt + 1;
  const nameEnd = nameEndAt(xml, pos);
  if (nameEnd === pos) throw shapeError('markup that is not an element, CDATA or an end tag', lt);
  const element: Element = { type: 'element', name: xml.slice(pos, nameEnd) };
  const parent = current(open);
  if (open.length === 1 && parent.elements !== undefined) throw shapeError('a second document element', lt);
  append(parent, element);
  pos = nameEnd;
  for (;;) {
    const spaced = skipSpaces(xml, pos);
    const c = xml.charCodeAt(spaced);
    if (c === GT) {
      open.push(element);
      return spaced + 1;
    }
    if (c === SLASH && xml.charCodeAt(spaced + 1) === GT) return spaced + 2;
    if (spaced === pos) throw shapeError(`malformed start tag <${element.name ?? '?'}>`, lt);
    pos = readAttribute(xml, spaced, element);
  }
}

/** `name="value"` at `pos`; the value may hold any character but `"`, as js2xml writes only that one escaped. */
function readAttribute(xml: string, pos: number, element: Element): number {
  const nameEnd = nameEndAt(xml, pos);
  if (nameEnd === pos || xml.charCodeAt(nameEnd) !== EQUALS || xml.charCodeAt(nameEnd + 1) !== QUOTE) {
    throw shapeError(`malformed attribute in <${element.name ?? '?'}>`, pos);
  }
  const valueStart = nameEnd + 2;
  const valueEnd = xml.indexOf('"', valueStart);
  if (valueEnd < 0) throw shapeError(`unterminated attribute value in <${element.name ?? '?'}>`, pos);
  element.attributes ??= {};
  element.attributes[xml.slice(pos, nameEnd)] = decodeEntities(xml.slice(valueStart, valueEnd), valueStart);
  return valueEnd + 1;
}

const GT = 0x3e;
const SLASH = 0x2f;
const EQUALS = 0x3d;
const QUOTE = 0x22;

/** Where a tag or attribute name starting at `pos` ends: at whitespace, `=`, `/`, `>`, or the input's end. */
function nameEndAt(xml: string, pos: number): number {
  let end = pos;
  for (; end < xml.length; end++) {
    const c = xml.charCodeAt(end);
    if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d || c === EQUALS || c === SLASH || c === GT) break;
    if (c === 0x3c || c === QUOTE || c === 0x21 || c === 0x3f || c === 0x26) break; // < " ! ? & never start or fill a name
  }
  return end;
}

function skipSpaces(xml: string, pos: number): number {
  let end = pos;
  for (;;) {
    const c = xml.charCodeAt(end);
    if (c !== 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) return end;
    end++;
  }
}

/** Replaces the predefined entities and character references; any other `&` is not js2xml's output. */
function decodeEntities(raw: string, at: number): string {
  if (!raw.includes('&')) return raw;
  return raw.replace(/&([^;&]*);?/g, (ref: string, body: string, offset: number) => {
    const decoded = ref.endsWith(';') ? decodeReference(body) : undefined;
    if (decoded === undefined) throw shapeError(`unknown entity or reference "${ref.slice(0, 12)}"`, at + offset);
    return decoded;
  });
}

function decodeReference(body: string): string | undefined {
  const named = PREDEFINED_ENTITIES[body];
  if (named !== undefined) return named;
  const numeric = /^#(?:x([0-9A-Fa-f]{1,6})|([0-9]{1,7}))$/.exec(body);
  if (numeric === null) return undefined;
  const code = numeric[1] !== undefined ? parseInt(numeric[1], 16) : Number(numeric[2]);
  return isXmlChar(code) ? String.fromCodePoint(code) : undefined;
}

/** The XML 1.0 `Char` production: a reference to anything else makes the document ill-formed. */
function isXmlChar(code: number): boolean {
  if (code < 0x20) return code === 0x09 || code === 0x0a || code === 0x0d;
  return code <= 0xd7ff || (code >= 0xe000 && code <= 0xfffd) || (code >= 0x10000 && code <= 0x10ffff);
}

function shapeError(what: string, at: number): FeedShapeError {
  return new FeedShapeError(`${what} at offset ${at}`);
}
