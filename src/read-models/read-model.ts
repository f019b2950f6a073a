import type { Executor } from '../db/client.ts';
import { readCheckpoint } from '../projections/checkpoints.ts';
import type { Projection, Projector } from '../projections/projection.ts';

/**
 * A read model's slice: the projection that writes its tables, the queries that read them, and how
 * far the projection got in a partition (-1: nothing yet), which `?minPosition=` reads compare with.
 */
export interface ReadModel<Q> {
  readonly name: string;
  readonly projection: Projection;
  readonly queries: Q;
  position(partition: number): Promise<number>;
}

/** How far a projection got in a partition. */
export type PositionSource = (projection: string, partition: number) => Promise<number>;

/**
 * The position of this process's projector of that projection when it has one (`projectors` is read
 * at each call, so projectors started later count), else the checkpoint stored in PostgreSQL.
 */
export function projectedPositions(db: Executor, projectors: readonly Projector[] = []): PositionSource {
  return async (projection, partition) => projectors.find((r) => r.name === projection)?.positions.get(partition) ?? readCheckpoint(db, projection, partition);
}

/** A slice from its parts; `position` asks `positions` about the slice's own projection. */
export function readModel<Q>(projection: Projection, queries: Q, positions: PositionSource): ReadModel<Q> {
  return { name: projection.name, projection, queries, position: (partition) => positions(projection.name, partition) };
}
