// The xml-js element tree feed-fixes.ts edits: read the `feed` package's output (./feed-xml-reader.ts),
// find and change elements, and write the tree back out with ./xml.ts's escaping (the one place that
// escapes).

import type { Element } from 'xml-js';
import { FeedShapeError, readFeedXml } from './feed-xml-reader.ts';
import { escapeAttr, escapeText, XML_DECLARATION } from './xml.ts';

export type { Element };
export { FeedShapeError };

/** The whole document, in xml-js's non-compact shape: element order and repeated elements as written. */
export function parseXml(xml: string): Element {
  return readFeedXml(xml);
}

/**
 * Writes the document back out. Not xml-js's own js2xml, which has the very writer defects `feed`'s output
 * shows: its text writer turns a literal `&amp;` into `&` (it "desanitizes" before escaping), its attribute
 * writer escapes only `"` (an `&` or `<` in an enclosure title makes the document ill-formed), and its
 * CDATA writer splits only the first `]]>`. CDATA is written as escaped text: the same characters to an
 * XML parser, and a CR survives as `&#13;`. One element per line, no indentation, like the other renderers.
 */
export function serializeXml(root: Element): string {
  const top: string[] = [];
  for (const node of root.elements ?? []) if (node.type === 'element') top.push(writeElement(node));
  return `${XML_DECLARATION}\n${top.join('\n')}\n`;
}

// One pass per element, no intermediate arrays: the writer runs over every node of every miss.
function writeElement(element: Element): string {
  const name = element.name ?? '';
  const open = `<${name}${writeAttributes(element.attributes)}`;
  const nodes = element.elements ?? [];
  // Text (or mixed content, which feeds do not use) is written exactly, with no added whitespace.
  if (nodes.some(isCharData)) {
    let content = '';
    for (const node of nodes) {
      if (isCharData(node)) content += escapeText(charData(node));
      else if (node.type === 'element') content += writeElement(node);
    }
    return `${open}>${content}</${name}>`;
  }
  let content = '';
  for (const node of nodes) if (node.type === 'element') content += `\n${writeElement(node)}`;
  return content === '' ? `${open}/>` : `${open}>${content}\n</${name}>`;
}

function writeAttributes(attributes: Element['attributes']): string {
  let out = '';
  for (const name in attributes) {
    const value = attributes[name];
    if (value !== undefined) out += ` ${name}="${escapeAttr(String(value))}"`;
  }
  return out;
}

function isCharData(node: Element): boolean {
  return node.type === 'text' || node.type === 'cdata';
}

function charData(node: Element): string {
  return node.type === 'cdata' ? (node.cdata ?? '') : String(node.text ?? '');
}

// ---------------------------------------------------------------------------------------------
// Reading and editing

/** Child elements, all or those with one name, in document order. */
export function children(parent: Element, name?: string): Element[] {
  return (parent.elements ?? []).filter((n) => n.type === 'element' && (name === undefined || n.name === name));
}

export function child(parent: Element, name: string): Element | undefined {
  return (parent.elements ?? []).find((n) => n.type === 'element' && n.name === name);
}

export function requireChild(parent: Element, name: string): Element {
  const found = child(parent, name);
  if (found === undefined) throw new FeedShapeError(`<${parent.name ?? '#document'}> has no <${name}>`);
  return found;
}

/** The `<name>` child, created as the first child when the writer left it out. */
export function ensureChild(parent: Element, name: string): Element {
  const found = child(parent, name);
  if (found !== undefined) return found;
  const created = newElement(name);
  parent.elements = [created, ...(parent.elements ?? [])];
  return created;
}

/** Replaces the element's content with one text node (CDATA becomes text). */
export function setText(element: Element, text: string): void {
  element.elements = [{ type: 'text', text }];
}

/** Sets attributes in the order given (later `undefined` values remove one). */
export function setAttributes(element: Element, attributes: Record<string, string | number | undefined>): void {
  const merged = { ...element.attributes };
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined) delete merged[name];
    else merged[name] = value;
  }
  element.attributes = merged;
}

export function newElement(
  name: string,
  attributes: Record<string, string | number | undefined> = {},
  text?: string,
): Element {
  const element: Element = { type: 'element', name };
  setAttributes(element, attributes);
  if (text !== undefined) setText(element, text);
  return element;
}

/** Puts `nodes` right after `ref` (a child of `parent`), or at the end when `ref` is absent. */
export function insertAfter(parent: Element, ref: Element | undefined, nodes: Element[]): void {
  const list = parent.elements ?? [];
  const at = ref === undefined ? -1 : list.indexOf(ref);
  if (at < 0) list.push(...nodes);
  else list.splice(at + 1, 0, ...nodes);
  parent.elements = list;
}

/** Puts `nodes` right before the first `<name>` child, or at the end when there is none. */
export function insertBefore(parent: Element, name: string, nodes: Element[]): void {
  const list = parent.elements ?? [];
  const at = list.findIndex((n) => n.type === 'element' && n.name === name);
  if (at < 0) list.push(...nodes);
  else list.splice(at, 0, ...nodes);
  parent.elements = list;
}

/** Replaces `old` (a child of `parent`) with `nodes`, in its place. */
export function replaceChild(parent: Element, old: Element, nodes: Element[]): void {
  const list = parent.elements ?? [];
  const at = list.indexOf(old);
  if (at < 0) throw new FeedShapeError(`<${old.name ?? '?'}> is not a child of <${parent.name ?? '?'}>`);
  list.splice(at, 1, ...nodes);
}

export function removeChildren(parent: Element, name: string): void {
  parent.elements = (parent.elements ?? []).filter((n) => !(n.type === 'element' && n.name === name));
}
