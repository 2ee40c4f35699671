// Reading an HTTP response body with a byte cap: what a fetch of someone else's server (a feed, a
// WebSub subscriber's answer) must never do is buffer whatever the other side cares to send.

/** The part of a fetch Response (global or undici's) this needs. */
export interface CappableResponse {
  body: { getReader(): { read(): Promise<{ done: boolean; value?: Uint8Array }>; cancel(): Promise<void> } } | null;
}

/**
 * The body's bytes, or undefined as soon as more than `maxBytes` arrive (the rest is not read). The
 * count is of the bytes the stream yields, so for fetch's decoded bodies a compressed bomb is cut off
 * as early as an endless plain one.
 */
export async function readUpTo(res: CappableResponse, maxBytes: number): Promise<Uint8Array | undefined> {
  if (!res.body) return new Uint8Array(0);
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done || !value) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel();
      return undefined;
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks, size);
}
