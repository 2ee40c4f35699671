// The process logger: structured JSON lines (pino). Every line names the process (role and pid), so
// the logs of many web and worker processes can be told apart once merged. Modules get a child logger
// with their bindings (e.g. { source: 'kyiv-independent' }) so every line of one source names it.
// Errors are logged as `{ err }`: pino's serializer keeps the stack and the chain of causes.

import { hostname } from 'node:os';
import { pino, type Logger } from 'pino';

export type { Logger };

export interface LoggerOptions {
  /** Where lines go (default stdout). */
  destination?: NodeJS.WritableStream;
  /** The process's role (web, worker, all, ingest…), on every line beside the pid. */
  role?: string;
}

export function createLogger(level: string, options: LoggerOptions | NodeJS.WritableStream = {}): Logger {
  const { destination, role } = isStream(options) ? { destination: options, role: undefined } : options;
  const base = { pid: process.pid, hostname: hostname(), ...(role ? { role } : {}) };
  return destination ? pino({ level, base }, destination) : pino({ level, base });
}

function isStream(value: LoggerOptions | NodeJS.WritableStream): value is NodeJS.WritableStream {
  return typeof (value as NodeJS.WritableStream).write === 'function';
}

/** A logger that drops everything: for tests and tools that print their own output. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
