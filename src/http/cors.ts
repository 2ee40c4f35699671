// CORS for what other sites pull into their pages (feeds, /topics, /opml): a configurable
// Access-Control-Allow-Origin and answers to preflight requests. Conditional-GET headers are allowed
// and the validators exposed, so browser scripts can poll cheaply too.

import type { NextFunction, Request, Response } from 'express';

export function cors(origin: string) {
  return (req: Request, res: Response, next: NextFunction): void => {
    if (origin === '') return next();
    res.setHeader('Access-Control-Allow-Origin', origin);
    if (origin !== '*') res.append('Vary', 'Origin');
    res.setHeader('Access-Control-Expose-Headers', 'ETag, Last-Modified, Link');
    if (req.method !== 'OPTIONS') return next();
    res.setHeader('Access-Control-Allow-Methods', 'GET, HEAD, OPTIONS');
    res.setHeader('Access-Control-Allow-Headers', 'If-None-Match, If-Modified-Since, Cache-Control');
    res.setHeader('Access-Control-Max-Age', '86400');
    res.status(204).end();
  };
}
