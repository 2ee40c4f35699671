// SQLite: WAL checkpoints on a thread of their own. A checkpoint copies the pages written since the
// last one from the WAL back into the database file (0.15–0.35 s for wal_autocheckpoint's 10,000
// pages, measured here), and SQLite runs it inside the commit that crosses the threshold: on the
// serving thread, every request of the process waited that long, once per ~1,000 articles ingested,
// and those commits took 36–47 % of the commits' time. This thread runs them instead. It starts the
// first time the WAL outgrows START_BYTES, so a small store (every test's) never starts it; the
// serving connection then keeps an autocheckpoint BACKSTOP_FACTOR times as far, should it stop.

import { once } from 'node:events';
import { statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';

/** The serving connection's wal_autocheckpoint (pages) while no checkpointer runs. */
export const AUTOCHECKPOINT_PAGES = 10_000;
/** A checkpointer takes over once the WAL file is this large (a quarter of AUTOCHECKPOINT_PAGES). */
const START_BYTES = 10 * 1024 * 1024;
/** While it runs, the serving connection checkpoints only after this many times AUTOCHECKPOINT_PAGES. */
const BACKSTOP_FACTOR = 10;

export interface CheckpointSettings {
  /** WAL bytes at which the thread starts (default START_BYTES). */
  startBytes?: number;
  /** WAL bytes at which it checkpoints (default AUTOCHECKPOINT_PAGES pages of 4 KB). */
  checkpointBytes?: number;
  /** How often it looks at the WAL's size (default 200 ms). */
  intervalMs?: number;
}

/** What the checkpoint thread reads from workerData. */
export interface CheckpointWorkerData {
  path: string;
  checkpointBytes: number;
  intervalMs: number;
}

/** The serving connection's side: what it asks of the connection when the thread takes over or stops. */
export interface AutocheckpointControl {
  setAutocheckpoint(pages: number): void;
}

export class WalCheckpointer {
  readonly #path: string;
  readonly #connection: AutocheckpointControl;
  readonly #startBytes: number;
  readonly #data: CheckpointWorkerData;
  #worker: { thread: Worker; exited: Promise<unknown> } | undefined;
  /** `failed`: the thread stopped on its own; the serving connection checkpoints as before. */
  #state: 'waiting' | 'running' | 'failed' | 'closed' = 'waiting';

  constructor(path: string, connection: AutocheckpointControl, settings: CheckpointSettings = {}) {
    this.#path = path;
    this.#connection = connection;
    this.#startBytes = settings.startBytes ?? START_BYTES;
    this.#data = { path, checkpointBytes: settings.checkpointBytes ?? AUTOCHECKPOINT_PAGES * 4096, intervalMs: settings.intervalMs ?? 200 };
  }

  /** After each commit: starts the thread the first time the WAL is large enough. */
  afterCommit(): void {
    if (this.#state !== 'waiting' || walBytes(this.#path) < this.#startBytes) return;
    const options = { workerData: this.#data, resourceLimits: { maxOldGenerationSizeMb: 16, maxYoungGenerationSizeMb: 2 } };
    // dist/ runs plain JavaScript. Under tsx (tests, `npm run dev`) a thread's entry is loaded before an
    // --import hook would be: it is required through tsx's CommonJS hook instead, as piscina's are.
    const worker = import.meta.url.endsWith('.ts')
      ? new Worker(`require('tsx/cjs'); require(${JSON.stringify(fileURLToPath(new URL('./checkpoint-worker.ts', import.meta.url)))});`, { ...options, eval: true })
      : new Worker(new URL('./checkpoint-worker.js', import.meta.url), options);
    // It never keeps the process alive: an exit without close() loses nothing (the WAL stays valid).
    worker.unref();
    // (events.once rejects on the thread's 'error': that too is the thread gone.)
    this.#worker = { thread: worker, exited: once(worker, 'exit').catch(() => undefined).finally(() => this.#stopped()) };
    this.#state = 'running';
    this.#connection.setAutocheckpoint(AUTOCHECKPOINT_PAGES * BACKSTOP_FACTOR);
  }

  /** Stops the thread, after a last checkpoint of what is there. */
  async close(): Promise<void> {
    const worker = this.#worker;
    this.#state = 'closed';
    if (!worker) return;
    worker.thread.postMessage('stop');
    const timer = setTimeout(() => void worker.thread.terminate(), 5000);
    await worker.exited;
    clearTimeout(timer);
  }

  #stopped(): void {
    if (this.#state !== 'running') return;
    this.#state = 'failed';
    this.#connection.setAutocheckpoint(AUTOCHECKPOINT_PAGES);
  }
}

/** The WAL file's size; 0 before there is one. */
export function walBytes(path: string): number {
  try {
    return statSync(`${path}-wal`).size;
  } catch {
    return 0;
  }
}
