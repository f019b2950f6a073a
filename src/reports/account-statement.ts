import { type SQL, and, asc, desc, eq, gt, gte, lt, sql } from 'drizzle-orm';
import { accounts, journalEntries } from '../db/schema.ts';
import { AppError } from '../errors.ts';
import { Dec, formatAmount } from '../domain/money.ts';
import type { Column, Line, Row } from './columns.ts';
import { kindLabel } from './labels.ts';
import type { Period } from './period.ts';
import { DEFAULT_PAGE_SIZE, type ReportContext, type ReportPlan, periodStem, stemPart } from './report.ts';
import { atSnapshot, describeSnapshot, resolveSnapshot } from './snapshot.ts';

export interface StatementParams {
  accountId: string;
  period: Period;
  position?: number;
}

const COLUMNS: Column[] = [
  { key: 'occurred_at', label: 'Date (UTC)', kind: 'timestamp', width: 11 },
  { key: 'kind', label: 'Kind', kind: 'text', width: 0 },
  { key: 'description', label: 'Type', kind: 'text', width: 8.5 },
  { key: 'reference', label: 'Reference', kind: 'text', width: 14 },
  { key: 'counterparty_account_id', label: 'Counterparty', kind: 'id', width: 17 },
  { key: 'transaction_id', label: 'Transaction', kind: 'id', width: 17 },
  { key: 'amount_in', label: 'In', kind: 'amount', width: 9 },
  { key: 'amount_out', label: 'Out', kind: 'amount', width: 9 },
  { key: 'balance', label: 'Balance', kind: 'amount', width: 10 },
  { key: 'version', label: 'Version', kind: 'integer', width: 0 },
  { key: 'position', label: 'Position', kind: 'integer', width: 0 },
];

/**
 * Account statement: opening balance, every journal entry of the period with its running balance,
 * closing balance, totals in and out. Read from journal_entries at the ledger projection's position.
 */
export async function planAccountStatement(ctx: ReportContext, params: StatementParams): Promise<ReportPlan> {
  const { db } = ctx;
  const account = (await db.select().from(accounts).where(eq(accounts.id, params.accountId)))[0];
  if (!account) throw new AppError('account_not_found', `account ${params.accountId} does not exist`, 'accountId');
  const snapshot = await resolveSnapshot(db, 'ledger', ctx.log.partitions, params.position);
  const { period } = params;
  const currency = account.currency;
  const fmt = (d: Dec) => formatAmount(d, currency);

  const inAccount = and(eq(journalEntries.accountId, account.id), atSnapshot(journalEntries.partition, journalEntries.position, snapshot))!;
  const inPeriod: SQL = and(inAccount, period.from ? gte(journalEntries.occurredAt, period.from) : undefined, period.to ? lt(journalEntries.occurredAt, period.to) : undefined)!;

  let opening = new Dec(0);
  if (period.from) {
    const before = await db
      .select({ balanceAfter: journalEntries.balanceAfter })
      .from(journalEntries)
      .where(and(inAccount, lt(journalEntries.occurredAt, period.from)))
      .orderBy(desc(journalEntries.streamVersion))
      .limit(1);
    opening = before[0]?.balanceAfter ?? new Dec(0);
  }
  const agg = (
    await db
      .select({
        count: sql<number>`count(*)::int`,
        credits: sql<string>`coalesce(sum(${journalEntries.amount}) filter (where ${journalEntries.amount} > 0), 0)::text`,
        debits: sql<string>`coalesce(-sum(${journalEntries.amount}) filter (where ${journalEntries.amount} < 0), 0)::text`,
      })
      .from(journalEntries)
      .where(inPeriod)
  )[0]!;
  const totalIn = new Dec(agg.credits);
  const totalOut = new Dec(agg.debits);
  const closing = opening.plus(totalIn).minus(totalOut);
  const rowCount = Number(agg.count);

  // Accumulated while streaming: the totals at the end are computed from the rows themselves.
  let running = opening;
  let sumIn = new Dec(0);
  let sumOut = new Dec(0);
  let mismatches = 0;
  let firstMismatch: number | null = null;
  const pageSize = ctx.pageSize ?? DEFAULT_PAGE_SIZE;

  return {
    name: 'account-statement',
    title: 'Account statement',
    orientation: 'landscape',
    period,
    snapshot,
    details: [
      ['Account', account.id],
      ['Owner', account.ownerId ?? '-'],
      ['Currency', currency],
      ['Opened', account.openedAt.replace('T', ' ').replace(/(\.\d+)?Z$/, ' UTC')],
    ],
    summary: [
      ['Opening balance', `${fmt(opening)} ${currency}`],
      ['Total in', `${fmt(totalIn)} ${currency}`],
      ['Total out', `${fmt(totalOut)} ${currency}`],
      ['Closing balance', `${fmt(closing)} ${currency}`],
    ],
    columns: COLUMNS,
    rowCount,
    totalsLines: 5,
    emptyText: 'No entries in this period.',
    fileStem: `account-statement_${stemPart(account.id)}_${periodStem(period)}_p${describeSnapshot(snapshot).replace(/[^0-9]+/g, '-')}`,
    async *pages(): AsyncIterable<Row[]> {
      let after = -1;
      for (;;) {
        const rows = await db
          .select()
          .from(journalEntries)
          .where(and(inPeriod, gt(journalEntries.streamVersion, after)))
          .orderBy(asc(journalEntries.streamVersion))
          .limit(pageSize);
        if (rows.length === 0) return;
        const page: Row[] = rows.map((r) => {
          running = running.plus(r.amount);
          if (!running.eq(r.balanceAfter)) {
            mismatches++;
            firstMismatch ??= r.position;
            running = r.balanceAfter;
          }
          if (r.amount.gt(0)) sumIn = sumIn.plus(r.amount);
          else sumOut = sumOut.minus(r.amount);
          return [
            r.occurredAt,
            r.kind,
            kindLabel(r.kind),
            r.reference,
            r.counterpartyAccountId,
            r.transactionId,
            r.amount.gt(0) ? fmt(r.amount) : null,
            r.amount.lt(0) ? fmt(r.amount.neg()) : null,
            fmt(r.balanceAfter),
            String(r.streamVersion),
            String(r.position),
          ];
        });
        after = rows[rows.length - 1]!.streamVersion;
        yield page;
        if (rows.length < pageSize) return;
      }
    },
    totals(): Line[] {
      return [
        ['Entries', String(rowCount)],
        ['Total in', `${fmt(sumIn)} ${currency}`],
        ['Total out', `${fmt(sumOut)} ${currency}`],
        ['Closing balance (opening + in - out)', `${fmt(opening.plus(sumIn).minus(sumOut))} ${currency}`],
        ['Running balance check', mismatches === 0 ? 'every entry agrees with the recorded balance' : `${mismatches} entries disagree, first at position ${firstMismatch}`],
      ];
    },
  };
}
