// What lets a re-poll pay only for what changed: a hash of a fetched body and of each item as the
// source sent it, each together with everything else that shaped its processing (the source's
// configuration, the URLs relative links resolve against, the code's version).

import { createHash } from 'node:crypto';

/** A short, collision-safe digest (128 bits, base64url: no spaces, so a list can be space-joined). */
export function digest(...parts: string[]): string {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(part).update('\u0000');
  return hash.digest('base64url').slice(0, 22);
}

/**
 * digest(context, text) for the long texts a re-poll hashes (each item of the body), over the string's
 * UTF-16 code units instead of its UTF-8 encoding: Node then copies the string instead of transcoding
 * it, which halved the hashing of a Ukrainian feed (478 → 226 µs for 50 items, 138 K characters) and
 * cut an English one by a fifth. It is also exact where UTF-8 is not: a lone surrogate stays itself
 * instead of becoming U+FFFD. Its values differ from digest's, so the two never share a list.
 */
export function textDigest(context: string, text: string): string {
  return createHash('sha256').update(context).update('\u0000').update(text, 'utf16le').digest('base64url').slice(0, 22);
}
