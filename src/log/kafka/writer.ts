import type { Kafka, Message, Producer, Transaction } from 'kafkajs';
import type { NewEvent, StoredEvent } from '../envelope.ts';
import { AppendNotWrittenError, type AppendOptions, type AppendedRun, LogUnavailableError, WriterFencedError, partitionOf } from '../event-log.ts';
import { encodeEvent } from './codec.ts';
import { DeadlineError, isFencing, settleWithin, unavailable, withProgressTimeout, withTimeout } from './errors.ts';
import type { ResolvedKafkaOptions } from './options.ts';

/** The events of one append that go to one partition, with their indexes in the batch. */
interface PartitionGroup {
  events: NewEvent[];
  index: number[];
}

/** Transactional producers that take turns: while one commits, the next append's transaction begins and sends on the other. */
export const PRODUCERS = 2;

/** Where the append before this one stands: its records sent (true) or failed (false); committed, or failed. */
interface Previous {
  sent: Promise<boolean>;
  committed: Promise<boolean>;
}

/** One transactional producer of the writer, with the InitProducerId that fences earlier holders of its id. */
interface Slot {
  readonly transactionalId: string;
  producer: Producer | null;
}

/**
 * The write side of the Kafka log: idempotent transactional producers, one append = one
 * transaction. Two producers (transactionalId and transactionalId#1) take turns, so a pipelined
 * append begins and sends its transaction while the one before it commits; appends still commit
 * strictly in call order, and a pipelined append whose predecessor failed is aborted (never
 * committed) and rejected with AppendNotWrittenError. A second writer with the same
 * transactionalId fences this one (WriterFencedError, for good); an append whose outcome is
 * unknown makes the next one first check whether it landed.
 */
export class KafkaWriter {
  private readonly slots: Slot[];
  /** Every producer initialised (InitProducerId run on each): null until asked for, and after a reset. */
  private producersReady: Promise<Producer[]> | null = null;
  private acquired = false;
  private fenced: WriterFencedError | null = null;
  /** Set after an append whose outcome is unknown: the next append first checks whether it landed. */
  private uncertain = false;
  /** Last position this writer knows of in each partition (from acquire, then from its own committed appends). */
  private readonly known = new Map<number, number>();
  /**
   * Per partition, the last offset of this writer's last committed append, while every append since
   * the role was taken (or since a failure, whose append may have landed unseen) committed: what it
   * commits next follows that offset with nothing committed between.
   */
  private readonly chained = new Map<number, number>();
  /** The last append: the next one sends after its records and commits after its commit. */
  private previous: Previous = { sent: Promise.resolve(true), committed: Promise.resolve(true) };
  private turn = 0;
  /** Per producer, its last append settled: a producer has at most one open transaction. */
  private readonly idle: Array<Promise<unknown>>;

  /**
   * `tail(p)` reads the last committed event of partition p; `appended(partitions, runs)` is told
   * which partitions each committed append wrote, and the runs of it that follow this writer's own
   * previous append there (chain); `stillWriter()` (with a writer lease) rejects with WriterFencedError when another
   * instance took the role over.
   */
  constructor(
    private readonly kafka: Kafka,
    private readonly o: ResolvedKafkaOptions,
    private readonly tail: (partition: number) => Promise<StoredEvent | null>,
    private readonly appended: (partitions: readonly number[], runs: readonly AppendedRun[]) => void,
    private readonly stillWriter: (() => Promise<void>) | null = null,
  ) {
    this.slots = Array.from({ length: PRODUCERS }, (_, k) => ({ transactionalId: k === 0 ? o.transactionalId : `${o.transactionalId}#${k}`, producer: null }));
    this.idle = this.slots.map(() => Promise.resolve());
  }

  /** The last position this writer knows of in a partition (-1 when none). */
  written(partition: number): number {
    return this.known.get(partition) ?? -1;
  }

  /** Takes the role now: new producers' InitProducerId fences whoever held the transactionalIds (even this writer's past self). */
  async acquire(): Promise<void> {
    this.fenced = null;
    this.chained.clear();
    await this.resetProducers();
    try {
      await this.withDeadline(this.readyProducers(), 'acquiring the writer role');
      for (let p = 0; p < this.o.partitions; p++) this.known.set(p, (await this.tail(p))?.position ?? -1);
    } catch (err) {
      await this.resetProducers();
      throw this.classify(err, 'acquiring the writer role failed');
    }
    this.acquired = true;
    this.uncertain = false;
  }

  /**
   * Appends in call order. A plain append starts once every earlier one settled. A pipelined one
   * (decided on top of the appends in flight) sends once the previous append's records are sent,
   * and commits once it committed; if it failed, this one is aborted and rejects with
   * AppendNotWrittenError.
   */
  append(batch: readonly NewEvent[], options: AppendOptions = {}): Promise<StoredEvent[]> {
    const previous = this.previous;
    const slot = this.turn;
    this.turn = (this.turn + 1) % PRODUCERS;
    let markSent: (ok: boolean) => void = () => {};
    const sent = new Promise<boolean>((resolve) => {
      markSent = resolve;
    });
    const idle = this.idle[slot]!;
    const run = options.pipelined
      ? this.appendPipelined(batch, slot, previous, idle, markSent)
      : Promise.all([previous.committed, idle]).then(() => this.appendSerial(batch, slot, markSent));
    const committed = run.then(
      () => true,
      () => false,
    );
    // A failure before the records were all sent resolves `sent` false (appendSerial / appendPipelined resolve it true once sent).
    void committed.then(() => markSent(false));
    this.previous = { sent, committed };
    this.idle[slot] = committed;
    return run;
  }

  async close(): Promise<void> {
    await this.resetProducers();
  }

  /**
   * Every producer, each having run InitProducerId: kafkajs does that on the first transaction(),
   * not on connect(), and until it has run the previous holder of the transactionalId is not fenced
   * (and a transaction it left open keeps the partition's last stable offset back). So begin a
   * transaction and abort it (nothing was added: no EndTxn is sent) before reporting ready. All
   * producers together: a writer that has one fences every earlier holder of both ids.
   */
  private readyProducers(): Promise<Producer[]> {
    if (!this.producersReady) {
      const producers = this.slots.map((slot) => {
        const producer = this.kafka.producer({
          idempotent: true,
          transactionalId: slot.transactionalId,
          maxInFlightRequests: 1,
          transactionTimeout: this.o.transactionTimeoutMs,
          retry: this.o.producerRetry,
          allowAutoTopicCreation: false,
        });
        slot.producer = producer;
        return producer;
      });
      const ready = Promise.all(
        producers.map(async (producer) => {
          await producer.connect();
          const tx = await producer.transaction();
          await tx.abort();
          return producer;
        }),
      );
      this.producersReady = ready;
      ready.catch(() => {});
    }
    return this.producersReady;
  }

  private async resetProducers(): Promise<void> {
    const old = this.slots.map((slot) => slot.producer);
    for (const slot of this.slots) slot.producer = null;
    this.producersReady = null;
    await Promise.all(old.map((producer) => (producer ? settleWithin(producer.disconnect(), 2000) : undefined)));
  }

  private checkRole(): void {
    if (this.fenced) throw this.fenced;
    if (!this.acquired) throw new WriterFencedError('acquireWriter() was not called');
  }

  private async appendSerial(batch: readonly NewEvent[], slot: number, markSent: (ok: boolean) => void): Promise<StoredEvent[]> {
    this.checkRole();
    if (batch.length === 0) {
      markSent(true);
      return [];
    }
    try {
      return await this.withProgressDeadline(async (progress) => {
        const tx = await this.begin(slot);
        const sent = await this.sendAll(tx, batch, progress);
        markSent(true);
        return this.commit(tx, batch, sent);
      }, 'append');
    } catch (err) {
      throw await this.failed(err);
    }
  }

  /** Sends on its own producer while the previous append commits on the other; commits only after it. */
  private async appendPipelined(batch: readonly NewEvent[], slot: number, previous: Previous, idle: Promise<unknown>, markSent: (ok: boolean) => void): Promise<StoredEvent[]> {
    await idle;
    if (!(await previous.sent)) throw new AppendNotWrittenError();
    this.checkRole();
    if (batch.length === 0) {
      markSent(true);
      if (!(await previous.committed)) throw new AppendNotWrittenError();
      return [];
    }
    const opened: { tx: Transaction | null } = { tx: null };
    try {
      const { tx, sent } = await this.withProgressDeadline(async (progress) => {
        const tx = (opened.tx = await this.begin(slot, true));
        return { tx, sent: await this.sendAll(tx, batch, progress) };
      }, 'append');
      markSent(true);
      if (!(await previous.committed)) throw new AppendNotWrittenError();
      return await this.withProgressDeadline(() => this.commit(tx, batch, sent), 'append');
    } catch (err) {
      // Whatever failed here, this transaction was never committed if the one before it failed: abort it, report it unwritten.
      if (err instanceof AppendNotWrittenError || !(await previous.committed)) {
        if (opened.tx && !isFencing(err)) await settleWithin(opened.tx.abort(), 1000);
        throw err instanceof AppendNotWrittenError ? err : new AppendNotWrittenError(undefined, { cause: err });
      }
      throw await this.failed(err);
    }
  }

  /** The append failed: unknown outcome unless fenced; new producers for the next append (their InitProducerId settles what was left open). */
  private async failed(err: unknown): Promise<Error> {
    this.chained.clear();
    const mapped = this.classify(err, 'append failed');
    if (!(mapped instanceof WriterFencedError)) this.uncertain = true;
    await this.resetProducers();
    return mapped;
  }

  /**
   * A transaction on the slot's producer, after an outage's checks. A pipelined append never
   * makes new producers nor settles an unknown outcome: either means an append before it failed.
   */
  private async begin(slot: number, pipelined = false): Promise<Transaction> {
    if (pipelined && (!this.producersReady || this.uncertain)) throw new AppendNotWrittenError();
    // After an outage the producers are new, and their InitProducerId fences whoever holds the
    // transactionalIds now: a standby may have taken over meanwhile, so ask the lease first.
    if (!this.producersReady && this.stillWriter) await this.stillWriter();
    const producers = await this.readyProducers();
    if (this.uncertain) await this.settleUncertainAppend();
    return producers[slot]!.transaction();
  }

  private async sendAll(tx: Transaction, batch: readonly NewEvent[], progress: () => void): Promise<{ positions: number[]; partitions: number[] }> {
    const groups = this.groupByPartition(batch);
    const positions = new Array<number>(batch.length);
    try {
      for (const [partition, group] of groups) await this.sendGroup(tx, partition, group, positions, progress);
    } catch (err) {
      if (!isFencing(err)) await settleWithin(tx.abort(), 1000);
      throw err;
    }
    return { positions, partitions: [...groups.keys()] };
  }

  private async commit(tx: Transaction, batch: readonly NewEvent[], sent: { positions: number[]; partitions: number[] }): Promise<StoredEvent[]> {
    try {
      await tx.commit();
    } catch (err) {
      if (!isFencing(err)) await settleWithin(tx.abort(), 1000);
      throw err;
    }
    const stored = batch.map((e, i) => ({ ...e, position: sent.positions[i]! }));
    for (const e of stored) this.known.set(e.partition, Math.max(this.written(e.partition), e.position));
    this.appended(sent.partitions, this.chain(stored, sent.partitions));
    return stored;
  }

  /**
   * Per partition written, the committed events after the end of this writer's previous append
   * there, which becomes their last; none for the first since the role was taken or an append
   * failed (who knows what lies before it). Between two commits of one writer nobody else commits
   * (another would have fenced it), so what lies between is markers and aborted records.
   */
  private chain(stored: readonly StoredEvent[], partitions: readonly number[]): AppendedRun[] {
    const runs: AppendedRun[] = [];
    for (const partition of partitions) {
      const events = stored.filter((e) => e.partition === partition);
      const after = this.chained.get(partition);
      if (after !== undefined) runs.push({ partition, after, events });
      this.chained.set(partition, events[events.length - 1]!.position);
    }
    return runs;
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
