import { type SQL, and, desc, eq, gte, inArray, lt, or, sql } from 'drizzle-orm';
import { type Db, rowsOf } from '../../db/client.ts';
import { accounts, alerts, fraudAccountCounters, fraudAccounts, fraudActivity, fraudCounterparties, transactions } from '../../db/schema.ts';
import type { FraudConfig } from '../../domain/fraud/config.ts';
import { Dec, formatAmount } from '../../domain/money.ts';
import { keysetPage } from '../../keyset-page.ts';
import { caseQueries } from './case-queries.ts';
import { riskFactorsOf } from './counters.ts';

export interface AlertFilter {
  status?: string;
  rule?: string;
  accountId?: string;
  /** Alerts naming any account of this owner (the ledger's accounts). */
  ownerId?: string;
  severity?: string;
  from?: string;
  to?: string;
  limit: number;
  /** raisedAt (newest first, the default) or score (highest first). */
  sort?: 'raisedAt' | 'score';
  cursor?: { raisedAt: string; id: string; score?: number };
}

type AlertRow = typeof alerts.$inferSelect;


function alertView(r: AlertRow) {
  return {
    id: r.id,
    rule: r.rule,
    severity: r.severity,
    score: r.score,
    accountId: r.accountId,
    accountIds: r.accountIds,
    currency: r.currency,
    amount: formatAmount(r.amount, r.currency),
    status: r.status,
    summary: r.summary,
    evidence: r.evidence,
    params: r.params,
    history: r.history,
    occurrences: r.occurrences,
    lastSeenAt: r.lastSeenAt,
    ownerId: r.ownerId,
    caseId: r.caseId,
    raisedAt: r.raisedAt,
    updatedAt: r.updatedAt,
    position: r.position,
    partition: r.partition,
  };
}
export type AlertView = ReturnType<typeof alertView>;

export function encodeCursor(parts: string[]): string {
  return Buffer.from(JSON.stringify(parts)).toString('base64url');
}

export function decodeCursor(cursor: string, n: number): string[] | null {
  try {
    const parts: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    return Array.isArray(parts) && parts.length === n && parts.every((p) => typeof p === 'string') ? (parts as string[]) : null;
  } catch {
    return null;
  }
}

/** Queries over the anomaly read models (and, to resolve evidence, the ledger's transactions). */
export function fraudQueries(db: Db, config: FraudConfig) {
  return {
    ...caseQueries(db),

    async listAlerts(f: AlertFilter): Promise<{ items: AlertView[]; nextCursor: string | null }> {
      const where: SQL[] = [];
      if (f.status) where.push(eq(alerts.status, f.status as AlertRow['status']));
      if (f.rule) where.push(eq(alerts.rule, f.rule));
      if (f.severity) where.push(eq(alerts.severity, f.severity));
      if (f.accountId) where.push(sql`${alerts.accountIds} @> array[${f.accountId}]::text[]`);
      if (f.ownerId) where.push(sql`${alerts.accountIds} && array(select ${accounts.id} from ${accounts} where ${accounts.ownerId} = ${f.ownerId})`);
      if (f.from) where.push(gte(alerts.raisedAt, f.from));
      if (f.to) where.push(lt(alerts.raisedAt, f.to));
      const byScore = f.sort === 'score';
      if (f.cursor && byScore) where.push(sql`(${alerts.score}, ${alerts.raisedAt}, ${alerts.id}) < (${f.cursor.score ?? 0}, ${f.cursor.raisedAt}, ${f.cursor.id})`);
      else if (f.cursor) where.push(sql`(${alerts.raisedAt}, ${alerts.id}) < (${f.cursor.raisedAt}, ${f.cursor.id})`);
      const rows = await db
        .select()
        .from(alerts)
        .where(where.length ? and(...where) : undefined)
        .orderBy(...(byScore ? [desc(alerts.score)] : []), desc(alerts.raisedAt), desc(alerts.id))
        .limit(f.limit + 1);
      const page = keysetPage(rows, f.limit, (last) => encodeCursor([byScore ? `${last.score}/${last.raisedAt}` : last.raisedAt, last.id]));
      return { items: page.items.map(alertView), nextCursor: page.next };
    },

    async alert(id: string): Promise<AlertView | null> {
      const rows = await db.select().from(alerts).where(eq(alerts.id, id));
      return rows[0] ? alertView(rows[0]) : null;
    },

    async alertExists(id: string): Promise<boolean> {
      const rows = await db.select({ id: alerts.id }).from(alerts).where(eq(alerts.id, id));
      return rows.length > 0;
    },

    /** The transactions behind an alert's evidence, from the ledger read model. */
    async transactionsOf(transactionIds: string[]) {
      if (transactionIds.length === 0) return [];
      const rows = await db.select().from(transactions).where(inArray(transactions.id, transactionIds));
      const order = new Map(transactionIds.map((id, i) => [id, i]));
      return rows
        .sort((a, b) => (order.get(a.id) ?? 0) - (order.get(b.id) ?? 0))
        .map((t) => ({
          id: t.id,
          kind: t.kind,
          fromAccountId: t.fromAccountId,
          toAccountId: t.toAccountId,
          amount: formatAmount(t.amount, t.currency),
          currency: t.currency,
          reference: t.reference,
          channel: t.channel,
          actor: t.actor,
          occurredAt: t.occurredAt,
          position: t.position,
        }));
    },

    async profile(accountId: string) {
      const rows = await db.select().from(fraudAccounts).where(eq(fraudAccounts.accountId, accountId));
      return rows[0] ?? null;
    },

    /**
     * Risk of an account: the highest risk of its movements (src/domain/fraud/risk.ts, 0-100, read as a
     * probability in percent) with its factors, its alerts, and what it did.
     */
    async accountRisk(accountId: string) {
      const rows = await db
        .select()
        .from(alerts)
        .where(sql`${alerts.accountIds} @> array[${accountId}]::text[]`)
        .orderBy(desc(alerts.raisedAt), desc(alerts.id))
        .limit(200);
      const live = rows.filter((r) => r.status !== 'dismissed');
      const counters = (await db.select().from(fraudAccountCounters).where(eq(fraudAccountCounters.accountId, accountId)))[0];
      const profile = counters && { score: counters.riskScore, at: counters.riskAt, factors: riskFactorsOf(counters) };
      const riskScore = profile?.score ?? 0;
      const summary = await db
        .select({
          kind: fraudActivity.kind,
          currency: fraudActivity.currency,
          count: sql<number>`count(*)::int`,
          total: sql<string>`sum(${fraudActivity.amount})::text`,
          first: sql<string>`min(${fraudActivity.occurredAt})`,
          last: sql<string>`max(${fraudActivity.occurredAt})`,
        })
        .from(fraudActivity)
        .where(eq(fraudActivity.accountId, accountId))
        .groupBy(fraudActivity.kind, fraudActivity.currency);
      const counterparties = await db.select({ n: sql<number>`count(*)::int` }).from(fraudCounterparties).where(eq(fraudCounterparties.accountId, accountId));
      return {
        riskScore,
        level: riskScore >= 75 ? 'high' : riskScore >= 40 ? 'medium' : riskScore >= 5 ? 'low' : 'none',
        riskAt: profile?.at ?? null,
        factors: profile?.factors ?? null,
        alerts: { total: rows.length, live: live.length, byRule: countBy(live.map((r) => r.rule)) },
        contributing: live.slice(0, 20).map((r) => ({ id: r.id, rule: r.rule, severity: r.severity, score: r.score, status: r.status, raisedAt: r.raisedAt, summary: r.summary })),
        activity: {
          byKind: summary.map((s) => ({ kind: s.kind, count: s.count, total: formatAmount(new Dec(s.total), s.currency), currency: s.currency })),
          firstAt: summary.reduce<string | null>((m, s) => (m === null || s.first < m ? s.first : m), null),
          lastAt: summary.reduce<string | null>((m, s) => (m === null || s.last > m ? s.last : m), null),
          counterparties: counterparties[0]?.n ?? 0,
        },
      };
    },

    /** Movements at or above the large-transaction threshold of their currency (or minAmount), newest first. */
    async largeTransactions(q: { from?: string; to?: string; currency?: string; minAmount?: string; limit: number; cursor?: { occurredAt: string; eventId: string } }) {
      // As a literal: the predicate of the partial index fraud_activity_outgoing_time_idx.
      const where: SQL[] = [sql`${fraudActivity.kind} <> 'transfer_in'`];
      if (q.from) where.push(gte(fraudActivity.occurredAt, q.from));
      if (q.to) where.push(lt(fraudActivity.occurredAt, q.to));
      if (q.currency) {
        where.push(eq(fraudActivity.currency, q.currency));
        where.push(gte(fraudActivity.amount, new Dec(q.minAmount ?? config.forCurrency(q.currency).large_transaction.threshold)));
      } else if (q.minAmount) {
        where.push(gte(fraudActivity.amount, new Dec(q.minAmount)));
      } else {
        const special = config.currencies();
        const clauses: SQL[] = special.map((c) => and(eq(fraudActivity.currency, c), gte(fraudActivity.amount, new Dec(config.forCurrency(c).large_transaction.threshold))) as SQL);
        const others = special.length ? sql`${fraudActivity.currency} not in (${sql.join(special.map((c) => sql`${c}`), sql`, `)})` : sql`true`;
        clauses.push(and(others, gte(fraudActivity.amount, new Dec(config.forCurrency('*').large_transaction.threshold))) as SQL);
        where.push(or(...clauses) as SQL);
      }
      if (q.cursor) where.push(sql`(${fraudActivity.occurredAt}, ${fraudActivity.eventId}) < (${q.cursor.occurredAt}, ${q.cursor.eventId}::uuid)`);
      const rows = await db
        .select()
        .from(fraudActivity)
        .where(and(...where))
        .orderBy(desc(fraudActivity.occurredAt), desc(fraudActivity.eventId))
        .limit(q.limit + 1);
      const page = keysetPage(rows, q.limit, (last) => encodeCursor([last.occurredAt, last.eventId]));
      return {
        items: page.items.map((r) => ({
          eventId: r.eventId,
          transactionId: r.transactionId,
          accountId: r.accountId,
          kind: r.kind,
          amount: formatAmount(r.amount, r.currency),
          currency: r.currency,
          counterpartyId: r.counterpartyId,
          channel: r.channel,
          occurredAt: r.occurredAt,
          position: r.position,
        })),
        nextCursor: page.next,
      };
    },

    /** The accounts this one exchanged most money with, both directions. */
    async topCounterparties(accountId: string, limit: number) {
      const rows = await db
        .select()
        .from(fraudCounterparties)
        .where(eq(fraudCounterparties.accountId, accountId))
        .orderBy(desc(sql`${fraudCounterparties.outAmount} + ${fraudCounterparties.inAmount}`), fraudCounterparties.counterpartyId)
        .limit(limit);
      return rows.map((r) => ({
        counterpartyId: r.counterpartyId,
        currency: r.currency,
        outCount: r.outCount,
        outAmount: formatAmount(r.outAmount, r.currency),
        inCount: r.inCount,
        inAmount: formatAmount(r.inAmount, r.currency),
        firstAt: r.firstAt,
        lastAt: r.lastAt,
      }));
    },

    /** One hop: other accounts that dealt with any counterparty of this account, most shared first, with their live alerts. */
    async sharedCounterparties(accountId: string, limit: number) {
      const rows = await db.execute<{ account_id: string; shared: number; counterparties: string[] }>(sql`
        select c2.account_id, count(distinct c2.counterparty_id)::int as shared, (array_agg(distinct c2.counterparty_id))[1:10] as counterparties
        from fraud_counterparties c1
        join fraud_counterparties c2 on c2.counterparty_id = c1.counterparty_id and c2.account_id <> ${accountId}
        where c1.account_id = ${accountId} and c2.account_id <> ${accountId}
        group by c2.account_id
        order by shared desc, c2.account_id
        limit ${limit}`);
      const list = rowsOf<{ account_id: string; shared: number; counterparties: string[] }>(rows);
      const ids = list.map((r) => r.account_id);
      const alertCounts = new Map<string, number>();
      if (ids.length) {
        const counted = await db.execute<{ account_id: string; n: number }>(sql`
          select a.account_id, count(*)::int as n from (select unnest(account_ids) as account_id from alerts where status <> 'dismissed' and account_ids && ${sql`array[${sql.join(ids.map((i) => sql`${i}`), sql`, `)}]::text[]`}) a
          where a.account_id in (${sql.join(ids.map((i) => sql`${i}`), sql`, `)}) group by a.account_id`);
        for (const r of rowsOf<{ account_id: string; n: number }>(counted)) alertCounts.set(r.account_id, r.n);
      }
      return list.map((r) => ({ accountId: r.account_id, sharedCounterparties: r.shared, examples: r.counterparties, liveAlerts: alertCounts.get(r.account_id) ?? 0 }));
    },

    rules() {
      return { defaults: config.forCurrency('*'), currencies: Object.fromEntries(config.currencies().map((c) => [c, config.forCurrency(c)])) };
    },
  };
}

export type FraudQueries = ReturnType<typeof fraudQueries>;

function countBy(xs: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const x of xs) out[x] = (out[x] ?? 0) + 1;
  return out;
}
