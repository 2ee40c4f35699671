// Entry of the WAL checkpoint thread (see checkpointer.ts): its own connection to the database file,
// a PASSIVE checkpoint whenever the WAL has grown past the size it was given. PASSIVE never waits for
// a reader or a writer: it copies what it can now, and the next look copies the rest.

import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { walBytes, type CheckpointWorkerData } from './checkpointer.ts';

const { path, checkpointBytes, intervalMs } = workerData as CheckpointWorkerData;
const db = new Database(path, { fileMustExist: true, timeout: 0 });

function checkpoint(): void {
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
  } catch {
    // Busy (the serving connection's backstop checkpoint, another process's): the next look retries.
  }
}

const timer = setInterval(() => {
  if (walBytes(path) >= checkpointBytes) checkpoint();
}, intervalMs);

parentPort?.on('message', (message) => {
  if (message !== 'stop') return;
  clearInterval(timer);
  checkpoint();
  db.close();
  parentPort?.close();
});
