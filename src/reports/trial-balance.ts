import { type SQL, and, lt, sql } from 'drizzle-orm';
import { journalEntries, transactions } from '../db/schema.ts';
import { Dec, formatAmount, isSupportedCurrency } from '../domain/money.ts';
import { rowsOf } from './alerts-source.ts';
import type { Column, Line, Row } from './columns.ts';
import { humanTime } from './period.ts';
import type { ReportContext, ReportPlan } from './report.ts';
import { atSnapshot, describeSnapshot, resolveSnapshot } from './snapshot.ts';

export interface TrialBalanceParams {
  /** As at this instant (exclusive); null: everything up to the snapshot. */
  asAt: string | null;
  position?: number;
}

const COLUMNS: Column[] = [
  { key: 'currency', label: 'Currency', kind: 'text', width: 6 },
  { key: 'accounts', label: 'Accounts', kind: 'integer', width: 6 },
  { key: 'total_balances', label: 'Sum of balances', kind: 'amount', width: 12 },
  { key: 'total_deposits', label: 'Deposits', kind: 'amount', width: 12 },
  { key: 'total_withdrawals', label: 'Withdrawals', kind: 'amount', width: 12 },
  { key: 'net_deposits', label: 'Deposits - withdrawals', kind: 'amount', width: 13 },
  { key: 'funds_in_transit', label: 'Funds in transit', kind: 'amount', width: 11 },
  { key: 'difference', label: 'Difference', kind: 'amount', width: 11 },
];

interface CurrencyLine {
  accounts: number;
  balances: Dec;
  deposits: Dec;
  withdrawals: Dec;
  inTransit: Dec;
}

/**
 * Trial balance, per currency: the sum of every account's balance against total deposits minus
 * withdrawals, less funds in transit (transfer debits not yet credited). The difference must be zero.
 * Balances come from journal_entries (the recorded balance after each account's last posting),
 * deposits and withdrawals from transactions: two read models checked against each other.
 */
export async function planTrialBalance(ctx: ReportContext, params: TrialBalanceParams): Promise<ReportPlan> {
  const { db } = ctx;
  const snapshot = await resolveSnapshot(db, 'ledger', ctx.log.partitions, params.position);
  const journalBound: SQL = and(atSnapshot(journalEntries.partition, journalEntries.position, snapshot), params.asAt ? lt(journalEntries.occurredAt, params.asAt) : undefined)!;
  const txBound: SQL = and(atSnapshot(transactions.partition, transactions.position, snapshot), params.asAt ? lt(transactions.occurredAt, params.asAt) : undefined)!;

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
  const fmt = (d: Dec, c: string) => (isSupportedCurrency(c) ? formatAmount(d, c) : d.toFixed());
  const rows: Row[] = currencies.map((c) => {
    const l = lines.get(c)!;
    const net = l.deposits.minus(l.withdrawals);
    const difference = net.minus(l.balances.plus(l.inTransit));
    return [c, String(l.accounts), fmt(l.balances, c), fmt(l.deposits, c), fmt(l.withdrawals, c), fmt(net, c), fmt(l.inTransit, c), fmt(difference, c)];
  });
  const unbalanced = currencies.filter((c) => {
    const l = lines.get(c)!;
    return !l.deposits.minus(l.withdrawals).minus(l.balances.plus(l.inTransit)).isZero();
  });
  const result = unbalanced.length === 0 ? 'BALANCED: every difference is zero' : `OUT OF BALANCE in ${unbalanced.join(', ')}`;
  const position = describeSnapshot(snapshot);
  return {
    name: 'trial-balance',
    title: 'Trial balance',
    orientation: 'landscape',
    period: { from: null, to: params.asAt },
    periodText: params.asAt ? `as at ${humanTime(params.asAt)}` : `as at log position ${position}`,
    snapshot,
    details: [
      ['Balances', 'balance after each account\'s last posting (journal)'],
      ['Flows', 'deposits and withdrawals (transactions)'],
      ['In transit', 'transfer debits not yet credited'],
    ],
    summary: [
      ['Result', result],
      ['Currencies', String(currencies.length)],
    ],
    columns: COLUMNS,
    rowCount: rows.length,
    totalsLines: 2,
    emptyText: 'No postings yet.',
    fileStem: `trial-balance_${params.asAt ? params.asAt.replace(/\.\d+Z$/, 'Z').replace(/[-:]/g, '') : 'now'}_p${position.replace(/[^0-9]+/g, '-')}`,
    async *pages(): AsyncIterable<Row[]> {
      if (rows.length) yield rows;
    },
    totals(): Line[] {
      return [
        ['Currencies', String(currencies.length)],
        ['Result', result],
      ];
    },
  };
}
