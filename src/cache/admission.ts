// Which rendered responses earn a place in the response cache. A one-off query (a distinct `q`,
// `since` or paging cursor) is mostly asked once: caching its first answer would spend the cache's
// byte budget — and the process's memory — on bodies nobody asks for again, evicting the feeds that
// pollers do repeat. Such a response is cached when its key is asked for a second time.

/** Keys remembered as asked once; when full, the memory starts over (a repeat then waits for a third). */
const MAX_SEEN_KEYS = 4096;

export class RepeatAdmission {
  private seen = new Set<string>();

  /** Whether `key` was asked for before; if not, it is remembered so that the next ask is admitted. */
  admits(key: string): boolean {
    if (this.seen.delete(key)) return true;
    if (this.seen.size >= MAX_SEEN_KEYS) this.seen.clear();
    this.seen.add(key);
    return false;
  }
}
