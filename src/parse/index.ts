// Feed format detection and dispatch: looks at the content (never the Content-Type, which lies) and
// hands the text to the one file that knows that format.

import { decodeXML } from 'entities';
import { TidingsError } from '../errors.ts';
import { parseAtom } from './atom.ts';
import { parseJsonFeed } from './jsonfeed.ts';
import { parseWithRecovery } from './lenient-xml.ts';
import { parseRss } from './rss.ts';
import { markupEnd } from './xml-scan.ts';
import type { ParsedFeed } from './types.ts';

export type { ParsedFeed, ParsedItem, FeedFormat } from './types.ts';

export interface ParseOptions {
  /** Only for messages: the format is decided by content. */
  contentType?: string;
  /** Where the text came from, for error messages. */
  url?: string;
}

const ATOM_10 = 'http://www.w3.org/2005/Atom';
const ATOM_03 = 'http://purl.org/atom/ns#';
const RSS_090 = 'http://my.netscape.com/rdf/simple/0.9/';

export async function parseFeed(text: string, opts: ParseOptions = {}): Promise<ParsedFeed> {
  return parseWithRecovery(text, opts.url ?? '(input)', (t) => parseFeedStrict(t, opts));
}

async function parseFeedStrict(text: string, opts: ParseOptions): Promise<ParsedFeed> {
  const where = opts.url ?? '(input)';
  const body = text.replace(/^\uFEFF/, '');
  if (body.trimStart().startsWith('{')) return parseJsonFeed(body, where);
  const root = rootElement(body);
  if (root === undefined) throw new TidingsError('parse', where, `not a feed: no XML root element${ctNote(opts)}`);
  const { name, attrs } = root;
  if (name === 'rss') {
    const version = attrs.version?.trim() ?? '';
    return parseRss(body, where, { format: /^0\.9/.test(version) ? 'rss-0.9x' : 'rss-2.0', rootAttrs: attrs });
  }
  if (name === 'rdf:RDF') {
    const format = Object.values(attrs).includes(RSS_090) ? 'rss-0.9x' : 'rss-1.0';
    return parseRss(body, where, { format, rootAttrs: attrs });
  }
  if (name === 'feed') {
    if (attrs.xmlns === ATOM_03 || attrs.version?.trim() === '0.3') return parseAtom(body, where, 'atom-0.3');
    if (attrs.xmlns === ATOM_10) return parseAtom(body, where, 'atom-1.0');
  }
  throw new TidingsError('parse', where, `not a feed: root element <${name}>${ctNote(opts)}`);
}

function ctNote(opts: ParseOptions): string {
  return opts.contentType ? ` (Content-Type ${opts.contentType})` : '';
}

/** The first element of an XML document, skipping the declaration, comments, PIs and doctype. */
export function rootElement(xml: string): { name: string; attrs: Record<string, string> } | undefined {
  // Whitespace, then any comments, PIs and doctype, each ended by a linear scan (see xml-scan.ts).
  let at = 0;
  for (;;) {
    while (at < xml.length && /\s/.test(xml[at] ?? '')) at++;
    const end = xml[at] === '<' ? markupEnd(xml, at) : 0;
    if (end <= 0 || xml.startsWith('<![CDATA[', at)) break;
    at = end;
  }
  const tag = /\s*<([^\s>/!?]+)((?:[^>"']|"[^"]*"|'[^']*')*)>/y;
  tag.lastIndex = at;
  const m = tag.exec(xml);
  if (!m?.[1]) return undefined;
  const attrs: Record<string, string> = {};
  for (const a of (m[2] ?? '').matchAll(/(?<![^\s"'])([^\s=]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/g)) {
    if (a[1]) attrs[a[1]] = decodeXML(a[2] ?? a[3] ?? '');
  }
  return { name: m[1], attrs };
}
