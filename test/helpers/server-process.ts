// The real server process for tests that need one: started as the Procfile starts it (same node
// options), on a free port, with the environment a test gives; stopped when the test ends.

import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { TestContext } from 'node:test';
import { freePort } from '../../scripts/free-port.ts';
import { waitFor } from './wait.ts';

/** The node options of a `node … <script>.js` command line (the Procfile's, npm start's). */
export function nodeOptionsOf(commandLine: string): string[] {
  const node = /\bnode\s+((?:--\S+\s+)*)\S+\.js\b/.exec(commandLine);
  assert.ok(node, `no "node … <script>.js" in ${JSON.stringify(commandLine)}`);
  return (node[1] ?? '').trim().split(/\s+/).filter((arg) => arg !== '');
}

/** The Procfile's `web:` line is how production starts the server; tests start it the same way. */
export const PRODUCTION_NODE_OPTIONS = nodeOptionsOf(readFileSync('Procfile', 'utf8'));

/**
 * The node arguments that run one of the project's entry points (`src/main.ts`, `src/cli/…`, a script;
 * a path from the project's root): under `npm test`, the JavaScript its transpile step just emitted, as
 * production runs dist/ (no tsx to load in the process and its worker threads); run alone
 * (`node --import tsx --test …`), the source through tsx.
 */
export function entryArgs(script: string): string[] {
  const build = process.env.TIDINGS_TEST_BUILD;
  // Absolute, so a process started in another directory (a temporary project) finds them.
  if (build === undefined || build === '') return ['--import', import.meta.resolve('tsx'), resolve(script)];
  const compiled = join(build, script.replace(/\.ts$/, '.js'));
  assert.ok(existsSync(compiled), `test build: no ${compiled} for ${script}`);
  return [compiled];
}

export interface ServerProcess {
  url: string;
  child: ChildProcess;
  /** Everything it has written to stdout and stderr so far. */
  output: () => string;
}

/**
 * Starts src/main.ts (see entryArgs) with `env` over this process's environment; resolves once /healthz
 * answers 200. Stopped when `t` ends: a test, or anything with an `after` (a server a file shares).
 */
export async function startServerProcess(t: Pick<TestContext, 'after'>, env: Record<string, string>, startTimeoutMs = 30_000): Promise<ServerProcess> {
  const port = await freePort();
  const child = spawn(process.execPath, [...PRODUCTION_NODE_OPTIONS, ...entryArgs('src/main.ts')], {
    env: { ...process.env, PORT: String(port), LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (output += c.toString()));
  t.after(() => {
    child.kill('SIGTERM');
  });
  const url = `http://127.0.0.1:${port}`;
  await waitFor(async () => (await fetch(`${url}/healthz`)).ok, startTimeoutMs, () => `server did not start:\n${output}`);
  return { url, child, output: () => output };
}
