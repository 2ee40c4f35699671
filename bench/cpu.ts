// CPU time of a process, or of its main thread, from /proc: the figure a shared machine does not move
// the way it moves wall time. Linux only, as the benches are.

import { readFile } from 'node:fs/promises';
import { CLOCK_TICKS_PER_SECOND, statFields } from '../scripts/proc-stat.ts';

/**
 * CPU time a process has used so far, from /proc/<pid>/stat (utime + stime); with `main`, only its main
 * thread's (the thread that serves readers), which has the process's id as its thread id.
 */
export async function cpuSeconds(pid: number, thread?: 'main'): Promise<number> {
  const fields = statFields(await readFile(thread === 'main' ? `/proc/${pid}/task/${pid}/stat` : `/proc/${pid}/stat`, 'utf8'));
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND;
}
