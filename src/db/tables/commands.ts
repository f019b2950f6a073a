import { sql } from 'drizzle-orm';
import { index, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';

/**
 * Commands on their way to the writer over PostgreSQL (src/commands/postgres-command-bus.ts): an API
 * node, or an engine standing by, inserts a row (the wire codec's CommandMessage as text) and NOTIFYs
 * `ledger_commands`; the writer claims it, executes it and writes the reply into the row, then NOTIFYs
 * `ledger_replies`; the waiting node deletes the row as it reads the reply. Rows hold only commands in
 * flight: the writer deletes those nobody fetched a minute after their deadline.
 */
export const commandInbox = pgTable(
  'command_inbox',
  {
    requestId: uuid('request_id').primaryKey(),
    /** The instance waiting for the reply (its NOTIFY payload). */
    replyTo: text('reply_to').notNull(),
    /** JSON of the wire's CommandMessage, as sent (text: the bytes the sender hashed stay as they were). */
    message: text('message').notNull(),
    /** By the database's clock: the writer does not apply a command after it (the sender gave up). */
    deadline: timestamp('deadline', { withTimezone: true, mode: 'string' }).notNull(),
    /** The writer instance that took it; another writer takes over rows of one that is gone. */
    claimedBy: text('claimed_by'),
    /** JSON of the wire's ReplyMessage, once answered. */
    reply: text('reply'),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'string' }).notNull().default(sql`now()`),
  },
  (t) => [index('command_inbox_open').on(t.createdAt).where(sql`${t.reply} is null`)],
);
