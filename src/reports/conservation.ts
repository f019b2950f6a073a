import { type SQL, and, lt, sql } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import { journalEntries, transactions } from '../db/schema.ts';
import { Dec, formatAmount, isSupportedCurrency } from '../domain/money.ts';
import { rowsOf } from './alerts-source.ts';
import type { Line } from './columns.ts';
import { groupThousands } from './columns.ts';
import { type Snapshot, atSnapshot } from './snapshot.ts';

/** Per currency, one line saying whether the balances add up; `unbalanced` names the currencies that do not. */
export interface Conservation {
  lines: Line[];
  unbalanced: string[];
}

interface CurrencyLine {
  accounts: number;
  balances: Dec;
  deposits: Dec;
  withdrawals: Dec;
  inTransit: Dec;
}

/**
 * The conservation check, per currency: the sum of every account's balance against total deposits
 * minus withdrawals, less funds in transit (transfer debits not yet credited). The difference must be
 * zero. Balances come from journal_entries (the recorded balance after each account's last posting),
 * deposits and withdrawals from transactions: two read models of the ledger slice checked against each other.
 */
export async function conservationCheck(db: Db, snapshot: Snapshot, asAt: string | null): Promise<Conservation> {
  const journalBound: SQL = and(atSnapshot(journalEntries.partition, journalEntries.position, snapshot), asAt ? lt(journalEntries.occurredAt, asAt) : undefined)!;
  const txBound: SQL = and(atSnapshot(transactions.partition, transactions.position, snapshot), asAt ? lt(transactions.occurredAt, asAt) : undefined)!;

  const lines = new Map<string, CurrencyLine>();
  const line = (c: string) => {
    let l = lines.get(c);
    if (!l) lines.set(c, (l = { accounts: 0, balances: new Dec(0), deposits: new Dec(0), withdrawals: new Dec(0), inTransit: new Dec(0) }));
    return l;
  };
  const balances = rowsOf<{ currency: string; accounts: number; total: string }>(
    await db.execute(sql`
      select currency, count(*)::int as accounts, coalesce(sum(balance_after), 0)::text as total from (
        select distinct on (${journalEntries.accountId}) ${journalEntries.currency} as currency, ${journalEntries.balanceAfter} as balance_after
        from ${journalEntries} where ${journalBound}
        order by ${journalEntries.accountId}, ${journalEntries.streamVersion} desc
      ) latest group by currency`),
  );
  for (const b of balances) Object.assign(line(b.currency), { accounts: Number(b.accounts), balances: new Dec(b.total) });
  const flows = await db
    .select({
      currency: transactions.currency,
      deposits: sql<string>`coalesce(sum(${transactions.amount}) filter (where ${transactions.kind} = 'deposit'), 0)::text`,
      withdrawals: sql<string>`coalesce(sum(${transactions.amount}) filter (where ${transactions.kind} = 'withdrawal'), 0)::text`,
    })
    .from(transactions)
    .where(txBound)
    .groupBy(transactions.currency);
  for (const f of flows) Object.assign(line(f.currency), { deposits: new Dec(f.deposits), withdrawals: new Dec(f.withdrawals) });
  const transit = await db
    .select({
      currency: journalEntries.currency,
      debited: sql<string>`coalesce(-sum(${journalEntries.amount}) filter (where ${journalEntries.kind} = 'transfer_out'), 0)::text`,
      credited: sql<string>`coalesce(sum(${journalEntries.amount}) filter (where ${journalEntries.kind} = 'transfer_in'), 0)::text`,
    })
    .from(journalEntries)
    .where(journalBound)
    .groupBy(journalEntries.currency);
  for (const t of transit) line(t.currency).inTransit = new Dec(t.debited).minus(t.credited);

  const currencies = [...lines.keys()].sort();
  const fmt = (d: Dec, c: string) => groupThousands(isSupportedCurrency(c) ? formatAmount(d, c) : d.toFixed());
  const unbalanced: string[] = [];
  const details: Line[] = currencies.flatMap((c): Line[] => {
    const l = lines.get(c)!;
    const net = l.deposits.minus(l.withdrawals);
    const difference = net.minus(l.balances.plus(l.inTransit));
    if (!difference.isZero()) unbalanced.push(c);
    return [
      [`${c} balances + in transit`, `${fmt(l.balances, c)} + ${fmt(l.inTransit, c)} (${l.accounts} accounts)`],
      [`${c} deposits - withdrawals`, `${fmt(l.deposits, c)} - ${fmt(l.withdrawals, c)}`],
      [`${c} difference`, fmt(difference, c)],
    ];
  });
  return { lines: details, unbalanced };
}
