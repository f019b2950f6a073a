import { sql } from 'drizzle-orm';
import { insertMany } from '../../db/bulk.ts';
import type { Tx } from '../../db/client.ts';
import type { StoredEvent } from '../../log/envelope.ts';
import type { Projection } from '../../projections/projection.ts';
import { customerAccount } from './chart.ts';
import { postingsOf } from './postings.ts';
import { glAccounts, glPostings } from './tables.ts';

/**
 * gl_accounts and gl_postings: every movement as balanced postings, by the rules of postings.ts.
 *
 * A customer account's row comes from its AccountOpened (with the owner), never from a posting: every
 * posting to `customer:<id>` is an event of account <id>'s own stream, so it comes after that
 * account's AccountOpened in the same partition — applied earlier in the same batch, or committed with
 * an earlier checkpoint (a rebuild empties both together). Postings add only the system accounts they
 * name (a few per currency), as `on conflict do nothing`: no memory of what is committed is needed, and
 * the customer rows that a batch re-sent for accounts that already existed (~2 per transfer, most of
 * the statement's bytes) are no longer sent.
 */
export const generalLedgerProjection: Projection = {
  name: 'general-ledger',
  tables: ['gl_accounts', 'gl_postings'],
  async apply(tx: Tx, batch: readonly StoredEvent[]): Promise<void> {
    const accounts = new Map<string, typeof glAccounts.$inferInsert>();
    const rows: (typeof glPostings.$inferInsert)[] = [];
    for (const event of batch) {
      if (event.type === 'AccountOpened') {
        const a = customerAccount(event.data.accountId, event.data.currency);
        accounts.set(a.code, { ...a, ownerId: event.data.ownerId });
        continue;
      }
      const entry = postingsOf(event);
      if (!entry) continue;
      entry.postings.forEach((p, line) => {
        if (p.account.kind !== 'customer' && !accounts.has(p.account.code)) accounts.set(p.account.code, { ...p.account, ownerId: null });
        rows.push({
          eventId: entry.eventId,
          line,
          eventType: entry.eventType,
          transactionId: entry.transactionId,
          partition: entry.partition,
          position: entry.position,
          glAccount: p.account.code,
          side: p.side,
          amount: p.amount,
          currency: p.currency,
          occurredAt: entry.occurredAt,
        });
      });
    }
    await insertMany(tx, glAccounts, [...accounts.values()], sql`on conflict (code) do nothing`);
    await insertMany(tx, glPostings, rows, sql`on conflict (event_id, line) do nothing`);
  },
};
