import { sql } from 'drizzle-orm';
import { bigint, integer, jsonb, pgTable, primaryKey, text, timestamp, unique, uuid } from 'drizzle-orm/pg-core';
import type { EventMetadata } from '../../log/envelope.ts';

// ── The log (embedded / PostgreSQL mode). Append-only: the application never updates or deletes a row. ──
export const events = pgTable(
  'events',
  {
    partition: integer('partition').notNull(),
    position: bigint('position', { mode: 'number' }).notNull(),
    eventId: uuid('event_id').notNull().unique(),
    type: text('type').notNull(),
    streamId: text('stream_id').notNull(),
    streamVersion: integer('stream_version').notNull(),
    occurredAt: text('occurred_at').notNull(),
    data: jsonb('data').$type<Record<string, unknown>>().notNull(),
    metadata: jsonb('metadata').$type<EventMetadata>().notNull(),
    prevHash: text('prev_hash').notNull(),
    hash: text('hash').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.partition, t.position] }),
    unique('events_stream_version_unique').on(t.streamId, t.streamVersion),
  ],
);

/** Where each projector is in each partition; written in the same transaction as its rows. */
export const projectionCheckpoints = pgTable(
  'projection_checkpoints',
  {
    projection: text('projection').notNull(),
    partition: integer('partition').notNull(),
    position: bigint('position', { mode: 'number' }).notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'string' }).notNull().default(sql`now()`),
  },
  (t) => [primaryKey({ columns: [t.projection, t.partition] })],
);

/**
 * The writer role of the embedded/PostgreSQL log: a lease the writer renews (expires_at, by the
 * database's clock) and an epoch each new writer bumps when it takes the lease over; an append under
 * an old epoch is refused. A standby takes the lease only once it expired.
 */
export const writerLease = pgTable('writer_lease', {
  id: integer('id').primaryKey(),
  epoch: bigint('epoch', { mode: 'number' }).notNull(),
  holder: text('holder').notNull(),
  acquiredAt: text('acquired_at').notNull(),
  expiresAt: timestamp('expires_at', { withTimezone: true, mode: 'string' }).notNull().default(sql`now()`),
});
