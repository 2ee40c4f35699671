// A real HTTP server on 127.0.0.1 standing in for remote feed publishers in tests: serves routes with
// given bodies and headers, answers conditional GETs with 304 as a real server does, redirects, fails,
// stalls, trickles or never ends on demand, compresses, and records every request it receives.
//
//   const up = await startUpstream();
//   t.after(() => up.close());
//   up.route('/feed.xml', { body: xml, headers: { 'content-type': 'application/rss+xml' }, etag: '"v1"' });
//   up.route('/old', { status: 301, location: '/feed.xml' });
//   await fetchFeed(up.url('/feed.xml'), …);
//   up.requests('/feed.xml').length;              // how many times it was asked
//   up.requests('/feed.xml')[1]?.headers['if-none-match'];
//
// Routes match the path without the query string; unknown paths answer 404. A route can be replaced
// at any time (publish a new version of a feed by calling route() again).

import http from 'node:http';
import type { AddressInfo } from 'node:net';
import zlib from 'node:zlib';

export interface RouteSpec {
  /** Default 200 (or 302 when `location` is given). */
  status?: number;
  headers?: Record<string, string>;
  /** A string is sent as UTF-8; give bytes (e.g. from iconv-lite) for any other encoding. */
  body?: string | Uint8Array;
  /** Sends this ETag and answers a matching If-None-Match (strong, W/ weak, list or `*`) with 304. */
  etag?: string;
  /** Sends Last-Modified and answers If-Modified-Since at or after it with 304 (when no If-None-Match). */
  lastModified?: Date;
  /** Redirect target (a path on this server or any absolute URL), sent as Location. */
  location?: string;
  /** Waits this long before sending the status line and headers. */
  delayMs?: number;
  /** Compresses `body` and sets Content-Encoding. */
  encoding?: 'gzip' | 'deflate' | 'br';
  /** Sends headers at once, then `body` in `chunks` pieces, one every `everyMs`. */
  trickle?: { everyMs: number; chunks: number };
  /** Sends headers, then bytes forever (until the client goes away). */
  endless?: boolean;
}

export type RouteHandler = (req: http.IncomingMessage, res: http.ServerResponse) => void;

export interface RecordedRequest {
  method: string;
  /** Path and query as requested. */
  url: string;
  headers: http.IncomingHttpHeaders;
  at: Date;
}

export interface Upstream {
  /** `http://127.0.0.1:<port>` */
  readonly origin: string;
  /** Serves `path` from now on, replacing any earlier route; a function gets the raw request. */
  route(path: string, spec: RouteSpec | RouteHandler): void;
  /** The absolute URL of a path on this server. */
  url(path: string): string;
  /** Requests received for a path (any query), oldest first. Without a path: every request. */
  requests(path?: string): RecordedRequest[];
  /** Stops listening and cuts open connections (keep-alive, trickling, endless). */
  close(): Promise<void>;
}

export async function startUpstream(): Promise<Upstream> {
  const routes = new Map<string, RouteSpec | RouteHandler>();
  const log: RecordedRequest[] = [];
  const timers = new Set<NodeJS.Timeout>();

  const later = (ms: number, fn: () => void): void => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      fn();
    }, ms);
    timers.add(timer);
  };

  const server = http.createServer((req, res) => {
    const path = pathOf(req.url ?? '/');
    log.push({ method: req.method ?? 'GET', url: req.url ?? '/', headers: req.headers, at: new Date() });
    const route = routes.get(path);
    if (route === undefined) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
    } else if (typeof route === 'function') {
      route(req, res);
    } else if (route.delayMs) {
      later(route.delayMs, () => serve(req, res, route, later));
    } else {
      serve(req, res, route, later);
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    origin,
    route(path, spec) {
      routes.set(path, spec);
    },
    url(path) {
      return new URL(path, origin).href;
    },
    requests(path) {
      return path === undefined ? [...log] : log.filter((r) => pathOf(r.url) === path);
    },
    async close() {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      const closed = new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve())));
      server.closeAllConnections();
      await closed;
    },
  };
}

function pathOf(url: string): string {
  return url.split('?')[0] ?? url;
}

function serve(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  spec: RouteSpec,
  later: (ms: number, fn: () => void) => void,
): void {
  if (res.destroyed) return;
  const headers: Record<string, string> = { ...spec.headers };
  if (spec.etag) headers['etag'] = spec.etag;
  if (spec.lastModified) headers['last-modified'] = spec.lastModified.toUTCString();
  if (spec.location) headers['location'] = spec.location;

  if (isNotModified(req, spec)) {
    res.writeHead(304, headers).end();
    return;
  }
  const status = spec.status ?? (spec.location ? 302 : 200);

  if (spec.endless) {
    res.writeHead(status, headers);
    const chunk = Buffer.alloc(64 * 1024, 'x');
    const pump = (): void => {
      while (!res.destroyed && res.write(chunk));
      if (!res.destroyed) res.once('drain', pump);
    };
    pump();
    return;
  }

  let body: Buffer = Buffer.from(spec.body ?? '');
  if (spec.encoding) {
    body = compress(body, spec.encoding);
    headers['content-encoding'] = spec.encoding;
  }

  if (spec.trickle) {
    res.writeHead(status, headers);
    const { everyMs, chunks } = spec.trickle;
    const size = Math.max(1, Math.ceil(body.length / chunks));
    const send = (offset: number): void => {
      if (res.destroyed) return;
      if (offset >= body.length) {
        res.end();
        return;
      }
      res.write(body.subarray(offset, offset + size));
      later(everyMs, () => send(offset + size));
    };
    send(0);
    return;
  }

  headers['content-length'] = String(body.length);
  res.writeHead(status, headers).end(body);
}

function compress(body: Buffer, encoding: 'gzip' | 'deflate' | 'br'): Buffer {
  if (encoding === 'gzip') return zlib.gzipSync(body);
  if (encoding === 'deflate') return zlib.deflateSync(body);
  return zlib.brotliCompressSync(body);
}

/** RFC 9110 §13.1: If-None-Match decides when present; If-Modified-Since only otherwise. */
function isNotModified(req: http.IncomingMessage, spec: RouteSpec): boolean {
  const ifNoneMatch = req.headers['if-none-match'];
  if (ifNoneMatch !== undefined) {
    if (!spec.etag) return false;
    const weak = (tag: string): string => tag.trim().replace(/^W\//, '');
    return ifNoneMatch.split(',').some((tag) => tag.trim() === '*' || weak(tag) === weak(spec.etag ?? ''));
  }
  const ifModifiedSince = req.headers['if-modified-since'];
  if (ifModifiedSince !== undefined && spec.lastModified) {
    const since = Date.parse(ifModifiedSince);
    return !Number.isNaN(since) && Math.floor(spec.lastModified.getTime() / 1000) * 1000 <= since;
  }
  return false;
}
