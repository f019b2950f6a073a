import { and, eq, sql } from 'drizzle-orm';
import { assert } from '../assert.ts';
import { type Db, type Executor, rowsOf } from '../db/client.ts';
import { projectionCheckpoints } from '../db/schema.ts';
import type { StoredEvent } from '../log/envelope.ts';
import type { Projection } from './projection.ts';

export async function readCheckpoint(db: Executor, projection: string, partition: number): Promise<number> {
  const rows = await db
    .select({ position: projectionCheckpoints.position })
    .from(projectionCheckpoints)
    .where(and(eq(projectionCheckpoints.projection, projection), eq(projectionCheckpoints.partition, partition)));
  return rows[0]?.position ?? -1;
}

/** Moves a checkpoint row that lockCheckpoint locked (so it exists) in this transaction. */
async function writeCheckpoint(tx: Executor, projection: string, partition: number, position: number): Promise<void> {
  await tx.execute(sql`update projection_checkpoints set position = ${position}, updated_at = now() where projection = ${projection} and partition = ${partition}`);
}

/**
 * Locks a projection's checkpoint row for the rest of the transaction and returns its position.
 * Two runners of one projection (a catch-up beside the live loop, or two processes) then apply a
 * batch one after the other, and the second sees that the checkpoint moved. The row exists after the
 * first batch, so a batch takes this one statement (plus writeCheckpoint's); only the first inserts it.
 */
async function lockCheckpoint(tx: Executor, projection: string, partition: number): Promise<number> {
  const locked = await selectForUpdate(tx, projection, partition);
  if (locked !== null) return locked;
  await tx.execute(sql`insert into projection_checkpoints (projection, partition, position) values (${projection}, ${partition}, -1) on conflict do nothing`);
  const created = await selectForUpdate(tx, projection, partition);
  assert(created !== null, `checkpoint row of ${projection}/${partition} missing after its insert`);
  return created;
}

async function selectForUpdate(tx: Executor, projection: string, partition: number): Promise<number | null> {
  const rows = rowsOf<{ position: string | number | bigint }>(
    await tx.execute(sql`select position from projection_checkpoints where projection = ${projection} and partition = ${partition} for update`),
  );
  return rows[0] ? Number(rows[0].position) : null;
}

export interface Applied {
  /** The checkpoint after the transaction: the last event applied, or the position someone else reached. */
  position: number;
  /** Events applied by this call (0 when the checkpoint already covered the whole batch). */
  count: number;
}

/**
 * The exactly-once step every runner takes: in one transaction, lock the checkpoint row of
 * (projection, partition), drop the events at or below it, apply the rest and move the checkpoint
 * to the last of them. Two appliers of one projection (a catch-up beside the live loop, a second
 * process, a zombie Kafka group member, a redelivery) therefore never apply an event twice; a
 * failure rolls the batch and its checkpoint back together.
 */
export async function applyOnce(db: Db, projection: Projection, partition: number, events: readonly StoredEvent[]): Promise<Applied> {
  return db.transaction(async (tx) => {
    const checkpoint = await lockCheckpoint(tx, projection.name, partition);
    const fresh = events.filter((e) => e.position > checkpoint);
    if (fresh.length === 0) return { position: checkpoint, count: 0 };
    if (fresh.some((e) => e.partition !== partition)) throw new Error(`${projection.name}: a batch for partition ${partition} holds events of another partition`);
    const last = fresh[fresh.length - 1]!.position;
    await projection.apply(tx, fresh);
    await writeCheckpoint(tx, projection.name, partition, last);
    return { position: last, count: fresh.length };
  });
}

/** Empties a projection's tables and forgets its checkpoints, in one transaction (rebuild). */
export async function resetProjection(db: Db, projection: Projection): Promise<void> {
  await db.transaction(async (tx) => {
    if (projection.tables.length > 0) await tx.execute(sql.raw(`truncate ${projection.tables.map((t) => `"${t}"`).join(', ')}`));
    await tx.delete(projectionCheckpoints).where(eq(projectionCheckpoints.projection, projection.name));
  });
}
