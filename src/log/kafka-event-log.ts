import { EventEmitter } from 'node:events';
import { type Admin, type IHeaders, Kafka, type Message, type Producer, type RetryOptions, logLevel as KafkaLogLevel } from 'kafkajs';
import { type NewEvent, type StoredEvent, storedEvent } from './envelope.ts';
import { type EventLog, LogUnavailableError, WriterFencedError, partitionOf } from './event-log.ts';
import { type InternalCluster, READ_COMMITTED, createCluster, newBatch } from './kafkajs-internals.ts';

/** Version of the JSON value (and `schema-version` header) this code writes; see docs/event-schema.md. */
export const EVENT_SCHEMA_VERSION = 1;

export interface KafkaEventLogOptions {
  brokers: string[];
  topic?: string;
  partitions?: number;
  replicationFactor?: number;
  clientId?: string;
  /** Defaults to `ledger-writer-<topic>-p0-<last partition>`: the partition set this writer owns. */
  transactionalId?: string;
  /** TCP connect timeout (ms): short, so a dead broker fails a command fast. */
  connectionTimeoutMs?: number;
  /** Per-request timeout (ms). */
  requestTimeoutMs?: number;
  /** Upper bound for one whole append (ms); past it the append fails with LogUnavailableError. */
  appendTimeoutMs?: number;
  /**
   * Producer retry. The default backs off 5..50 ms: the first send of a transaction often meets
   * CONCURRENT_TRANSACTIONS while the broker still writes the previous commit's markers, and
   * kafkajs's default backoff (300 ms initial) turns that into ~100 ms per transaction.
   */
  producerRetry?: RetryOptions;
  /** Transaction timeout the broker enforces on a writer that vanishes mid-transaction (ms). */
  transactionTimeoutMs?: number;
  /** Bytes per produce request chunk inside one transaction (the broker's default message.max.bytes is 1 MB). */
  maxChunkBytes?: number;
  /** Bytes per partition per fetch when reading. */
  fetchMaxBytes?: number;
  logLevel?: KafkaLogLevel;
}

export const FAST_TRANSACTION_RETRY: RetryOptions = { initialRetryTime: 5, maxRetryTime: 50, retries: 20 };

interface Resolved {
  brokers: string[];
  topic: string;
  partitions: number;
  replicationFactor: number;
  clientId: string;
  transactionalId: string;
  connectionTimeoutMs: number;
  requestTimeoutMs: number;
  appendTimeoutMs: number;
  producerRetry: RetryOptions;
  transactionTimeoutMs: number;
  maxChunkBytes: number;
  fetchMaxBytes: number;
  logLevel: KafkaLogLevel;
}

/**
 * The log as a Kafka topic. Key = account id, partition = partitionOf(account id), value = the
 * event as versioned JSON (docs/event-schema.md); positions are offsets, so transaction markers
 * leave gaps. The writer is an idempotent transactional producer: one append = one transaction,
 * and a second writer with the same transactionalId fences the first. Reads are read_committed.
 */
export class KafkaEventLog implements EventLog {
  readonly kind = 'kafka' as const;
  readonly partitions: number;
  readonly topic: string;
  readonly transactionalId: string;
  private readonly o: Resolved;
  private readonly kafka: Kafka;
  private producer: Producer | null = null;
  private producerReady: Promise<Producer> | null = null;
  private acquired = false;
  private fenced: WriterFencedError | null = null;
  /** Set after an append whose outcome is unknown: the next append first checks whether it landed. */
  private uncertain = false;
  /** Last position this writer knows of in each partition (from acquireWriter, then from its own appends). */
  private readonly known = new Map<number, number>();
  /** Per partition, a position below the last stable offset the reader has seen (read-your-writes check). */
  private readonly stable = new Map<number, number>();
  private reader: InternalCluster | null = null;
  /** One long-polling connection per partition: a broker answers one request per connection at a time. */
  private readonly waiters = new Map<number, InternalCluster>();
  private readonly appended = new EventEmitter();
  private closed = false;
  private appendQueue: Promise<void> = Promise.resolve();

  constructor(options: KafkaEventLogOptions) {
    const topic = options.topic ?? 'ledger.events';
    const partitions = options.partitions ?? 1;
    this.o = {
      brokers: options.brokers,
      topic,
      partitions,
      replicationFactor: options.replicationFactor ?? 1,
      clientId: options.clientId ?? 'ledger',
      transactionalId: options.transactionalId ?? `ledger-writer-${topic}-p0-${partitions - 1}`,
      connectionTimeoutMs: options.connectionTimeoutMs ?? 2000,
      requestTimeoutMs: options.requestTimeoutMs ?? 5000,
      appendTimeoutMs: options.appendTimeoutMs ?? 6000,
      producerRetry: options.producerRetry ?? FAST_TRANSACTION_RETRY,
      transactionTimeoutMs: options.transactionTimeoutMs ?? 10_000,
      maxChunkBytes: options.maxChunkBytes ?? 512 * 1024,
      fetchMaxBytes: options.fetchMaxBytes ?? 4 * 1024 * 1024,
      logLevel: options.logLevel ?? KafkaLogLevel.ERROR,
    };
    this.topic = topic;
    this.partitions = partitions;
    this.transactionalId = this.o.transactionalId;
    this.kafka = new Kafka({
      clientId: this.o.clientId,
      brokers: this.o.brokers,
      connectionTimeout: this.o.connectionTimeoutMs,
      requestTimeout: this.o.requestTimeoutMs,
      enforceRequestTimeout: true,
      // Admin and reads: a couple of quick retries, then LogUnavailableError.
      retry: { retries: 2, initialRetryTime: 100, maxRetryTime: 1000 },
      logLevel: this.o.logLevel,
    });
    this.appended.setMaxListeners(0);
  }

  /** Creates the topic when missing (and checks its partition count when present). */
  async start(): Promise<this> {
    const admin = this.kafka.admin();
    try {
      await admin.connect();
      await this.ensureTopic(admin);
    } catch (err) {
      throw err instanceof Error && err.message.startsWith('topic ') ? err : unavailable('cannot reach Kafka to create the topic', err);
    } finally {
      await admin.disconnect().catch(() => {});
    }
    return this;
  }

  private async ensureTopic(admin: Admin): Promise<void> {
    const existing = await admin.listTopics();
    if (!existing.includes(this.topic)) {
      await admin.createTopics({
        waitForLeaders: true,
        topics: [
          {
            topic: this.topic,
            numPartitions: this.partitions,
            replicationFactor: this.o.replicationFactor,
            configEntries: [
              { name: 'retention.ms', value: '-1' },
              { name: 'retention.bytes', value: '-1' },
              { name: 'min.insync.replicas', value: String(Math.min(2, this.o.replicationFactor)) },
              { name: 'unclean.leader.election.enable', value: 'false' },
            ],
          },
        ],
      });
    }
    const meta = await admin.fetchTopicMetadata({ topics: [this.topic] });
    const count = meta.topics[0]?.partitions.length ?? 0;
    if (count !== this.partitions) throw new Error(`topic ${this.topic} has ${count} partitions, this log is configured for ${this.partitions}`);
  }

  // ── Writer ──────────────────────────────────────────────────────────────────────────────────────

  async acquireWriter(): Promise<void> {
    if (this.fenced) throw this.fenced;
    await this.resetProducer();
    try {
      await this.withDeadline(this.readyProducer(), 'acquiring the writer role');
      for (let p = 0; p < this.partitions; p++) this.known.set(p, (await this.last(p))?.position ?? -1);
    } catch (err) {
      await this.resetProducer();
      throw this.classify(err, 'acquiring the writer role failed');
    }
    this.acquired = true;
    this.uncertain = false;
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
    if (old) await withTimeout(old.disconnect(), 2000).catch(() => {});
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

  private async appendSerial(batch: readonly NewEvent[]): Promise<StoredEvent[]> {
    if (this.fenced) throw this.fenced;
    if (!this.acquired) throw new WriterFencedError('acquireWriter() was not called');
    if (batch.length === 0) return [];
    try {
      return await this.withDeadline(this.appendOnce(batch), 'append');
    } catch (err) {
      const mapped = this.classify(err, 'append failed');
      if (!(mapped instanceof WriterFencedError)) this.uncertain = true;
      await this.resetProducer();
      throw mapped;
    }
  }

  private async appendOnce(batch: readonly NewEvent[]): Promise<StoredEvent[]> {
    const producer = await this.readyProducer();
    if (this.uncertain) {
      // A new producer's InitProducerId completed (or aborted) whatever the failed one left open,
      // so the log's tail is settled now: if it moved past what this writer knows, the failed
      // append landed after all and the caller must re-read before deciding anything else.
      for (let p = 0; p < this.partitions; p++) {
        const end = (await this.last(p))?.position ?? -1;
        if (end !== this.known.get(p)) {
          this.known.set(p, end);
          this.uncertain = false;
          throw new LogUnavailableError(`partition ${p} moved to ${end} while the outcome of a failed append was unknown: re-read the tail`);
        }
      }
      this.uncertain = false;
    }
    const byPartition = new Map<number, { events: NewEvent[]; index: number[] }>();
    batch.forEach((e, i) => {
      const p = partitionOf(e.streamId, this.partitions);
      if (p !== e.partition) throw new Error(`event ${e.eventId} says partition ${e.partition}, its stream lives in ${p}`);
      let group = byPartition.get(p);
      if (!group) byPartition.set(p, (group = { events: [], index: [] }));
      group.events.push(e);
      group.index.push(i);
    });
    const positions = new Array<number>(batch.length);
    const tx = await producer.transaction();
    try {
      for (const [partition, group] of byPartition) {
        let start = 0;
        while (start < group.events.length) {
          const messages: Message[] = [];
          let bytes = 0;
          while (start + messages.length < group.events.length) {
            const m = encode(group.events[start + messages.length]!);
            const size = (m.value as Buffer).length + 256;
            if (messages.length > 0 && bytes + size > this.o.maxChunkBytes) break;
            messages.push({ ...m, partition });
            bytes += size;
          }
          const result = await tx.send({ topic: this.topic, acks: -1, messages });
          const meta = result.find((r) => r.partition === partition);
          if (!meta || meta.baseOffset === undefined) throw new Error(`no base offset for partition ${partition} in the produce response`);
          const base = Number(meta.baseOffset);
          for (let k = 0; k < messages.length; k++) positions[group.index[start + k]!] = base + k;
          start += messages.length;
        }
      }
      await tx.commit();
    } catch (err) {
      if (!isFencing(err)) await withTimeout(tx.abort(), 1000).catch(() => {});
      throw err;
    }
    const stored = batch.map((e, i) => ({ ...e, position: positions[i]! }));
    for (const e of stored) this.known.set(e.partition, Math.max(this.known.get(e.partition) ?? -1, e.position));
    for (const p of byPartition.keys()) this.appended.emit(`p${p}`);
    return stored;
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

  private async withDeadline<T>(work: Promise<T>, what: string): Promise<T> {
    work.catch(() => {});
    try {
      return await withTimeout(work, this.o.appendTimeoutMs);
    } catch (err) {
      if (err instanceof DeadlineError) throw new LogUnavailableError(`${what}: Kafka did not answer within ${this.o.appendTimeoutMs} ms`);
      throw err;
    }
  }

  // ── Reader ──────────────────────────────────────────────────────────────────────────────────────

  private async cluster(kind: ClusterKind): Promise<InternalCluster> {
    const current = kind === 'reader' ? this.reader : this.waiters.get(kind);
    if (current) return current;
    const c = createCluster(this.kafka, READ_COMMITTED);
    await c.connect();
    await c.addTargetTopic(this.topic);
    if (kind === 'reader') this.reader = c;
    else this.waiters.set(kind, c);
    return c;
  }

  private async dropCluster(kind: ClusterKind): Promise<void> {
    const c = kind === 'reader' ? this.reader : this.waiters.get(kind);
    if (kind === 'reader') this.reader = null;
    else this.waiters.delete(kind);
    if (c) await withTimeout(c.disconnect(), 1000).catch(() => {});
  }

  /** Runs a read; on failure reconnects once (stale metadata, restarted broker), then gives up with LogUnavailableError. */
  private async reading<T>(kind: ClusterKind, op: (c: InternalCluster) => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await withTimeout(
          this.cluster(kind).then(op),
          this.o.requestTimeoutMs + 1000,
        );
      } catch (err) {
        await this.dropCluster(kind);
        if (attempt >= 1 || this.closed) throw unavailable(`reading ${this.topic} failed`, err);
      }
    }
  }

  private async fetch(c: InternalCluster, partition: number, offset: number, maxWaitTime: number) {
    const leaders = c.findLeaderForPartitions(this.topic, [partition]);
    const nodeId = Object.keys(leaders)[0];
    if (nodeId === undefined) throw new Error(`no leader for ${this.topic}/${partition}`);
    const broker = await c.findBroker({ nodeId });
    const response = await broker.fetch({
      isolationLevel: READ_COMMITTED,
      maxWaitTime,
      minBytes: 1,
      maxBytes: this.o.fetchMaxBytes,
      topics: [{ topic: this.topic, partitions: [{ partition, fetchOffset: String(offset), maxBytes: this.o.fetchMaxBytes }] }],
    });
    const data = response.responses[0]?.partitions.find((p) => p.partition === partition);
    if (!data) throw new Error(`fetch answered without partition ${partition}`);
    return newBatch(this.topic, String(offset), data);
  }

  /**
   * Read-your-writes: a commit returns once the transaction log has it, while the markers that
   * make its records visible to read_committed fetches are written just after. When this
   * instance appended to the partition, wait (briefly) until the last stable offset is past it.
   */
  private async settled(c: InternalCluster, partition: number): Promise<void> {
    const mine = this.known.get(partition) ?? -1;
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

  async read(partition: number, after: number, limit: number): Promise<StoredEvent[]> {
    if (partition < 0 || partition >= this.partitions || limit <= 0) return [];
    return this.reading('reader', async (c) => {
      await this.settled(c, partition);
      const out: StoredEvent[] = [];
      let offset = after + 1;
      while (out.length < limit) {
        const batch = await this.fetch(c, partition, offset, 0);
        if (batch.isEmptyIncludingFiltered()) break;
        for (const m of batch.messages) {
          if (out.length >= limit) break;
          out.push(decodeEvent(m.value, Number(m.offset), partition));
        }
        offset = Number(batch.lastOffset()) + 1;
      }
      return out;
    });
  }

  async last(partition: number): Promise<StoredEvent | null> {
    if (partition < 0 || partition >= this.partitions) return null;
    return this.reading('reader', async (c) => {
      await this.settled(c, partition);
      const [lso, low] = await Promise.all([this.offset(c, partition, false), this.offset(c, partition, true)]);
      // Below the last stable offset lie commit markers and maybe aborted records: look back in widening steps.
      for (let back = 16; ; back *= 4) {
        const from = Math.max(low, lso - back);
        let offset = from;
        let found: StoredEvent | null = null;
        while (offset < lso) {
          const batch = await this.fetch(c, partition, offset, 0);
          if (batch.isEmptyIncludingFiltered()) break;
          const m = batch.messages[batch.messages.length - 1];
          if (m) found = decodeEvent(m.value, Number(m.offset), partition);
          offset = Number(batch.lastOffset()) + 1;
        }
        if (found || from === low) return found;
      }
    });
  }

  private async offset(c: InternalCluster, partition: number, fromBeginning: boolean): Promise<number> {
    const r = await c.fetchTopicsOffset([{ topic: this.topic, partitions: [{ partition }], fromBeginning }]);
    const o = r[0]?.partitions.find((p) => p.partition === partition)?.offset;
    if (o === undefined) throw new Error(`no offset for ${this.topic}/${partition}`);
    return Number(o);
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
        const wait = Math.min(left, 250);
        try {
          const found = await this.reading(partition, async (c) => {
            const batch = await this.fetch(c, partition, offset, wait);
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
    for (let p = 0; p < this.partitions; p++) this.appended.emit(`p${p}`);
    await this.resetProducer();
    await Promise.all([this.dropCluster('reader'), ...[...this.waiters.keys()].map((p) => this.dropCluster(p))]);
  }
}

/** The reader connection, or a partition's long-polling waiter connection. */
type ClusterKind = 'reader' | number;

// ── Encoding ────────────────────────────────────────────────────────────────────────────────────

function encode(e: NewEvent): { key: string; value: Buffer; headers: IHeaders } {
  const value = {
    schemaVersion: EVENT_SCHEMA_VERSION,
    eventId: e.eventId,
    type: e.type,
    streamId: e.streamId,
    streamVersion: e.streamVersion,
    partition: e.partition,
    occurredAt: e.occurredAt,
    data: e.data,
    metadata: e.metadata,
    prevHash: e.prevHash,
    hash: e.hash,
  };
  return {
    key: e.streamId,
    value: Buffer.from(JSON.stringify(value)),
    headers: {
      'schema-version': String(EVENT_SCHEMA_VERSION),
      'content-type': 'application/json',
      'event-type': e.type,
      'event-id': e.eventId,
      'stream-id': e.streamId,
      'stream-version': String(e.streamVersion),
      'command-id': e.metadata.commandId,
    },
  };
}

/** The StoredEvent in a record of the topic (docs/event-schema.md). */
export function decodeEvent(value: Buffer | null, position: number, partition: number): StoredEvent {
  if (!value) throw new Error(`record at ${partition}/${position} has no value`);
  const parsed: unknown = JSON.parse(value.toString('utf8'));
  if (!isRecord(parsed)) throw new Error(`record at ${partition}/${position} is not an object`);
  if (parsed.schemaVersion !== EVENT_SCHEMA_VERSION) throw new Error(`record at ${partition}/${position} has schemaVersion ${String(parsed.schemaVersion)}, expected ${EVENT_SCHEMA_VERSION}`);
  for (const k of ['eventId', 'type', 'streamId', 'occurredAt', 'prevHash', 'hash'] as const) {
    if (typeof parsed[k] !== 'string') throw new Error(`record at ${partition}/${position}: ${k} is not a string`);
  }
  if (typeof parsed.streamVersion !== 'number' || !isRecord(parsed.data) || !isRecord(parsed.metadata)) throw new Error(`record at ${partition}/${position} is malformed`);
  return storedEvent({
    eventId: parsed.eventId as string,
    type: parsed.type as string,
    streamId: parsed.streamId as string,
    streamVersion: parsed.streamVersion,
    partition,
    position,
    occurredAt: parsed.occurredAt as string,
    data: parsed.data,
    metadata: parsed.metadata as unknown as StoredEvent['metadata'],
    prevHash: parsed.prevHash as string,
    hash: parsed.hash as string,
  });
}

// ── Errors and timing ───────────────────────────────────────────────────────────────────────────

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const FENCING_TYPES = new Set(['INVALID_PRODUCER_EPOCH', 'PRODUCER_FENCED', 'TRANSACTIONAL_ID_AUTHORIZATION_FAILED']);
/** 47 INVALID_PRODUCER_EPOCH, 90 PRODUCER_FENCED (newer brokers; kafkajs 2.2 does not name it). */
const FENCING_CODES = new Set([47, 90]);

/** Walks an error and its causes (kafkajs wraps retried errors) looking for a fencing error. */
export function isFencing(err: unknown): boolean {
  const seen = new Set<unknown>();
  let e: unknown = err;
  while (isRecord(e) || e instanceof Error) {
    if (seen.has(e)) break;
    seen.add(e);
    const r = e as unknown as Record<string, unknown>;
    if (typeof r.type === 'string' && FENCING_TYPES.has(r.type)) return true;
    if (typeof r.code === 'number' && FENCING_CODES.has(r.code)) return true;
    if (typeof r.name === 'string' && /ProducerFenced/i.test(r.name)) return true;
    if (typeof r.message === 'string' && /producer.*fenced|fenced.*producer|producer's epoch|INVALID_PRODUCER_EPOCH/i.test(r.message)) return true;
    e = r.cause ?? r.originalError ?? r.retriableError;
  }
  return false;
}

function unavailable(what: string, err: unknown): LogUnavailableError {
  const msg = err instanceof Error ? err.message : String(err);
  return new LogUnavailableError(`${what}: ${msg}`, { cause: err });
}

class DeadlineError extends Error {}

function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new DeadlineError(`timed out after ${ms} ms`)), ms);
  });
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
