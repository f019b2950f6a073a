import { insertMany } from '../../db/bulk.ts';
import type { Tx } from '../../db/client.ts';
import { holds } from '../../db/schema.ts';
import type { HoldEvent } from '../../domain/hold/events.ts';
import { Dec } from '../../domain/money.ts';
import type { StoredEvent } from '../../log/envelope.ts';
import { sql } from 'drizzle-orm';

type HoldRow = typeof holds.$inferInsert;
type HoldUpdate = Partial<HoldRow> & { version: number; position: number; updatedAt: string };

/**
 * The holds table from the holds' own streams: holds placed in the batch are built in memory, the
 * later steps of older holds become updates (absolute values, guarded by version: a replay is a no-op).
 */
export class HoldChanges {
  private readonly placed = new Map<string, HoldRow>();
  private readonly updates: Array<{ id: string; set: HoldUpdate }> = [];

  add(stored: StoredEvent<HoldEvent>): void {
    const at = { version: stored.streamVersion, position: stored.position, updatedAt: stored.occurredAt };
    const event: HoldEvent = stored;
    switch (event.type) {
      case 'HoldPlaced': {
        const d = event.data;
        this.placed.set(d.holdId, {
          id: d.holdId,
          accountId: d.accountId,
          counterpartyAccountId: d.counterpartyAccountId,
          status: 'active',
          amount: new Dec(d.amount),
          captured: new Dec(0),
          currency: d.currency,
          expiresAt: d.expiresAt,
          reference: d.reference,
          metadata: d.metadata,
          placedAt: stored.occurredAt,
          ...at,
        });
        return;
      }
      case 'HoldCaptured': {
        const captured = new Dec(event.data.capturedAfter);
        const full = this.placed.get(event.data.holdId)?.amount;
        // Without the row in memory, the status follows in SQL (captured = amount).
        this.change(event.data.holdId, { captured, ...(full ? { status: captured.eq(full as Dec) ? 'captured' : 'active' } : {}), ...at });
        return;
      }
      case 'HoldVoided':
        this.change(event.data.holdId, { status: 'voided', ...at });
        return;
      case 'HoldExpired':
        this.change(event.data.holdId, { status: 'expired', ...at });
        return;
      default: {
        const never: never = event;
        return never;
      }
    }
  }

  private change(id: string, set: HoldUpdate): void {
    const row = this.placed.get(id);
    if (row) this.placed.set(id, { ...row, ...set });
    else this.updates.push({ id, set });
  }

  async write(tx: Tx): Promise<void> {
    await insertMany(tx, holds, [...this.placed.values()], sql`on conflict (id) do nothing`);
    for (const { id, set } of this.updates) {
      const status = set.status ?? (set.captured ? sql`case when ${holds.amount} = ${(set.captured as Dec).toFixed()}::numeric then 'captured' else 'active' end` : undefined);
      await tx
        .update(holds)
        .set({ ...set, ...(status ? { status } : {}) })
        .where(sql`${holds.id} = ${id} and ${holds.version} < ${set.version}`);
    }

  }
}
