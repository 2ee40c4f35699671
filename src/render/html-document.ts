// The shell every HTML page Tidings serves shares (site pages, the embed page): doctype, language,
// viewport, title and inline style. Escaping comes from xml.ts, the one escaper.

import { escapeAttr as attr, escapeText as text } from './xml.ts';

/** The site's look, shared by its pages and the stylesheet that shows a feed in a browser. */
export const SITE_STYLE = `body{font:16px/1.5 system-ui,sans-serif;max-width:46rem;margin:2rem auto;padding:0 1rem;color:#222}
a{color:#0b5cad}h1{font-size:1.6rem}li{margin:.6rem 0}.meta{color:#595959;font-size:.9rem}
.feeds a{display:inline-block;margin-right:.6rem;padding:.1rem .5rem;border:1px solid #0b5cad;border-radius:4px;text-decoration:none}
article img{max-width:100%;height:auto}code{background:#f3f3f3;padding:.1rem .3rem}
.site{display:flex;justify-content:space-between;gap:1rem;flex-wrap:wrap}pre{white-space:pre-wrap;overflow-wrap:anywhere}
.search{display:flex;flex-wrap:wrap;align-items:center;gap:.3rem}.search input{font:inherit;min-width:0;flex:1 1 9rem}.search button{font:inherit}
table{border-collapse:collapse;width:100%}td,th{text-align:left;vertical-align:top;padding:.3rem .4rem;border-bottom:1px solid #ddd;overflow-wrap:anywhere}`;

/** A complete HTML document: every page Tidings serves (site pages, the embed page) has this shell. */
export function htmlDocument(opts: { lang: string; title: string; head?: string; style: string; body: string }): string {
  return `<!DOCTYPE html>
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
