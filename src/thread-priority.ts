// Background threads yield the CPU to the thread that serves readers. On Linux each thread is a task
// with its own nice value, which setpriority(2) sets by thread id; /proc/thread-self names the calling
// thread's id. Elsewhere (and where /proc is not mounted) the thread keeps the process's priority.

import { readlinkSync } from 'node:fs';
import { getPriority, setPriority } from 'node:os';

/**
 * The nice value of threads that do heavy work for one request or one job (query workers, the regroup
 * thread): under a CPU shortage the serving thread — cached hits, 304s, /healthz — runs first, and
 * when it is idle they have the cores to themselves (a nice value weighs, it does not reserve). Not
 * the ingest workers: a feed's parse runs under a wall-clock budget, which a lowered thread spends
 * waiting for a core on a machine busy with other processes (in one test run with them lowered, a
 * one-item feed under a 0.25 s budget failed, most likely so), failing sources that were only unlucky.
 */
export const BACKGROUND_NICE = 10;

/**
 * Lowers the calling thread's priority to BACKGROUND_NICE, never raises it (a process started under a
 * higher nice value keeps it, and raising needs privileges). Where the platform cannot, nothing changes.
 */
export function lowerThisThreadPriority(): void {
  if (process.platform !== 'linux') return;
  try {
    const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
    if (Number.isInteger(tid) && tid > 0 && getPriority(tid) < BACKGROUND_NICE) setPriority(tid, BACKGROUND_NICE);
  } catch {
    // No /proc, or a kernel that refuses: the thread keeps the process's priority.
  }
}
