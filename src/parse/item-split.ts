// Where each item of an RSS or Atom document lies in its text, found by one linear scan without
// parsing: a re-poll hashes each item's own bytes and parses only the document's frame plus the items
// it has not seen, instead of the whole feed (see src/ingest/process-feed.ts).

import { isDoctypeAt, scanSpans, type XmlSpan } from './xml-scan.ts';

/** One item element's text: `text.slice(start, end)`, start tag to end tag. */
export interface ItemSpan {
  start: number;
  end: number;
}

export interface ItemSplit {
  text: string;
  /** Every item element where the format keeps them, in document order. */
  items: ItemSpan[];
}

/** The parent path (root first) under which each root's items live, and the items' element name. */
const ITEM_PLACES: Readonly<Record<string, { parents: readonly string[]; item: string }>> = {
  rss: { parents: ['rss', 'channel'], item: 'item' },
  'rdf:RDF': { parents: ['rdf:RDF'], item: 'item' },
  feed: { parents: ['feed'], item: 'entry' },
};

/**
 * The items of an RSS or Atom document, or undefined when the text is anything else or anything less
 * than plainly well-nested (JSON, a doctype, an unknown root, a mismatched or unclosed tag): such a
 * document is parsed whole, as before, where recovery and its messages live. Every re-poll scans its
 * whole body here, so the scan makes no string per tag: names are compared where they lie in the text.
 */
export function splitItems(text: string): ItemSplit | undefined {
  // The open elements' names, as [start, end) offsets into text: root first.
  const path: number[] = [];
  const items: ItemSpan[] = [];
  let place: (typeof ITEM_PLACES)[string] | undefined;
  let itemStart = -1;
  let sound = true;
  scanSpans(text, (span) => {
    if (span.kind === 'markup') {
      // A doctype can declare entities that change how items read: such a feed is parsed whole.
      if (isDoctypeAt(text, span.start)) sound = false;
      return sound ? undefined : 'stop';
    }
    if (span.kind === 'open') {
      if (path.length === 0) {
        const root = text.slice(span.nameStart, span.nameEnd);
        // Own keys only: a root named `constructor` is no feed, not Object's.
        place = Object.hasOwn(ITEM_PLACES, root) ? ITEM_PLACES[root] : undefined;
        if (place === undefined || span.selfClose) sound = false;
      } else if (itemStart < 0 && place && nameIs(text, span, place.item) && pathIs(text, path, place.parents)) {
        if (span.selfClose) items.push({ start: span.start, end: span.end });
        else itemStart = span.start;
      }
      if (!span.selfClose) path.push(span.nameStart, span.nameEnd);
      return sound ? undefined : 'stop';
    }
    const openEnd = path.pop();
    const openStart = path.pop();
    if (openStart === undefined || openEnd === undefined || !sameText(text, openStart, openEnd, span.nameStart, span.nameEnd)) {
      sound = false;
      return 'stop';
    }
    if (itemStart >= 0 && place && path.length === 2 * place.parents.length) {
      items.push({ start: itemStart, end: span.end });
      itemStart = -1;
    }
    return undefined;
  });
  // (The scan stops early only where the text is unsound; what follows the last tag is text.)
  if (!sound || place === undefined || path.length > 0 || itemStart >= 0) return undefined;
  return { text, items };
}

/** The document with only the items whose indexes `keep` lists (ascending); every other byte as it was. */
export function withItems(split: ItemSplit, keep: readonly number[]): string {
  const wanted = new Set(keep);
  const parts: string[] = [];
  let at = 0;
  split.items.forEach((span, index) => {
    if (wanted.has(index)) return;
    parts.push(split.text.slice(at, span.start));
    at = span.end;
  });
  parts.push(split.text.slice(at));
  return parts.join('');
}

/** One item's own text. */
export function itemText(split: ItemSplit, index: number): string {
  const span = split.items[index];
  return span === undefined ? '' : split.text.slice(span.start, span.end);
}

/** Whether the tag's name is `name`. */
function nameIs(text: string, span: Readonly<XmlSpan>, name: string): boolean {
  return textIs(text, span.nameStart, span.nameEnd, name);
}

/** Whether the open elements (offset pairs, root first) are exactly `names`. */
function pathIs(text: string, path: readonly number[], names: readonly string[]): boolean {
  return path.length === 2 * names.length && names.every((name, i) => textIs(text, path[2 * i]!, path[2 * i + 1]!, name));
}

/** Whether text.slice(start, end) is `name`, without making it. */
function textIs(text: string, start: number, end: number, name: string): boolean {
  return end - start === name.length && text.startsWith(name, start);
}

/** Whether text.slice(a, aEnd) equals text.slice(b, bEnd), without making either. */
function sameText(text: string, a: number, aEnd: number, b: number, bEnd: number): boolean {
  if (aEnd - a !== bEnd - b) return false;
  for (let i = 0; i < aEnd - a; i++) if (text.charCodeAt(a + i) !== text.charCodeAt(b + i)) return false;
  return true;
}
