import type { NewEvent, StoredEvent } from '../../src/log/envelope.ts';
import { type EventLog, WriterFencedError } from '../../src/log/event-log.ts';

/** What several MemoryLogs share, as writers of one log: the events per partition and the current writer's epoch. */
export class MemoryStore {
  readonly partitions: StoredEvent[][];
  epoch = 0;
  constructor(partitions = 1) {
    this.partitions = Array.from({ length: partitions }, () => []);
  }
  count(type: string): number {
    return this.partitions.flat().filter((e) => e.type === type).length;
  }
}

/** An EventLog in memory, for shell tests without a database: a later acquireWriter fences the earlier writer. */
export class MemoryLog implements EventLog {
  readonly kind = 'postgres' as const;
  private epoch = -1;
  constructor(readonly store: MemoryStore = new MemoryStore()) {}
  get partitions(): number {
    return this.store.partitions.length;
  }
  async acquireWriter(): Promise<void> {
    this.epoch = ++this.store.epoch;
  }
  async append(events: readonly NewEvent[]): Promise<StoredEvent[]> {
    if (this.epoch !== this.store.epoch) throw new WriterFencedError('another writer took over');
    return events.map((e) => {
      const partition = this.store.partitions[e.partition]!;
      const stored = { ...e, position: partition.length } as StoredEvent;
      partition.push(stored);
      return stored;
    });
  }
  async read(partition: number, after: number, limit: number): Promise<StoredEvent[]> {
    return this.store.partitions[partition]!.slice(after + 1, after + 1 + limit);
  }
  async last(partition: number): Promise<StoredEvent | null> {
    return this.store.partitions[partition]!.at(-1) ?? null;
  }
  async waitFor(): Promise<void> {}
  async close(): Promise<void> {}
}
