// OPML import: the feeds of an OPML file (nested outlines too) become sources in feeds/sources.yaml.
// Pure: text in, text out. The YAML is edited as a document, so the operator's comments stay.

import { parseStringPromise } from 'xml2js';
import { isMap, isSeq, parseDocument, YAMLSeq } from 'yaml';
import { TidingsError } from '../errors.ts';
import { slugify } from '../text/slug.ts';

export interface OpmlFeed {
  url: string;
  title?: string;
  /** Titles of the enclosing outlines (folders), outermost first. */
  folders: string[];
}

interface OutlineNode {
  $?: Record<string, string>;
  outline?: OutlineNode[];
}

/** Every outline with an xmlUrl, depth first, in document order. */
export async function parseOpml(text: string, where: string): Promise<OpmlFeed[]> {
  let doc: { opml?: { body?: { outline?: OutlineNode[] }[] } };
  try {
    doc = (await parseStringPromise(text, { explicitArray: true })) as typeof doc;
  } catch (err) {
    throw new TidingsError('parse', where, `invalid OPML: ${String((err as Error).message).replace(/\n/g, ' ')}`, { cause: err });
  }
  const body = doc.opml?.body?.[0];
  if (!body) throw new TidingsError('parse', where, 'not OPML: no <opml><body>');
  const feeds: OpmlFeed[] = [];
  const walk = (nodes: OutlineNode[] | undefined, folders: string[]): void => {
    for (const node of nodes ?? []) {
      const attrs = node.$ ?? {};
      const title = attrs.title ?? attrs.text;
      const url = attrs.xmlUrl ?? attrs.xmlurl;
      if (url) feeds.push({ url: url.trim(), ...(title ? { title: title.trim() } : {}), folders });
      walk(node.outline, title ? [...folders, title] : folders);
    }
  };
  walk(body.outline, []);
  return feeds;
}

export interface ImportReport {
  yaml: string;
  added: { id: string; url: string }[];
  skipped: { url: string; reason: string }[];
}

/** Adds the feeds to a sources.yaml text: skips URLs already there and anything not http(s). */
export function addSources(yamlText: string, feeds: OpmlFeed[]): ImportReport {
  const doc = parseDocument(yamlText.trim() === '' ? 'sources: []\n' : yamlText);
  if (doc.errors.length) throw new TidingsError('config', 'sources.yaml', doc.errors[0]!.message);
  if (!isMap(doc.contents)) throw new TidingsError('config', 'sources.yaml', 'expected a mapping with a `sources:` list');
  let list = doc.get('sources', true);
  if (!isSeq(list)) {
    list = new YAMLSeq();
    doc.set('sources', list);
  }
  const seq = list as YAMLSeq;
  const existing = (doc.toJS() as { sources?: { id?: string; url?: string }[] | null }).sources ?? [];
  const ids = new Set(existing.map((s) => s.id));
  const urls = new Set(existing.map((s) => s.url));
  const report: ImportReport = { yaml: '', added: [], skipped: [] };
  for (const feed of feeds) {
    if (!/^https?:\/\//i.test(feed.url)) {
      report.skipped.push({ url: feed.url, reason: 'not an http(s) URL' });
      continue;
    }
    if (urls.has(feed.url)) {
      report.skipped.push({ url: feed.url, reason: 'already a source' });
      continue;
    }
    const id = uniqueId(feed.title ? slugify(feed.title) : slugify(new URL(feed.url).hostname), ids);
    ids.add(id);
    urls.add(feed.url);
    seq.add(doc.createNode(feed.title ? { id, url: feed.url, title: feed.title } : { id, url: feed.url }));
    report.added.push({ id, url: feed.url });
  }
  // A flow-style `sources: []` would print the new entries on one line; block style reads better.
  seq.flow = false;
  report.yaml = doc.toString();
  return report;
}

function uniqueId(base: string, taken: Set<string | undefined>): string {
  const stem = (base || 'source').slice(0, 48).replace(/-+$/, '') || 'source';
  if (stem !== 'local' && !taken.has(stem)) return stem;
  for (let n = 2; ; n++) if (!taken.has(`${stem}-${n}`)) return `${stem}-${n}`;
}
