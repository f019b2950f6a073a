import type { Db } from '../../db/client.ts';
import { type PositionSource, type ReadModel, readModel } from '../read-model.ts';
import { idempotencyProjection } from './projection.ts';
import { type IdempotencyQueries, idempotencyQueries } from './queries.ts';

export { idempotencyProjection } from './projection.ts';
export type { IdempotencyQueries } from './queries.ts';

/** idempotency_keys: every command id of the log, where the engine finds the keys it no longer holds in memory. */
export type IdempotencyReadModel = ReadModel<IdempotencyQueries>;

export function idempotencyReadModel(db: Db, partitions: number, positions: PositionSource): IdempotencyReadModel {
  return readModel(idempotencyProjection, idempotencyQueries(db, partitions), positions);
}
