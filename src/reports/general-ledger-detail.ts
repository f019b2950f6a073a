import { type SQL, and, gte, lt, sql } from 'drizzle-orm';
import { Dec, formatAmount, isSupportedCurrency } from '../domain/money.ts';
import { AppError } from '../errors.ts';
import { normalSide } from '../read-models/general-ledger/chart.ts';
import { type GlPostingRow, generalLedgerQueries } from '../read-models/general-ledger/queries.ts';
import { glPostings } from '../read-models/general-ledger/tables.ts';
import type { Column, Line, Row } from './columns.ts';
import { humanize } from './labels.ts';
import type { Period } from './period.ts';
import { DEFAULT_PAGE_SIZE, type ReportContext, type ReportPlan, periodStem, stemPart } from './report.ts';
import { atSnapshot, describeSnapshot, resolveSnapshot } from './snapshot.ts';

export interface GeneralLedgerDetailParams {
  glAccount: string;
  period: Period;
  position?: number;
}

const COLUMNS: Column[] = [
  { key: 'occurred_at', label: 'Date (UTC)', kind: 'timestamp', width: 12 },
  { key: 'event_type', label: 'Event type', kind: 'text', width: 0 },
  { key: 'description', label: 'Event', kind: 'text', width: 10 },
  { key: 'transaction_id', label: 'Transaction', kind: 'id', width: 17 },
  { key: 'event_id', label: 'Event id', kind: 'id', width: 17 },
  { key: 'position', label: 'Pos.', kind: 'integer', width: 4 },
  { key: 'debit', label: 'Debit', kind: 'amount', width: 10 },
  { key: 'credit', label: 'Credit', kind: 'amount', width: 10 },
  { key: 'balance', label: 'Balance', kind: 'amount', width: 11 },
];

/**
 * General-ledger detail: one GL account's postings over a period, each traceable to its event,
 * transaction and log position, with the opening balance, a running balance on the account's normal
 * side (credit for liabilities, debit for assets), and the closing balance.
 */
export async function planGeneralLedgerDetail(ctx: ReportContext, params: GeneralLedgerDetailParams): Promise<ReportPlan> {
  const queries = generalLedgerQueries(ctx.db);
  const account = await queries.account(params.glAccount);
  if (!account) throw new AppError('account_not_found', `general-ledger account ${params.glAccount} has no postings (yet)`, 'glAccount');
  const snapshot = await resolveSnapshot(ctx.db, 'general-ledger', ctx.log.partitions, params.position);
  const { period } = params;
  const currency = account.currency;
  const fmt = (d: Dec) => (isSupportedCurrency(currency) ? formatAmount(d, currency) : d.toFixed());
  const side = normalSide(account.glClass);
  // Signed on the normal side: a posting on that side grows the balance.
  const signed = (r: { side: string; amount: string }) => (r.side === side ? new Dec(r.amount) : new Dec(r.amount).neg());

  const inSnapshot = atSnapshot(glPostings.partition, glPostings.position, snapshot);
  const inPeriod: SQL = and(inSnapshot, period.from ? gte(glPostings.occurredAt, period.from) : undefined, period.to ? lt(glPostings.occurredAt, period.to) : undefined)!;
  const sums = async (bound: SQL | undefined) =>
    (
      await ctx.db
        .select({
          count: sql<number>`count(*)::int`,
          debits: sql<string>`coalesce(sum(${glPostings.amount}) filter (where ${glPostings.side} = 'debit'), 0)::text`,
          credits: sql<string>`coalesce(sum(${glPostings.amount}) filter (where ${glPostings.side} = 'credit'), 0)::text`,
        })
        .from(glPostings)
        .where(and(sql`${glPostings.glAccount} = ${account.code}`, bound))
    )[0]!;
  const before = period.from ? await sums(and(inSnapshot, lt(glPostings.occurredAt, period.from))) : { count: 0, debits: '0', credits: '0' };
  const opening = signed({ side: 'debit', amount: before.debits }).plus(signed({ side: 'credit', amount: before.credits }));
  const within = await sums(inPeriod);
  const rowCount = Number(within.count);
  let running = opening;
  let debits = new Dec(0);
  let credits = new Dec(0);
  const pageSize = ctx.pageSize ?? DEFAULT_PAGE_SIZE;
  const balanceText = (d: Dec) => `${fmt(d)} ${currency} ${d.isNegative() ? (side === 'credit' ? 'Dr' : 'Cr') : side === 'credit' ? 'Cr' : 'Dr'}`;

  return {
    name: 'general-ledger-detail',
    title: 'General-ledger detail',
    orientation: 'landscape',
    period,
    snapshot,
    details: [
      ['GL account', account.code],
      ['Name', account.name],
      ['Class', `${account.glClass} (normal balance: ${side})`],
      ['Currency', currency],
      ...(account.ownerId ? [['Owner', account.ownerId] as const] : []),
    ],
    summary: [
      ['Opening balance', balanceText(opening)],
      ['Debits', `${fmt(new Dec(within.debits))} ${currency}`],
      ['Credits', `${fmt(new Dec(within.credits))} ${currency}`],
      ['Postings', String(rowCount)],
    ],
    columns: COLUMNS,
    rowCount,
    totalsLines: 4,
    emptyText: 'No postings to this account in this period.',
    fileStem: `general-ledger-detail_${stemPart(account.code)}_${periodStem(period)}_p${describeSnapshot(snapshot).replace(/[^0-9]+/g, '-')}`,
    async *pages(): AsyncIterable<Row[]> {
      let after: GlPostingRow | null = null;
      for (;;) {
        const rows = await queries.postings(account.code, inPeriod, pageSize, after);
        if (rows.length === 0) return;
        yield rows.map((r) => {
          running = running.plus(signed(r));
          if (r.side === 'debit') debits = debits.plus(r.amount);
          else credits = credits.plus(r.amount);
          const amount = fmt(new Dec(r.amount));
          return [r.occurredAt, r.eventType, humanize(r.eventType), r.transactionId, r.eventId, String(r.position), r.side === 'debit' ? amount : null, r.side === 'credit' ? amount : null, fmt(running)];
        });
        after = rows[rows.length - 1]!;
        if (rows.length < pageSize) return;
      }
    },
    totals(): Line[] {
      return [
        ['Debits', `${fmt(debits)} ${currency}`],
        ['Credits', `${fmt(credits)} ${currency}`],
        ['Closing balance', balanceText(running)],
        ['Postings', String(rowCount)],
      ];
    },
  };
}
