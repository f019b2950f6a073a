import { and, asc, desc, eq, gt, lt, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.ts';
import { accounts, balances, holds } from '../../db/schema.ts';
import { formatAmount } from '../../domain/money.ts';
import { keysetPage } from '../../keyset-page.ts';
import type { Dec } from '../../domain/money.ts';

export interface HoldView {
  id: string;
  accountId: string;
  counterpartyAccountId: string | null;
  status: 'active' | 'captured' | 'voided' | 'expired';
  amount: string;
  captured: string;
  remaining: string;
  currency: string;
  expiresAt: string | null;
  reference: string | null;
  metadata: Record<string, string>;
  placedAt: string;
  updatedAt: string;
  position: number;
}

function holdView(r: typeof holds.$inferSelect): HoldView {
  const amount = r.amount as Dec;
  const captured = r.captured as Dec;
  const remaining = r.status === 'active' ? amount.minus(captured) : amount.minus(amount);
  const f = (d: Dec) => formatAmount(d, r.currency);
  return { ...r, amount: f(amount), captured: f(captured), remaining: f(remaining) };
}

export interface AccountFilter {
  ownerId?: string;
  status?: 'open' | 'frozen' | 'closed';
  currency?: string;
}

/** Holds, account lists and owner totals over the ledger read model. */
export function listingQueries(db: Db) {
  return {
    async hold(id: string): Promise<HoldView | null> {
      const rows = await db.select().from(holds).where(eq(holds.id, id)).limit(1);
      return rows[0] ? holdView(rows[0]) : null;
    },

    /** An account's holds, newest first; the cursor is the last hold id of the page before. */
    async holdsOf(accountId: string, limit: number, before: string | null): Promise<{ items: HoldView[]; nextCursor: string | null }> {
      const rows = await db
        .select()
        .from(holds)
        .where(before === null ? eq(holds.accountId, accountId) : and(eq(holds.accountId, accountId), lt(holds.id, before)))
        .orderBy(desc(holds.id))
        .limit(limit + 1);
      const page = keysetPage(rows, limit, (h) => h.id);
      return { items: page.items.map(holdView), nextCursor: page.next };
    },

    /** Account ids in id order after the cursor, filtered. */
    async accountIds(filter: AccountFilter, limit: number, after: string | null): Promise<{ ids: string[]; nextCursor: string | null }> {
      const where = and(
        filter.ownerId !== undefined ? eq(accounts.ownerId, filter.ownerId) : undefined,
        filter.status !== undefined ? eq(accounts.status, filter.status) : undefined,
        filter.currency !== undefined ? eq(accounts.currency, filter.currency) : undefined,
        after !== null ? gt(accounts.id, after) : undefined,
      );
      const rows = await db.select({ id: accounts.id }).from(accounts).where(where).orderBy(asc(accounts.id)).limit(limit + 1);
      const page = keysetPage(rows, limit, (r) => r.id);
      return { ids: page.items.map((r) => r.id), nextCursor: page.next };
    },

    /** An owner's totals per currency: balance, held and account count (closed accounts included, at zero). */
    async ownerTotals(ownerId: string): Promise<Array<{ currency: string; accounts: number; balance: string; held: string }>> {
      const rows = await db
        .select({
          currency: accounts.currency,
          accounts: sql<number>`count(*)::int`,
          balance: sql<string>`coalesce(sum(${balances.balance}), 0)::text`,
          held: sql<string>`coalesce(sum(coalesce(${balances.held}, 0)), 0)::text`,
        })
        .from(accounts)
        .innerJoin(balances, eq(balances.accountId, accounts.id))
        .where(eq(accounts.ownerId, ownerId))
        .groupBy(accounts.currency)
        .orderBy(asc(accounts.currency));
      return rows.map((r) => ({ currency: r.currency, accounts: r.accounts, balance: formatAmount(r.balance, r.currency), held: formatAmount(r.held, r.currency) }));
    },
  };
}
