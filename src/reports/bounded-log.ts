import type { StoredEvent } from '../log/envelope.ts';
import type { EventLog } from '../log/event-log.ts';
import type { Snapshot } from './snapshot.ts';

/** A read-only view of the log that ends at the snapshot: chain verification of exactly what a report reflects. */
export function boundedLog(log: EventLog, snapshot: Snapshot): EventLog {
  return {
    kind: log.kind,
    partitions: log.partitions,
    acquireWriter: () => Promise.reject(new Error('a bounded log view is read-only')),
    append: () => Promise.reject(new Error('a bounded log view is read-only')),
    async read(partition: number, after: number, limit: number): Promise<StoredEvent[]> {
      const end = snapshot.get(partition) ?? -1;
      if (after >= end) return [];
      return (await log.read(partition, after, limit)).filter((e) => e.position <= end);
    },
    async last(partition: number): Promise<StoredEvent | null> {
      const end = snapshot.get(partition) ?? -1;
      const page = end < 0 ? [] : await log.read(partition, end - 1, 1);
      return page[0] ?? null;
    },
    waitFor: (_p: number, _a: number, _t: number) => Promise.resolve(),
    close: () => Promise.resolve(),
  };
}
