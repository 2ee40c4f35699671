// CORS for what other sites pull into their pages (feeds, /topics, /opml): CORS_ORIGIN is `*`, one
// origin, or a comma-separated list (a listed request Origin is echoed back). Preflight is answered,
// conditional-GET headers are allowed and the validators exposed, so page scripts can poll cheaply.

import type { NextFunction, Request, Response } from 'express';

export function cors(setting: string) {
  const allowed = setting.split(',').map((o) => o.trim()).filter(Boolean);
  const any = allowed.includes('*');
  return (req: Request, res: Response, next: NextFunction): void => {
    if (allowed.length === 0) return next();
    if (!any) res.append('Vary', 'Origin');
    const origin = req.headers.origin;
    const allow = any ? '*' : origin !== undefined && allowed.includes(origin) ? origin : undefined;
    if (allow === undefined) return next();
    res.setHeader('Access-Control-Allow-Origin', allow);
    res.setHeader('Access-Control-Expose-Headers', 'ETag, Last-Modified, Link, Tidings-Truncated, Retry-After');
    if (req.method !== 'OPTIONS') return next();
    res.setHeader('Access-Control-Allow-Methods', 'GET, HEAD, OPTIONS');
    res.setHeader('Access-Control-Allow-Headers', 'If-None-Match, If-Modified-Since, Cache-Control');
    res.setHeader('Access-Control-Max-Age', '86400');
    res.status(204).end();
  };
}
