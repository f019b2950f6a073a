import { type SQL, and, asc, gte, lt, sql } from 'drizzle-orm';
import { transactions } from '../db/schema.ts';
import { AppError } from '../errors.ts';
import { AMOUNT_PATTERN, Dec, formatAmount, isSupportedCurrency, minorUnits } from '../domain/money.ts';
import { groupThousands } from './columns.ts';
import { actorNames } from './actor-names.ts';
import type { Column, Line, Row } from './columns.ts';
import { kindLabel } from './labels.ts';
import type { Period } from './period.ts';
import { DEFAULT_PAGE_SIZE, type ReportContext, type ReportPlan, periodStem } from './report.ts';
import { atSnapshot, describeSnapshot, resolveSnapshot } from './snapshot.ts';

/** Reporting thresholds: one for every currency, and overrides per currency. */
export interface Thresholds {
  default: Dec;
  perCurrency: ReadonlyMap<string, Dec>;
}

export const DEFAULT_THRESHOLD = '10000.00';

/**
 * Parses "10000.00", "USD:10000,JPY:1500000" or a mix: a bare amount sets the default for every
 * currency, CUR:amount sets one currency's threshold.
 */
export function parseThresholds(text: string | undefined): Thresholds {
  const perCurrency = new Map<string, Dec>();
  let def = new Dec(DEFAULT_THRESHOLD);
  if (!text) return { default: def, perCurrency };
  for (const part of text.split(',').map((p) => p.trim()).filter(Boolean)) {
    const m = /^(?:([A-Z]{3}):)?(.+)$/.exec(part)!;
    const currency = m[1];
    const amount = m[2]!;
    if (!AMOUNT_PATTERN.test(amount)) throw new AppError('validation_failed', `threshold "${part}" must be an amount such as 10000.00, optionally prefixed by a currency (USD:10000.00)`, 'threshold');
    if (currency === undefined) def = new Dec(amount);
    else {
      if (!isSupportedCurrency(currency)) throw new AppError('validation_failed', `threshold currency ${currency} is not supported`, 'threshold');
      if (new Dec(amount).decimalPlaces() > minorUnits(currency)) throw new AppError('validation_failed', `threshold ${part} has more decimals than ${currency} allows`, 'threshold');
      perCurrency.set(currency, new Dec(amount));
    }
  }
  return { default: def, perCurrency };
}

export function describeThresholds(t: Thresholds): string {
  const overrides = [...t.perCurrency].sort(([a], [b]) => (a < b ? -1 : 1)).map(([c, v]) => `${c} ${groupThousands(formatAmount(v, c))}`);
  return [`${groupThousands(t.default.toFixed(2))} (every currency${overrides.length ? ' unless named' : ''})`, ...overrides].join('; ');
}

export interface LargeTransactionsParams {
  period: Period;
  thresholds: Thresholds;
  position?: number;
}

const COLUMNS: Column[] = [
  { key: 'occurred_at', label: 'Date (UTC)', kind: 'timestamp', width: 10 },
  { key: 'kind', label: 'Kind', kind: 'text', width: 0 },
  { key: 'description', label: 'Type', kind: 'text', width: 7.5 },
  { key: 'transaction_id', label: 'Transaction', kind: 'id', width: 14 },
  { key: 'from_account_id', label: 'From account', kind: 'id', width: 14 },
  { key: 'to_account_id', label: 'To account', kind: 'id', width: 14 },
  { key: 'amount', label: 'Amount', kind: 'amount', width: 8.5 },
  { key: 'currency', label: 'Cur.', kind: 'text', width: 3.5 },
  { key: 'channel', label: 'Channel', kind: 'text', width: 4.5 },
  { key: 'reference', label: 'Reference', kind: 'text', width: 7 },
  { key: 'actor', label: 'Actor id', kind: 'id', width: 9 },
  // A name is never cut either: it shrinks or takes two lines, like an id.
  { key: 'actor_name', label: 'Actor', kind: 'id', width: 7 },
  { key: 'command_id', label: 'Command', kind: 'text', width: 0 },
  { key: 'position', label: 'Position', kind: 'integer', width: 0 },
];

/** Large transactions: every movement (deposit, withdrawal, transfer, hold capture, reversal) at or above its currency's threshold. */
export async function planLargeTransactions(ctx: ReportContext, params: LargeTransactionsParams): Promise<ReportPlan> {
  const { db } = ctx;
  const snapshot = await resolveSnapshot(db, 'ledger', ctx.log.partitions, params.position);
  const { period, thresholds } = params;
  const threshold: SQL =
    thresholds.perCurrency.size === 0
      ? sql`${thresholds.default.toFixed()}::numeric`
      : sql`case ${transactions.currency} ${sql.join(
          [...thresholds.perCurrency].map(([c, v]) => sql`when ${c} then ${v.toFixed()}::numeric`),
          sql` `,
        )} else ${thresholds.default.toFixed()}::numeric end`;
  const where = and(
    sql`${transactions.amount} >= ${threshold}`,
    period.from ? gte(transactions.occurredAt, period.from) : undefined,
    period.to ? lt(transactions.occurredAt, period.to) : undefined,
    atSnapshot(transactions.partition, transactions.position, snapshot),
  )!;
  const perCurrency = await db
    .select({ currency: transactions.currency, count: sql<number>`count(*)::int`, total: sql<string>`sum(${transactions.amount})::text` })
    .from(transactions)
    .where(where)
    .groupBy(transactions.currency)
    .orderBy(asc(transactions.currency));
  const rowCount = perCurrency.reduce((s, r) => s + Number(r.count), 0);
  const sums = new Map<string, { count: number; total: Dec }>(perCurrency.map((r) => [r.currency, { count: 0, total: new Dec(0) }]));
  const pageSize = ctx.pageSize ?? DEFAULT_PAGE_SIZE;
  const nameOf = await actorNames(db);

  return {
    name: 'large-transactions',
    title: 'Large transactions',
    orientation: 'landscape',
    period,
    snapshot,
    details: [
      ['Threshold', describeThresholds(thresholds)],
      ['Includes', 'deposits, withdrawals, transfers, hold captures and reversals at or above the threshold'],
    ],
    summary: perCurrency.length
      ? perCurrency.map((r): Line => [r.currency, `${plural(Number(r.count), 'transaction')}, ${groupThousands(formatAmount(r.total, r.currency))} ${r.currency}`])
      : [['Transactions', 'none at or above the threshold']],
    columns: COLUMNS,
    rowCount,
    totalsLines: Math.max(perCurrency.length, 1),
    emptyText: 'No transaction at or above the threshold in this period.',
    fileStem: `large-transactions_${periodStem(period)}_p${describeSnapshot(snapshot).replace(/[^0-9]+/g, '-')}`,
    async *pages(): AsyncIterable<Row[]> {
      let after: { occurredAt: string; id: string } | null = null;
      for (;;) {
        const rows: Array<typeof transactions.$inferSelect> = await db
          .select()
          .from(transactions)
          .where(after ? and(where, sql`(${transactions.occurredAt}, ${transactions.id}) > (${after.occurredAt}, ${after.id})`) : where)
          .orderBy(asc(transactions.occurredAt), asc(transactions.id))
          .limit(pageSize);
        if (rows.length === 0) return;
        yield rows.map((r) => {
          const s = sums.get(r.currency) ?? { count: 0, total: new Dec(0) };
          sums.set(r.currency, { count: s.count + 1, total: s.total.plus(r.amount) });
          return [r.occurredAt, r.kind, kindLabel(r.kind), r.id, r.fromAccountId, r.toAccountId, formatAmount(r.amount, r.currency), r.currency, r.channel, r.reference, r.actor, nameOf(r.actor), r.commandId, String(r.position)];
        });
        const tail = rows[rows.length - 1]!;
        after = { occurredAt: tail.occurredAt, id: tail.id };
        if (rows.length < pageSize) return;
      }
    },
    totals(): Line[] {
      if (sums.size === 0) return [['Transactions', '0']];
      return [...sums].sort(([a], [b]) => (a < b ? -1 : 1)).map(([c, s]): Line => [`${c}: ${plural(s.count, 'transaction')}`, `${formatAmount(s.total, c)} ${c}`]);
    },
  };
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}
