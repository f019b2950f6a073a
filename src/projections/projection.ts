import type { Tx } from '../db/client.ts';
import type { StoredEvent } from '../log/envelope.ts';

/**
 * A read model built from the log. apply() runs inside the transaction that also moves the
 * projection's checkpoint (applyOnce in checkpoints.ts), so a batch is projected exactly once or
 * not at all.
 */
export interface Projection {
  readonly name: string;
  /** Tables this projection owns: emptied by a rebuild. */
  readonly tables: readonly string[];
  /** Of those, queues another process drains (an outbox): their rows are not state, so `ledger verify` does not compare them with a replay. */
  readonly queues?: readonly string[];
  apply(tx: Tx, events: readonly StoredEvent[]): Promise<void>;
}

/** A projector loop, fed by the PostgreSQL log or by a Kafka consumer group. */
export interface Projector {
  readonly name: string;
  /** Per partition, the last position this projector committed (what it has seen so far). */
  readonly positions: ReadonlyMap<number, number>;
  /** Resolves once the projection has reached the log's end as it was when called. */
  catchUp(): Promise<void>;
  stop(): Promise<void>;
}
