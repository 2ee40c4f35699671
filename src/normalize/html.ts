// The only HTML handling in Tidings: sanitizing untrusted HTML (scripts, handlers, unsafe URLs,
// foreign iframes, tracking pixels), turning HTML into plain text, excerpts, and text escaping.
// Everything that emits or reads HTML goes through here, so escaping happens exactly once.

import sanitize from 'sanitize-html';
import { decodeHTML, decodeHTMLAttribute } from 'entities';

/** Iframes are embedded players only; any other host is dropped with its contents. */
const IFRAME_DOMAINS = ['youtube.com', 'youtube-nocookie.com', 'player.vimeo.com'];

/**
 * Hosts that serve only tracking beacons. An <img> from one of these (or any subdomain) is dropped
 * whatever its size, because these pixels often omit width/height.
 */
const TRACKER_HOSTS = [
  'feeds.feedburner.com',
  'feedproxy.google.com',
  'pixel.wp.com',
  'stats.wordpress.com',
  'google-analytics.com',
  'doubleclick.net',
  'pixel.quantserve.com',
  'pi.feedsportal.com',
  'feedsportal.com',
  'feedblitz.com',
  'api.mixpanel.com',
  'ad.doubleclick.net',
  'statcounter.com',
  'pixel.facebook.com',
  'facebook.com/tr',
  'sb.scorecardresearch.com',
  'scorecardresearch.com',
  'mf.feeds.reuters.com',
  'rss.nytimes.com/c/',
];

const ALLOWED_TAGS = [
  ...sanitize.defaults.allowedTags,
  'img',
  'figure',
  'figcaption',
  'picture',
  'source',
  'video',
  'audio',
  'track',
  'iframe',
  'del',
  'ins',
  'sup',
  'sub',
  'details',
  'summary',
];

const ALLOWED_ATTRIBUTES: Record<string, sanitize.AllowedAttribute[]> = {
  a: ['href', 'title', 'rel', 'target'],
  img: ['src', 'srcset', 'alt', 'title', 'width', 'height', 'loading'],
  source: ['src', 'srcset', 'type', 'media'],
  video: ['src', 'poster', 'controls', 'width', 'height'],
  audio: ['src', 'controls'],
  track: ['src', 'kind', 'srclang', 'label'],
  iframe: ['src', 'width', 'height', 'allow', 'allowfullscreen', 'frameborder', 'title'],
  td: ['colspan', 'rowspan'],
  th: ['colspan', 'rowspan', 'scope'],
  ol: ['start', 'reversed', 'type'],
  li: ['value'],
  blockquote: ['cite'],
  q: ['cite'],
  time: ['datetime'],
  abbr: ['title'],
};

/** Resolve `url` against `base` when it is relative; leave anything unresolvable for the scheme filter. */
function resolveAgainst(url: string, base: string | undefined): string {
  const trimmed = url.trim();
  if (!base || trimmed === '') return trimmed;
  // Only http(s) results replace the original: a javascript: or data: value must stay as it was so
  // sanitize-html's scheme check sees (and drops) it.
  if (/^[a-z][a-z0-9+.-]*:/i.test(trimmed)) return trimmed;
  // An invalid base or reference: keep the text; sanitize-html judges it as it stands.
  if (!URL.canParse(trimmed, base)) return trimmed;
  const resolved = new URL(trimmed, base);
  return resolved.protocol === 'http:' || resolved.protocol === 'https:' ? resolved.href : trimmed;
}

function hostMatches(url: string, patterns: readonly string[]): boolean {
  // Not an absolute URL: cannot belong to a tracker host.
  if (!URL.canParse(url)) return false;
  const parsed = new URL(url);
  const host = parsed.hostname.toLowerCase();
  const hostAndPath = host + parsed.pathname;
  return patterns.some((p) =>
    p.includes('/') ? hostAndPath.startsWith(p) || hostAndPath.startsWith(`www.${p}`) : host === p || host.endsWith(`.${p}`),
  );
}

function isTinyDimension(value: string | undefined): boolean {
  if (value === undefined) return false;
  const n = Number.parseFloat(value);
  return Number.isFinite(n) && n <= 1;
}

/** A tracking pixel: a 1×1 (or smaller) image, or any image served by a known tracker. */
function isTrackingPixel(attribs: Record<string, string>): boolean {
  if (isTinyDimension(attribs.width) && isTinyDimension(attribs.height)) return true;
  const src = attribs.src;
  return src !== undefined && hostMatches(src, TRACKER_HOSTS);
}

/**
 * How deep elements may nest when HTML reaches sanitize-html, whose cost grows with the square of the
 * depth (100,000 nested <div> took 59 s). Real articles nest a few dozen levels.
 */
export const MAX_HTML_DEPTH = 256;
const VOID_ELEMENTS = new Set([
  'area', 'base', 'br', 'col', 'embed', 'hr', 'img', 'input', 'link', 'meta', 'param', 'source', 'track', 'wbr',
]);
const TAG_NAME = /\/?([A-Za-z][^\s/>]*)/y;

/**
 * The HTML with every element deeper than `maxDepth` unwrapped (its tags dropped, its text kept), in
 * one linear pass. A `<` that opens a tag never closed by a `>` makes the rest text (escaped): left as
 * it is, each such `<` made the later regular expressions scan to the end again.
 */
export function capNesting(html: string, maxDepth = MAX_HTML_DEPTH): string {
  const out: string[] = [];
  const kept: boolean[] = []; // per open element: whether its tags stay
  let keptDepth = 0;
  let copied = 0;
  for (let at = html.indexOf('<'); at >= 0; at = html.indexOf('<', at + 1)) {
    TAG_NAME.lastIndex = at + 1;
    const name = TAG_NAME.exec(html)?.[1]?.toLowerCase();
    if (name === undefined) continue;
    const end = html.indexOf('>', TAG_NAME.lastIndex);
    if (end < 0) {
      out.push(html.slice(copied, at), html.slice(at).replace(/</g, '&lt;'));
      return out.join('');
    }
    let keep = true;
    if (html[at + 1] === '/') {
      keep = kept.pop() ?? true;
      if (keep && keptDepth > 0) keptDepth--;
    } else if (!VOID_ELEMENTS.has(name) && html[end - 1] !== '/') {
      keep = keptDepth < maxDepth;
      if (keep) keptDepth++;
      kept.push(keep);
    }
    if (!keep) {
      out.push(html.slice(copied, at));
      copied = end + 1;
    }
    at = end;
  }
  if (copied === 0) return html;
  out.push(html.slice(copied));
  return out.join('');
}

/** A top-level piece of HTML: balanced, so sanitize-html reads it alike alone or in its document. */
interface Segment {
  start: number;
  end: number;
  /**
   * Whether sanitize-html writes it back as it is but for the tags in the document's `rewrites`, so it
   * need not be parsed at all.
   */
  verbatim: boolean;
}

/** Where the raw-text element `name` (script, style) whose opening tag ends at `from` ends, or -1. */
function discardedElementEnd(html: string, from: number, name: string, tag: string): number {
  const end = RAW_TEXT_END[name];
  if (end === undefined || tag.endsWith('/>')) return -1;
  end.lastIndex = from;
  const close = end.exec(html);
  // Only the plain end tag, and no comment opener (script data has escaped states) on the way to it.
  if (close === null || !html.startsWith(`</${name}>`, close.index) || html.slice(from, close.index).includes('<!--')) return -1;
  return close.index + name.length + 3;
}

/** The start of an end tag of script or style, as htmlparser2 finds it in their raw text: any case. */
const RAW_TEXT_END: Record<string, RegExp | undefined> = { script: /<\/script/gi, style: /<\/style/gi };

/** A tag sanitize-html is known to write as `text` (a link with its URL resolved, a dropped tracking pixel). */
interface Rewrite {
  start: number;
  end: number;
  text: string;
}

/**
 * Elements sanitize-html keeps as they are when written bare (`<p>`, `</p>`: allowed, no attribute to
 * filter, no transform, not void — it writes void ones `<br />`), and that the HTML parser reads as
 * ordinary elements. `pre` is left out: a parser may drop the newline after it.
 */
const VERBATIM_TAGS = new Set(
  ['p', 'strong', 'em', 'b', 'i', 'u', 's', 'small', 'code', 'blockquote', 'ul', 'ol', 'li', 'h1', 'h2', 'h3', 'h4',
    'h5', 'h6', 'sup', 'sub', 'del', 'ins', 'span', 'div', 'figure', 'figcaption', 'q', 'cite', 'abbr', 'mark', 'dl',
    'dt', 'dd', 'section', 'article', 'header', 'footer', 'aside', 'kbd', 'samp', 'var', 'dfn', 'bdi', 'bdo']
    .filter((tag) => ALLOWED_TAGS.includes(tag)),
);
/**
 * Every element a document may hold for its segments to be found: ordinary elements whose nesting
 * htmlparser2 reads as written, once the implied closes below are refused. Anything else (script,
 * style, textarea, title, svg, math, forms, tables, unknown names) sends the whole document to the parser.
 */
const TRACKED_TAGS = new Set([...VERBATIM_TAGS, 'a', 'img', 'br', 'hr', 'picture', 'source', 'video', 'audio', 'track', 'time', 'wbr']);
/** TRACKED_TAGS that never have content or a closing tag. */
const TRACKED_VOID = new Set(['img', 'br', 'hr', 'source', 'track', 'wbr']);
/** htmlparser2's openImpliesClose for TRACKED_TAGS: opening the key closes an open element of the set. */
const IMPLIED_CLOSE: ReadonlyMap<string, ReadonlySet<string>> = new Map([
  ...['p', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'blockquote', 'div', 'dl', 'figcaption', 'figure', 'hr', 'ol', 'ul',
    'section', 'article', 'aside', 'header', 'footer'].map((tag): [string, ReadonlySet<string>] => [tag, new Set(['p'])]),
  ['li', new Set(['li'])],
  ['dd', new Set(['dd', 'dt'])],
  ['dt', new Set(['dd', 'dt'])],
]);
/** Deeper than this, the document goes to the parser (and capNesting), as it always did. */
const TRACKED_DEPTH = 64;
/**
 * What keeps text from being written back unchanged by sanitize-html: a `>`, a NUL or CR, an `&` that
 * begins none of the entities it writes (&amp; &lt; &gt;).
 */
const NOT_VERBATIM_TEXT = /[>\u0000\r]|&(?!amp;|lt;|gt;)/;
/**
 * A tag written exactly as sanitize-html writes a bare one, `<p>` or `</p>`, at a given index: most of a
 * body's tags, read without PLAIN_TAG (which matches the same text there), with its groups.
 */
const BARE_TAG_AT = /<([a-z][a-z0-9]*)>|<\/([a-z][a-z0-9]*)>/y;

/**
 * The document cut at the points where no element is open, when it can be: every `<` begins a
 * PLAIN_TAG of a TRACKED_TAGS element, each closing tag closes the innermost open element, no opening
 * tag closes another implicitly, and nothing is left open. There htmlparser2 (and sanitize-html's
 * stack, with its filters) is back where a document starts, so each run of segments sanitizes alone
 * as it does in place. A segment is verbatim when its tags are bare VERBATIM_TAGS or ones rewrittenTag
 * knows (those go to `rewrites`) and its text holds nothing NOT_VERBATIM_TEXT finds. Undefined for any other document.
 * test/html.test.ts and test/html.verbatim.test.ts pin the equality.
 */
function topLevelSegments(html: string, baseUrl: string | undefined, rewrites: Rewrite[]): Segment[] | undefined {
  const segments: Segment[] = [];
  const open: string[] = [];
  let start = 0;
  let verbatim = true;
  let at = 0;
  for (;;) {
    const lt = html.indexOf('<', at);
    const text = html.slice(at, lt < 0 ? html.length : lt);
    if (verbatim && text !== '' && NOT_VERBATIM_TEXT.test(text)) verbatim = false;
    if (lt < 0) break;
    BARE_TAG_AT.lastIndex = lt;
    let tag = BARE_TAG_AT.exec(html);
    const bare = tag !== null;
    if (tag === null) {
      PLAIN_TAG.lastIndex = lt;
      tag = PLAIN_TAG.exec(html);
    }
    if (tag === null) return undefined;
    at = lt + tag[0].length;
    const closing = tag[2] !== undefined;
    const name = (tag[1] ?? tag[2] ?? '').toLowerCase();
    if (!TRACKED_TAGS.has(name)) {
      // A script or style element: read by htmlparser2 as raw text up to its end tag, and discarded by
      // sanitize-html (disallowed, a nonTextTag) with all it holds.
      const end = closing ? -1 : discardedElementEnd(html, at, name, tag[0]);
      if (end < 0) return undefined;
      rewrites.push({ start: lt, end, text: '' });
      at = end;
      if (open.length === 0) {
        segments.push({ start, end: at, verbatim });
        start = at;
        verbatim = true;
      }
      continue;
    }
    if (verbatim && !(bare && VERBATIM_TAGS.has(name))) {
      const text = rewrittenTag(tag[0], name, closing, baseUrl);
      if (text === undefined) verbatim = false;
      else rewrites.push({ start: lt, end: at, text });
    }
    if (closing) {
      if (TRACKED_VOID.has(name) || open.pop() !== name) return undefined;
    } else {
      const top = open[open.length - 1];
      if (top !== undefined && IMPLIED_CLOSE.get(name)?.has(top)) return undefined;
      if (TRACKED_VOID.has(name)) {
        if (open.length > 0) continue;
      } else {
        // A non-void element written self-closing stays open to the HTML parser: too odd to follow.
        if (tag[0].endsWith('/>')) return undefined;
        open.push(name);
        if (open.length > TRACKED_DEPTH) return undefined;
        continue;
      }
    }
    if (open.length === 0) {
      segments.push({ start, end: at, verbatim });
      start = at;
      verbatim = true;
    }
  }
  if (open.length > 0) return undefined;
  if (start < html.length) segments.push({ start, end: html.length, verbatim });
  return segments;
}

/**
 * Sanitize untrusted HTML from a feed or a local article. Drops scripts, styles, event handlers,
 * javascript:/data: URLs, iframes outside the player allow-list and tracking pixels; resolves
 * relative link and image URLs against `baseUrl`; makes links rel="noopener noreferrer".
 */
export function sanitizeHtml(html: string, baseUrl?: string): string {
  return sanitizeHtmlAll([html], baseUrl)[0]!;
}

/**
 * sanitizeHtml of each document, all under one base URL (the bodies of a feed). The segments that are
 * verbatim (see topLevelSegments) are what sanitize-html would write for them anyway; the others, of
 * every document, go to it in ONE call, because each call costs about 40 µs before it parses anything
 * (it builds its options and a fresh constructor per call) — as much as a paragraph's parse.
 */
export function sanitizeHtmlAll(documents: readonly string[], baseUrl?: string): string[] {
  const split = documents.map((html) => {
    const rewrites: Rewrite[] = [];
    return { html, segments: topLevelSegments(html, baseUrl, rewrites), rewrites };
  });
  const runs: string[] = [];
  for (const { html, segments } of split) if (segments) runs.push(...runsOf(html, segments));
  const parsed = sanitizeRuns(runs, baseUrl);
  let next = 0;
  return split.map(({ html, segments, rewrites }) => {
    if (segments === undefined) return sanitizeWithParser(html, baseUrl);
    let out = '';
    let rewrite = 0;
    for (let i = 0; i < segments.length; i++) {
      const segment = segments[i]!;
      // Rewrites of a segment that is not verbatim are the parser's to make.
      while (rewrite < rewrites.length && rewrites[rewrite]!.start < segment.start) rewrite++;
      if (segment.verbatim) {
        let at = segment.start;
        for (; rewrite < rewrites.length && rewrites[rewrite]!.end <= segment.end; rewrite++) {
          const { start, end, text } = rewrites[rewrite]!;
          out += html.slice(at, start) + text;
          at = end;
        }
        out += html.slice(at, segment.end);
      } else if (i === 0 || segments[i - 1]!.verbatim) out += parsed[next++];
    }
    return out;
  });
}

/**
 * What sanitize-html writes for one tag of the few kinds feed bodies are full of, when this is known
 * without the parser; undefined otherwise (the parser decides). sanitize-html writes a void element
 * self-closed (`<br />`), a link with its URL resolved and escaped and rel="noopener noreferrer"
 * added (sanitizeWithParser's transform), an image likewise (see imageTag). Only an
 * http(s) URL after resolving is handled here: its scheme passes sanitize-html's check as it stands.
 */
function rewrittenTag(tag: string, name: string, closing: boolean, baseUrl: string | undefined): string | undefined {
  if (closing) return tag === '</a>' ? tag : undefined;
  if (tag === '<br>' || tag === '<br/>' || tag === '<br />') return '<br />';
  if (tag === '<hr>' || tag === '<hr/>' || tag === '<hr />') return '<hr />';
  if (name === 'a') {
    const href = LINK_TAG.exec(tag)?.[1];
    const url = href === undefined ? undefined : resolveAgainst(decodeHTMLAttribute(href), baseUrl);
    return url !== undefined && HTTP_URL.test(url) ? `<a href="${escapeAttribute(url)}" rel="noopener noreferrer">` : undefined;
  }
  if (name === 'img') return imageTag(tag, baseUrl);
  return undefined;
}

/** A link written `<a href="…">` and nothing more; a quoted value holds no `"`, and here no `<` or `>`. */
const LINK_TAG = /^<a href="([^"<>]*)">$/;
/** An image with double-quoted attributes, lowercase names, each once (checked apart). */
const IMAGE_TAG = /^<img((?: [a-z]+="[^"<>]*")*) ?\/?>$/;
const IMAGE_ATTRIBUTE = / ([a-z]+)="([^"<>]*)"/g;
const HTTP_URL = /^https?:\/\//;

/**
 * What sanitize-html writes for an image written as IMAGE_TAG with only allowed attributes and an
 * http(s) src: the attributes in order, src resolved (the transform), an empty value dropped but alt's
 * (written `alt=""`), self-closed — or nothing, when its exclusiveFilter drops a tracking pixel.
 * Undefined for any other image: the parser's.
 */
function imageTag(tag: string, baseUrl: string | undefined): string | undefined {
  const list = IMAGE_TAG.exec(tag)?.[1];
  if (list === undefined) return undefined;
  const attribs: Record<string, string> = {};
  for (const [, name, raw] of list.matchAll(IMAGE_ATTRIBUTE)) {
    if (name === undefined || raw === undefined || !SIMPLE_IMAGE_ATTRIBUTES.has(name) || name in attribs) return undefined;
    const value = decodeHTMLAttribute(raw);
    attribs[name] = name === 'src' ? resolveAgainst(value, baseUrl) : value;
  }
  if (attribs.src === undefined || !HTTP_URL.test(attribs.src)) return undefined;
  // An empty width or height reads to isTrackingPixel as none, as sanitize-html's filter leaves it.
  if (isTrackingPixel(attribs)) return '';
  let out = '<img';
  for (const [name, value] of Object.entries(attribs)) {
    if (value !== '') out += ` ${name}="${escapeAttribute(value)}"`;
    else if (name === 'alt') out += ' alt=""';
  }
  return `${out} />`;
}

/** ALLOWED_ATTRIBUTES.img but srcset, whose transform imageTag leaves to the parser. */
const SIMPLE_IMAGE_ATTRIBUTES = new Set(['src', 'alt', 'title', 'width', 'height', 'loading']);

/** sanitize-html's escaping of an attribute value (it decodes entities, so every & is escaped). */
function escapeAttribute(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** The document's runs of consecutive non-verbatim segments, in order. */
function runsOf(html: string, segments: readonly Segment[]): string[] {
  const runs: string[] = [];
  for (let i = 0; i < segments.length; i++) {
    const segment = segments[i]!;
    if (segment.verbatim) continue;
    let end = segment.end;
    while (i + 1 < segments.length && !segments[i + 1]!.verbatim) end = segments[++i]!.end;
    runs.push(html.slice(segment.start, end));
  }
  return runs;
}

/**
 * A top-level text run between balanced pieces of HTML, written back unchanged by sanitize-html: runs
 * are sanitized in one call joined by it, and its output split by it. A noncharacter, so real text
 * rarely holds one; when a run or the output does, one call per run.
 */
const RUN_SEPARATOR = '\ufdd0';

/** sanitize-html's output for each run (balanced top-level HTML), in order. */
function sanitizeRuns(runs: readonly string[], baseUrl: string | undefined): string[] {
  const out: string[] = [];
  for (let from = 0; from < runs.length; ) {
    // Runs join up to JOINED_CHARS: sanitize-html copies all it has written so far each time it drops
    // an element (a tracking pixel), so one call over a whole feed's bodies costs more than one each.
    let to = from + 1;
    let chars = runs[from]!.length;
    while (to < runs.length && chars + runs[to]!.length <= JOINED_CHARS) chars += runs[to++]!.length;
    out.push(...sanitizeJoined(runs.slice(from, to), baseUrl));
    from = to;
  }
  return out;
}

const JOINED_CHARS = 8192;

function sanitizeJoined(runs: readonly string[], baseUrl: string | undefined): string[] {
  if (runs.length > 1 && !runs.some((run) => run.includes(RUN_SEPARATOR))) {
    const parts = sanitizeWithParser(runs.join(RUN_SEPARATOR), baseUrl).split(RUN_SEPARATOR);
    // More parts than runs: an entity in the HTML decoded to the separator.
    if (parts.length === runs.length) return parts;
  }
  return runs.map((run) => sanitizeWithParser(run, baseUrl));
}

/** sanitizeHtml by sanitize-html alone, for any HTML: what the verbatim path must always equal. */
export function sanitizeWithParser(html: string, baseUrl?: string): string {
  return sanitize(capNesting(html), {
    allowedTags: ALLOWED_TAGS,
    allowedAttributes: ALLOWED_ATTRIBUTES,
    // data: is refused everywhere, images included: data: images are a common vector for
    // oversized payloads and SVG script, and feed readers fetch nothing from them anyway.
    allowedSchemes: ['http', 'https', 'mailto'],
    allowedSchemesByTag: {},
    allowedSchemesAppliedToAttributes: ['href', 'src', 'cite', 'poster'],
    allowProtocolRelative: true,
    allowedIframeDomains: IFRAME_DOMAINS,
    allowIframeRelativeUrls: false,
    disallowedTagsMode: 'discard',
    nonTextTags: ['script', 'style', 'textarea', 'option', 'noscript', 'template'],
    transformTags: {
      a: (tagName, attribs) => {
        const out: Record<string, string> = { ...attribs, rel: 'noopener noreferrer' };
        if (attribs.href !== undefined) out.href = resolveAgainst(attribs.href, baseUrl);
        return { tagName, attribs: out };
      },
      img: (tagName, attribs) => {
        const out: Record<string, string> = { ...attribs };
        if (attribs.src !== undefined) out.src = resolveAgainst(attribs.src, baseUrl);
        // srcset is a list of "url descriptor" pairs; relative entries would break on our pages.
        if (attribs.srcset !== undefined) {
          out.srcset = attribs.srcset
            .split(',')
            .map((part) => {
              const [u, ...desc] = part.trim().split(/\s+/);
              return u ? [resolveAgainst(u, baseUrl), ...desc].join(' ') : '';
            })
            .filter((s) => s !== '' && /^https?:/i.test(s))
            .join(', ');
          if (out.srcset === '') delete out.srcset;
        }
        return { tagName, attribs: out };
      },
    },
    exclusiveFilter: (frame) => {
      if (frame.tag === 'img') {
        // An image with no usable src after the scheme filter (e.g. data:) is an empty box.
        if (frame.attribs.src === undefined || frame.attribs.src === '') return true;
        return isTrackingPixel(frame.attribs);
      }
      // sanitize-html strips the src of a foreign iframe but keeps the empty element; drop it.
      if (frame.tag === 'iframe') return frame.attribs.src === undefined || frame.attribs.src === '';
      return false;
    },
  });
}

/** Block-level tags whose boundaries separate words in plain text. */
const BLOCK_TAGS = [
  'p', 'div', 'br', 'hr', 'li', 'ul', 'ol', 'dd', 'dt', 'dl', 'tr', 'td', 'th', 'table', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6',
  'blockquote', 'pre', 'figure', 'figcaption', 'section', 'article', 'header', 'footer', 'aside', 'nav', 'summary', 'details',
];
const BLOCK_TAG_SET = new Set(BLOCK_TAGS);
const BLOCK_BOUNDARY = new RegExp(`<\\/?(?:${BLOCK_TAGS.join('|')})\\b[^>]*>`, 'gi');

/**
 * Plain text of an HTML fragment: tags removed (script/style contents too), entities decoded
 * exactly once, whitespace collapsed. `&amp;amp;` becomes the text `&amp;`, never `&`.
 */
export function htmlToText(html: string): string {
  return textOf(html, anyHtmlText);
}

function anyHtmlText(html: string): string {
  return plainMarkupText(html) ?? parseToText(html);
}

/**
 * The text `convert` makes of `html`. Without `<` there is no tag and without `&` no entity: a parse
 * would hand the characters back unchanged (it escapes text and decodeHTML undoes exactly that), so only
 * whitespace changes. Titles, author names and most summaries take that path. Each body is converted
 * once per ingest: normalize hands its text on to classify and the store (IndexedArticle).
 */
function textOf(html: string, convert: (html: string) => string): string {
  if (!html.includes('<') && !html.includes('&')) return collapseWhitespace(html);
  return convert(html);
}

/**
 * Elements whose content the HTML parser reads as ordinary text and sanitize-html (with TO_TEXT_OPTIONS)
 * keeps: no raw-text or RCDATA element (script, style, textarea, title, xmp…), no non-text tag, no foreign
 * (svg, math) or form element.
 */
const PLAIN_TAG_SET = new Set([
  ...BLOCK_TAGS, 'a', 'abbr', 'b', 'bdi', 'bdo', 'big', 'cite', 'code', 'del', 'dfn', 'em', 'i', 'img', 'ins',
  'kbd', 'main', 'mark', 'q', 's', 'samp', 'small', 'span', 'strong', 'sub', 'sup', 'tbody', 'tfoot', 'thead',
  'time', 'u', 'caption',
]);

/**
 * A tag exactly as htmlparser2 reads one (only HTML whitespace separates; an opening tag's quoted values
 * may hold `>`; a closing tag has no attributes), written conservatively: anything odd does not match.
 */
const PLAIN_TAG =
  /<([a-zA-Z][a-zA-Z0-9]*)(?:[ \t\n\f\r]+[^ \t\n\f\r"'<>/=]+(?:[ \t\n\f\r]*=[ \t\n\f\r]*(?:"[^"]*"|'[^']*'|[^ \t\n\f\r"'=<>`]+))?)*[ \t\n\f\r]*\/?>|<\/([a-zA-Z][a-zA-Z0-9]*)[ \t\n\f\r]*>/y;

/**
 * parseToText without the parser, for the common simple HTML (summaries like `<p>…</p>`, links,
 * emphasis): when every `<` opens a PLAIN_TAG of a PLAIN_TAG_SET element, the parse would only drop the
 * tags (a block one leaving a space) and decode each text run between them, which this does directly;
 * undefined when the HTML is anything else. test/html.test.ts pins the equality.
 */
function plainMarkupText(html: string): string | undefined {
  let text = '';
  let at = 0;
  for (;;) {
    const lt = html.indexOf('<', at);
    text += decodeHTML(lt === -1 ? html.slice(at) : html.slice(at, lt));
    if (lt === -1) return collapseWhitespace(text);
    PLAIN_TAG.lastIndex = lt;
    const tag = PLAIN_TAG.exec(html);
    const name = (tag?.[1] ?? tag?.[2])?.toLowerCase();
    if (name === undefined || !PLAIN_TAG_SET.has(name)) return undefined;
    if (BLOCK_TAG_SET.has(name)) text += ' ';
    at = PLAIN_TAG.lastIndex;
  }
}

/**
 * htmlToText for HTML that sanitizeHtml produced, without parsing it again: its text carries no raw
 * `<` or `>` and no entity but &amp; &lt; &gt; (sanitize-html escapes decoded text), its attribute values
 * no raw `<` or `>`, and it holds no comment, CDATA, script, style or other raw-text element. So every
 * `<…>` is a tag, and dropping tags (block ones becoming spaces, as BLOCK_BOUNDARY does) and decoding
 * what is left is what the parse would give. The text is remembered like htmlToText's, so classify and
 * the store, which get the same string, find it. test/html.test.ts pins the equality.
 */
export function sanitizedHtmlToText(sanitized: string): string {
  return textOf(sanitized, sanitizedText);
}

function sanitizedText(sanitized: string): string {
  return collapseWhitespace(decodeHTML(sanitized.replace(BLOCK_BOUNDARY, ' ').replace(ANY_TAG, '')));
}

/** Any tag of sanitizeHtml's output (see sanitizedHtmlToText for why nothing else starts with `<`). */
const ANY_TAG = /<[^>]*>/g;

/**
 * Whitespace runs of two or more, or of one character other than a space: what collapsing has to
 * rewrite. A body has a single space between most words, and `/\s+/g` rewrote each of them to itself.
 */
const WHITESPACE_TO_COLLAPSE = /\s{2,}|[^\S ]/g;

function collapseWhitespace(text: string): string {
  return text.replace(WHITESPACE_TO_COLLAPSE, ' ').trim();
}

function parseToText(html: string): string {
  // Block boundaries become spaces so "<p>a</p><p>b</p>" reads "a b", not "ab".
  const spaced = capNesting(html).replace(BLOCK_BOUNDARY, (tag) => ` ${tag} `);
  // sanitize-html parses (decoding entities) and re-escapes text on output; decoding its output
  // once therefore yields the text exactly as the HTML meant it.
  const escapedText = sanitize(spaced, TO_TEXT_OPTIONS);
  return collapseWhitespace(decodeHTML(escapedText));
}

const TO_TEXT_OPTIONS: sanitize.IOptions = {
  allowedTags: [],
  allowedAttributes: {},
  nonTextTags: ['script', 'style', 'textarea', 'option', 'noscript', 'template', 'head', 'title'],
};

/** At most `maxChars` of `text`, cut at a word boundary, with "…" when anything was cut. */
export function excerpt(text: string, maxChars: number): string {
  const clean = collapseWhitespace(text);
  if (clean.length <= maxChars) return clean;
  const room = Math.max(1, maxChars - 1); // leave a place for the ellipsis
  const hard = clean.slice(0, room + 1);
  const lastSpace = hard.lastIndexOf(' ');
  // Cut at the last space unless that would throw away more than half (one giant "word").
  const cut = lastSpace > room / 2 ? hard.slice(0, lastSpace) : clean.slice(0, room);
  return `${cut.replace(/[\s,;:.\-–—]+$/u, '')}…`;
}
