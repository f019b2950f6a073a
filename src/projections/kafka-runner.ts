import { type Consumer, type EachBatchPayload, Kafka, logLevel as KafkaLogLevel } from 'kafkajs';
import type { Db } from '../db/client.ts';
import type { EventLog } from '../log/event-log.ts';
import { decodeEvent } from '../log/kafka-event-log.ts';
import { type KafkaLogSink, kafkaLogCreator } from '../log/kafka/logs.ts';
import { applyOnce, readCheckpoint } from './checkpoints.ts';
import type { Projection, Projector } from './projection.ts';

export interface KafkaRunnerOptions {
  brokers: string[];
  topic?: string;
  /** Consumer group; defaults to `ledger-projector-<projection>`. Members of one group share the partitions. */
  groupId?: string;
  clientId?: string;
  /** Bytes fetched per partition per request: bounds a batch (and so a PostgreSQL transaction). */
  maxBytesPerPartition?: number;
  sessionTimeoutMs?: number;
  connectionTimeoutMs?: number;
  requestTimeoutMs?: number;
  logLevel?: KafkaLogLevel;
  /** Where kafkajs's own lines go (default: kafkajs's console lines). */
  logger?: KafkaLogSink;
  onError?: (err: unknown, projection: string) => void;
  /** Called after each committed batch (metrics, tests). */
  onBatch?: (projection: string, partition: number, position: number, count: number) => void;
  /** The log this group consumes: catchUp() waits for the checkpoints to reach its end. */
  log?: Pick<EventLog, 'partitions' | 'last'>;
  /** How long catchUp() waits without the checkpoint moving before it gives up (default 30 s). */
  catchUpStallMs?: number;
}

/**
 * Feeds one projection as a member of a Kafka consumer group (read_committed). Kafka's committed
 * offsets are not used: on every assignment the member seeks to the checkpoints stored in
 * PostgreSQL, and each batch is applied with its checkpoint in one PostgreSQL transaction — the
 * same contract as ProjectionRunner (applyOnce): inside that transaction the checkpoint is re-read
 * under a lock and only events past it are applied, so a late seek, a redelivery or a zombie member after
 * a rebalance cannot apply an event twice. Nothing is skipped because every member reads its
 * partitions contiguously from a seek to checkpoint + 1 taken when they were assigned, and
 * checkpoints only grow. (A check on the fetch's start offset would not work: control records
 * make offsets jump, and kafkajs does not hand marker-only batches to eachBatch.)
 */
export class KafkaProjectionRunner implements Projector {
  readonly positions = new Map<number, number>();
  private readonly consumer: Consumer;
  private readonly topic: string;
  private readonly groupId: string;
  private stopped = false;

  constructor(
    private readonly db: Db,
    private readonly projection: Projection,
    private readonly options: KafkaRunnerOptions,
  ) {
    this.topic = options.topic ?? 'ledger.events';
    this.groupId = options.groupId ?? `ledger-projector-${projection.name}`;
    const kafka = new Kafka({
      clientId: options.clientId ?? `ledger-projector-${projection.name}`,
      brokers: options.brokers,
      connectionTimeout: options.connectionTimeoutMs ?? 3000,
      requestTimeout: options.requestTimeoutMs ?? 10_000,
      logLevel: options.logLevel ?? KafkaLogLevel.ERROR,
      ...(options.logger ? { logCreator: kafkaLogCreator(options.logger) } : {}),
    });
    this.consumer = kafka.consumer({
      groupId: this.groupId,
      readUncommitted: false,
      sessionTimeout: options.sessionTimeoutMs ?? 10_000,
      heartbeatInterval: 1000,
      maxBytesPerPartition: options.maxBytesPerPartition ?? 1024 * 1024,
      maxWaitTimeInMs: 250,
      allowAutoTopicCreation: false,
      retry: { retries: 10, initialRetryTime: 100, maxRetryTime: 2000 },
    });
  }

  get name(): string {
    return this.projection.name;
  }

  async start(): Promise<void> {
    const { GROUP_JOIN, CRASH } = this.consumer.events;
    this.consumer.on(GROUP_JOIN, (e) => {
      const assigned = e.payload.memberAssignment[this.topic] ?? [];
      void this.seekToCheckpoints(assigned).catch((err: unknown) => this.report(err));
    });
    this.consumer.on(CRASH, (e) => this.report(e.payload.error));
    await this.consumer.connect();
    // fromBeginning only matters until the seek lands: the checkpoint guard in apply() decides.
    await this.consumer.subscribe({ topics: [this.topic], fromBeginning: true });
    await this.consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: 1,
      eachBatch: (payload) => this.eachBatch(payload),
    });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.consumer.disconnect();
  }

  /** Waits until this projection's checkpoints reach the last event of every partition of the log. */
  async catchUp(): Promise<void> {
    const log = this.options.log;
    if (!log) throw new Error('KafkaProjectionRunner.catchUp needs options.log');
    const stallMs = this.options.catchUpStallMs ?? 30_000;
    for (let p = 0; p < log.partitions; p++) {
      const head = (await log.last(p))?.position ?? -1;
      let seen: number | null = null;
      let deadline = 0;
      for (let at = await readCheckpoint(this.db, this.projection.name, p); at < head; at = await readCheckpoint(this.db, this.projection.name, p)) {
        if (at !== seen) [seen, deadline] = [at, Date.now() + stallMs];
        else if (Date.now() > deadline) throw new Error(`projection ${this.projection.name} is stuck at position ${at} of partition ${p}, short of ${head}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    }
  }

  private report(err: unknown): void {
    if (!this.stopped) this.options.onError?.(err, this.projection.name);
  }

  private async seekToCheckpoints(partitions: number[]): Promise<void> {
    for (const partition of partitions) {
      const position = await readCheckpoint(this.db, this.projection.name, partition);
      this.positions.set(partition, position);
      this.consumer.seek({ topic: this.topic, partition, offset: String(position + 1) });
    }
  }

  private async eachBatch({ batch, isRunning, isStale, heartbeat, resolveOffset }: EachBatchPayload): Promise<void> {
    if (!isRunning() || isStale() || batch.messages.length === 0) return;
    const partition = batch.partition;
    const events = batch.messages.map((m) => decodeEvent(m.value, Number(m.offset), partition));
    const applied = await applyOnce(this.db, this.projection, partition, events);
    this.positions.set(partition, applied.position);
    resolveOffset(batch.lastOffset());
    if (applied.count > 0) this.options.onBatch?.(this.projection.name, partition, applied.position, applied.count);
    await heartbeat();
  }
}
