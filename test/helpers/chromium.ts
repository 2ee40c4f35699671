// Headless Chromium for the browser tests: one fresh profile per test, the page's DOM after its scripts
// and stylesheets ran (as --dump-dom prints it), and screenshots at a given width; one browser per test
// and language, driven over the DevTools protocol. Skipped, with the reason, where
// /usr/bin/chromium is missing; under CI=true a missing browser fails instead.

import type { TestContext } from 'node:test';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable, Writable } from 'node:stream';

export const CHROMIUM = '/usr/bin/chromium';
/** Git-ignored: for a human look at what the tests saw. */
export const SCREENSHOT_DIR = join(import.meta.dirname, '..', 'screenshots');

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

/** How long one page may take, as the former one-process-per-page runs were allowed. */
const PAGE_TIMEOUT_MS = 90_000;

/**
 * One browser per language a test asks for, started with that language's flags on first use and
 * kept for the test's other pages (a Chromium start costs seconds of CPU): each page opens in a new
 * tab, waits for its load event and then 5 s of virtual time (what `--virtual-time-budget=5000` gives
 * `--dump-dom`), and is read or captured over the DevTools protocol.
 */
export function startBrowser(t: TestContext): Browser {
  const profile = mkdtempSync(join(tmpdir(), 'tidings-chromium-'));
  const browsers = new Map<string, Promise<DevTools>>();
  t.after(async () => {
    for (const browser of browsers.values()) await browser.then((b) => b.close(), () => undefined);
    rmSync(profile, { recursive: true, force: true });
  });
  const browser = (lang: string): Promise<DevTools> => {
    let started = browsers.get(lang);
    if (!started) {
      const flags = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
        '--disable-sync', '--no-first-run', `--user-data-dir=${join(profile, lang)}`, `--lang=${lang}`, `--accept-lang=${lang}`, '--hide-scrollbars'];
      started = launch(flags);
      browsers.set(lang, started);
    }
    return started;
  };
  return {
    async dumpDom(url, lang = 'en') {
      return (await browser(lang)).page(url, undefined, async (session) => {
        const result = await session.send('Runtime.evaluate', { expression: DOM_EXPRESSION, returnByValue: true });
        return String((result.result as { value?: unknown } | undefined)?.value ?? '');
      });
    },
    async screenshot(url, name, width) {
      mkdirSync(SCREENSHOT_DIR, { recursive: true });
      const file = join(SCREENSHOT_DIR, `${name}-${width}.png`);
      const png = await (await browser('en')).page(url, { width, height: 1000 }, async (session) =>
        String((await session.send('Page.captureScreenshot', { format: 'png' })).data));
      writeFileSync(file, Buffer.from(png, 'base64'));
      return file;
    },
  };
}

/** What `--dump-dom` prints: the doctype, then the document element's markup. */
const DOM_EXPRESSION = "(document.doctype ? new XMLSerializer().serializeToString(document.doctype) + '\\n' : '') + document.documentElement.outerHTML";

type Message = { id?: number; sessionId?: string; method?: string; params?: Record<string, unknown>; result?: Record<string, unknown>; error?: { message: string } };

interface Session {
  send(method: string, params?: Record<string, unknown>): Promise<Record<string, unknown>>;
  /** Resolves at the next event of that name in this tab. */
  next(method: string): Promise<Record<string, unknown>>;
}

interface DevTools {
  /** Opens `url` in a new tab (at `viewport` size if given), runs `read` on it once it is ready, closes the tab. */
  page<T>(url: string, viewport: { width: number; height: number } | undefined, read: (session: Session) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** Chromium with the DevTools protocol on a pipe (fd 3 in, fd 4 out, NUL-separated JSON). */
async function launch(flags: string[]): Promise<DevTools> {
  const child = spawn(CHROMIUM, [...flags, '--remote-debugging-pipe', 'about:blank'], { stdio: ['ignore', 'ignore', 'pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  const input = child.stdio[3] as Writable;
  const output = child.stdio[4] as Readable;
  let lastId = 0;
  const pending = new Map<number, { resolve: (m: Message) => void; reject: (e: Error) => void }>();
  const waiters: { sessionId: string; method: string; resolve: (params: Record<string, unknown>) => void }[] = [];
  let exited: Error | undefined;
  const fail = (error: Error): void => {
    exited ??= error;
    for (const p of pending.values()) p.reject(error);
    pending.clear();
  };
  child.on('error', (err) => fail(err));
  child.on('exit', (code, signal) => fail(new Error(`chromium exited (${signal ?? code}): ${stderr.slice(-2000)}`)));
  let buffered = '';
  output.setEncoding('utf8');
  output.on('data', (chunk: string) => {
    buffered += chunk;
    let end: number;
    while ((end = buffered.indexOf('\0')) >= 0) {
      const message = JSON.parse(buffered.slice(0, end)) as Message;
      buffered = buffered.slice(end + 1);
      if (message.id !== undefined) {
        pending.get(message.id)?.resolve(message);
        pending.delete(message.id);
      } else if (message.method !== undefined) {
        const i = waiters.findIndex((w) => w.sessionId === message.sessionId && w.method === message.method);
        if (i >= 0) waiters.splice(i, 1)[0]!.resolve(message.params ?? {});
      }
    }
  });
  const send = (method: string, params: Record<string, unknown> = {}, sessionId?: string): Promise<Record<string, unknown>> => {
    if (exited) return Promise.reject(exited);
    const id = ++lastId;
    return new Promise<Message>((resolve, reject) => {
      pending.set(id, { resolve, reject });
      input.write(`${JSON.stringify({ id, method, params, ...(sessionId ? { sessionId } : {}) })}\0`);
    }).then((m) => {
      if (m.error) throw new Error(`chromium: ${method}: ${m.error.message}`);
      return m.result ?? {};
    });
  };
  await send('Browser.getVersion');

  return {
    async page(url, viewport, read) {
      const { targetId } = await send('Target.createTarget', { url: 'about:blank' });
      const { sessionId } = await send('Target.attachToTarget', { targetId, flatten: true });
      const session: Session = {
        send: (method, params) => send(method, params, String(sessionId)),
        next: (method) => new Promise((resolve) => waiters.push({ sessionId: String(sessionId), method, resolve })),
      };
      const work = (async () => {
        await session.send('Page.enable');
        if (viewport) await session.send('Emulation.setDeviceMetricsOverride', { ...viewport, deviceScaleFactor: 1, mobile: false });
        const loaded = session.next('Page.loadEventFired');
        const navigated = await session.send('Page.navigate', { url });
        if (navigated.errorText) throw new Error(`chromium: ${url}: ${String(navigated.errorText)}`);
        await loaded;
        // Then timers and the fetches they start get 5 s of virtual time, fast-forwarded when idle.
        const budgetSpent = session.next('Emulation.virtualTimeBudgetExpired');
        await session.send('Emulation.setVirtualTimePolicy', { policy: 'pauseIfNetworkFetchesPending', budget: 5000 });
        await budgetSpent;
        return read(session);
      })();
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_resolve, reject) => {
        timer = setTimeout(() => reject(new Error(`chromium: ${url} not ready within ${PAGE_TIMEOUT_MS} ms`)), PAGE_TIMEOUT_MS);
      });
      try {
        return await Promise.race([work, timeout]);
      } finally {
        clearTimeout(timer);
        await send('Target.closeTarget', { targetId }).catch(() => undefined);
      }
    },
    async close() {
      if (exited) return;
      const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      await send('Browser.close').catch(() => undefined);
      const killer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await gone;
      clearTimeout(killer);
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
