import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

type Gc = (options: { type: 'major'; execution: 'sync'; flavor: 'last-resort' }) => void;

/**
 * Gives back to the system the memory this thread's start took and no longer uses. Loading the module
 * graph (drizzle alone is hundreds of modules) leaves V8 on Node 24 holding some hundred MiB of free
 * heap pages in its pool (fully resident 256 KiB pages that no heap statistic counts) that it does not
 * return while the service is idle; Node 20 returns them by itself. One full, memory-reducing
 * ("last resort") collection returns them: idle RSS of `npm start` on PostgreSQL 144 → ~70 MiB per
 * thread (BENCHMARKS.md, "Idle memory on Node 24"). It runs once per thread, right after the start,
 * and pauses that thread for some tens of ms.
 *
 * Node offers the collector only behind --expose-gc; set for a moment, the flag makes a new context
 * carry `gc`, and it is cleared again so that later contexts and threads do not.
 */
export function releaseStartupMemory(): void {
  setFlagsFromString('--expose-gc');
  try {
    const gc = runInNewContext('gc') as Gc;
    gc({ type: 'major', execution: 'sync', flavor: 'last-resort' });
  } finally {
    setFlagsFromString('--no-expose-gc');
  }
}
