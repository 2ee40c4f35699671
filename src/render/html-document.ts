// The shell every HTML page Tidings serves shares (site pages, the embed page): doctype, language,
// viewport, title and inline style. Escaping comes from xml.ts, the one escaper.

import { escapeAttr as attr, escapeText as text } from './xml.ts';

/** A complete HTML document: every page Tidings serves (site pages, the embed page) has this shell. */
export function htmlDocument(opts: { lang: string; title: string; head?: string; style: string; body: string }): string {
  return `<!doctype html>
<html lang="${attr(opts.lang)}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${text(opts.title)}</title>
${opts.head ?? ''}<style>${opts.style}</style>
</head>
<body>
${opts.body}
</body>
</html>
`;
}
