// Recovery for malformed feeds: when the strict parse fails, re-reads the text with htmlparser2's
// tolerant tokenizer (as feedparser and SimplePie fall back to a lenient parser) and re-serializes it
// as well-formed XML, which the normal strict parser then reads. Linear in the input, depth-limited.

import { decodeHTML } from 'entities';
import { QuoteType, Tokenizer, type TokenizerCallbacks } from 'htmlparser2';
import { TidingsError } from '../errors.ts';
import type { ParsedFeed } from './types.ts';
import { TooDeeplyNestedError } from './xml-feed.ts';

/** Deeper elements are dropped, their text kept: no feed needs more, and hostile ones nest 100,000 deep. */
export const RECOVERY_MAX_DEPTH = 100;

/** HTML elements that never have content: an unclosed `<br>` in a description is `<br/>`, not a parent. */
const HTML_VOID = new Set(['br', 'hr', 'img', 'wbr', 'area', 'col', 'embed', 'param', 'track', 'input', 'basefont', 'keygen']);

const ATOM_10 = 'http://www.w3.org/2005/Atom';
/** Feed root elements whose namespace prefix (`<r:rss>`) the dispatcher does not expect: it is dropped. */
const FEED_ROOTS = new Set(['rss', 'feed', 'channel']);
const RDF_NS = 'http://www.w3.org/1999/02/22-rdf-syntax-ns#';

const XML_NAME = /^[\p{L}_][\p{L}\p{N}_.:-]*$/u;
/** A code point XML 1.0 allows as a character reference. */
const xmlChar = (cp: number): boolean =>
  cp === 0x9 || cp === 0xa || cp === 0xd || (cp >= 0x20 && cp <= 0xd7ff) || (cp >= 0xe000 && cp <= 0xfffd) || (cp >= 0x10000 && cp <= 0x10ffff);

export interface RecoveredXml {
  xml: string;
  /** What was repaired, in document order, deduplicated and capped: for the source's `malformed` note. */
  fixes: string[];
}

/**
 * Parses with `strict`; when that fails with a parse error on something that is not JSON, recovers the
 * text leniently and parses the result, marking the feed `recovered` with the strict error and what was
 * repaired. When recovery does not give a feed either, the strict parse's error is thrown.
 */
export async function parseWithRecovery(
  text: string,
  where: string,
  strict: (text: string) => Promise<ParsedFeed>,
): Promise<ParsedFeed> {
  try {
    return await strict(text);
  } catch (err) {
    if (!(err instanceof TidingsError) || err.kind !== 'parse' || text.trimStart().startsWith('{')) throw err;
    if (err instanceof TooDeeplyNestedError) throw err;
    let feed: ParsedFeed;
    let recovered: RecoveredXml;
    try {
      recovered = recoverXml(text);
      feed = await strict(recovered.xml);
    } catch (recoveryErr) {
      // Recovery found no feed in it either: the strict parser's own words are the clearer error.
      // Anything but a parse error is a fault of recovery itself and is not hidden.
      throw recoveryErr instanceof TidingsError ? err : recoveryErr;
    }
    const fixes = recovered.fixes.length ? ` (${recovered.fixes.join('; ')})` : '';
    return { ...feed, recovered: `${strictReason(err.message, where)} — recovered leniently${fixes}` };
  }
}

/** The strict parser's complaint without the prefix; sax's "<why> Line: 11 Column: 4 Char: x" as "line 12, column 4: <why>". */
function strictReason(message: string, where: string): string {
  const reason = message.replace(`parse: ${where}: `, '');
  const sax = /^invalid XML: (.*?)\s+Line: (\d+)\s+Column: (\d+)/s.exec(reason);
  if (!sax) return reason;
  const [, why = '', line = '0', column = '0'] = sax;
  return `line ${Number(line) + 1}, column ${column}: ${why.charAt(0).toLowerCase()}${why.slice(1)}`;
}

/**
 * Turns tag soup into well-formed XML: entities XML does not define become characters, bare `&` and
 * `<` are escaped, attributes are quoted and deduplicated, unclosed elements are closed where their
 * parent closes (or at the end, for a truncated body), a stray end tag closes a text-only element it
 * was plainly meant for (`<logo>…</link>`) and is otherwise dropped, comments, doctype and processing
 * instructions are dropped, and a feed root that names its format by a prefix or without a namespace
 * is given the name the dispatcher knows (`<r:rss>` → `<rss>`, a bare Atom `<feed>` → Atom 1.0).
 * Elements deeper than RECOVERY_MAX_DEPTH are only counted, so memory stays bounded by the depth.
 */
export function recoverXml(input: string): RecoveredXml {
  const text = input.replace(/^\uFEFF/, '');
  const repair = new XmlRepair(text);
  const tokenizer = new Tokenizer({ xmlMode: true, decodeEntities: false }, repair);
  tokenizer.write(text);
  tokenizer.end();
  return repair.result();
}

/** A start tag being read: its attributes as written out, and their names once it has any. */
interface OpenTag {
  name: string;
  attrs: string[];
  seen?: Set<string>;
  valid: boolean;
  start: number;
}

interface Open {
  name: string;
  hasChild: boolean;
}

/** The tokenizer's events, written out again as well-formed XML (see recoverXml). */
class XmlRepair implements TokenizerCallbacks {
  private readonly out: string[] = [];
  private readonly fixes = new FixLog();
  private readonly names = new FeedNames();
  private readonly stack: Open[] = [];
  /** How many elements of each name are open: whether an end tag closes anything, in O(1). */
  private readonly openCount = new Map<string, number>();
  /** Open elements below the depth limit: not written, their end tags matched by count. */
  private droppedDepth = 0;
  private rootDone = false;
  private tag: OpenTag | undefined;
  private attrName = '';
  private attrValue = '';
  private readonly validNames = new Map<string, boolean>();

  constructor(private readonly text: string) {}

  result(): RecoveredXml {
    if (this.stack.length > 0) this.fixes.add('truncated: open elements closed at the end');
    while (this.stack.length > 0) this.popOne();
    return { xml: `<?xml version="1.0" encoding="UTF-8"?>\n${this.out.join('')}`, fixes: this.fixes.list() };
  }

  ontext(start: number, end: number): void {
    if (this.stack.length === 0) return; // text outside the root element is not XML
    this.out.push(escapeText(this.text.slice(start, end), this.fixes));
  }

  oncdata(start: number, end: number, offset: number): void {
    if (this.stack.length === 0) return;
    this.out.push(`<![CDATA[${stripIllegal(this.text.slice(start, end - offset))}]]>`);
  }

  // Comments, the doctype (and with it any entity definitions) and processing instructions are dropped.
  oncomment(): void {}
  ondeclaration(): void {}
  onprocessinginstruction(): void {}
  // With decodeEntities off the tokenizer reports no entities: escapeText reads them.
  ontextentity(): void {}
  onattribentity(): void {}
  onend(): void {}

  onopentagname(start: number, end: number): void {
    const name = this.text.slice(start, end);
    this.tag = { name, attrs: [], valid: !this.rootDone && this.isName(name), start: start - 1 };
  }

  onattribname(start: number, end: number): void {
    this.attrName = this.text.slice(start, end);
    this.attrValue = '';
  }

  onattribdata(start: number, end: number): void {
    this.attrValue += this.text.slice(start, end);
  }

  onattribend(quote: QuoteType): void {
    const tag = this.tag;
    if (!tag || !this.isName(this.attrName)) return;
    // The root's own attributes are renamed once its name is known (its prefixes are declared there).
    const name = this.stack.length === 0 ? this.attrName : this.names.attribute(this.attrName);
    tag.seen ??= new Set();
    if (tag.seen.has(name)) {
      this.fixes.add(`duplicate attribute ${name}`);
      return;
    }
    tag.seen.add(name);
    const value = quote === QuoteType.NoValue ? '' : this.attrValue;
    tag.attrs.push(` ${name}="${escapeText(value, this.fixes).replace(/"/g, '&quot;')}"`);
  }

  onopentagend(end: number): void {
    this.finishOpenTag(end, false);
  }

  onselfclosingtag(end: number): void {
    this.finishOpenTag(end, true);
  }

  onclosetag(start: number, end: number): void {
    if (this.stack.length > 0) this.close(this.names.element(this.text.slice(start, end).trim()));
  }

  private finishOpenTag(end: number, selfClosing: boolean): void {
    const t = this.tag;
    this.tag = undefined;
    if (!t) return;
    if (!t.valid) {
      // `<3` or an element after the root: not markup, keep it as text where text may be.
      if (this.stack.length > 0) this.out.push(escapeText(this.text.slice(t.start, end + 1), this.fixes));
      return;
    }
    const name = this.stack.length === 0 ? rootName(t, this.fixes, this.names) : this.names.element(t.name);
    const isVoid = HTML_VOID.has(name.toLowerCase()) && this.stack.length > 1;
    if (isVoid && !selfClosing) this.fixes.add(`unclosed <${name}>`);
    this.open(name, `<${name}${t.attrs.join('')}>`, selfClosing || isVoid);
  }

  private open(name: string, openTag: string, selfClosing: boolean): void {
    const parent = this.stack[this.stack.length - 1];
    if (parent) parent.hasChild = true;
    if (this.stack.length >= RECOVERY_MAX_DEPTH) {
      this.fixes.add(`elements nested deeper than ${RECOVERY_MAX_DEPTH} levels flattened`);
      if (!selfClosing) this.droppedDepth++;
      return;
    }
    this.out.push(selfClosing ? `${openTag.slice(0, -1)}/>` : openTag);
    if (selfClosing) return;
    this.stack.push({ name, hasChild: false });
    this.openCount.set(name, (this.openCount.get(name) ?? 0) + 1);
  }

  private close(name: string): void {
    if ((this.openCount.get(name) ?? 0) > 0) {
      this.droppedDepth = 0; // whatever was open below the limit is inside the element this closes
      while (this.stack.length > 0 && this.stack[this.stack.length - 1]?.name !== name) {
        this.fixes.add(`unclosed <${this.stack[this.stack.length - 1]?.name ?? ''}>`);
        this.popOne();
      }
      this.popOne();
      return;
    }
    if (this.droppedDepth > 0) {
      this.droppedDepth--;
      return;
    }
    if (HTML_VOID.has(name.toLowerCase())) return; // `</br>`: the `<br>` was already written as `<br/>`
    const top = this.stack[this.stack.length - 1];
    // `</Title>` for `<title>`, or `</link>` ending a `<logo>` that holds only text: meant for the top.
    if (top && (!top.hasChild || top.name.toLowerCase() === name.toLowerCase())) {
      this.fixes.add(`</${name}> closes <${top.name}>`);
      this.popOne();
    } else {
      this.fixes.add(`stray </${name}> dropped`);
    }
  }

  private popOne(): void {
    const open = this.stack.pop();
    if (!open) return;
    const left = (this.openCount.get(open.name) ?? 1) - 1;
    if (left > 0) this.openCount.set(open.name, left);
    else this.openCount.delete(open.name);
    this.out.push(`</${open.name}>`);
    if (this.stack.length === 0) this.rootDone = true;
  }

  private isName(name: string): boolean {
    let valid = this.validNames.get(name);
    if (valid === undefined) {
      valid = XML_NAME.test(name);
      if (this.validNames.size < 10_000) this.validNames.set(name, valid);
    }
    return valid;
  }
}

/**
 * The root element's name as the dispatcher knows it, and how to rename the feed's own elements after
 * it: `<r:rss>` → `rss` (prefix `r:` dropped), `<RDF:RDF>` or a default-namespace `<RDF>` →
 * `rdf:RDF` (`RDF:about` → `rdf:about`); a bare `<feed>` gets Atom 1.0's namespace.
 */
function rootName(t: OpenTag, fixes: FixLog, names: FeedNames): string {
  const colon = t.name.indexOf(':');
  const prefix = colon > 0 ? t.name.slice(0, colon) : undefined;
  const local = colon > 0 ? t.name.slice(colon + 1) : t.name;
  if (local.toLowerCase() === 'rdf') {
    if (t.name === 'rdf:RDF') return t.name;
    fixes.add(`root <${t.name}> read as <rdf:RDF>`);
    names.alias(t.name, 'rdf:RDF');
    if (prefix !== undefined) names.prefix(prefix, 'rdf:');
    if (!t.seen?.has('xmlns:rdf')) t.attrs.push(` xmlns:rdf="${RDF_NS}"`);
    return 'rdf:RDF';
  }
  let name = t.name;
  if (prefix !== undefined && FEED_ROOTS.has(local.toLowerCase())) {
    fixes.add(`prefixed root <${t.name}> read as <${local}>`);
    names.prefix(prefix, '');
    name = local;
  }
  if (name === 'feed' && !t.seen?.has('xmlns')) {
    const atom03 = t.attrs.some((a) => /^ version="0\.3"$/.test(a));
    if (!atom03) {
      fixes.add('Atom <feed> without its namespace read as Atom 1.0');
      t.attrs.push(` xmlns="${ATOM_10}"`);
    }
  }
  // Attributes were read before the root's name was known: rename them now.
  t.attrs.forEach((a, i) => {
    const m = /^ ([^=]+)=/.exec(a);
    if (m?.[1]) t.attrs[i] = ` ${names.attribute(m[1])}${a.slice(m[0].length - 1)}`;
  });
  return name;
}

/** The renames rootName decided, applied to every later element and attribute name. */
class FeedNames {
  private readonly aliases = new Map<string, string>();
  private from: string | undefined;
  private to = '';
  alias(name: string, to: string): void {
    this.aliases.set(name, to);
  }
  prefix(prefix: string, to: string): void {
    this.from = `${prefix}:`;
    this.to = to;
  }
  element(name: string): string {
    return this.aliases.get(name) ?? this.attribute(name);
  }
  attribute(name: string): string {
    if (this.from === undefined || !name.startsWith(this.from) || name.startsWith('xmlns')) return name;
    return `${this.to}${name.slice(this.from.length)}`;
  }
}

/** References XML defines itself; HTML named entities become numeric ones, a bare `&` becomes `&amp;`. */
const XML_NAMED = new Set(['amp', 'lt', 'gt', 'quot', 'apos']);

/** Raw text (or an attribute value) as XML character data: every `&`, `<` and `>` made legal. */
function escapeText(raw: string, fixes: FixLog): string {
  const text = stripIllegal(raw);
  if (!text.includes('&') && !text.includes('<') && !text.includes('>')) return text;
  // One pass, pieces joined once: a regex replace with a callback per reference makes a million small
  // strings out of a hostile body's million `&nbsp;`.
  const pieces: string[] = [];
  let from = 0;
  AMP_OR_ANGLE.lastIndex = 0;
  for (let m = AMP_OR_ANGLE.exec(text); m !== null; m = AMP_OR_ANGLE.exec(text)) {
    pieces.push(text.slice(from, m.index), reference(m, fixes));
    from = AMP_OR_ANGLE.lastIndex;
  }
  pieces.push(text.slice(from));
  return pieces.join('');
}

/** `&` with what may follow it, `<` or `>`. */
const AMP_OR_ANGLE = /&(?:#(\d{1,7});|#[xX]([0-9a-fA-F]{1,6});|([A-Za-z][A-Za-z0-9]{0,31});)?|[<>]/g;

function reference(m: RegExpExecArray, fixes: FixLog): string {
  const [whole, dec, hex, name] = m;
  if (whole === '<') {
    fixes.add("unescaped '<'");
    return '&lt;';
  }
  if (whole === '>') return '&gt;';
  if (dec !== undefined || hex !== undefined) {
    const cp = dec !== undefined ? Number(dec) : parseInt(hex ?? '', 16);
    if (xmlChar(cp)) return whole;
    fixes.add('invalid character reference replaced');
    return '&#xFFFD;';
  }
  if (name === undefined) {
    fixes.add("unescaped '&'");
    return '&amp;';
  }
  return XML_NAMED.has(name) ? whole : fixes.entity(name);
}

/** Characters XML 1.0 forbids even escaped (C0 controls but tab, LF, CR; U+FFFE/FFFF). */
function stripIllegal(s: string): string {
  return s.replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g, '');
}

/**
 * The repairs made, each kind once, at most a few: a note for an operator, not a log. Also remembers
 * how each HTML entity name was rewritten, since a hostile body repeats one a million times.
 */
class FixLog {
  private readonly seen = new Set<string>();
  private readonly entities = new Map<string, string>();
  add(fix: string): void {
    if (this.seen.size < 5) this.seen.add(fix);
  }
  list(): string[] {
    return [...this.seen];
  }
  /** `&name;` as XML: the numeric references of the HTML entity, or the literal text when unknown. */
  entity(name: string): string {
    let xml = this.entities.get(name);
    if (xml === undefined) {
      const decoded = decodeHTML(`&${name};`);
      const known = decoded !== `&${name};`;
      this.add(known ? `HTML entity &${name};` : `unknown entity &${name};`);
      xml = known ? [...decoded].map((c) => `&#${c.codePointAt(0) ?? 0xfffd};`).join('') : `&amp;${name};`;
      this.entities.set(name, xml);
    }
    return xml;
  }
}
