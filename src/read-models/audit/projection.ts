import { sql } from 'drizzle-orm';
import { insertMany } from '../../db/bulk.ts';
import type { Tx } from '../../db/client.ts';
import { auditLog } from '../../db/schema.ts';
import { Dec } from '../../domain/money.ts';
import type { StoredEvent } from '../../log/envelope.ts';
import type { Projection } from '../../projections/projection.ts';

/**
 * audit_log: every event of the log with its actor, request origin, command id and hash. Insert-only:
 * a row, once written, is never updated; a replayed event is skipped (on conflict do nothing).
 */
export const auditProjection: Projection = {
  name: 'audit',
  tables: ['audit_log'],
  async apply(tx: Tx, batch: readonly StoredEvent[]): Promise<void> {
    await insertMany(tx, auditLog, batch.map(auditRow), sql`on conflict do nothing`);
  },
};

export function auditRow(e: StoredEvent): typeof auditLog.$inferInsert {
  const data = e.data as Record<string, unknown>;
  const text = (key: string): string | null => (typeof data[key] === 'string' ? (data[key] as string) : null);
  const amount = text('amount');
  return {
    partition: e.partition,
    position: e.position,
    eventId: e.eventId,
    occurredAt: e.occurredAt,
    type: e.type,
    accountId: e.streamId,
    streamVersion: e.streamVersion,
    transactionId: text('transactionId'),
    amount: amount === null ? null : new Dec(amount),
    currency: text('currency'),
    counterpartyAccountId: text('counterpartyAccountId'),
    actor: e.metadata.actor,
    actorRole: e.metadata.actorRole ?? null,
    originIp: e.metadata.origin?.ip ?? null,
    originUserAgent: e.metadata.origin?.userAgent ?? null,
    originRequestId: e.metadata.origin?.requestId ?? null,
    commandId: e.metadata.commandId,
    correlationId: e.metadata.correlationId,
    prevHash: e.prevHash,
    hash: e.hash,
  };
}
