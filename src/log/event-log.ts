import { AppError } from '../errors.ts';
import type { NewEvent, StoredEvent } from './envelope.ts';

/**
 * The system of record. Two implementations pass one conformance suite
 * (test/integration/event-log.conformance.ts): the PostgreSQL table (PGlite or a server) and Kafka.
 *
 * Positions are per partition, start at 0 and only grow; in the embedded log they have no gaps,
 * in Kafka they are offsets (transaction markers leave gaps).
 */
export interface EventLog {
  readonly kind: 'postgres' | 'kafka';
  readonly partitions: number;

  /** Takes the writer role now: from now on only this instance may append; the previous writer is fenced. */
  acquireWriter(): Promise<void>;

  /**
   * The writer role as a lease (logs that have one): a standby calls tryAcquireWriter until the
   * writer's lease expired; the writer renews it well within leaseMs (renewWriter rejects with
   * WriterFencedError once another writer took over) and releases it on a clean shutdown. Without
   * them, the engine takes the role with acquireWriter at start.
   */
  readonly leaseMs?: number;
  tryAcquireWriter?(): Promise<boolean>;
  renewWriter?(): Promise<void>;
  releaseWriter?(): Promise<void>;

  /**
   * Appends atomically: every event of the batch is stored, in order, or none is.
   * Events may belong to several partitions. Rejects with LogUnavailableError when the log cannot be reached;
   * after such a rejection the caller must re-read the tail, since the outcome may be unknown.
   *
   * Appends take effect in call order. Without `pipelined`, an append starts once every earlier one
   * settled. With it (logs whose `pipeline` is above 1), the append was decided on top of the earlier
   * appends still in flight: it is sent while they commit and commits only after they did, and if
   * one of them fails it fails too, with AppendNotWrittenError (nothing of it was written).
   */
  append(events: readonly NewEvent[], options?: AppendOptions): Promise<StoredEvent[]>;

  /** How many appends may be in flight at once (pipelined; default 1: one at a time). */
  readonly pipeline?: number;

  /** Events of one partition with position > after, in order, at most limit of them. */
  read(partition: number, after: number, limit: number): Promise<StoredEvent[]>;

  /** The last stored event of a partition, or null when it is empty. */
  last(partition: number): Promise<StoredEvent | null>;

  /** Resolves when the partition may hold events after `after` (or when the timeout passes). */
  waitFor(partition: number, after: number, timeoutMs: number): Promise<void>;

  /**
   * Calls `listener` with the events of each append this instance made, once they are durable, as
   * append returns them, one run per partition written. In-process readers take them from memory
   * instead of reading back what was written milliseconds before. Returns the unsubscribe.
   */
  onAppended?(listener: (runs: readonly AppendedRun[]) => void): () => void;

  close(): Promise<void>;
}

/** The log could not be reached or did not answer: nothing was written (or the writer re-reads the tail to know). */
export class LogUnavailableError extends AppError {
  override readonly name = 'LogUnavailableError';
  constructor(message: string, options?: ErrorOptions) {
    super('log_unavailable', message, undefined, options);
  }
}

/**
 * What one append stored in one partition: `events` are every event of the partition with a
 * position in (after, the last one's position], so a reader that holds the partition up to `after`
 * holds it up to the last of them (on Kafka the offsets between hold only transaction markers or
 * aborted records).
 */
export interface AppendedRun {
  partition: number;
  after: number;
  events: readonly StoredEvent[];
}

export interface AppendOptions {
  /** Decided on top of the appends still in flight: commit only after them, fail unwritten if one of them fails. */
  pipelined?: boolean;
}

/**
 * A pipelined append that was not written because an append before it failed (its commit was
 * never sent): its outcome is known, so the writer decides its commands again on the true state.
 */
export class AppendNotWrittenError extends LogUnavailableError {
  constructor(message = 'an earlier append in the pipeline failed; this one was not written', options?: ErrorOptions) {
    super(message, options);
  }
}

/**
 * The log refused the content of a batch (PostgreSQL: a data exception such as a NUL in jsonb)
 * while working normally; nothing was written. The engine then isolates the command that carries it.
 */
export class LogRejectedError extends Error {
  override readonly name = 'LogRejectedError';
}

/** Another writer took over (fenced): this writer must stop appending. */
export class WriterFencedError extends Error {
  override readonly name = 'WriterFencedError';
}

/** Which partition an account's stream lives in. */
export function partitionOf(streamId: string, partitions: number): number {
  if (partitions === 1) return 0;
  // FNV-1a over the UTF-16 code units: stable across processes and languages that mirror it.
  let h = 0x811c9dc5;
  for (let i = 0; i < streamId.length; i++) {
    h ^= streamId.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h % partitions;
}
