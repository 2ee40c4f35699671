// Plain text as HTML text: a step below parse and normalize alike, so parse (which wraps plain-text
// bodies in <p>) does not import normalize, which comes after it.

/** `text` with the five HTML-significant characters escaped; safe in element content and quoted attributes. */
export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}
