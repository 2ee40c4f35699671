// Security headers of the HTML pages (helmet): a Content-Security-Policy allowing only what the pages
// use (inline styles, and in article bodies images, media and player frames from the web; no scripts
// but the embed page's height reporter, by hash), Referrer-Policy, and framing refused everywhere but
// the embed page, which exists to be framed. `X-Content-Type-Options: nosniff` goes on every response
// (feeds too), set in app.ts.

import type { RequestHandler } from 'express';
import helmet from 'helmet';
import { FRAME_HEIGHT_SCRIPT_SOURCE } from '../render/embed.ts';

/** One helmet per kind of page: the site's pages, and the embed page other sites frame. */
export function pageHeaders(baseUrl: string, kind: 'site' | 'embed'): RequestHandler {
  const embed = kind === 'embed';
  return helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'none'"],
        // Pages carry one inline <style> and a few style attributes.
        styleSrc: ["'unsafe-inline'"],
        // The embed page's one inline script (it reports its height to the parent), by hash; the
        // site's pages run none (default-src 'none').
        ...(embed ? { scriptSrc: [FRAME_HEIGHT_SCRIPT_SOURCE] } : {}),
        // Sanitized article bodies keep images, audio/video and allow-listed players from their sites.
        imgSrc: ['https:', 'http:'],
        mediaSrc: embed ? ["'none'"] : ['https:', 'http:'],
        frameSrc: embed ? ["'none'"] : ['https:'],
        baseUri: ["'none'"],
        // The search box of every site page submits to this origin; the embed page has no form.
        formAction: embed ? ["'none'"] : ["'self'"],
        frameAncestors: embed ? ['*'] : ["'none'"],
      },
    },
    crossOriginEmbedderPolicy: false,
    // An iframe on another site loads the embed page cross-origin.
    crossOriginResourcePolicy: { policy: embed ? 'cross-origin' : 'same-origin' },
    referrerPolicy: { policy: 'strict-origin-when-cross-origin' },
    // HSTS only means something, and only can be honoured, when the public origin is https.
    strictTransportSecurity: baseUrl.startsWith('https:'),
    xFrameOptions: embed ? false : { action: 'deny' },
  });
}
