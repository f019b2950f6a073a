import { type SQL, and, asc, eq, gte, inArray, lt, sql } from 'drizzle-orm';
import { accounts, journalEntries } from '../db/schema.ts';
import { Dec, formatAmount } from '../domain/money.ts';
import { AppError } from '../errors.ts';
import type { Column, Line, Row } from './columns.ts';
import { kindLabel } from './labels.ts';
import { groupThousands } from './columns.ts';
import type { Period } from './period.ts';
import { DEFAULT_PAGE_SIZE, type ReportContext, type ReportPlan, periodStem, stemPart } from './report.ts';
import { atSnapshot, describeSnapshot, resolveSnapshot } from './snapshot.ts';

export interface OwnerActivityParams {
  ownerId: string;
  period: Period;
  position?: number;
}

/** Accounts listed in the header; the rest are counted. */
const SHOWN_ACCOUNTS = 6;

const COLUMNS: Column[] = [
  { key: 'occurred_at', label: 'Date (UTC)', kind: 'timestamp', width: 12 },
  { key: 'account_id', label: 'Account', kind: 'id', width: 17 },
  { key: 'kind', label: 'Kind', kind: 'text', width: 0 },
  { key: 'description', label: 'Type', kind: 'text', width: 10 },
  { key: 'transaction_id', label: 'Transaction', kind: 'id', width: 17 },
  { key: 'counterparty_account_id', label: 'Counterparty', kind: 'id', width: 17 },
  { key: 'amount_in', label: 'In', kind: 'amount', width: 9 },
  { key: 'amount_out', label: 'Out', kind: 'amount', width: 9 },
  { key: 'balance', label: 'Balance', kind: 'amount', width: 10 },
  { key: 'currency', label: 'Cur.', kind: 'text', width: 4 },
  { key: 'position', label: 'Position', kind: 'integer', width: 0 },
];

/**
 * Owner activity: every account of an owner, then every journal entry of those accounts in the
 * period in time order, with totals in and out per currency. Read from the ledger slice.
 */
export async function planOwnerActivity(ctx: ReportContext, params: OwnerActivityParams): Promise<ReportPlan> {
  const { db } = ctx;
  const owned = await db.select().from(accounts).where(eq(accounts.ownerId, params.ownerId)).orderBy(asc(accounts.openedAt), asc(accounts.id));
  if (owned.length === 0) throw new AppError('account_not_found', `owner ${params.ownerId} has no accounts`, 'ownerId');
  const snapshot = await resolveSnapshot(db, 'ledger', ctx.log.partitions, params.position);
  const { period } = params;
  const ids = owned.map((a) => a.id);
  const inPeriod: SQL = and(
    inArray(journalEntries.accountId, ids),
    atSnapshot(journalEntries.partition, journalEntries.position, snapshot),
    period.from ? gte(journalEntries.occurredAt, period.from) : undefined,
    period.to ? lt(journalEntries.occurredAt, period.to) : undefined,
  )!;
  const rowCount = Number((await db.select({ n: sql<number>`count(*)::int` }).from(journalEntries).where(inPeriod))[0]!.n);
  const totals = new Map<string, { in: Dec; out: Dec }>();
  const pageSize = ctx.pageSize ?? DEFAULT_PAGE_SIZE;
  const money = (d: Dec, c: string) => `${groupThousands(formatAmount(d, c))} ${c}`;

  return {
    name: 'owner-activity',
    title: 'Owner activity',
    orientation: 'landscape',
    period,
    snapshot,
    details: [
      ['Owner', params.ownerId],
      ...owned.slice(0, SHOWN_ACCOUNTS).map((a, i): Line => [i === 0 ? `Accounts (${owned.length})` : '', `${a.id} ${a.currency} ${a.status}`]),
      ...(owned.length > SHOWN_ACCOUNTS ? [['', `and ${owned.length - SHOWN_ACCOUNTS} more (every entry names its account)`] as const] : []),
    ],
    summary: [['Entries', String(rowCount)]],
    columns: COLUMNS,
    rowCount,
    totalsLines: 1 + 2 * new Set(owned.map((a) => a.currency)).size,
    emptyText: 'No entries on these accounts in this period.',
    fileStem: `owner-activity_${stemPart(params.ownerId)}_${periodStem(period)}_p${describeSnapshot(snapshot).replace(/[^0-9]+/g, '-')}`,
    async *pages(): AsyncIterable<Row[]> {
      let after: { occurredAt: string; partition: number; position: number } | null = null;
      for (;;) {
        const keyset: SQL | undefined = after ? sql`(${journalEntries.occurredAt}, ${journalEntries.partition}, ${journalEntries.position}) > (${after.occurredAt}, ${after.partition}, ${after.position})` : undefined;
        const rows: (typeof journalEntries.$inferSelect)[] = await db
          .select()
          .from(journalEntries)
          .where(and(inPeriod, keyset))
          .orderBy(asc(journalEntries.occurredAt), asc(journalEntries.partition), asc(journalEntries.position))
          .limit(pageSize);
        if (rows.length === 0) return;
        yield rows.map((r) => {
          const t = totals.get(r.currency) ?? { in: new Dec(0), out: new Dec(0) };
          totals.set(r.currency, r.amount.gt(0) ? { ...t, in: t.in.plus(r.amount) } : { ...t, out: t.out.minus(r.amount) });
          const fmt = (d: Dec) => formatAmount(d, r.currency);
          return [r.occurredAt, r.accountId, r.kind, kindLabel(r.kind), r.transactionId, r.counterpartyAccountId, r.amount.gt(0) ? fmt(r.amount) : null, r.amount.lt(0) ? fmt(r.amount.neg()) : null, fmt(r.balanceAfter), r.currency, String(r.position)];
        });
        const last = rows[rows.length - 1]!;
        after = { occurredAt: last.occurredAt, partition: last.partition, position: last.position };
        if (rows.length < pageSize) return;
      }
    },
    totals(): Line[] {
      const lines = [...totals].sort(([x], [y]) => (x < y ? -1 : 1)).flatMap(([c, t]): Line[] => [[`In ${c}`, money(t.in, c)], [`Out ${c}`, money(t.out, c)]]);
      return [['Entries', String(rowCount)], ...lines];
    },
  };
}
