// Hostile feed bodies of issue 8's table, built the same way for the tests and for measuring: each
// once cost the serving thread seconds to minutes (deep nesting, unclosed constructs, nested HTML,
// too many items).

const RSS_HEAD = '<?xml version="1.0"?><rss version="2.0"><channel><title>Hostile</title><link>http://h.test/</link>';

/** A feed whose item nests `levels` elements deep (~7 bytes a level: 100,000 ≈ 700 KB). */
export function deeplyNested(levels: number): string {
  return `${RSS_HEAD}<item><title>deep</title><x>${'<a>'.repeat(levels)}x${'</a>'.repeat(levels)}</x></item></channel></rss>`;
}

/** Unclosed constructs the pre-parse scan once searched for their end from every start, repeated to ~`bytes`. */
export const UNCLOSED = ['<!--', '<![CDATA[', '<?', '<!DOCTYPE ['] as const;
export function unclosed(construct: (typeof UNCLOSED)[number], bytes: number): string {
  const head = `${RSS_HEAD}<item><title>unclosed</title><description>`;
  return head + construct.repeat(Math.ceil(bytes / construct.length));
}

/** One item whose HTML content nests `levels` <div>s (escaped, as RSS carries HTML). */
export function nestedDivs(levels: number): string {
  const html = `${'<div>'.repeat(levels)}deep${'</div>'.repeat(levels)}`;
  const escaped = html.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  return `${RSS_HEAD}<item><title>divs</title><link>http://h.test/divs</link><description>${escaped}</description></item></channel></rss>`;
}

/** A well-formed feed of `count` items, newest first, item i published i minutes before `newest`. */
export function manyItems(count: number, newest = new Date('2026-01-01T00:00:00Z'), prefix = 'item'): string {
  const items: string[] = [];
  for (let i = 0; i < count; i++) {
    const date = new Date(newest.getTime() - i * 60_000).toUTCString();
    items.push(`<item><title>${prefix} ${i}</title><link>http://h.test/${prefix}/${i}</link><guid>http://h.test/${prefix}/${i}</guid><pubDate>${date}</pubDate><description>Text of ${prefix} ${i}.</description></item>`);
  }
  return `${RSS_HEAD}${items.join('')}</channel></rss>`;
}
