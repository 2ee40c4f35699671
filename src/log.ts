// The process logger: structured JSON lines (pino). Modules get a child logger with their bindings
// (e.g. { source: 'kyiv-independent' }) so every line of one source's ingestion names it.

import { pino, type Logger } from 'pino';

export type { Logger };

export function createLogger(level: string, destination?: NodeJS.WritableStream): Logger {
  return destination ? pino({ level }, destination) : pino({ level });
}

/** A logger that drops everything: for tests and tools that print their own output. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
