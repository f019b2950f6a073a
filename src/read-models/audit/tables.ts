import { bigint, index, integer, pgTable, primaryKey, text, uuid } from 'drizzle-orm/pg-core';
import { decimal } from '../../db/numeric.ts';

/**
 * The audit log read model: one row per event of the log, with who caused it, from where, and its
 * place in the hash chain. Insert-only: the projection never updates or deletes a row (a rebuild
 * truncates and replays).
 */
export const auditLog = pgTable(
  'audit_log',
  {
    partition: integer('partition').notNull(),
    position: bigint('position', { mode: 'number' }).notNull(),
    eventId: uuid('event_id').notNull(),
    occurredAt: text('occurred_at').notNull(),
    type: text('type').notNull(),
    accountId: text('account_id').notNull(),
    streamVersion: integer('stream_version').notNull(),
    transactionId: text('transaction_id'),
    /** Unsigned, as in the event; null for events that move no money. */
    amount: decimal('amount'),
    currency: text('currency'),
    counterpartyAccountId: text('counterparty_account_id'),
    actor: text('actor').notNull(),
    /** The caller's role when the command was accepted (teller, auditor, analyst, admin). */
    actorRole: text('actor_role'),
    originIp: text('origin_ip'),
    originUserAgent: text('origin_user_agent'),
    originRequestId: text('origin_request_id'),
    commandId: text('command_id').notNull(),
    correlationId: text('correlation_id').notNull(),
    prevHash: text('prev_hash').notNull(),
    hash: text('hash').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.partition, t.position] }),
    index('audit_log_account_idx').on(t.accountId, t.partition, t.position),
    index('audit_log_actor_idx').on(t.actor, t.partition, t.position),
    index('audit_log_time_idx').on(t.occurredAt),
  ],
);
