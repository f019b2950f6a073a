import { type SQL, and, lt } from 'drizzle-orm';
import { Dec, formatAmount, isSupportedCurrency } from '../domain/money.ts';
import { systemAccounts } from '../read-models/general-ledger/chart.ts';
import { type GlAccountTotals, generalLedgerQueries } from '../read-models/general-ledger/queries.ts';
import { glPostings } from '../read-models/general-ledger/tables.ts';
import type { Column, Line, Row } from './columns.ts';
import { conservationCheck } from './conservation.ts';
import { groupThousands } from './columns.ts';
import { humanTime } from './period.ts';
import type { ReportContext, ReportPlan } from './report.ts';
import { type Snapshot, atSnapshot, describeSnapshot, resolveSnapshot } from './snapshot.ts';

export interface TrialBalanceParams {
  /** As at this instant (exclusive); null: everything up to the snapshot. */
  asAt: string | null;
  position?: number;
}

const COLUMNS: Column[] = [
  { key: 'currency', label: 'Cur.', kind: 'text', width: 4 },
  { key: 'gl_account', label: 'GL account', kind: 'id', width: 20 },
  { key: 'name', label: 'Name', kind: 'text', width: 14 },
  { key: 'class', label: 'Class', kind: 'text', width: 6 },
  { key: 'debits', label: 'Debits', kind: 'amount', width: 11 },
  { key: 'credits', label: 'Credits', kind: 'amount', width: 11 },
  { key: 'balance', label: 'Balance', kind: 'amount', width: 11 },
  { key: 'balance_side', label: 'Dr/Cr', kind: 'text', width: 4 },
];

/**
 * The read position both slices have reached (per partition, the lower of the two), or the position
 * asked for: the general ledger and the conservation check then read the same prefix of the log.
 */
async function commonSnapshot(ctx: ReportContext, position: number | undefined): Promise<Snapshot> {
  const gl = await resolveSnapshot(ctx.db, 'general-ledger', ctx.log.partitions, position);
  const ledger = await resolveSnapshot(ctx.db, 'ledger', ctx.log.partitions, position);
  return new Map([...gl].map(([p, pos]) => [p, Math.min(pos, ledger.get(p) ?? -1)]));
}

/** Every system account of each currency in use, then the customer accounts, with zero totals where nothing posted. */
function withSystemAccounts(totals: readonly GlAccountTotals[]): GlAccountTotals[] {
  const byCode = new Map(totals.map((t) => [t.code, t]));
  for (const currency of new Set(totals.map((t) => t.currency))) {
    for (const a of systemAccounts(currency)) if (!byCode.has(a.code)) byCode.set(a.code, { ...a, debits: '0', credits: '0' });
  }
  const order = (t: GlAccountTotals) => `${t.currency} ${t.kind === 'customer' ? 1 : 0} ${t.code}`;
  return [...byCode.values()].sort((x, y) => (order(x) < order(y) ? -1 : 1));
}

/**
 * Trial balance in the accounting sense: every general-ledger account with its debit and credit
 * totals per currency, as at an instant or a log position; the debits of a currency equal its credits.
 * The conservation check of the ledger slice (balances = deposits - withdrawals - in transit) follows
 * as a section of its own, so two read models are checked against each other.
 */
export async function planTrialBalance(ctx: ReportContext, params: TrialBalanceParams): Promise<ReportPlan> {
  const snapshot = await commonSnapshot(ctx, params.position);
  const bound: SQL = and(atSnapshot(glPostings.partition, glPostings.position, snapshot), params.asAt ? lt(glPostings.occurredAt, params.asAt) : undefined)!;
  const accounts = withSystemAccounts(await generalLedgerQueries(ctx.db).totals(bound));
  const fmt = (d: Dec, c: string) => (isSupportedCurrency(c) ? formatAmount(d, c) : d.toFixed());
  const sums = new Map<string, { debits: Dec; credits: Dec }>();
  const rows: Row[] = accounts.map((t) => {
    const s = sums.get(t.currency) ?? { debits: new Dec(0), credits: new Dec(0) };
    sums.set(t.currency, { debits: s.debits.plus(t.debits), credits: s.credits.plus(t.credits) });
    const net = new Dec(t.debits).minus(t.credits);
    return [t.currency, t.code, t.name, t.glClass, fmt(new Dec(t.debits), t.currency), fmt(new Dec(t.credits), t.currency), fmt(net.abs(), t.currency), net.isZero() ? '' : net.isPositive() ? 'Dr' : 'Cr'];
  });
  const currencies = [...sums.keys()].sort();
  const perCurrency: Line[] = currencies.map((c) => {
    const s = sums.get(c)!;
    const ok = s.debits.eq(s.credits);
    return [`Total ${c}`, `debits ${groupThousands(fmt(s.debits, c))} = credits ${groupThousands(fmt(s.credits, c))}${ok ? '' : ' - OUT OF BALANCE'}`];
  });
  const unbalanced = currencies.filter((c) => !sums.get(c)!.debits.eq(sums.get(c)!.credits));
  const conservation = await conservationCheck(ctx.db, snapshot, params.asAt);
  const result = unbalanced.length === 0 ? 'BALANCED: debits equal credits in every currency' : `OUT OF BALANCE in ${unbalanced.join(', ')}`;
  const conserved = conservation.unbalanced.length === 0 ? 'CONSERVED: every difference is zero' : `NOT CONSERVED in ${conservation.unbalanced.join(', ')}`;
  const position = describeSnapshot(snapshot);
  return {
    name: 'trial-balance',
    title: 'Trial balance',
    orientation: 'landscape',
    period: { from: null, to: params.asAt },
    periodText: params.asAt ? `as at ${humanTime(params.asAt)}` : `as at log position ${position}`,
    snapshot,
    details: [
      ['Source', 'general ledger postings (gl_postings)'],
      ['Customer accounts', 'liabilities of the bank (credit balances)'],
      ['Balance', 'the difference, on the side it falls (Dr/Cr)'],
    ],
    summary: [['Result', result], ...perCurrency, ['Conservation check', conserved], ...conservation.lines],
    columns: COLUMNS,
    rowCount: rows.length,
    totalsLines: perCurrency.length + 1,
    emptyText: 'No postings yet.',
    fileStem: `trial-balance_${params.asAt ? params.asAt.replace(/\.\d+Z$/, 'Z').replace(/[-:]/g, '') : 'now'}_p${position.replace(/[^0-9]+/g, '-')}`,
    async *pages(): AsyncIterable<Row[]> {
      if (rows.length) yield rows;
    },
    totals(): Line[] {
      return [...perCurrency, ['Result', result]];
    },
  };
}
