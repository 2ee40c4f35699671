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
