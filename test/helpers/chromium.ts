// Headless Chromium for the browser tests, driven by playwright-core (Debian's chromium-headless-shell,
// else its chromium; no browser download): one browser per test file, a fresh context per viewport.
// Skipped, with the reason, where neither is installed; under CI=true a missing browser fails instead.

import { after, before } from 'node:test';
import type { TestContext } from 'node:test';
import { existsSync, mkdirSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

/**
 * Debian's chromium-headless-shell first: the same Blink and V8 as its chromium (one source package,
 * one version), without the full browser around them, and what Playwright itself launches for headless
 * Chromium. The browser tests take about half the CPU in it. Debian's full chromium where it is the only one.
 */
const CANDIDATES = ['/usr/bin/chromium-headless-shell', '/usr/bin/chromium'];
export const CHROMIUM = CANDIDATES.find((path) => existsSync(path)) ?? '/usr/bin/chromium';
/** Git-ignored: for a human look at what the tests saw. */
export const SCREENSHOT_DIR = join(import.meta.dirname, '..', 'screenshots');
/**
 * Screenshots only when asked for (`TIDINGS_SCREENSHOTS=1`): no test reads them, and each full-page
 * capture cost Chromium about 0.3 s of CPU — some 8 s of the browser test's 35 s.
 */
const SCREENSHOTS = process.env.TIDINGS_SCREENSHOTS === '1';
/** A desktop and a phone: every browser test runs at both widths. */
export const WIDTHS = [1280, 390] as const;
export type Width = (typeof WIDTHS)[number];

/** The `skip` option of a browser test: false when Chromium is there, else why (an error under CI). */
export function browserSkip(): false | string {
  if (existsSync(CHROMIUM)) return false;
  if (process.env.CI === 'true') throw new Error(`browser tests: none of ${CANDIDATES.join(', ')} is installed and CI=true requires them`);
  return `Chromium not installed at ${CANDIDATES.join(' or ')}: apt-get install chromium-headless-shell`;
}

// Without the background-networking flags Chromium keeps dialling Google's hosts, which this closed
// network refuses; the sandbox needs a non-root user, and the tests run as root.
const FLAGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
  '--disable-sync', '--no-first-run', '--disable-quic'];

/**
 * One browser for the whole test file, launched before its first test and closed after the last;
 * `get()` hands it to a test. Nothing is launched when the file's tests are skipped.
 */
export function sharedBrowser(skip: false | string): { get: () => Browser } {
  let browser: Browser | undefined;
  before(async () => {
    if (!skip) browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS });
  });
  after(async () => {
    await browser?.close();
  });
  return {
    get: () => {
      if (!browser) throw new Error('browser tests: the shared browser was not launched');
      return browser;
    },
  };
}

/**
 * A fresh context (cookies, cache) at a width, closed after the test. `language` is what the browser
 * asks for in Accept-Language. `bypassCSP` lets axe-core be injected into pages whose CSP forbids
 * scripts; leave it off where the test is about what the CSP allows.
 */
export async function openContext(t: TestContext, browser: Browser, opts: { width: Width; language?: string; bypassCSP?: boolean }): Promise<BrowserContext> {
  const context = await browser.newContext({
    viewport: { width: opts.width, height: opts.width > 600 ? 900 : 844 },
    locale: opts.language ?? 'en-GB',
    bypassCSP: opts.bypassCSP ?? false,
  });
  context.setDefaultTimeout(30_000);
  t.after(() => context.close());
  return context;
}

/** A full-page screenshot of `page` as `<name>-<width>.png` in SCREENSHOT_DIR, when TIDINGS_SCREENSHOTS=1. */
export async function saveScreenshot(page: Page, name: string, width: number): Promise<void> {
  if (!SCREENSHOTS) return;
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOT_DIR, `${name}-${width}.png`), fullPage: true });
}

/** The app on a real port; its base URL must be known before the app is built, so the handler comes later. */
export async function listenLater(t: TestContext): Promise<{ base: string; serve: (handler: (req: IncomingMessage, res: ServerResponse) => void) => void }> {
  let handle: (req: IncomingMessage, res: ServerResponse) => void = (_req, res) => res.writeHead(503).end();
  const server = await listen((req, res) => handle(req, res));
  t.after(() => server.close());
  return { base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, serve: (h) => { handle = h; } };
}

/** A plain HTTP server on a free 127.0.0.1 port (e.g. a host page on another origin than the app). */
export function listen(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<Server> {
  const server = createServer(handler);
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve(server));
  });
}
