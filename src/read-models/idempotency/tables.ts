import { bigint, index, integer, pgTable, primaryKey, text } from 'drizzle-orm/pg-core';

/**
 * The idempotency read model: one row per event of the log, with the command id and request hash
 * of the command that produced it, and for a CommandRefused event the refusal. The engine keeps the
 * newest command ids in memory and finds the older ones here (by command id). Insert-only: the
 * projection never updates or deletes a row (a rebuild truncates and replays).
 */
export const idempotencyKeys = pgTable(
  'idempotency_keys',
  {
    partition: integer('partition').notNull(),
    position: bigint('position', { mode: 'number' }).notNull(),
    commandId: text('command_id').notNull(),
    requestHash: text('request_hash').notNull(),
    /** A CommandRefused event: the refusal its key answers for good (null for every other event). */
    refusalCode: text('refusal_code'),
    refusalMessage: text('refusal_message'),
    refusalField: text('refusal_field'),
  },
  (t) => [primaryKey({ columns: [t.partition, t.position] }), index('idempotency_keys_command_idx').on(t.commandId)],
);
