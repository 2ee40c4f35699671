// Where each item of an RSS or Atom document lies in its text, found by one linear scan without
// parsing: a re-poll hashes each item's own bytes and parses only the document's frame plus the items
// it has not seen, instead of the whole feed (see src/ingest/process-feed.ts).

import { scanXml } from './xml-scan.ts';

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
 * document is parsed whole, as before, where recovery and its messages live.
 */
export function splitItems(text: string): ItemSplit | undefined {
  const path: string[] = [];
  const items: ItemSpan[] = [];
  let place: (typeof ITEM_PLACES)[string] | undefined;
  let pos = 0;
  let itemStart = -1;
  let sound = true;
  scanXml(text, (token) => {
    const start = pos;
    pos += token.text.length;
    if (token.kind === 'text') return undefined;
    if (token.kind === 'markup') {
      // A doctype can declare entities that change how items read: such a feed is parsed whole.
      if (/^<!DOCTYPE/i.test(token.text)) sound = false;
      return sound ? undefined : 'stop';
    }
    if (token.kind === 'open') {
      if (path.length === 0) {
        place = ITEM_PLACES[token.name];
        if (place === undefined || token.selfClose) sound = false;
      } else if (itemStart < 0 && place && token.name === place.item && sameNames(path, place.parents)) {
        if (token.selfClose) items.push({ start, end: pos });
        else itemStart = start;
      }
      if (!token.selfClose) path.push(token.name);
      return sound ? undefined : 'stop';
    }
    if (path.pop() !== token.name) {
      sound = false;
      return 'stop';
    }
    if (itemStart >= 0 && place && path.length === place.parents.length) {
      items.push({ start: itemStart, end: pos });
      itemStart = -1;
    }
    return undefined;
  });
  if (!sound || place === undefined || path.length > 0 || itemStart >= 0 || pos !== text.length) return undefined;
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

function sameNames(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((name, i) => name === b[i]);
}
