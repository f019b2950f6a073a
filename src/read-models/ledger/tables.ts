import { sql } from 'drizzle-orm';
import { bigint, index, integer, jsonb, pgTable, text, uuid } from 'drizzle-orm/pg-core';
import { decimal } from '../../db/numeric.ts';

/** A journal line: the movement kinds, a hold's capture (out of the held account, into its counterparty) and a reversal's legs. */
export type JournalKind = 'deposit' | 'withdrawal' | 'transfer_out' | 'transfer_in' | 'hold_capture_out' | 'hold_capture_in' | 'reversal_out' | 'reversal_in';

// The ledger read model: accounts, balances, journal entries, transactions. Rebuildable from the log at any time.

export const accounts = pgTable(
  'accounts',
  {
    id: text('id').primaryKey(),
    currency: text('currency').notNull(),
    status: text('status').$type<'open' | 'frozen' | 'closed'>().notNull(),
    ownerId: text('owner_id'),
    overdraftLimit: decimal('overdraft_limit').notNull(),
    metadata: jsonb('metadata').$type<Record<string, string>>().notNull(),
    openedAt: text('opened_at').notNull(),
    closedAt: text('closed_at'),
    updatedAt: text('updated_at').notNull(),
  },
  (t) => [index('accounts_owner_idx').on(t.ownerId)],
);

export const balances = pgTable('balances', {
  accountId: text('account_id').primaryKey(),
  currency: text('currency').notNull(),
  balance: decimal('balance').notNull(),
  /** What active holds reserve. Null only in a batch's upsert that did not learn it (kept as it was). */
  held: decimal('held').default(sql`0`),
  version: integer('version').notNull(),
  lastPosition: bigint('last_position', { mode: 'number' }).notNull(),
  updatedAt: text('updated_at').notNull(),
});

/** One row per posting (a transfer gives two): statements and balance-as-of come from here. */
export const journalEntries = pgTable(
  'journal_entries',
  {
    eventId: uuid('event_id').primaryKey(),
    partition: integer('partition').notNull(),
    position: bigint('position', { mode: 'number' }).notNull(),
    accountId: text('account_id').notNull(),
    transactionId: text('transaction_id').notNull(),
    kind: text('kind').$type<JournalKind>().notNull(),
    /** Signed: credits positive, debits negative. */
    amount: decimal('amount').notNull(),
    currency: text('currency').notNull(),
    balanceAfter: decimal('balance_after').notNull(),
    counterpartyAccountId: text('counterparty_account_id'),
    reference: text('reference'),
    occurredAt: text('occurred_at').notNull(),
    streamVersion: integer('stream_version').notNull(),
  },
  // Only the indexes a query uses (statements, balance as of, reports): each one more is write cost per row.
  (t) => [index('journal_account_version_idx').on(t.accountId, t.streamVersion), index('journal_account_time_idx').on(t.accountId, t.occurredAt)],
);

export const transactions = pgTable(
  'transactions',
  {
    id: text('id').primaryKey(),
    kind: text('kind').$type<'deposit' | 'withdrawal' | 'transfer' | 'hold_capture' | 'reversal'>().notNull(),
    /** A reversal's original transaction. */
    reversalOf: text('reversal_of'),
    /** A capture's hold. */
    holdId: text('hold_id'),
    fromAccountId: text('from_account_id'),
    toAccountId: text('to_account_id'),
    amount: decimal('amount').notNull(),
    currency: text('currency').notNull(),
    reference: text('reference'),
    channel: text('channel'),
    metadata: jsonb('metadata').$type<Record<string, string>>().notNull(),
    commandId: text('command_id').notNull(),
    actor: text('actor').notNull(),
    partition: integer('partition').notNull(),
    position: bigint('position', { mode: 'number' }).notNull(),
    occurredAt: text('occurred_at').notNull(),
  },
  // Looked up by id (alert evidence) and by time (large-transaction report); no query filters on the accounts or reversal_of.
  (t) => [index('transactions_time_idx').on(t.occurredAt)],
);

/** One row per hold (its own stream): status, amounts and expiry. */
export const holds = pgTable(
  'holds',
  {
    id: text('id').primaryKey(),
    accountId: text('account_id').notNull(),
    counterpartyAccountId: text('counterparty_account_id'),
    status: text('status').$type<'active' | 'captured' | 'voided' | 'expired'>().notNull(),
    amount: decimal('amount').notNull(),
    captured: decimal('captured').notNull(),
    currency: text('currency').notNull(),
    expiresAt: text('expires_at'),
    reference: text('reference'),
    metadata: jsonb('metadata').$type<Record<string, string>>().notNull(),
    placedAt: text('placed_at').notNull(),
    updatedAt: text('updated_at').notNull(),
    version: integer('version').notNull(),
    position: bigint('position', { mode: 'number' }).notNull(),
  },
  (t) => [index('holds_account_idx').on(t.accountId, t.placedAt)],
);
