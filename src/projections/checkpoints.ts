import { and, eq, sql } from 'drizzle-orm';
import type { Executor } from '../db/client.ts';
import { projectionCheckpoints } from '../db/schema.ts';

export async function readCheckpoint(db: Executor, projection: string, partition: number): Promise<number> {
  const rows = await db
    .select({ position: projectionCheckpoints.position })
    .from(projectionCheckpoints)
    .where(and(eq(projectionCheckpoints.projection, projection), eq(projectionCheckpoints.partition, partition)));
  return rows[0]?.position ?? -1;
}

export async function writeCheckpoint(tx: Executor, projection: string, partition: number, position: number): Promise<void> {
  await tx
    .insert(projectionCheckpoints)
    .values({ projection, partition, position })
    .onConflictDoUpdate({
      target: [projectionCheckpoints.projection, projectionCheckpoints.partition],
      set: { position, updatedAt: sql`now()` },
    });
}

/**
 * Locks a projection's checkpoint row for the rest of the transaction and returns its position.
 * Two runners of one projection (a catch-up beside the live loop, or two processes) then apply a
 * batch one after the other, and the second sees that the checkpoint moved and skips it.
 */
export async function lockCheckpoint(tx: Executor, projection: string, partition: number): Promise<number> {
  await tx.insert(projectionCheckpoints).values({ projection, partition, position: -1 }).onConflictDoNothing();
  const rows = await tx
    .select({ position: projectionCheckpoints.position })
    .from(projectionCheckpoints)
    .where(and(eq(projectionCheckpoints.projection, projection), eq(projectionCheckpoints.partition, partition)))
    .for('update');
  return rows[0]?.position ?? -1;
}
