import { type SQL, and, asc, desc, eq, gte, inArray, lt, sql } from 'drizzle-orm';
import { type Db, rowsOf } from '../../db/client.ts';
import { alerts, fraudAccountCounters, fraudAccounts, fraudCases } from '../../db/schema.ts';
import { formatAmount } from '../../domain/money.ts';
import { keysetPage } from '../../keyset-page.ts';

/** Cases, owners, the counterparty network and alert statistics: what an analyst asks beyond one alert. */

type CaseRow = typeof fraudCases.$inferSelect;

function caseView(r: CaseRow) {
  return {
    id: r.id,
    ownerId: r.ownerId,
    status: r.status,
    alertIds: r.alertIds,
    assignee: r.assignee,
    dueAt: r.dueAt,
    decision: r.decision as 'no_action' | 'sar_filed' | null,
    sarReference: r.sarReference,
    frozenAccounts: r.frozenAccounts,
    openedBy: r.openedBy,
    openedAt: r.openedAt,
    updatedAt: r.updatedAt,
    history: r.history,
    position: r.position,
    partition: r.partition,
  };
}
export type CaseView = ReturnType<typeof caseView>;

const LIVE = ['open', 'investigating'] as const;

export function caseQueries(db: Db) {
  return {
    async listCases(f: { status?: string; ownerId?: string; assignee?: string; limit: number; cursor?: { openedAt: string; id: string } }) {
      const where: SQL[] = [];
      if (f.status) where.push(eq(fraudCases.status, f.status as CaseRow['status']));
      if (f.ownerId) where.push(eq(fraudCases.ownerId, f.ownerId));
      if (f.assignee) where.push(eq(fraudCases.assignee, f.assignee));
      if (f.cursor) where.push(sql`(${fraudCases.openedAt}, ${fraudCases.id}) < (${f.cursor.openedAt}, ${f.cursor.id})`);
      const rows = await db.select().from(fraudCases).where(where.length ? and(...where) : undefined).orderBy(desc(fraudCases.openedAt), desc(fraudCases.id)).limit(f.limit + 1);
      const page = keysetPage(rows, f.limit, (last) => Buffer.from(JSON.stringify([last.openedAt, last.id])).toString('base64url'));
      return { items: page.items.map(caseView), nextCursor: page.next };
    },

    async caseById(id: string): Promise<CaseView | null> {
      const rows = await db.select().from(fraudCases).where(eq(fraudCases.id, id));
      return rows[0] ? caseView(rows[0]) : null;
    },

    /** The ids of the owner's live (open or investigating) alerts, highest score first. */
    async liveAlertIdsOfOwner(ownerId: string): Promise<string[]> {
      const rows = await db.select({ id: alerts.id }).from(alerts).where(and(eq(alerts.ownerId, ownerId), inArray(alerts.status, [...LIVE]))).orderBy(desc(alerts.score), asc(alerts.id)).limit(500);
      return rows.map((r) => r.id);
    },

    /** Of these alert ids, those the read model does not know. */
    async unknownAlerts(ids: readonly string[]): Promise<string[]> {
      if (!ids.length) return [];
      const known = new Set((await db.select({ id: alerts.id }).from(alerts).where(inArray(alerts.id, [...ids]))).map((r) => r.id));
      return ids.filter((id) => !known.has(id));
    },

    /** An owner: their accounts with risk, their alerts (highest score first), counts per rule, their cases. */
    async owner(ownerId: string) {
      const accounts = await db
        .select({ accountId: fraudAccounts.accountId, currency: fraudAccounts.currency, openedAt: fraudAccounts.openedAt, lastActivityAt: fraudAccountCounters.lastActivityAt, riskScore: fraudAccountCounters.riskScore, riskAt: fraudAccountCounters.riskAt })
        .from(fraudAccounts)
        .innerJoin(fraudAccountCounters, eq(fraudAccountCounters.accountId, fraudAccounts.accountId))
        .where(eq(fraudAccounts.ownerId, ownerId))
        .orderBy(desc(fraudAccountCounters.riskScore), asc(fraudAccounts.accountId))
        .limit(200);
      if (!accounts.length) return null;
      const alertRows = await db.select().from(alerts).where(eq(alerts.ownerId, ownerId)).orderBy(desc(alerts.score), desc(alerts.raisedAt)).limit(200);
      const cases = await db.select().from(fraudCases).where(eq(fraudCases.ownerId, ownerId)).orderBy(desc(fraudCases.openedAt)).limit(50);
      const byRule: Record<string, number> = {};
      for (const a of alertRows) byRule[a.rule] = (byRule[a.rule] ?? 0) + 1;
      return {
        ownerId,
        riskScore: Math.max(...accounts.map((a) => a.riskScore)),
        accounts: accounts.map((a) => ({ accountId: a.accountId, currency: a.currency, openedAt: a.openedAt, lastActivityAt: a.lastActivityAt, riskScore: a.riskScore, riskAt: a.riskAt })),
        alerts: alertRows.map((a) => ({ id: a.id, rule: a.rule, severity: a.severity, score: a.score, status: a.status, accountId: a.accountId, amount: formatAmount(a.amount, a.currency), currency: a.currency, raisedAt: a.raisedAt, occurrences: a.occurrences, caseId: a.caseId })),
        alertsByRule: byRule,
        cases: cases.map((c) => ({ id: c.id, status: c.status, assignee: c.assignee, dueAt: c.dueAt, decision: c.decision, openedAt: c.openedAt })),
      };
    },

    /**
     * Counterparties up to `depth` hops (≤ 3) from an account, both directions, at most `fanOut` per
     * account (most money first): the accounts reached with their risk and live alerts, and the edges.
     */
    async network(accountId: string, depth: number, fanOut: number) {
      const seen = new Map<string, number>([[accountId, 0]]);
      const edges: Array<{ from: string; to: string; currency: string; outAmount: string; inAmount: string; outCount: number; inCount: number }> = [];
      let frontier = [accountId];
      for (let d = 1; d <= depth && frontier.length; d++) {
        const rows = rowsOf<{ account_id: string; counterparty_id: string; currency: string; out_amount: string; in_amount: string; out_count: number; in_count: number }>(
          await db.execute(sql`
            select account_id, counterparty_id, currency, out_amount::text, in_amount::text, out_count, in_count from (
              select c.*, row_number() over (partition by account_id order by out_amount + in_amount desc, counterparty_id) as n
              from fraud_counterparties c where account_id in (${sql.join(frontier.map((f) => sql`${f}`), sql`, `)})) ranked
            where n <= ${fanOut}`),
        );
        const next: string[] = [];
        for (const r of rows) {
          edges.push({ from: r.account_id, to: r.counterparty_id, currency: r.currency, outAmount: r.out_amount, inAmount: r.in_amount, outCount: r.out_count, inCount: r.in_count });
          if (!seen.has(r.counterparty_id)) {
            seen.set(r.counterparty_id, d);
            next.push(r.counterparty_id);
          }
        }
        frontier = next;
      }
      const ids = [...seen.keys()];
      const profiles = await db
        .select({ accountId: fraudAccounts.accountId, ownerId: fraudAccounts.ownerId, riskScore: fraudAccountCounters.riskScore })
        .from(fraudAccounts)
        .innerJoin(fraudAccountCounters, eq(fraudAccountCounters.accountId, fraudAccounts.accountId))
        .where(inArray(fraudAccounts.accountId, ids));
      const live = rowsOf<{ account_id: string; n: number }>(
        await db.execute(sql`select account_id, count(*)::int as n from alerts where status in ('open', 'investigating') and account_id in (${sql.join(ids.map((i) => sql`${i}`), sql`, `)}) group by account_id`),
      );
      const liveOf = new Map(live.map((r) => [r.account_id, r.n]));
      const profileOf = new Map(profiles.map((p) => [p.accountId, p]));
      const nodes = ids.map((id) => ({ accountId: id, depth: seen.get(id)!, ownerId: profileOf.get(id)?.ownerId ?? null, riskScore: profileOf.get(id)?.riskScore ?? 0, liveAlerts: liveOf.get(id) ?? 0 }));
      return { accountId, depth, fanOut, nodes, edges: edges.map((e) => ({ ...e, outAmount: formatAmount(e.outAmount, e.currency), inAmount: formatAmount(e.inAmount, e.currency) })) };
    },

    /** Alerts raised per UTC day and rule in [from, to). */
    async alertStats(f: { from?: string; to?: string; rule?: string }) {
      const where: SQL[] = [];
      if (f.from) where.push(gte(alerts.raisedAt, f.from));
      if (f.to) where.push(lt(alerts.raisedAt, f.to));
      if (f.rule) where.push(eq(alerts.rule, f.rule));
      const rows = await db
        .select({ day: sql<string>`substr(${alerts.raisedAt}, 1, 10)`, rule: alerts.rule, count: sql<number>`count(*)::int`, open: sql<number>`(count(*) filter (where ${alerts.status} in ('open', 'investigating')))::int` })
        .from(alerts)
        .where(where.length ? and(...where) : undefined)
        .groupBy(sql`1`, alerts.rule)
        .orderBy(sql`1`, alerts.rule)
        .limit(5000);
      const byRule: Record<string, number> = {};
      for (const r of rows) byRule[r.rule] = (byRule[r.rule] ?? 0) + r.count;
      return { byDay: rows, byRule, total: rows.reduce((s, r) => s + r.count, 0) };
    },
  };
}

export type CaseQueries = ReturnType<typeof caseQueries>;

