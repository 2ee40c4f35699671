// A value read once per store revision, for either backend: the counts every page view shows change
// only with a write, so callers share one read (in flight or done) until the revision moves.

/** Shares one read of a value per revision; a failed read is not kept. */
export class PerRevision<T> {
  private held: { revision: number; value: Promise<T> } | undefined;
  private readonly read: () => Promise<T>;

  constructor(read: () => Promise<T>) {
    this.read = read;
  }

  get(revision: number): Promise<T> {
    if (this.held?.revision === revision) return this.held.value;
    const value = this.read();
    this.held = { revision, value };
    value.catch(() => {
      if (this.held?.value === value) this.held = undefined;
    });
    return value;
  }
}
