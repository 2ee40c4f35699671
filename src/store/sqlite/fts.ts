// Turns a reader's free-text `q` into an FTS5 MATCH expression that cannot be a syntax error:
// every word becomes a quoted term (all must match); a trailing `*` keeps its prefix meaning.

export function toFtsQuery(q: string): string | undefined {
  const words = q.match(/[\p{L}\p{N}]+\*?/gu);
  if (!words) return undefined;
  return words
    .slice(0, 16)
    .map((w) => (w.endsWith('*') ? `"${w.slice(0, -1)}"*` : `"${w}"`))
    .join(' ');
}
