// OPML 2.0 subscription list (http://opml.org/spec2.opml): one `type="rss"` outline per published feed,
// so a reader can subscribe to every topic at once. Escaping is delegated to ./xml.ts.

import { rfc822 } from './common.ts';
import { emptyElement, parentElement, textElement, XML_DECLARATION } from './xml.ts';

export const OPML_CONTENT_TYPE = 'text/x-opml; charset=utf-8';

export interface OpmlOutline {
  text: string;
  title: string;
  xmlUrl: string;
  htmlUrl: string;
  type: 'rss';
}

export interface OpmlDocument {
  title: string;
  ownerName?: string;
  dateCreated: Date;
  outlines: OpmlOutline[];
}

export function renderOpml(doc: OpmlDocument): string {
  const head = [textElement('title', doc.title), textElement('dateCreated', rfc822(doc.dateCreated))];
  if (doc.ownerName !== undefined) head.push(textElement('ownerName', doc.ownerName));
  // OPML 2.0 requires `text` on every outline and `type`, `xmlUrl` on subscription outlines.
  const body = doc.outlines.map((o) =>
    emptyElement('outline', { type: o.type, text: o.text, title: o.title, xmlUrl: o.xmlUrl, htmlUrl: o.htmlUrl }),
  );
  const opml = parentElement('opml', [parentElement('head', head), parentElement('body', body)], {
    version: '2.0',
  });
  return `${XML_DECLARATION}\n${opml}\n`;
}
