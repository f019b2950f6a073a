import { type SQL, and, asc, desc, eq, gt, gte, lt, sql } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
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

type JournalRow = typeof journalEntries.$inferSelect;
type Format = (d: Dec) => string;

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
  const fmt: Format = (d) => formatAmount(d, currency);

  const inAccount = and(eq(journalEntries.accountId, account.id), atSnapshot(journalEntries.partition, journalEntries.position, snapshot))!;
  const inPeriod: SQL = and(inAccount, period.from ? gte(journalEntries.occurredAt, period.from) : undefined, period.to ? lt(journalEntries.occurredAt, period.to) : undefined)!;
  const opening = period.from ? await balanceBefore(db, inAccount, period.from) : new Dec(0);
  const { rowCount, totalIn, totalOut } = await periodTotals(db, inPeriod);
  const closing = opening.plus(totalIn).minus(totalOut);
  // Accumulated while streaming: the totals at the end are computed from the rows themselves.
  const tally = new RunningTally(opening);
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
      for await (const rows of journalPages(db, inPeriod, pageSize)) {
        yield rows.map((r) => {
          tally.add(r);
          return statementRow(r, fmt);
        });
      }
    },
    totals: (): Line[] => tally.lines(rowCount, fmt, currency),
  };
}

/** The balance after the account's last entry before `from` (0 without one). */
async function balanceBefore(db: Db, inAccount: SQL, from: string): Promise<Dec> {
  const before = await db
    .select({ balanceAfter: journalEntries.balanceAfter })
    .from(journalEntries)
    .where(and(inAccount, lt(journalEntries.occurredAt, from)))
    .orderBy(desc(journalEntries.streamVersion))
    .limit(1);
  return before[0]?.balanceAfter ?? new Dec(0);
}

/** The period's entry count and what came in and went out, summed by the database. */
async function periodTotals(db: Db, inPeriod: SQL): Promise<{ rowCount: number; totalIn: Dec; totalOut: Dec }> {
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
  return { rowCount: Number(agg.count), totalIn: new Dec(agg.credits), totalOut: new Dec(agg.debits) };
}

/** The period's entries in stream-version order, a page at a time. */
async function* journalPages(db: Db, inPeriod: SQL, pageSize: number): AsyncIterable<JournalRow[]> {
  let after = -1;
  for (;;) {
    const rows = await db
      .select()
      .from(journalEntries)
      .where(and(inPeriod, gt(journalEntries.streamVersion, after)))
      .orderBy(asc(journalEntries.streamVersion))
      .limit(pageSize);
    if (rows.length === 0) return;
    after = rows[rows.length - 1]!.streamVersion;
    yield rows;
    if (rows.length < pageSize) return;
  }
}

function statementRow(r: JournalRow, fmt: Format): Row {
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
}

/** The rows' own totals, and the running balance checked against every entry's recorded balance. */
class RunningTally {
  private running: Dec;
  private sumIn = new Dec(0);
  private sumOut = new Dec(0);
  private mismatches = 0;
  private firstMismatch: number | null = null;

  constructor(private readonly opening: Dec) {
    this.running = opening;
  }

  add(r: JournalRow): void {
    this.running = this.running.plus(r.amount);
    if (!this.running.eq(r.balanceAfter)) {
      this.mismatches++;
      this.firstMismatch ??= r.position;
      this.running = r.balanceAfter;
    }
    if (r.amount.gt(0)) this.sumIn = this.sumIn.plus(r.amount);
    else this.sumOut = this.sumOut.minus(r.amount);
  }

  lines(rowCount: number, fmt: Format, currency: string): Line[] {
    return [
      ['Entries', String(rowCount)],
      ['Total in', `${fmt(this.sumIn)} ${currency}`],
      ['Total out', `${fmt(this.sumOut)} ${currency}`],
      ['Closing balance (opening + in - out)', `${fmt(this.opening.plus(this.sumIn).minus(this.sumOut))} ${currency}`],
      ['Running balance check', this.mismatches === 0 ? 'every entry agrees with the recorded balance' : `${this.mismatches} entries disagree, first at position ${this.firstMismatch}`],
    ];
  }
}
