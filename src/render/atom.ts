// Atom 1.0 (RFC 4287) output, valid against shared/schemas/atom.rnc and atom-rules.sch, with RFC 5005
// paging links and a WebSub hub link. Written by the `feed` package (v6), as the project asks, from the
// Feed that ./feed-library.ts builds; ./feed-fixes.ts corrects what feed gets wrong in Atom (titles and
// summaries as type="html" CDATA, ids and links rewritten or rejected by `new URL()`, enclosure types
// guessed from the file extension, one enclosure only, no xml:lang, no paging links) and writes the result
// with ./xml.ts escaping.
// The result names /feed.xsl (./feed-style.ts) so that a browser opening it shows a page.

import { buildFeed } from './feed-library.ts';
import { fixAtom } from './feed-fixes.ts';
import { withStylesheet } from './feed-style.ts';
import type { FeedDocument } from './types.ts';

export const ATOM_CONTENT_TYPE = 'application/atom+xml; charset=utf-8';

export function renderAtom(doc: FeedDocument): string {
  return withStylesheet(fixAtom(buildFeed(doc, 'atom').atom1(), doc), doc.baseUrl);
}
