// Typed failures. Every error Tidings raises says where it happened (a prefix) and why (a cause),
// so a log line or an HTTP body reads like `fetch: https://x/feed: timeout after 10000 ms`.

export type ErrorKind =
  | 'config' // a bad environment variable or file in feeds/
  | 'content' // a local article that cannot be read
  | 'fetch' // network, HTTP status, size or time limit
  | 'parse' // a feed body that is not a feed
  | 'store' // the database
  | 'request'; // a bad HTTP request parameter

export class TidingsError extends Error {
  readonly kind: ErrorKind;
  /** Where: a file path, a URL, a parameter name. */
  readonly where: string;

  constructor(kind: ErrorKind, where: string, message: string, options?: { cause?: unknown }) {
    super(`${kind}: ${where}: ${message}`, options);
    this.name = 'TidingsError';
    this.kind = kind;
    this.where = where;
  }
}

/** A message for any thrown value, for log lines; never loses the text of a non-Error throw. */
export function describeError(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}
