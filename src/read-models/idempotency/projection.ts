import { sql } from 'drizzle-orm';
import { insertMany } from '../../db/bulk.ts';
import type { Tx } from '../../db/client.ts';
import { idempotencyKeys } from '../../db/schema.ts';
import type { StoredEvent } from '../../log/envelope.ts';
import type { Projection } from '../../projections/projection.ts';

export const IDEMPOTENCY_PROJECTION = 'idempotency';

/**
 * idempotency_keys: the command id of every event of the log (and the refusal of every
 * CommandRefused), where the engine finds the keys it no longer holds in memory. Insert-only: a
 * replayed event is skipped (on conflict do nothing).
 */
export const idempotencyProjection: Projection = {
  name: IDEMPOTENCY_PROJECTION,
  tables: ['idempotency_keys'],
  async apply(tx: Tx, batch: readonly StoredEvent[]): Promise<void> {
    await insertMany(tx, idempotencyKeys, batch.map(idempotencyRow), sql`on conflict do nothing`);
  },
};

function idempotencyRow(e: StoredEvent): typeof idempotencyKeys.$inferInsert {
  const refusal = e.type === 'CommandRefused' ? e.data : null;
  return {
    partition: e.partition,
    position: e.position,
    commandId: e.metadata.commandId,
    requestHash: e.metadata.requestHash,
    refusalCode: refusal?.code ?? null,
    refusalMessage: refusal?.message ?? null,
    refusalField: refusal?.field ?? null,
  };
}
