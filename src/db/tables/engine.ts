import { bigserial, customType, jsonb, pgTable, text } from 'drizzle-orm/pg-core';

const bytea = customType<{ data: Buffer; driverData: Buffer }>({
  dataType() {
    return 'bytea';
  },
});

/** Engine snapshots (gzip'd JSON), keyed by the log they belong to; only the newest few are kept. */
export const engineSnapshots = pgTable('engine_snapshots', {
  id: bigserial('id', { mode: 'number' }).primaryKey(),
  logId: text('log_id').notNull(),
  takenAt: text('taken_at').notNull(),
  heads: jsonb('heads').$type<Array<{ partition: number; position: number; hash: string }>>().notNull(),
  data: bytea('data').notNull(),
});
