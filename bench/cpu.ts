// CPU time of a process, or of its main thread, from /proc: the figure a shared machine does not move
// the way it moves wall time. Linux only, as the benches are.

import { readFile } from 'node:fs/promises';

export const CLOCK_TICKS_PER_SECOND = 100; // USER_HZ: 100 on every Linux ABI Node supports

/**
 * CPU time a process has used so far, from /proc/<pid>/stat (utime + stime); with `main`, only its main
 * thread's (the thread that serves readers), which has the process's id as its thread id.
 */
export async function cpuSeconds(pid: number, thread?: 'main'): Promise<number> {
  const fields = statFields(await readFile(thread === 'main' ? `/proc/${pid}/task/${pid}/stat` : `/proc/${pid}/stat`, 'utf8'));
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND;
}

/**
 * The fields of a /proc/<pid>/stat text after the command name, which is parenthesised and may hold
 * spaces: [11] and [12] are utime and stime, [13] and [14] cutime and cstime, in clock ticks.
 */
export function statFields(stat: string): string[] {
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}
