// A story's other sources as readers see them: "Also reported by" links, in an RSS item's body and on
// the HTML topic page (Atom and JSON Feed carry them as links and `_tidings.related`).

import type { RelatedArticle } from '../model.ts';
import { webLink } from './common.ts';
import { escapeAttr as attr, escapeText as text } from './xml.ts';

/** `<p class="related">Also reported by: …</p>`, or '' when the article stands alone. */
export function alsoReportedBy(related: readonly RelatedArticle[] | undefined): string {
  if (!related?.length) return '';
  const links = related.map((r) => {
    const href = webLink(r.url);
    const title = text(r.title);
    return `${href === undefined ? title : `<a href="${attr(href)}">${title}</a>`} (${text(r.sourceId)})`;
  });
  return `<p class="related">Also reported by: ${links.join(', ')}</p>`;
}
