import { bigint, index, integer, pgTable, primaryKey, text, uuid } from 'drizzle-orm/pg-core';
import { decimal } from '../../db/numeric.ts';
import type { GlAccountKind, GlClass, Side } from './chart.ts';

// The general ledger read model: the chart of accounts as used so far, and one row per posting.
// Rebuildable from the log at any time; insert-only.

export const glAccounts = pgTable(
  'gl_accounts',
  {
    code: text('code').primaryKey(),
    kind: text('kind').$type<GlAccountKind>().notNull(),
    glClass: text('gl_class').$type<GlClass>().notNull(),
    currency: text('currency').notNull(),
    customerAccountId: text('customer_account_id'),
    ownerId: text('owner_id'),
    name: text('name').notNull(),
  },
  (t) => [index('gl_accounts_owner_idx').on(t.ownerId)],
);

/** One row per posting line: each traces to its event (id, partition, position) and its transaction. */
export const glPostings = pgTable(
  'gl_postings',
  {
    eventId: uuid('event_id').notNull(),
    line: integer('line').notNull(),
    eventType: text('event_type').notNull(),
    transactionId: text('transaction_id').notNull(),
    partition: integer('partition').notNull(),
    position: bigint('position', { mode: 'number' }).notNull(),
    glAccount: text('gl_account').notNull(),
    side: text('side').$type<Side>().notNull(),
    /** Positive; the side says which way it moves the account. */
    amount: decimal('amount').notNull(),
    currency: text('currency').notNull(),
    occurredAt: text('occurred_at').notNull(),
  },
  // No index on (partition, position): reports bound postings by the snapshot's position, which nearly
  // every row is at or below, so such an index never serves a query and only costs its writes.
  (t) => [primaryKey({ columns: [t.eventId, t.line] }), index('gl_postings_account_time_idx').on(t.glAccount, t.occurredAt)],
);
