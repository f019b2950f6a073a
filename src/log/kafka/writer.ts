import type { Kafka, Message, Producer, Transaction } from 'kafkajs';
import type { NewEvent, StoredEvent } from '../envelope.ts';
import { LogUnavailableError, WriterFencedError, partitionOf } from '../event-log.ts';
import { encodeEvent } from './codec.ts';
import { DeadlineError, isFencing, settleWithin, unavailable, withProgressTimeout, withTimeout } from './errors.ts';
import type { ResolvedKafkaOptions } from './options.ts';

/** The events of one append that go to one partition, with their indexes in the batch. */
interface PartitionGroup {
  events: NewEvent[];
  index: number[];
}

/**
 * The write side of the Kafka log: an idempotent transactional producer, one append = one
 * transaction, appends one at a time. A second writer with the same transactionalId fences this
 * one (WriterFencedError, for good); an append whose outcome is unknown makes the next one first
 * check whether it landed.
 */
export class KafkaWriter {
  private producer: Producer | null = null;
  private producerReady: Promise<Producer> | null = null;
  private acquired = false;
  private fenced: WriterFencedError | null = null;
  /** Set after an append whose outcome is unknown: the next append first checks whether it landed. */
  private uncertain = false;
  /** Last position this writer knows of in each partition (from acquire, then from its own appends). */
  private readonly known = new Map<number, number>();
  private appendQueue: Promise<void> = Promise.resolve();

  /**
   * `tail(p)` reads the last committed event of partition p; `appended(ps)` is told which partitions
   * an append wrote; `stillWriter()` (with a writer lease) rejects with WriterFencedError when another
   * instance took the role over.
   */
  constructor(
    private readonly kafka: Kafka,
    private readonly o: ResolvedKafkaOptions,
    private readonly tail: (partition: number) => Promise<StoredEvent | null>,
    private readonly appended: (partitions: Iterable<number>) => void,
    private readonly stillWriter: (() => Promise<void>) | null = null,
  ) {}

  /** The last position this writer knows of in a partition (-1 when none). */
  written(partition: number): number {
    return this.known.get(partition) ?? -1;
  }

  /** Takes the role now: a new producer's InitProducerId fences whoever held the transactionalId (even this writer's past self). */
  async acquire(): Promise<void> {
    this.fenced = null;
    await this.resetProducer();
    try {
      await this.withDeadline(this.readyProducer(), 'acquiring the writer role');
      for (let p = 0; p < this.o.partitions; p++) this.known.set(p, (await this.tail(p))?.position ?? -1);
    } catch (err) {
      await this.resetProducer();
      throw this.classify(err, 'acquiring the writer role failed');
    }
    this.acquired = true;
    this.uncertain = false;
  }

  /** Appends run one at a time: a producer has at most one open transaction. */
  append(batch: readonly NewEvent[]): Promise<StoredEvent[]> {
    const run = this.appendQueue.then(() => this.appendSerial(batch));
    this.appendQueue = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  async close(): Promise<void> {
    await this.resetProducer();
  }

  /**
   * A producer that has run InitProducerId: kafkajs does that on the first transaction(), not on
   * connect(), and until it has run the previous holder of the transactionalId is not fenced. So
   * begin a transaction and abort it (nothing was added: no EndTxn is sent) before reporting ready.
   */
  private readyProducer(): Promise<Producer> {
    if (!this.producerReady) {
      const producer = this.kafka.producer({
        idempotent: true,
        transactionalId: this.o.transactionalId,
        maxInFlightRequests: 1,
        transactionTimeout: this.o.transactionTimeoutMs,
        retry: this.o.producerRetry,
        allowAutoTopicCreation: false,
      });
      this.producer = producer;
      const ready = (async () => {
        await producer.connect();
        const tx = await producer.transaction();
        await tx.abort();
        return producer;
      })();
      this.producerReady = ready;
      ready.catch(() => {});
    }
    return this.producerReady;
  }

  private async resetProducer(): Promise<void> {
    const old = this.producer;
    this.producer = null;
    this.producerReady = null;
    if (old) await settleWithin(old.disconnect(), 2000);
  }

  private async appendSerial(batch: readonly NewEvent[]): Promise<StoredEvent[]> {
    if (this.fenced) throw this.fenced;
    if (!this.acquired) throw new WriterFencedError('acquireWriter() was not called');
    if (batch.length === 0) return [];
    try {
      return await this.withProgressDeadline((progress) => this.appendOnce(batch, progress), 'append');
    } catch (err) {
      const mapped = this.classify(err, 'append failed');
      if (!(mapped instanceof WriterFencedError)) this.uncertain = true;
      await this.resetProducer();
      throw mapped;
    }
  }

  private async appendOnce(batch: readonly NewEvent[], progress: () => void): Promise<StoredEvent[]> {
    // After an outage the producer is new, and its InitProducerId fences whoever holds the
    // transactionalId now: a standby may have taken over meanwhile, so ask the lease first.
    if (!this.producerReady && this.stillWriter) await this.stillWriter();
    const producer = await this.readyProducer();
    if (this.uncertain) await this.settleUncertainAppend();
    const groups = this.groupByPartition(batch);
    const positions = new Array<number>(batch.length);
    const tx = await producer.transaction();
    try {
      for (const [partition, group] of groups) await this.sendGroup(tx, partition, group, positions, progress);
      await tx.commit();
    } catch (err) {
      if (!isFencing(err)) await settleWithin(tx.abort(), 1000);
      throw err;
    }
    const stored = batch.map((e, i) => ({ ...e, position: positions[i]! }));
    for (const e of stored) this.known.set(e.partition, Math.max(this.written(e.partition), e.position));
    this.appended(groups.keys());
    return stored;
  }

  /**
   * A new producer's InitProducerId completed (or aborted) whatever the failed one left open, so
   * the log's tail is settled now: if it moved past what this writer knows, the failed append
   * landed after all and the caller must re-read before deciding anything else.
   */
  private async settleUncertainAppend(): Promise<void> {
    for (let p = 0; p < this.o.partitions; p++) {
      const end = (await this.tail(p))?.position ?? -1;
      if (end !== this.known.get(p)) {
        this.known.set(p, end);
        this.uncertain = false;
        throw new LogUnavailableError(`partition ${p} moved to ${end} while the outcome of a failed append was unknown: re-read the tail`);
      }
    }
    this.uncertain = false;
  }

  private groupByPartition(batch: readonly NewEvent[]): Map<number, PartitionGroup> {
    const groups = new Map<number, PartitionGroup>();
    batch.forEach((e, i) => {
      const p = partitionOf(e.streamId, this.o.partitions);
      if (p !== e.partition) throw new Error(`event ${e.eventId} says partition ${e.partition}, its stream lives in ${p}`);
      let group = groups.get(p);
      if (!group) groups.set(p, (group = { events: [], index: [] }));
      group.events.push(e);
      group.index.push(i);
    });
    return groups;
  }

  /** Sends one partition's events in chunks of at most maxChunkBytes; records each event's offset in `positions`. */
  private async sendGroup(tx: Transaction, partition: number, group: PartitionGroup, positions: number[], progress: () => void): Promise<void> {
    let start = 0;
    while (start < group.events.length) {
      const messages = this.chunkFrom(group.events, start, partition);
      const result = await tx.send({ topic: this.o.topic, acks: -1, messages });
      const meta = result.find((r) => r.partition === partition);
      if (!meta || meta.baseOffset === undefined) throw new Error(`no base offset for partition ${partition} in the produce response`);
      const base = Number(meta.baseOffset);
      for (let k = 0; k < messages.length; k++) positions[group.index[start + k]!] = base + k;
      start += messages.length;
      progress();
    }
  }

  /** The records of events[start..] that fit in one chunk (at least one). */
  private chunkFrom(events: readonly NewEvent[], start: number, partition: number): Message[] {
    const messages: Message[] = [];
    let bytes = 0;
    while (start + messages.length < events.length) {
      const m = encodeEvent(events[start + messages.length]!);
      const size = m.value.length + 256;
      if (messages.length > 0 && bytes + size > this.o.maxChunkBytes) break;
      messages.push({ ...m, partition });
      bytes += size;
    }
    return messages;
  }

  private classify(err: unknown, what: string): Error {
    if (err instanceof WriterFencedError || err instanceof LogUnavailableError) {
      if (err instanceof WriterFencedError) this.fenced = err;
      return err;
    }
    if (isFencing(err)) {
      this.fenced = new WriterFencedError(`transactionalId ${this.o.transactionalId} was taken over by another writer`, { cause: err });
      this.acquired = false;
      return this.fenced;
    }
    return unavailable(what, err);
  }

  /** An append fails when Kafka stops answering for appendTimeoutMs, however many chunks it takes. */
  private async withProgressDeadline<T>(work: (progress: () => void) => Promise<T>, what: string): Promise<T> {
    try {
      return await withProgressTimeout(work, this.o.appendTimeoutMs);
    } catch (err) {
      if (err instanceof DeadlineError) throw new LogUnavailableError(`${what}: Kafka made no progress for ${this.o.appendTimeoutMs} ms`);
      throw err;
    }
  }

  private async withDeadline<T>(work: Promise<T>, what: string): Promise<T> {
    work.catch(() => {});
    try {
      return await withTimeout(work, this.o.appendTimeoutMs);
    } catch (err) {
      if (err instanceof DeadlineError) throw new LogUnavailableError(`${what}: Kafka did not answer within ${this.o.appendTimeoutMs} ms`);
      throw err;
    }
  }
}
