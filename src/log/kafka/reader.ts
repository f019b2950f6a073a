import { EventEmitter } from 'node:events';
import type { Kafka } from 'kafkajs';
import type { StoredEvent } from '../envelope.ts';
import { type InternalBatch, type InternalCluster, READ_COMMITTED, createCluster, newBatch } from '../kafkajs-internals.ts';
import { decodeEvent } from './codec.ts';
import { isSettling, settleWithin, sleep, unavailable, withTimeout } from './errors.ts';
import type { ResolvedKafkaOptions } from './options.ts';

/** The reader connection, or a partition's long-polling waiter connection. */
type ClusterKind = 'reader' | number;

/**
 * The read side of the Kafka log: plain read_committed Fetches at an offset through kafkajs's
 * cluster (no consumer group), one connection for reads and one long-polling connection per
 * partition for waitFor (a broker answers one request per connection at a time).
 */
export class KafkaReader {
  private reader: InternalCluster | null = null;
  private readonly waiters = new Map<number, InternalCluster>();
  /** Per partition, a position below the last stable offset the reader has seen (read-your-writes check). */
  private readonly stable = new Map<number, number>();
  private readonly appended = new EventEmitter();
  private closed = false;

  /** `written(p)`: the last position this process appended to partition p (-1 when none). */
  constructor(
    private readonly kafka: Kafka,
    private readonly o: ResolvedKafkaOptions,
    private readonly written: (partition: number) => number,
  ) {
    this.appended.setMaxListeners(0);
  }

  /** Wakes the waitFor() calls on these partitions: this process just appended to them. */
  wake(partitions: Iterable<number>): void {
    for (const p of partitions) this.appended.emit(`p${p}`);
  }

  async read(partition: number, after: number, limit: number): Promise<StoredEvent[]> {
    if (!this.owns(partition) || limit <= 0) return [];
    return this.reading('reader', async (c) => {
      await this.settled(c, partition);
      const out: StoredEvent[] = [];
      let offset = after + 1;
      while (out.length < limit) {
        const batch = await this.fetch(c, partition, offset, 0);
        if (batch.isEmptyIncludingFiltered()) break;
        for (const m of batch.messages.slice(0, limit - out.length)) out.push(decodeEvent(m.value, Number(m.offset), partition));
        offset = Number(batch.lastOffset()) + 1;
      }
      return out;
    });
  }

  async last(partition: number): Promise<StoredEvent | null> {
    if (!this.owns(partition)) return null;
    return this.reading('reader', async (c) => {
      await this.settled(c, partition);
      const [lso, low] = await Promise.all([this.offset(c, partition, false), this.offset(c, partition, true)]);
      // Below the last stable offset lie commit markers and maybe aborted records: look back in widening steps.
      for (let back = 16; ; back *= 4) {
        const from = Math.max(low, lso - back);
        const found = await this.lastBetween(c, partition, from, lso);
        if (found || from === low) return found;
      }
    });
  }

  /** The last committed event in [from, to) of a partition, or null. */
  private async lastBetween(c: InternalCluster, partition: number, from: number, to: number): Promise<StoredEvent | null> {
    let offset = from;
    let found: StoredEvent | null = null;
    while (offset < to) {
      const batch = await this.fetch(c, partition, offset, 0);
      if (batch.isEmptyIncludingFiltered()) break;
      const m = batch.messages[batch.messages.length - 1];
      if (m) found = decodeEvent(m.value, Number(m.offset), partition);
      offset = Number(batch.lastOffset()) + 1;
    }
    return found;
  }

  /** Long-polls the partition (Fetch with maxWaitTime) past `after`; appends from this process wake it at once. */
  async waitFor(partition: number, after: number, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let woken = false;
    const wake = () => {
      woken = true;
    };
    this.appended.once(`p${partition}`, wake);
    try {
      let offset = after + 1;
      while (!woken && !this.closed) {
        const left = deadline - Date.now();
        if (left <= 0) return;
        try {
          const found = await this.reading(partition, async (c) => {
            const batch = await this.fetch(c, partition, offset, Math.min(left, 250));
            if (batch.messages.length > 0) return true;
            if (!batch.isEmptyIncludingFiltered()) offset = Number(batch.lastOffset()) + 1;
            return false;
          });
          if (found) return;
        } catch {
          // Broker away: let the caller's read report it; just don't spin.
          await sleep(Math.min(250, Math.max(0, deadline - Date.now())));
        }
      }
    } finally {
      this.appended.off(`p${partition}`, wake);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    this.wake(Array.from({ length: this.o.partitions }, (_, p) => p));
    await Promise.all([this.dropCluster('reader'), ...[...this.waiters.keys()].map((p) => this.dropCluster(p))]);
  }

  private owns(partition: number): boolean {
    return partition >= 0 && partition < this.o.partitions;
  }

  private async cluster(kind: ClusterKind): Promise<InternalCluster> {
    const current = kind === 'reader' ? this.reader : this.waiters.get(kind);
    if (current) return current;
    const c = createCluster(this.kafka, READ_COMMITTED);
    await c.connect();
    await c.addTargetTopic(this.o.topic);
    if (kind === 'reader') this.reader = c;
    else this.waiters.set(kind, c);
    return c;
  }

  private async dropCluster(kind: ClusterKind): Promise<void> {
    const c = kind === 'reader' ? this.reader : this.waiters.get(kind);
    if (kind === 'reader') this.reader = null;
    else this.waiters.delete(kind);
    if (c) await settleWithin(c.disconnect(), 1000);
  }

  /**
   * Runs a read; on failure reconnects (stale metadata, restarted broker) and tries once more, or, while
   * the broker says the partition is settling (a new topic's leader being elected), for up to the request
   * timeout; then gives up with LogUnavailableError.
   */
  private async reading<T>(kind: ClusterKind, op: (c: InternalCluster) => Promise<T>): Promise<T> {
    const deadline = Date.now() + this.o.requestTimeoutMs;
    for (let attempt = 0; ; attempt++) {
      try {
        return await withTimeout(this.cluster(kind).then(op), this.o.requestTimeoutMs + 1000);
      } catch (err) {
        await this.dropCluster(kind);
        const settling = isSettling(err) && Date.now() < deadline;
        if ((attempt >= 1 && !settling) || this.closed) throw unavailable(`reading ${this.o.topic} failed`, err);
        if (settling) await sleep(Math.min(1000, 50 * 2 ** attempt));
      }
    }
  }

  private async fetch(c: InternalCluster, partition: number, offset: number, maxWaitTime: number): Promise<InternalBatch> {
    const { topic, fetchMaxBytes } = this.o;
    const leaders = c.findLeaderForPartitions(topic, [partition]);
    const nodeId = Object.keys(leaders)[0];
    if (nodeId === undefined) throw new Error(`no leader for ${topic}/${partition}`);
    const broker = await c.findBroker({ nodeId });
    const response = await broker.fetch({
      isolationLevel: READ_COMMITTED,
      maxWaitTime,
      minBytes: 1,
      maxBytes: fetchMaxBytes,
      topics: [{ topic, partitions: [{ partition, fetchOffset: String(offset), maxBytes: fetchMaxBytes }] }],
    });
    const data = response.responses[0]?.partitions.find((p) => p.partition === partition);
    if (!data) throw new Error(`fetch answered without partition ${partition}`);
    return newBatch(topic, String(offset), data);
  }

  /**
   * Read-your-writes: a commit returns once the transaction log has it, while the markers that
   * make its records visible to read_committed fetches are written just after. When this
   * instance appended to the partition, wait (briefly) until the last stable offset is past it.
   */
  private async settled(c: InternalCluster, partition: number): Promise<void> {
    const mine = this.written(partition);
    if ((this.stable.get(partition) ?? -1) >= mine) return;
    const deadline = Date.now() + this.o.requestTimeoutMs;
    for (;;) {
      const lso = await this.offset(c, partition, false);
      if (lso > mine) {
        this.stable.set(partition, lso - 1);
        return;
      }
      if (Date.now() > deadline) return;
      await sleep(2);
    }
  }

  private async offset(c: InternalCluster, partition: number, fromBeginning: boolean): Promise<number> {
    const r = await c.fetchTopicsOffset([{ topic: this.o.topic, partitions: [{ partition }], fromBeginning }]);
    const o = r[0]?.partitions.find((p) => p.partition === partition)?.offset;
    if (o === undefined) throw new Error(`no offset for ${this.o.topic}/${partition}`);
    return Number(o);
  }
}
