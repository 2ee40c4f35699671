// supertest's parser for a body kept as bytes, whatever its content type.

import type { Response as AgentResponse } from 'superagent';

/** Collects the body as bytes (after superagent's decompression), whatever the content type. */
export function binary(res: AgentResponse, done: (err: Error | null, body: Buffer) => void): void {
  // In Node, superagent hands a parser the response stream itself, typed as its Response.
  const stream = res as unknown as NodeJS.ReadableStream;
  const chunks: Buffer[] = [];
  stream.on('data', (chunk: Buffer) => chunks.push(chunk));
  stream.on('end', () => done(null, Buffer.concat(chunks)));
  stream.on('error', (err: Error) => done(err, Buffer.alloc(0)));
}
