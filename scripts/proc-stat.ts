// Linux's /proc/<pid>/stat, read by the benches (a process's or its main thread's CPU), the test
// runner (its test files' children's CPU) and a test (threads' nice values). Linux only.

/** USER_HZ, the unit of the CPU fields: 100 on every Linux ABI Node supports. */
export const CLOCK_TICKS_PER_SECOND = 100;

/**
 * The fields of a stat text after the command name, which is parenthesised and may hold spaces:
 * [11] utime, [12] stime, [13] cutime, [14] cstime (clock ticks), [16] nice.
 */
export function statFields(stat: string): string[] {
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}
