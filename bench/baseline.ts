// The bench's yardstick: a bare Express 5 app that answers with prebuilt buffers and nothing else
// (no store, no cache lookup, no conditional logic), so Tidings' overhead over Express shows as a ratio.
// Run as a child process by bench/serve.ts; reads everything from the environment.

import { readFileSync } from 'node:fs';
import express from 'express';

function required(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === '') throw new Error(`baseline: ${name} is not set`);
  return value;
}

const port = Number(required('PORT'));
const contentType = required('BASELINE_CONTENT_TYPE');
const identity = readFileSync(required('BASELINE_IDENTITY'));
const br = readFileSync(required('BASELINE_BR'));
const gzip = readFileSync(required('BASELINE_GZIP'));

const app = express();

function answer(body: Buffer, encoding: string | undefined): express.RequestHandler {
  return (_req, res) => {
    res.setHeader('Content-Type', contentType);
    if (encoding !== undefined) res.setHeader('Content-Encoding', encoding);
    res.setHeader('Content-Length', body.length);
    res.end(body);
  };
}

app.get('/x', answer(identity, undefined));
app.get('/x.br', answer(br, 'br'));
app.get('/x.gz', answer(gzip, 'gzip'));

const server = app.listen(port, '127.0.0.1');
server.on('error', (err) => {
  console.error(`baseline: cannot listen on ${port}: ${err.message}`);
  process.exitCode = 1;
});
process.once('SIGTERM', () => server.close());
