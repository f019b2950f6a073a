import type { AggregateName } from '../domain/decider.ts';
import type { DomainErrorCode } from '../domain/errors.ts';

/**
 * The engine's state at a log position: every stream of every aggregate, the command index, and
 * the chain head of each partition. Restoring it and reading the log after its positions gives the
 * same state as a full replay, in a fraction of the time.
 */
export interface EngineSnapshot {
  format: 3;
  /** Per partition: the last position the snapshot covers (-1 = none) and that event's hash. */
  heads: Array<{ partition: number; position: number; hash: string }>;
  /** Each stream's state as its decider encodes it. */
  streams: Array<[kind: AggregateName, id: string, version: number, state: unknown]>;
  commands: Array<[commandId: string, requestHash: string, at: Array<[partition: number, position: number]>]>;
  /** The refused command ids remembered (CommandRefused events up to the heads); absent in older snapshots. */
  refusals?: Array<[commandId: string, requestHash: string, code: DomainErrorCode, message: string, field: string | null]>;
}

export interface SnapshotStore {
  /** The newest snapshot, or null. */
  load(): Promise<EngineSnapshot | null>;
  save(snapshot: EngineSnapshot): Promise<void>;
}
