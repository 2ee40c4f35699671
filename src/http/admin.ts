// Admin-only resources: with ADMIN_TOKEN set, they answer only to `Authorization: Bearer <token>`;
// without it they stay public (a private deployment needs no token). One middleware for every such
// route (/sources, /metrics).

import { createHash, timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';

/** Passes every request when `token` is undefined; otherwise only those carrying it as a bearer token. */
export function requireAdmin(token: string | undefined) {
  // Digests have one length, so the comparison takes the same time whatever the guess's length.
  const expected = token === undefined ? undefined : digest(token);
  return (req: Request, res: Response, next: NextFunction): void => {
    if (expected === undefined) return next();
    const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(req.headers.authorization ?? '');
    if (match?.[1] !== undefined && timingSafeEqual(digest(match[1]), expected)) return next();
    res.setHeader('WWW-Authenticate', 'Bearer realm="tidings-admin"');
    res.setHeader('Cache-Control', 'no-store');
    res.status(401).type('application/json; charset=utf-8')
      .send(JSON.stringify({ error: 'unauthorized', message: 'this resource needs the admin token: Authorization: Bearer <ADMIN_TOKEN>' }));
  };
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}
