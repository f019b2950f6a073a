import { type SQL, type SQLWrapper, sql } from 'drizzle-orm';
import type { Executor } from '../db/client.ts';
import { AppError } from '../errors.ts';
import { readCheckpoint } from '../projections/checkpoints.ts';

/**
 * The log position a report reflects: per partition, the last position included (-1: none). A
 * report only reads rows at or below it, so the same inputs at the same snapshot give the same rows
 * however far the log has moved on since.
 */
export type Snapshot = ReadonlyMap<number, number>;

export class SnapshotBehindError extends Error {
  override readonly name = 'SnapshotBehindError';
  constructor(
    readonly requested: number,
    readonly reached: number,
  ) {
    super(`the read model is at log position ${reached}, not yet ${requested}; retry shortly`);
  }
}

/**
 * The projection's checkpoint now, or an earlier position the caller asks for (to reproduce a
 * report). Asking for a position the projection has not reached is an error.
 */
export async function resolveSnapshot(db: Executor, projection: string, partitions: number, requested?: number): Promise<Snapshot> {
  const snapshot = new Map<number, number>();
  for (let p = 0; p < partitions; p++) snapshot.set(p, await readCheckpoint(db, projection, p));
  if (requested !== undefined) {
    if (partitions !== 1) throw new AppError('validation_failed', 'a report position can only be given for a single-partition log', 'position');
    const reached = snapshot.get(0)!;
    if (requested > reached) throw new SnapshotBehindError(requested, reached);
    snapshot.set(0, requested);
  }
  return snapshot;
}

/** SQL condition: the row is at or below the snapshot. */
export function atSnapshot(partition: SQLWrapper, position: SQLWrapper, snapshot: Snapshot): SQL {
  const parts = [...snapshot].map(([p, pos]) => sql`(${partition} = ${p} and ${position} <= ${pos})`);
  if (parts.length === 0) return sql`false`;
  return parts.length === 1 ? parts[0]! : sql`(${sql.join(parts, sql` or `)})`;
}

/** "1234" for one partition, "p0:1234, p1:77" for several. */
export function describeSnapshot(snapshot: Snapshot): string {
  if (snapshot.size === 1 && snapshot.has(0)) return String(snapshot.get(0));
  return [...snapshot].map(([p, pos]) => `p${p}:${pos}`).join(', ');
}
