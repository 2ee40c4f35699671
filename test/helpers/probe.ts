// What a reader waits for while the server does heavy work beside it: a probe that keeps asking for
// some paths and reports the slowest answer, and the temporary directories a server process runs on.

import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** What a reader may wait for while the server ingests something hostile or works through the archive. */
export const MAX_WAIT_MS = 1000;

export interface ProbeReport {
  requests: number;
  slowestMs: number;
  slowestPath: string;
}

/**
 * Asks for each path in turn, every 50 ms, until stopped; reports the slowest answer. Each path is
 * asked once before measuring starts: a reader of a cached feed, not the first one ever.
 */
export async function startProbe(base: string, paths: string[]): Promise<{ stop: () => Promise<ProbeReport> }> {
  for (const path of paths) await (await fetch(`${base}${path}`)).arrayBuffer();
  const report: ProbeReport = { requests: 0, slowestMs: 0, slowestPath: '' };
  let running = true;
  const loop = (async () => {
    while (running) {
      for (const path of paths) {
        const started = performance.now();
        const res = await fetch(`${base}${path}`, { signal: AbortSignal.timeout(120_000) });
        await res.arrayBuffer();
        assert.equal(res.status, 200, `${path} answered ${res.status}`);
        const ms = performance.now() - started;
        report.requests++;
        if (ms > report.slowestMs) Object.assign(report, { slowestMs: Math.round(ms), slowestPath: path });
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      return report;
    },
  };
}

export function tempDirs(t: TestContext): { feeds: string; content: string; data: string } {
  const root = mkdtempSync(join(tmpdir(), 'tidings-probe-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const dirs = { feeds: join(root, 'feeds'), content: join(root, 'content'), data: join(root, 'data') };
  for (const dir of Object.values(dirs)) mkdirSync(dir);
  return dirs;
}
