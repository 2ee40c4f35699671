// The Markdown article form of content/: YAML front matter between `---` lines, then a Markdown
// body. Reads the front matter fields into a ParsedItem; the body becomes (unsanitized) HTML.

import { Marked } from 'marked';
import { isMap, isScalar, LineCounter, parseDocument, type Document } from 'yaml';
import { TidingsError } from '../errors.ts';
import type { Person } from '../model.ts';
import { escapeHtml } from '../text/escape-html.ts';
import type { ParsedItem } from './types.ts';

/** One Marked instance of our own: marked's global `use()` settings would leak across callers. */
const marked = new Marked({ gfm: true, breaks: false, async: false });

const FENCE = /^---[ \t]*$/;
const ISO_DATE = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?\s*(?:Z|[+-]\d{2}(?::?\d{2})?)?)?$/i;

interface FrontMatter {
  doc: Document;
  lineCounter: LineCounter;
  /** 0-based index of the first front matter line in the file. */
  lineOffset: number;
  body: string;
  /** 1-based line of the body's first line, for messages about the body. */
  bodyLine: number;
}

function splitFrontMatter(lines: readonly string[], path: string): FrontMatter {
  if (!FENCE.test((lines[0] ?? '').trim())) {
    throw new TidingsError('content', `${path}:1`, 'expected YAML front matter opening with "---"');
  }
  const close = lines.findIndex((l, i) => i > 0 && (FENCE.test(l.trim()) || /^\.\.\.[ \t]*$/.test(l.trim())));
  if (close < 0) {
    throw new TidingsError('content', `${path}:1`, 'front matter opened with "---" is never closed');
  }
  const lineCounter = new LineCounter();
  const yamlText = lines.slice(1, close).join('\n');
  const doc = parseDocument(yamlText, { lineCounter, prettyErrors: false });
  return { doc, lineCounter, lineOffset: 1, body: lines.slice(close + 1).join('\n'), bodyLine: close + 2 };
}

/** 1-based file line of a front matter key, for messages about its value. */
function keyLine(fm: FrontMatter, key: string, path: string): string {
  const contents = fm.doc.contents;
  if (isMap(contents)) {
    for (const pair of contents.items) {
      if (isScalar(pair.key) && pair.key.value === key && pair.key.range) {
        return `${path}:${fm.lineCounter.linePos(pair.key.range[0]).line + fm.lineOffset}`;
      }
    }
  }
  return `${path}:${fm.lineOffset + 1}`;
}

function asStringList(value: unknown, field: string, where: string): string[] {
  if (value === undefined || value === null) return [];
  if (typeof value === 'string') {
    // `tags: a, b` is a common shorthand for a list.
    return value.split(',').map((s) => s.trim()).filter((s) => s !== '');
  }
  if (Array.isArray(value) && value.every((v) => typeof v === 'string' || typeof v === 'number')) {
    return value.map((v) => String(v).trim()).filter((s) => s !== '');
  }
  throw new TidingsError('content', where, `"${field}" must be a string or a list of strings`);
}

function asOptionalString(value: unknown, field: string, where: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return value.trim() === '' ? undefined : value.trim();
  if (typeof value === 'number') return String(value);
  throw new TidingsError('content', where, `"${field}" must be a string`);
}

function asPerson(value: unknown, where: string): Person {
  if (typeof value === 'string') return { name: value.trim() };
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const o = value as Record<string, unknown>;
    const name = asOptionalString(o.name, 'author.name', where);
    const url = asOptionalString(o.url, 'author.url', where);
    const email = asOptionalString(o.email, 'author.email', where);
    if (!name && !email) throw new TidingsError('content', where, '"author" needs a name or an email');
    return { name: name ?? email ?? '', ...(url ? { url } : {}), ...(email ? { email } : {}) };
  }
  throw new TidingsError('content', where, '"author" must be a name, {name, url, email}, or a list of them');
}

function asAuthors(value: unknown, where: string): Person[] {
  if (value === undefined || value === null) return [];
  const list = Array.isArray(value) ? value : [value];
  return list.map((v) => asPerson(v, where)).filter((p) => p.name.trim() !== '');
}

/** A front matter date: an ISO 8601 string (or a YAML timestamp, should a schema produce one). */
function asDate(value: unknown, field: string, where: string): string | Date | undefined {
  if (value === undefined || value === null) return undefined;
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) throw new TidingsError('content', where, `"${field}" is not a valid date`);
    return value;
  }
  if (typeof value === 'string' && ISO_DATE.test(value.trim())) {
    const d = new Date(value.trim().slice(0, 10) + 'T00:00:00Z');
    const [y, m, day] = value.trim().slice(0, 10).split('-').map(Number);
    if (d.getUTCFullYear() === y && d.getUTCMonth() + 1 === m && d.getUTCDate() === day) return value.trim();
  }
  throw new TidingsError('content', where, `"${field}" must be a date like 2026-01-06 or 2026-01-06T10:00:00+02:00, found ${JSON.stringify(value)}`);
}

/** The first `# Heading` of the body, used when front matter has no title, and the body without it. */
function takeH1(body: string): { title?: string; rest: string } {
  const m = /^[ \t]*#[ \t]+(.+?)[ \t#]*$/m.exec(body);
  if (!m || body.slice(0, m.index).trim() !== '') return { rest: body };
  return { title: m[1], rest: body.slice(m.index + m[0].length) };
}

/**
 * Parse a Markdown article with YAML front matter. `path` is only for error messages.
 * Fields: title, date, updated, author (string, {name,url,email} or a list), summary, topics,
 * tags, lang, slug, image. `topics` are explicit Tidings topics; `tags` are source categories.
 * @throws TidingsError('content') with `path:line` for bad front matter.
 */
export function parseMarkdownArticle(source: string, path: string): ParsedItem {
  const lines = source.replace(/^\uFEFF/, '').replace(/\r\n?/g, '\n').split('\n');
  const fm = splitFrontMatter(lines, path);

  const yamlError = fm.doc.errors[0];
  if (yamlError) {
    // yaml reports positions within the front matter; the file has the opening "---" above it.
    // (linePos is only filled with prettyErrors, which also rewrites the message; ask the counter.)
    const line = fm.lineCounter.linePos(yamlError.pos[0]).line + fm.lineOffset;
    const message = yamlError.message.split('\n')[0] ?? 'invalid YAML';
    throw new TidingsError('content', `${path}:${line}`, `front matter: ${message}`, { cause: yamlError });
  }
  const data: unknown = fm.doc.toJS();
  if (data === null || data === undefined) {
    throw new TidingsError('content', `${path}:2`, 'front matter is empty; it needs at least "date"');
  }
  if (typeof data !== 'object' || Array.isArray(data)) {
    throw new TidingsError('content', `${path}:2`, 'front matter must be a mapping of fields (title: …, date: …)');
  }
  const f = data as Record<string, unknown>;
  const at = (key: string): string => keyLine(fm, key, path);

  // A local article has no feed to date it: without a date it would jump to "now" on every reload.
  const published = asDate(f.date, 'date', at('date'));
  if (published === undefined) {
    throw new TidingsError('content', `${path}:1`, 'front matter needs a "date" (YYYY-MM-DD)');
  }
  const updated = asDate(f.updated, 'updated', at('updated'));

  let body = fm.body;
  let title = asOptionalString(f.title, 'title', at('title'));
  if (title === undefined) {
    const h1 = takeH1(body);
    title = h1.title;
    body = h1.rest;
  }

  const summary = asOptionalString(f.summary, 'summary', at('summary'));
  const language = asOptionalString(f.lang ?? f.language, 'lang', at(f.lang !== undefined ? 'lang' : 'language'));
  const slug = asOptionalString(f.slug, 'slug', at('slug'));
  const image = asOptionalString(f.image, 'image', at('image'));
  const topics = asStringList(f.topics, 'topics', at('topics'));
  const categories = asStringList(f.tags ?? f.categories, 'tags', at(f.tags !== undefined ? 'tags' : 'categories'));
  const authors = asAuthors(f.author ?? f.authors, at(f.author !== undefined ? 'author' : 'authors'));

  const item: ParsedItem = {
    published,
    contentHtml: marked.parse(body, { async: false }),
    authors,
    categories,
    enclosures: [],
  };
  // Front matter and heading titles are plain text; ParsedItem titles are HTML (see types.ts).
  if (title !== undefined) item.title = escapeHtml(title);
  if (updated !== undefined) item.updated = updated;
  // Front matter summary is plain text; ParsedItem carries summaries as HTML.
  if (summary !== undefined) item.summaryHtml = escapeHtml(summary);
  if (language !== undefined) item.language = language;
  if (slug !== undefined) item.slug = slug;
  if (image !== undefined) item.image = image;
  if (topics.length > 0) item.topics = topics;
  return item;
}
