// The bench's yardsticks: a bare Express 5 app, or (BASELINE_KIND=node) a bare node:http server, that
// answers with prebuilt buffers and nothing else (no store, no cache lookup, no conditional logic), so
// Tidings' overhead shows as a ratio. Run as a child process by bench/serve.ts; reads the environment.

import { readFileSync } from 'node:fs';
import { createServer, type ServerResponse } from 'node:http';
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

/** The physical limit of this machine for these bytes: node:http with no framework at all. */
function bareNode(res: ServerResponse, url: string | undefined): void {
  const encoding = url === '/x.br' ? 'br' : url === '/x.gz' ? 'gzip' : undefined;
  const body = encoding === 'br' ? br : encoding === 'gzip' ? gzip : identity;
  res.setHeader('Content-Type', contentType);
  if (encoding !== undefined) res.setHeader('Content-Encoding', encoding);
  res.setHeader('Content-Length', body.length);
  res.end(body);
}

const server = process.env.BASELINE_KIND === 'node'
  ? createServer((req, res) => bareNode(res, req.url)).listen(port, '127.0.0.1')
  : app.listen(port, '127.0.0.1');
server.on('error', (err) => {
  console.error(`baseline: cannot listen on ${port}: ${err.message}`);
  process.exitCode = 1;
});
process.once('SIGTERM', () => server.close());
