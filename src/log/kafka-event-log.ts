import type { Kafka } from 'kafkajs';
import type { NewEvent, StoredEvent } from './envelope.ts';
import type { AppendOptions, AppendedRun, EventLog } from './event-log.ts';
import { checkKafkajsInternals } from './kafkajs-internals.ts';
import { type KafkaEventLogOptions, type ResolvedKafkaOptions, kafkaClient, resolveKafkaOptions } from './kafka/options.ts';
import { KafkaReader } from './kafka/reader.ts';
import { ensureTopic } from './kafka/topic.ts';
import { KafkaWriter, PRODUCERS } from './kafka/writer.ts';
import type { WriterLease } from './writer-lease.ts';

export { EVENT_SCHEMA_VERSION, decodeEvent } from './kafka/codec.ts';
export { isFencing } from './kafka/errors.ts';
export { FAST_TRANSACTION_RETRY, type KafkaEventLogOptions } from './kafka/options.ts';

/**
 * The log as a Kafka topic. Key = account id, partition = partitionOf(account id), value = the
 * event as versioned JSON (docs/event-schema.md); positions are offsets, so transaction markers
 * leave gaps. The writer is two idempotent transactional producers (transactionalId and
 * transactionalId#1) taking turns: one append = one transaction, a pipelined append sends while
 * the one before it commits, and a second writer with the same transactionalId fences the first.
 * Reads are read_committed.
 *
 * The parts live in ./kafka/: options, topic (admin), writer (producer and transactions), reader
 * (fetches at an offset, long polls), codec (the record format) and errors (fencing, deadlines).
 */
export class KafkaEventLog implements EventLog {
  readonly kind = 'kafka' as const;
  /** One append commits while the next sends (two transactional producers take turns). */
  readonly pipeline = PRODUCERS;
  readonly partitions: number;
  readonly topic: string;
  readonly transactionalId: string;
  private readonly o: ResolvedKafkaOptions;
  private readonly kafka: Kafka;
  private readonly writer: KafkaWriter;
  private readonly reader: KafkaReader;
  private readonly listeners = new Set<(runs: readonly AppendedRun[]) => void>();

  readonly leaseMs?: number;
  tryAcquireWriter?: () => Promise<boolean>;
  renewWriter?: () => Promise<void>;
  releaseWriter?: () => Promise<void>;

  /**
   * With a lease (a row in the read models' PostgreSQL), a standby initialises its producer (which
   * fences the writer's) only once the writer's lease expired, and a writer back from an outage
   * renews its lease before it makes a new producer, so it never fences the writer that took over.
   */
  constructor(options: KafkaEventLogOptions, lease: WriterLease | null = null) {
    this.o = resolveKafkaOptions(options);
    this.topic = this.o.topic;
    this.partitions = this.o.partitions;
    this.transactionalId = this.o.transactionalId;
    this.kafka = kafkaClient(this.o);
    this.reader = new KafkaReader(this.kafka, this.o, (p) => this.writer.written(p));
    this.writer = new KafkaWriter(this.kafka, this.o, (p) => this.reader.last(p), (partitions, runs) => this.stored(partitions, runs), lease ? () => lease.renew() : null);
    if (lease) {
      this.leaseMs = lease.leaseMs;
      this.tryAcquireWriter = async () => {
        if ((await lease.tryTake()) === null) return false;
        await this.writer.acquire();
        // Initialising the producer may take a while: the lease counts from now on.
        await lease.renew();
        return true;
      };
      this.renewWriter = () => lease.renew();
      this.releaseWriter = () => lease.release();
    }
  }

  /** Checks the kafkajs internals the reader needs, then creates the topic when missing (and checks its partition count when present). */
  async start(): Promise<this> {
    checkKafkajsInternals(this.kafka);
    await ensureTopic(this.kafka, this.o);
    return this;
  }

  acquireWriter(): Promise<void> {
    return this.writer.acquire();
  }

  append(batch: readonly NewEvent[], options?: AppendOptions): Promise<StoredEvent[]> {
    return this.writer.append(batch, options);
  }

  read(partition: number, after: number, limit: number): Promise<StoredEvent[]> {
    return this.reader.read(partition, after, limit);
  }

  last(partition: number): Promise<StoredEvent | null> {
    return this.reader.last(partition);
  }

  waitFor(partition: number, after: number, timeoutMs: number): Promise<void> {
    return this.reader.waitFor(partition, after, timeoutMs);
  }

  onAppended(listener: (runs: readonly AppendedRun[]) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** A committed append: wake this process's waiters on its partitions, hand its runs to the listeners (whose faults never fail the append). */
  private stored(partitions: readonly number[], runs: readonly AppendedRun[]): void {
    this.reader.wake(partitions);
    if (runs.length === 0) return;
    for (const listener of this.listeners) {
      try {
        listener(runs);
      } catch {
        // The append is durable whatever a listener does.
      }
    }
  }

  async close(): Promise<void> {
    const reading = this.reader.close();
    await this.writer.close();
    await reading;
  }
}
