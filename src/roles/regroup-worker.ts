// The thread of regroup-thread.ts (a piscina task): opens its own store on the database the process
// uses, regroups and records the window, answers the outcome and closes the store.

import { describeError } from '../errors.ts';
import { openStore } from '../store/store.ts';
import { lowerThisThreadPriority } from '../thread-priority.ts';
import type { RegroupJob, RegroupReply } from './regroup-thread.ts';
import { DEFAULT_REGROUP_DAYS, regroupAndRecord } from './story-window.ts';

lowerThisThreadPriority();

export default async function regroupTask(job: RegroupJob): Promise<RegroupReply> {
  try {
    // Under tsx, a thread gets tsx's CommonJS hook but not its ESM one in time for openStore's import()
    // of the backend: registered here. dist/ runs plain JavaScript and skips this.
    if (import.meta.url.endsWith('.ts')) (await import('tsx/esm/api')).register();
    const store = await openStore(job.databaseUrl, { ...job.options, queryWorkers: 0 });
    try {
      const flag = job.stop && new Int32Array(job.stop);
      const done = await regroupAndRecord(store, job.windowHours, DEFAULT_REGROUP_DAYS, flag && (() => Atomics.load(flag, 0) === 1));
      return { kind: 'done', since: done.since.getTime(), result: done.result, ms: done.ms };
    } finally {
      await store.close();
    }
  } catch (err) {
    return { kind: 'failed', message: describeError(err) };
  }
}
