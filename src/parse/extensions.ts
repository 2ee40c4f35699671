// What RSS and Atom share: Media RSS (media:thumbnail / media:content / media:group), iTunes images,
// Atom person constructs (also embedded in RSS as atom:author) and the per-item error line.

import type { Enclosure, Person } from '../model.ts';
import { describeError } from '../errors.ts';
import { attr, children, joinBase, rawNodes, text, type RawRecord, type XNode } from './xml-feed.ts';

function mediaContents(rec: RawRecord): XNode[] {
  const groups = rawNodes(rec, 'media:group');
  return [...rawNodes(rec, 'media:content'), ...groups.flatMap((g) => children(g, 'media:content'))];
}

function isImage(n: XNode): boolean {
  const medium = attr(n, 'medium')?.trim().toLowerCase();
  const type = attr(n, 'type')?.trim().toLowerCase();
  return medium === 'image' || (type?.startsWith('image/') ?? false);
}

/**
 * The item's (or channel's) picture, in order: media:thumbnail, an image media:content (also inside
 * media:group), itunes:image, an image enclosure.
 */
export function mediaImage(rec: RawRecord): string | undefined {
  const groups = rawNodes(rec, 'media:group');
  const thumbs = [...rawNodes(rec, 'media:thumbnail'), ...groups.flatMap((g) => children(g, 'media:thumbnail'))];
  const candidates = [
    ...thumbs.map((n) => attr(n, 'url')),
    ...mediaContents(rec).filter(isImage).map((n) => attr(n, 'url')),
    ...rawNodes(rec, 'itunes:image').map((n) => attr(n, 'href') ?? text(n)),
    ...rawNodes(rec, 'enclosure').filter(isImage).map((n) => attr(n, 'url')),
  ];
  return candidates.map((c) => c?.trim()).find((c): c is string => c !== undefined && c !== '');
}

/** Non-image media:content files (audio, video) as enclosures. */
export function mediaEnclosures(rec: RawRecord): Enclosure[] {
  const out: Enclosure[] = [];
  for (const n of mediaContents(rec)) {
    const url = attr(n, 'url')?.trim();
    if (!url || isImage(n)) continue;
    const e: Enclosure = { url };
    const type = attr(n, 'type')?.trim();
    if (type) e.type = type;
    const size = Number(attr(n, 'fileSize'));
    if (Number.isFinite(size) && size > 0) e.length = size;
    const title = text(children(n, 'media:title')[0]);
    if (title) e.title = title;
    out.push(e);
  }
  return out;
}

/** Child elements by local name, with or without a prefix (atom:name inside an RSS atom:author). */
function childByLocalName(n: XNode, local: string): XNode | undefined {
  if (typeof n === 'string') return undefined;
  const key = Object.keys(n).find((k) => k === local || k.endsWith(`:${local}`));
  return key === undefined ? undefined : children(n, key)[0];
}

/** Atom person constructs: name, email, uri (Atom 1.0) or url (Atom 0.3). Every one, not just the first. */
export function atomPeople(nodes: XNode[]): Person[] {
  const out: Person[] = [];
  for (const n of nodes) {
    const name = text(childByLocalName(n, 'name')) ?? (typeof n === 'string' ? text(n) : undefined);
    const email = text(childByLocalName(n, 'email'));
    const uriNode = childByLocalName(n, 'uri') ?? childByLocalName(n, 'url');
    // The person's own xml:base (and the uri element's) come first; the entry's is applied in normalize.
    const uri = text(uriNode);
    const url = uri === undefined ? undefined : joinBase(joinBase(attr(n, 'xml:base'), attr(uriNode, 'xml:base')), uri);
    if (name === undefined && email === undefined && url === undefined) continue;
    const p: Person = { name: name ?? '' };
    if (email !== undefined) p.email = email;
    if (url !== undefined) p.url = url;
    out.push(p);
  }
  return out;
}

/** `item 3 (<guid or title>): <why>` — enough to find the item in the source. */
export function describeItemError(index: number, rec: RawRecord, err: unknown): string {
  const label = ['guid', 'id', 'title'].map((k) => text(rawNodes(rec, k)[0])).find((t) => t !== undefined);
  return `item ${index + 1}${label ? ` (${label})` : ''}: ${describeError(err)}`;
}
