// The version Tidings reports (User-Agent, generator) and the renderer version that is part of every
// feed ETag: bump RENDERER_VERSION whenever rendered bytes change for the same articles, so caches
// and pollers see new output. A test keeps VERSION equal to package.json's.

export const VERSION = '0.1.0';
export const RENDERER_VERSION = `${VERSION}+r5`;
export const PROJECT_URL = 'https://github.com/tidings/tidings';
