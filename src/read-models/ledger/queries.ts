import { type SQL, and, desc, eq, inArray, lt, lte } from 'drizzle-orm';
import type { Db } from '../../db/client.ts';
import { accounts, balances, journalEntries } from '../../db/schema.ts';
import { availableBalance } from '../../domain/account/state.ts';
import { Dec, formatAmount } from '../../domain/money.ts';
import { keysetPage } from '../../keyset-page.ts';
import { partitionOf } from '../../log/event-log.ts';
import { listingQueries } from './listing.ts';

export interface AccountView {
  id: string;
  currency: string;
  status: 'open' | 'frozen' | 'closed';
  balance: string;
  held: string;
  available: string;
  overdraftLimit: string;
  ownerId: string | null;
  metadata: Record<string, string>;
  version: number;
  openedAt: string;
  closedAt: string | null;
  updatedAt: string;
  position: number;
  partition: number;
}

const fmt = (d: Dec, currency: string) => formatAmount(d, currency);

function accountView(a: typeof accounts.$inferSelect, b: typeof balances.$inferSelect, partitions: number): AccountView {
  const held = (b.held as Dec | null) ?? new Dec(0);
  return {
    id: a.id,
    currency: a.currency,
    status: a.status,
    balance: fmt(b.balance, a.currency),
    held: fmt(held, a.currency),
    available: fmt(availableBalance({ status: a.status, balance: b.balance, held, overdraftLimit: a.overdraftLimit }), a.currency),
    overdraftLimit: fmt(a.overdraftLimit, a.currency),
    ownerId: a.ownerId,
    metadata: a.metadata,
    version: b.version,
    openedAt: a.openedAt,
    closedAt: a.closedAt,
    updatedAt: b.updatedAt > a.updatedAt ? b.updatedAt : a.updatedAt,
    position: b.lastPosition,
    partition: partitionOf(a.id, partitions),
  };
}

/** Queries over the ledger read model only, never the write side; `partitions`: the log's partition count. */
export function accountQueries(db: Db, partitions: number) {
  /** The accounts of these ids that exist, in the order given: one query. */
  async function accountsOf(ids: readonly string[]): Promise<AccountView[]> {
    if (ids.length === 0) return [];
    const rows = await db
      .select({ a: accounts, b: balances })
      .from(accounts)
      .innerJoin(balances, eq(balances.accountId, accounts.id))
      .where(inArray(accounts.id, [...ids]));
    const byId = new Map(rows.map((r) => [r.a.id, r]));
    return ids.flatMap((id) => {
      const row = byId.get(id);
      return row ? [accountView(row.a, row.b, partitions)] : [];
    });
  }

  return {
    ...listingQueries(db),
    async exists(id: string): Promise<boolean> {
      const rows = await db.select({ id: accounts.id }).from(accounts).where(eq(accounts.id, id)).limit(1);
      return rows.length > 0;
    },

    async account(id: string): Promise<AccountView | null> {
      return (await accountsOf([id]))[0] ?? null;
    },

    accounts: accountsOf,

    /** Journal lines, newest first; the cursor is the stream version to continue below. */
    async journal(accountId: string, limit: number, beforeVersion: number | null) {
      const rows = await db
        .select()
        .from(journalEntries)
        .where(beforeVersion === null ? eq(journalEntries.accountId, accountId) : and(eq(journalEntries.accountId, accountId), lt(journalEntries.streamVersion, beforeVersion)))
        .orderBy(desc(journalEntries.streamVersion))
        .limit(limit + 1);
      const page = keysetPage(rows, limit, (r) => r.streamVersion);
      return {
        items: page.items.map((r) => ({
          transactionId: r.transactionId,
          kind: r.kind,
          amount: fmt(r.amount, r.currency),
          balanceAfter: fmt(r.balanceAfter, r.currency),
          currency: r.currency,
          counterpartyAccountId: r.counterpartyAccountId,
          reference: r.reference,
          occurredAt: r.occurredAt,
          version: r.streamVersion,
          position: r.position,
        })),
        nextVersion: page.next,
      };
    },

    /** The balance after the last posting at or before a log position of the account's partition, from the journal. */
    balanceAtPosition: (accountId: string, position: number): Promise<BalanceAt> => lastPosting(db, accountId, lte(journalEntries.position, position)),

    /** The balance after the last posting at or before `asOf` (ISO-8601 UTC), from the journal. */
    balanceAsOf: (accountId: string, asOf: string): Promise<BalanceAt> => lastPosting(db, accountId, lte(journalEntries.occurredAt, asOf)),
  };
}

export type AccountQueries = ReturnType<typeof accountQueries>;

type BalanceAt = { balance: Dec | null; version: number | null; position: number | null; occurredAt: string | null };

/** The account's last journal line that meets the bound: the balance as it was then. */
async function lastPosting(db: Db, accountId: string, bound: SQL): Promise<BalanceAt> {
  const rows = await db
    .select({ balanceAfter: journalEntries.balanceAfter, version: journalEntries.streamVersion, position: journalEntries.position, occurredAt: journalEntries.occurredAt })
    .from(journalEntries)
    .where(and(eq(journalEntries.accountId, accountId), bound))
    .orderBy(desc(journalEntries.streamVersion))
    .limit(1);
  const r = rows[0];
  return r ? { balance: r.balanceAfter, version: r.version, position: r.position, occurredAt: r.occurredAt } : { balance: null, version: null, position: null, occurredAt: null };
}
