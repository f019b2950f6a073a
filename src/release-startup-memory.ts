import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

type GcOptions = { type: 'major'; execution: 'sync'; flavor: 'last-resort' };
type Gc = (options: GcOptions) => void;

const LAST_RESORT: GcOptions = { type: 'major', execution: 'sync', flavor: 'last-resort' };

/**
 * Gives back to the system the memory this thread's start took and no longer uses. Loading the module
 * graph (drizzle alone is hundreds of modules) leaves V8 on Node 24 holding some hundred MiB of free
 * heap pages in its pool (fully resident 256 KiB pages that no heap statistic counts) that it does not
 * return while the service is idle; Node 20 returns them by itself. One full, memory-reducing
 * ("last resort") collection returns them: idle RSS of `npm start` on PostgreSQL 144 → ~93 MiB
 * (BENCHMARKS.md, "Idle memory on Node 24"). It runs once per thread, right after the start, and pauses
 * that thread for some tens of ms.
 *
 * Node offers the collector only behind --expose-gc. The flag is process-wide: it is set only while one
 * new context is made (which then carries `gc`) and cleared before collecting, so later contexts and
 * threads do not see it. Another thread clearing it in that moment leaves this one without `gc`: it
 * then skips the collection (memory, not correctness).
 */
export function releaseStartupMemory(): void {
  const exposed = (globalThis as { gc?: Gc }).gc;
  // Started with --expose-gc (debugging): use it, and leave the flag as it was.
  if (typeof exposed === 'function') return exposed(LAST_RESORT);
  setFlagsFromString('--expose-gc');
  let gc: Gc | undefined;
  try {
    gc = runInNewContext('typeof gc === "function" ? gc : undefined') as Gc | undefined;
  } finally {
    setFlagsFromString('--no-expose-gc');
  }
  gc?.(LAST_RESORT);
}
