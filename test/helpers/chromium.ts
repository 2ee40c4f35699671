// Headless Chromium for the browser tests: one fresh profile per test, the page's DOM after its scripts
// and stylesheets ran (--dump-dom), and screenshots at a given width. Skipped, with the reason, where
// /usr/bin/chromium is missing; under CI=true a missing browser fails instead.

import type { TestContext } from 'node:test';
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

export const CHROMIUM = '/usr/bin/chromium';
/** Git-ignored: for a human look at what the tests saw. */
export const SCREENSHOT_DIR = join(import.meta.dirname, '..', 'screenshots');
const run = promisify(execFile);

/** The `skip` option of a browser test: false when Chromium is there, else why (an error under CI). */
export function browserSkip(): false | string {
  if (existsSync(CHROMIUM)) return false;
  if (process.env.CI === 'true') throw new Error(`browser tests: ${CHROMIUM} is missing and CI=true requires them`);
  return `Chromium not installed at ${CHROMIUM}: apt-get install chromium`;
}

export interface Browser {
  dumpDom(url: string, lang?: string): Promise<string>;
  screenshot(url: string, name: string, width: number): Promise<string>;
}

export function startBrowser(t: TestContext): Browser {
  const profile = mkdtempSync(join(tmpdir(), 'tidings-chromium-'));
  t.after(() => rmSync(profile, { recursive: true, force: true }));
  const flags = (lang: string) => ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
    '--disable-sync', '--no-first-run', `--user-data-dir=${profile}`, '--virtual-time-budget=5000', `--lang=${lang}`, `--accept-lang=${lang}`];
  return {
    async dumpDom(url, lang = 'en') {
      const { stdout } = await run(CHROMIUM, [...flags(lang), '--dump-dom', url], { timeout: 90_000, maxBuffer: 16 * 1024 * 1024 });
      return stdout;
    },
    async screenshot(url, name, width) {
      mkdirSync(SCREENSHOT_DIR, { recursive: true });
      const file = join(SCREENSHOT_DIR, `${name}-${width}.png`);
      await run(CHROMIUM, [...flags('en'), `--screenshot=${file}`, `--window-size=${width},1000`, '--hide-scrollbars', url], { timeout: 90_000 });
      return file;
    },
  };
}

/** The app on a real port; its base URL must be known before the app is built, so the handler comes later. */
export async function listenLater(t: TestContext): Promise<{ base: string; serve: (handler: (req: IncomingMessage, res: ServerResponse) => void) => void }> {
  let handle: (req: IncomingMessage, res: ServerResponse) => void = (_req, res) => res.writeHead(503).end();
  const server: Server = createServer((req, res) => handle(req, res));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  t.after(() => server.close());
  return { base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, serve: (h) => { handle = h; } };
}
