import { index, pgTable, text, timestamp } from 'drizzle-orm/pg-core';

/**
 * API keys. The secret is never stored: only the SHA-256 of the whole token. `lk_<id>_<secret>`
 * carries the id, so a token is checked with one primary-key lookup and one constant-time compare.
 */
export const apiKeys = pgTable(
  'api_keys',
  {
    id: text('id').primaryKey(),
    name: text('name').notNull(),
    role: text('role').$type<'teller' | 'auditor' | 'analyst' | 'admin'>().notNull(),
    /** The accounts the key may touch; null = every account. */
    accounts: text('accounts').array(),
    /** Hex SHA-256 of the full token. */
    hash: text('hash').notNull(),
    /** Last 4 characters of the token, for display. */
    last4: text('last4').notNull(),
    createdBy: text('created_by').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'string' }).notNull().defaultNow(),
    revokedAt: timestamp('revoked_at', { withTimezone: true, mode: 'string' }),
  },
  (t) => [index('api_keys_created_idx').on(t.createdAt)],
);
