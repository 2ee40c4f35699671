// The plain-text article form of content/: a first line `date YYYY-MM-DD Title`, a blank line,
// then paragraphs separated by blank lines. Knows this layout only; normalize/ does the rest.

import { TidingsError } from '../errors.ts';
import { escapeHtml } from '../text/escape-html.ts';
import type { ParsedItem } from './types.ts';

const HEADER = /^date[ \t]+(\d{4})-(\d{2})-(\d{2})[ \t]+(\S.*?)[ \t]*$/;

/**
 * A photo caption pasted from a news site ("… фото: Офіс президента"). It is a paragraph of its
 * own even when the writer did not leave a blank line around it, so it never runs into the text.
 */
const CAPTION = /(?:^|[\s,(])(?:фото|photo|foto|фото\s*та\s*відео)\s*:/iu;

function isValidDate(y: number, m: number, d: number): boolean {
  const probe = new Date(Date.UTC(y, m - 1, d));
  return probe.getUTCFullYear() === y && probe.getUTCMonth() === m - 1 && probe.getUTCDate() === d;
}

/** Paragraphs of the body: blank lines separate them; a caption line stands alone. */
function paragraphs(lines: readonly string[]): string[] {
  const out: string[] = [];
  let current: string[] = [];
  const flush = (): void => {
    if (current.length > 0) out.push(current.join(' '));
    current = [];
  };
  for (const raw of lines) {
    const line = raw.trim();
    if (line === '') {
      flush();
    } else if (CAPTION.test(line)) {
      flush();
      out.push(line);
    } else {
      // A single newline inside a paragraph is a soft wrap, as in e-mail and Markdown.
      current.push(line);
    }
  }
  flush();
  return out;
}

/**
 * Parse a plain-text article. `path` is only for error messages (`content/a.txt:1`).
 * @throws TidingsError('content') when the first line is not `date YYYY-MM-DD Title`.
 */
export function parseTextArticle(source: string, path: string): ParsedItem {
  // Editors add a BOM and CRLF line ends; neither is part of the text.
  const lines = source.replace(/^\uFEFF/, '').replace(/\r\n?/g, '\n').split('\n');
  // Leading blank lines are tolerated; errors still name the line the header was expected on.
  let headerIndex = 0;
  while (headerIndex < lines.length - 1 && (lines[headerIndex] ?? '').trim() === '') headerIndex++;
  const header = (lines[headerIndex] ?? '').trim();
  const where = `${path}:${headerIndex + 1}`;
  const m = HEADER.exec(header);
  if (!m) {
    const shown = header.length > 60 ? `${header.slice(0, 60)}…` : header;
    throw new TidingsError('content', where, `expected "date YYYY-MM-DD Title" as the first line, found ${JSON.stringify(shown)}`);
  }
  const [, y, mo, d, title] = m;
  if (!isValidDate(Number(y), Number(mo), Number(d))) {
    throw new TidingsError('content', where, `"${y}-${mo}-${d}" is not a calendar date`);
  }
  const body = paragraphs(lines.slice(headerIndex + 1));
  return {
    // The header line is plain text; ParsedItem titles are HTML (see types.ts).
    title: escapeHtml(title ?? ''),
    published: `${y}-${mo}-${d}`,
    contentHtml: body.map((p) => `<p>${escapeHtml(p)}</p>`).join('\n'),
    authors: [],
    categories: [],
    enclosures: [],
  };
}
