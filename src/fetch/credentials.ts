// Credentials in a source URL (`https://user:pass@host/feed`): fetch refuses such URLs, so they become
// an HTTP Basic Authorization value for their own origin, and messages show the password as `***`.

/** `user:pass@` of a URL as a Basic Authorization value; removes them from the URL (fetch refuses them). */
export function takeCredentials(url: URL): string | undefined {
  if (url.username === '' && url.password === '') return undefined;
  const pair = `${decodeLiteral(url.username)}:${decodeLiteral(url.password)}`;
  url.username = '';
  url.password = '';
  return `Basic ${Buffer.from(pair, 'utf8').toString('base64')}`;
}

/** The URL with its password replaced by `***`, for log lines the operator reads (the public /sources uses urlFitForPublic, which hides more). */
export function passwordMaskedForLogs(url: string): string {
  if (!URL.canParse(url)) return url;
  const parsed = new URL(url);
  if (parsed.password === '') return url;
  parsed.password = '***';
  return parsed.href;
}

/** A permanent move within the origin keeps polling with the configured credentials. */
export function keepCredentials(final: URL, configured: URL, original: string): string {
  const withCredentials = new URL(final.href);
  const given = new URL(original);
  if (final.origin === configured.origin && (given.username !== '' || given.password !== '')) {
    withCredentials.username = given.username;
    withCredentials.password = given.password;
  }
  return withCredentials.href;
}

/** Percent-decoded userinfo; a `%` that starts no valid escape stays as written. */
function decodeLiteral(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch (err) {
    if (err instanceof URIError) return part;
    throw err;
  }
}
