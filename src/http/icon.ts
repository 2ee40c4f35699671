// The site's icon (SITE_ICON, else the bundled assets/icon.png): read and checked once at boot, then
// served from memory at /icon.png and /favicon.ico (a PNG there too: every browser reads it) with an
// ETag, so pages, feeds and link previews share one cached image.

import { existsSync, readFileSync } from 'node:fs';
import type { Request, Response } from 'express';
import { TidingsError, describeError } from '../errors.ts';
import { makeEtag } from './conditional.ts';

/** The icon Tidings ships, drawn by scripts/make-icon.ts. */
export const DEFAULT_ICON_FILE = new URL('assets/icon.png', repositoryRoot());

/**
 * This module runs as src/http/icon.ts (tsx), dist/src/http/icon.js (built) and
 * dist/test-build/src/http/icon.js (npm test): the repository root is the nearest folder up that
 * holds package.json, which no build output has.
 */
function repositoryRoot(): URL {
  let dir = new URL('./', import.meta.url);
  for (;;) {
    if (existsSync(new URL('package.json', dir))) return dir;
    const up = new URL('../', dir);
    if (up.href === dir.href) return new URL('../../', import.meta.url);
    dir = up;
  }
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
/** Far more than an icon needs; a mistaken path to a photo should not sit in memory for good. */
const MAX_ICON_BYTES = 1024 * 1024;

/** Reads the icon at `file` (the default one when absent); a missing, oversized or non-PNG file stops the boot naming SITE_ICON. */
export function loadSiteIcon(file?: string): Buffer {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file ?? DEFAULT_ICON_FILE);
  } catch (err) {
    throw new TidingsError('config', 'SITE_ICON', `cannot read ${JSON.stringify(file ?? DEFAULT_ICON_FILE.pathname)}: ${describeError(err)}`, { cause: err });
  }
  if (!bytes.subarray(0, 8).equals(PNG_SIGNATURE)) throw new TidingsError('config', 'SITE_ICON', `expected a PNG file, got ${JSON.stringify(file)}`);
  if (bytes.length > MAX_ICON_BYTES) throw new TidingsError('config', 'SITE_ICON', `expected at most 1 MB, got ${bytes.length} bytes in ${JSON.stringify(file)}`);
  return bytes;
}

export function iconHandler(icon: Buffer, maxAgeSeconds: number) {
  const etag = makeEtag([icon.toString('base64')]);
  return (req: Request, res: Response): void => {
    res.setHeader('Cache-Control', `public, max-age=${maxAgeSeconds}`);
    res.setHeader('ETag', etag);
    if (req.fresh) {
      res.status(304).end();
      return;
    }
    res.status(200).type('image/png').send(icon);
  };
}
