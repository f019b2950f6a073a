import { type SQL, and, asc, eq, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.ts';
import type { GlAccountKind, GlClass, Side } from './chart.ts';
import { glAccounts, glPostings } from './tables.ts';

export interface GlAccountTotals {
  code: string;
  kind: GlAccountKind;
  glClass: GlClass;
  currency: string;
  name: string;
  /** Decimal strings. */
  debits: string;
  credits: string;
}

export interface GlPostingRow {
  occurredAt: string;
  eventId: string;
  line: number;
  eventType: string;
  transactionId: string;
  partition: number;
  position: number;
  side: Side;
  amount: string;
  currency: string;
}

/**
 * Queries over the general ledger read model. `bound` limits postings (a snapshot, a period): the
 * caller builds it over `glPostings` columns (reports/snapshot.ts atSnapshot).
 */
export function generalLedgerQueries(db: Db) {
  return {
    /** Every GL account that exists within the bound's postings or was opened, with its debit and credit totals. */
    async totals(bound: SQL | undefined): Promise<GlAccountTotals[]> {
      const rows = await db
        .select({
          code: glAccounts.code,
          kind: glAccounts.kind,
          glClass: glAccounts.glClass,
          currency: glAccounts.currency,
          name: glAccounts.name,
          debits: sql<string>`coalesce(sum(${glPostings.amount}) filter (where ${glPostings.side} = 'debit'), 0)::text`,
          credits: sql<string>`coalesce(sum(${glPostings.amount}) filter (where ${glPostings.side} = 'credit'), 0)::text`,
        })
        .from(glAccounts)
        .leftJoin(glPostings, and(eq(glPostings.glAccount, glAccounts.code), bound))
        .groupBy(glAccounts.code)
        .orderBy(asc(glAccounts.currency), asc(glAccounts.kind), asc(glAccounts.code));
      return rows;
    },

    /** One GL account's postings within the bound, in log order, a keyset page after (partition, position, eventId, line). */
    async postings(code: string, bound: SQL | undefined, limit: number, after: GlPostingRow | null): Promise<GlPostingRow[]> {
      const keyset = after
        ? sql`(${glPostings.occurredAt}, ${glPostings.partition}, ${glPostings.position}, ${glPostings.line}) > (${after.occurredAt}, ${after.partition}, ${after.position}, ${after.line})`
        : undefined;
      const rows = await db
        .select()
        .from(glPostings)
        .where(and(eq(glPostings.glAccount, code), bound, keyset))
        .orderBy(asc(glPostings.occurredAt), asc(glPostings.partition), asc(glPostings.position), asc(glPostings.line))
        .limit(limit);
      return rows.map((r) => ({ ...r, amount: r.amount.toFixed() }));
    },

    async account(code: string) {
      const rows = await db.select().from(glAccounts).where(eq(glAccounts.code, code)).limit(1);
      return rows[0] ?? null;
    },
  };
}

export type GeneralLedgerQueries = ReturnType<typeof generalLedgerQueries>;
