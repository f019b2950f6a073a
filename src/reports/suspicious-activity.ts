import { canonicalJson } from '../log/envelope.ts';
import type { AlertCursor } from './alerts-source.ts';
import type { Column, Line, Row } from './columns.ts';
import type { Period } from './period.ts';
import { DEFAULT_PAGE_SIZE, type ReportContext, type ReportPlan, periodStem } from './report.ts';
import { describeSnapshot, resolveSnapshot } from './snapshot.ts';

export interface SuspiciousActivityParams {
  period: Period;
  position?: number;
}

const COLUMNS: Column[] = [
  { key: 'raised_at', label: 'Raised (UTC)', kind: 'timestamp', width: 11 },
  { key: 'alert_id', label: 'Alert', kind: 'id', width: 25 },
  { key: 'rule', label: 'Rule', kind: 'text', width: 9 },
  { key: 'severity', label: 'Severity', kind: 'text', width: 5.5 },
  { key: 'score', label: 'Score', kind: 'integer', width: 4 },
  { key: 'account_id', label: 'Account', kind: 'id', width: 14 },
  { key: 'status', label: 'Status', kind: 'text', width: 6 },
  { key: 'position', label: 'Position', kind: 'integer', width: 4.5 },
  { key: 'evidence', label: 'Evidence', kind: 'text', width: 21 },
];

/** Suspicious activity: the alerts fraud detection raised in the period, with their evidence. */
export async function planSuspiciousActivity(ctx: ReportContext, params: SuspiciousActivityParams): Promise<ReportPlan> {
  const available = await ctx.alerts.available();
  // The alerts reflect the log as far as the projection that raises them got; without it, the ledger's position.
  const snapshot = await resolveSnapshot(ctx.db, available ? ctx.alerts.projection : 'ledger', ctx.log.partitions, params.position);
  const bySeverity = available ? await ctx.alerts.countBySeverity(params.period, snapshot) : [];
  const rowCount = bySeverity.reduce((s, r) => s + r.count, 0);
  const seen = new Map<string, number>();
  const pageSize = ctx.pageSize ?? DEFAULT_PAGE_SIZE;
  return {
    name: 'suspicious-activity',
    title: 'Suspicious activity',
    orientation: 'landscape',
    period: params.period,
    snapshot,
    details: [
      ['Source', available ? 'alerts raised by fraud detection' : 'fraud detection alerts (not installed: there is no alerts table)'],
      ['Note', 'alert status as recorded at generation time'],
    ],
    summary: rowCount === 0 ? [['Alerts', 'No alerts were raised in this period.']] : [['Alerts', String(rowCount)], ...bySeverity.map((r): Line => [`Severity ${r.severity}`, String(r.count)])],
    columns: COLUMNS,
    rowCount,
    totalsLines: 1 + bySeverity.length,
    emptyText: 'No alerts were raised in this period.',
    fileStem: `suspicious-activity_${periodStem(params.period)}_p${describeSnapshot(snapshot).replace(/[^0-9]+/g, '-')}`,
    async *pages(): AsyncIterable<Row[]> {
      if (!available) return;
      let after: AlertCursor | null = null;
      for (;;) {
        const alerts = await ctx.alerts.page(params.period, snapshot, after, pageSize);
        if (alerts.length === 0) return;
        yield alerts.map((a) => {
          seen.set(a.severity, (seen.get(a.severity) ?? 0) + 1);
          return [a.raisedAt, a.id, a.rule, a.severity, a.score === null ? null : String(a.score), a.accountId, a.status, a.position === null ? null : String(a.position), canonicalJson(a.evidence)];
        });
        const tail = alerts[alerts.length - 1]!;
        after = { raisedAt: tail.raisedAt, id: tail.id };
        if (alerts.length < pageSize) return;
      }
    },
    totals(): Line[] {
      const total = [...seen.values()].reduce((s, n) => s + n, 0);
      return [['Alerts', String(total)], ...bySeverity.map((r): Line => [`Severity ${r.severity}`, String(seen.get(r.severity) ?? 0)])];
    },
  };
}
