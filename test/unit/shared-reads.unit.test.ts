import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { NewEvent, StoredEvent } from '../../src/log/envelope.ts';
import type { AppendedRun, EventLog } from '../../src/log/event-log.ts';
import { SharedReads } from '../../src/log/shared-reads.ts';

// SharedReads over a log whose positions have gaps, as Kafka's offsets do (transaction markers,
// aborted records). The log here is a fake in memory: what is under test is SharedReads' own
// bookkeeping of the ranges it holds; test/integration/shared-reads.int.test.ts runs it on the real logs.

/** A log in memory whose appends leave `gap` unused positions before their events, and tell listeners, unless `unseen`. */
class GappedLog implements EventLog {
  readonly kind = 'kafka' as const;
  readonly stored: StoredEvent[][];
  reads = 0;
  private readonly listeners = new Set<(runs: readonly AppendedRun[]) => void>();
  private next: number[];

  constructor(readonly partitions: number) {
    this.stored = Array.from({ length: partitions }, () => []);
    this.next = Array.from({ length: partitions }, () => 0);
  }

  /** `count` events on `partition` after `gap` skipped positions; told to the listeners unless `unseen` (another process wrote them). */
  put(partition: number, count: number, gap: number, unseen = false): StoredEvent[] {
    const after = this.lastPosition(partition);
    this.next[partition]! += gap;
    const events = Array.from({ length: count }, () => event(partition, this.next[partition]!++));
    this.stored[partition]!.push(...events);
    if (!unseen) for (const listener of this.listeners) listener([{ partition, after, events }]);
    return events;
  }

  lastPosition(partition: number): number {
    return this.stored[partition]!.at(-1)?.position ?? -1;
  }

  acquireWriter(): Promise<void> {
    return Promise.resolve();
  }
  append(_events: readonly NewEvent[]): Promise<StoredEvent[]> {
    return Promise.reject(new Error('use put()'));
  }
  async read(partition: number, after: number, limit: number): Promise<StoredEvent[]> {
    this.reads++;
    return this.stored[partition]!.filter((e) => e.position > after).slice(0, limit);
  }
  async last(partition: number): Promise<StoredEvent | null> {
    return this.stored[partition]!.at(-1) ?? null;
  }
  async waitFor(): Promise<void> {}
  onAppended(listener: (runs: readonly AppendedRun[]) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
  async close(): Promise<void> {}
}

function event(partition: number, position: number): StoredEvent {
  return { eventId: `e-${partition}-${position}`, partition, position } as StoredEvent;
}

const at = (events: readonly StoredEvent[]) => events.map((e) => e.position);

describe('shared reads of a log with gaps in its positions', () => {
  it('keep a page read from the log and serve readers inside it, wherever in a gap they stand', async () => {
    const log = new GappedLog(1);
    log.put(0, 5, 0, true); // 0..4
    log.put(0, 5, 1, true); // 6..10 (5 is a marker)
    log.put(0, 5, 1, true); // 12..16
    const shared = new SharedReads(log, { appends: false });

    expect(at(await shared.read(0, -1, 100))).toEqual([0, 1, 2, 3, 4, 6, 7, 8, 9, 10, 12, 13, 14, 15, 16]);
    expect(log.reads).toBe(1);
    expect(at(await shared.read(0, 5, 3))).toEqual([6, 7, 8]); // after the marker
    expect(at(await shared.read(0, 4, 2))).toEqual([6, 7]);
    expect(at(await shared.read(0, 11, 100))).toEqual([12, 13, 14, 15, 16]);
    expect(log.reads).toBe(1);

    // The next page starts past a gap (17 is a marker): it still continues the tail, which it reaches.
    log.put(0, 3, 1, true); // 18..20
    expect(at(await shared.read(0, 16, 100))).toEqual([18, 19, 20]);
    expect(at(await shared.read(0, 17, 100))).toEqual([18, 19, 20]);
    expect(log.reads).toBe(2);
    // At the end: the log is asked.
    expect(await shared.read(0, 20, 10)).toEqual([]);
    expect(log.reads).toBe(3);
  });

  it('extend the tail with what this process appended, across gaps, and keep what follows a hole apart until the log is read up to it', async () => {
    const log = new GappedLog(1);
    log.put(0, 4, 0, true); // 0..3, before the reader came
    const shared = new SharedReads(log);
    expect(at(await shared.read(0, -1, 100))).toEqual([0, 1, 2, 3]);

    log.put(0, 2, 1); // 5, 6: continues the tail
    await shared.waitFor(0, 3, 60_000);
    expect(at(await shared.read(0, 3, 100))).toEqual([5, 6]);
    expect(log.reads).toBe(1);

    log.put(0, 2, 1, true); // 8, 9: written where this process did not see it
    log.put(0, 2, 1); // 11, 12: told, after 9, which the tail does not reach
    expect(at(await shared.read(0, 6, 100))).toEqual([8, 9, 11, 12]); // from the log, not from what was told
    expect(log.reads).toBe(2);
    log.put(0, 1, 1); // 14: the tail reached the told run, so this extends it
    expect(at(await shared.read(0, 12, 100))).toEqual([14]);
    expect(at(await shared.read(0, 10, 100))).toEqual([11, 12, 14]);
    expect(log.reads).toBe(2);

    await shared.close();
    log.put(0, 1, 0);
    expect(at(await shared.read(0, 14, 100))).toEqual([15]);
    expect(log.reads).toBe(3);
  });

  it('answer every read with the next events of the log, whatever the order of reads, appends seen and unseen, and gaps', async () => {
    // Readers go on from where their last page ended, as projectors do, or jump (a restart, a rebuild).
    type Step =
      | { kind: 'read'; partition: number; reader: number; jump: number | null; limit: number }
      | { kind: 'put'; partition: number; count: number; gap: number; unseen: boolean };
    const step: fc.Arbitrary<Step> = fc.oneof(
      { weight: 3, arbitrary: fc.record({ kind: fc.constant('read' as const), partition: fc.nat(1), reader: fc.nat(2), jump: fc.option(fc.nat(1000), { freq: 8 }), limit: fc.integer({ min: 1, max: 40 }) }) },
      { weight: 2, arbitrary: fc.record({ kind: fc.constant('put' as const), partition: fc.nat(1), count: fc.integer({ min: 1, max: 8 }), gap: fc.nat(3), unseen: fc.boolean() }) },
    );
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 20, maxLength: 150, size: 'max' }), async (steps) => {
        const log = new GappedLog(2);
        const shared = new SharedReads(log);
        const cursors = [new Map<number, number>(), new Map<number, number>()];
        for (const s of steps) {
          if (s.kind === 'put') {
            log.put(s.partition, s.count, s.gap, s.unseen);
            continue;
          }
          // Readers stand at -1, on an event, or in a gap; sometimes past the end.
          const after = s.jump === null ? (cursors[s.partition]!.get(s.reader) ?? -1) : (s.jump % (log.lastPosition(s.partition) + 3)) - 1;
          // A page may stop short where memory ends (the next read goes on from there), never skip or add an event.
          const expected = at(await log.read(s.partition, after, s.limit));
          const got = at(await shared.read(s.partition, after, s.limit));
          expect(got.length > 0).toBe(expected.length > 0);
          expect(got).toEqual(expected.slice(0, got.length));
          cursors[s.partition]!.set(s.reader, got.at(-1) ?? after);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('keep a bounded tail, and read what it let go from the log again', async () => {
    const log = new GappedLog(1);
    const shared = new SharedReads(log);
    await shared.read(0, -1, 10);
    for (let i = 0; i < 50; i++) log.put(0, 1000, 1); // 50,000 events told, every one after a gap
    const end = log.lastPosition(0);
    expect(at(await shared.read(0, end - 3, 10))).toEqual([end - 2, end - 1, end]);
    const reads = log.reads;
    const old = await shared.read(0, 10, 5);
    expect(at(old)).toEqual(at(await log.read(0, 10, 5)));
    expect(log.reads).toBe(reads + 2);
  });
});
