import { formatAmount, isSupportedCurrency } from '../domain/money.ts';
import { canonicalJson } from '../log/envelope.ts';
import { actorNames } from './actor-names.ts';
import type { AlertCursor, AlertEvidence, AlertHistory, AlertRecord } from './alerts-source.ts';
import type { Column, Line, Row } from './columns.ts';
import { humanize, kindLabel } from './labels.ts';
import type { BlockCell, BlockLine } from './pdf-blocks.ts';
import { groupThousands } from './columns.ts';
import type { Period } from './period.ts';
import { DEFAULT_PAGE_SIZE, type ReportContext, type ReportPlan, periodStem } from './report.ts';
import { describeSnapshot, resolveSnapshot } from './snapshot.ts';

export interface SuspiciousActivityParams {
  period: Period;
  position?: number;
}

/** The CSV: one row per alert; evidence and status history as JSON (the PDF prints them as rows). */
const COLUMNS: Column[] = [
  { key: 'raised_at', label: 'Raised (UTC)', kind: 'timestamp', width: 1 },
  { key: 'alert_id', label: 'Alert', kind: 'id', width: 1 },
  { key: 'rule', label: 'Rule', kind: 'text', width: 1 },
  { key: 'severity', label: 'Severity', kind: 'text', width: 1 },
  { key: 'score', label: 'Score', kind: 'integer', width: 1 },
  { key: 'status', label: 'Status', kind: 'text', width: 1 },
  { key: 'account_id', label: 'Account', kind: 'id', width: 1 },
  { key: 'account_ids', label: 'Accounts involved', kind: 'text', width: 1 },
  { key: 'amount', label: 'Amount', kind: 'amount', width: 1 },
  { key: 'currency', label: 'Currency', kind: 'text', width: 1 },
  { key: 'summary', label: 'Summary', kind: 'text', width: 1 },
  { key: 'position', label: 'Position', kind: 'integer', width: 1 },
  { key: 'evidence', label: 'Evidence', kind: 'text', width: 1 },
  { key: 'history', label: 'Status history', kind: 'text', width: 1 },
];
const C = Object.fromEntries(COLUMNS.map((c, i) => [c.key, i])) as Record<string, number>;

/** A history entry as the CSV carries it: the actor's name beside the recorded actor id. */
type NamedHistory = AlertHistory & { actorName: string };

/**
 * Suspicious activity: the alerts fraud detection raised in the period. In the PDF a block per
 * alert: rule, severity, status, the summary in words, the amount, the evidence as transaction
 * rows, the status history with actor and time, and the analysts' notes.
 */
export async function planSuspiciousActivity(ctx: ReportContext, params: SuspiciousActivityParams): Promise<ReportPlan> {
  const available = await ctx.alerts.available();
  // The alerts reflect the log as far as the projection that raises them got; without it, the ledger's position.
  const snapshot = await resolveSnapshot(ctx.db, available ? ctx.alerts.projection : 'ledger', ctx.log.partitions, params.position);
  const bySeverity = available ? await ctx.alerts.countBySeverity(params.period, snapshot) : [];
  const rowCount = bySeverity.reduce((s, r) => s + r.count, 0);
  const nameOf = await actorNames(ctx.db);
  let seen = new Map<string, number>();
  const pageSize = ctx.pageSize ?? DEFAULT_PAGE_SIZE;
  return {
    name: 'suspicious-activity',
    title: 'Suspicious activity',
    orientation: 'landscape',
    period: params.period,
    snapshot,
    details: [
      ['Source', available ? 'alerts raised by fraud detection' : 'fraud detection alerts (not installed: there is no alerts table)'],
      ['Note', 'alert status and notes as recorded at generation time'],
    ],
    summary: rowCount === 0 ? [['Alerts', 'No alerts were raised in this period.']] : [['Alerts', String(rowCount)], ...bySeverity.map((r): Line => [`Severity ${r.severity}`, String(r.count)])],
    columns: COLUMNS,
    rowCount,
    totalsLines: 1 + bySeverity.length,
    emptyText: 'No alerts were raised in this period.',
    fileStem: `suspicious-activity_${periodStem(params.period)}_p${describeSnapshot(snapshot).replace(/[^0-9]+/g, '-')}`,
    async *pages(): AsyncIterable<Row[]> {
      seen = new Map();
      if (!available) return;
      let after: AlertCursor | null = null;
      for (;;) {
        const alerts = await ctx.alerts.page(params.period, snapshot, after, pageSize);
        if (alerts.length === 0) return;
        yield alerts.map((a) => {
          seen.set(a.severity, (seen.get(a.severity) ?? 0) + 1);
          return alertRow(a, nameOf);
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
    blocks: alertBlock,
  };
}

function alertRow(a: AlertRecord, nameOf: (actor: string) => string): Row {
  const history: NamedHistory[] = a.history.map((h) => ({ ...h, actorName: nameOf(h.actor) }));
  return [
    a.raisedAt,
    a.id,
    a.rule,
    a.severity,
    a.score === null ? null : String(a.score),
    a.status,
    a.accountId,
    a.accountIds.join(' '),
    a.amount !== null && a.currency !== null && isSupportedCurrency(a.currency) ? formatAmount(a.amount, a.currency) : a.amount,
    a.currency,
    a.summary,
    a.position === null ? null : String(a.position),
    canonicalJson(a.evidence),
    canonicalJson(history),
  ];
}

const cell = (text: string | null | undefined, at: number, width: number, extra: Partial<BlockCell> = {}): BlockCell => ({ text: text ?? '', at, width, ...extra });

/** The PDF block of one alert (a CSV row): heading, facts, summary, evidence rows, status history. */
export function alertBlock(row: Row): BlockLine[] {
  const get = (key: string) => row[C[key]!] ?? null;
  const evidence = JSON.parse(get('evidence') ?? '[]') as AlertEvidence[];
  const history = JSON.parse(get('history') ?? '[]') as NamedHistory[];
  const amount = get('amount');
  const others = (get('account_ids') ?? '').split(' ').filter((id) => id !== '' && id !== get('account_id'));
  const lines: BlockLine[] = [
    {
      style: 'title',
      cells: [
        cell(`Alert ${get('alert_id') ?? ''}`, 0, 0.45, { kind: 'id' }),
        cell(humanize(get('rule') ?? ''), 0.45, 0.2),
        cell(`Severity ${(get('severity') ?? '').toUpperCase()}${get('score') === null ? '' : ` · score ${get('score')}`}`, 0.65, 0.19),
        cell(`Status ${get('status') ?? ''}`, 0.84, 0.16),
      ],
    },
    {
      style: 'text',
      cells: [
        cell(`Raised ${timestamp(get('raised_at'))} UTC · log position ${get('position') ?? '-'}${amount ? ` · amount ${groupThousands(amount)} ${get('currency') ?? ''}` : ''}`, 0, 0.5),
        cell('Account', 0.5, 0.07, { role: 'sans-bold' }),
        cell(get('account_id'), 0.57, 0.43, { kind: 'id' }),
      ],
    },
  ];
  if (others.length > 0) lines.push({ style: 'text', cells: [cell('Also involved', 0, 0.1, { role: 'sans-bold' }), cell(others.join(', '), 0.1, 0.9, { wrap: true })] });
  lines.push({ style: 'text', cells: [cell('Summary', 0, 0.1, { role: 'sans-bold' }), cell(get('summary') ?? '-', 0.1, 0.9, { wrap: true })] });
  lines.push(...evidenceLines(evidence), ...historyLines(history, get('summary')));
  return lines;
}

function evidenceLines(evidence: readonly AlertEvidence[]): BlockLine[] {
  const head: BlockLine = {
    style: 'head',
    cells: [cell(`Evidence (${evidence.length})`, 0, 0.1), cell('Date (UTC)', 0.1, 0.12), cell('Transaction', 0.22, 0.21), cell('Movement', 0.43, 0.07), cell('Account', 0.5, 0.21), cell('Amount', 0.71, 0.1, { kind: 'amount' }), cell('Counterparty', 0.81, 0.19)],
  };
  if (evidence.length === 0) return [head, { style: 'row', cells: [cell('no movements recorded', 0.1, 0.9, { role: 'sans-oblique' })] }];
  return [
    head,
    ...evidence.map(
      (e): BlockLine => ({
        style: 'row',
        cells: [
          cell(timestamp(e.occurredAt ?? null), 0.1, 0.12),
          cell(e.transactionId, 0.22, 0.21, { kind: 'id' }),
          cell(e.kind ? kindLabel(e.kind) : '', 0.43, 0.07),
          cell(e.accountId, 0.5, 0.21, { kind: 'id' }),
          cell(e.amount ? `${groupThousands(e.amount)} ${e.currency ?? ''}`.trim() : '', 0.71, 0.1, { kind: 'amount' }),
          cell(e.counterpartyId ?? '-', 0.81, 0.19, { kind: 'id' }),
        ],
      }),
    ),
  ];
}

function historyLines(history: readonly NamedHistory[], summary: string | null): BlockLine[] {
  const head: BlockLine = { style: 'head', cells: [cell('Status history', 0, 0.1), cell('Time (UTC)', 0.1, 0.12), cell('Status', 0.22, 0.08), cell('By', 0.3, 0.25), cell('Note', 0.55, 0.45)] };
  return [
    head,
    ...history.map(
      (h): BlockLine => ({
        style: 'row',
        cells: [
          cell(timestamp(h.at), 0.1, 0.12),
          cell(h.status, 0.22, 0.08),
          cell(h.actorName === h.actor ? h.actor : `${h.actorName} (${h.actor})`, 0.3, 0.25, { kind: 'id' }),
          historyNote(h, summary),
        ],
      }),
    ),
  ];
}

/** The note in words; the entry that raised the alert repeats the summary, so it says who raised it. */
function historyNote(h: NamedHistory, summary: string | null): BlockCell {
  const raised = h.status === 'open' && (h.note === null || h.note === summary);
  if (raised || h.note === null) return cell(raised ? 'raised by fraud detection' : '-', 0.55, 0.45, { role: 'sans-oblique' });
  return cell(h.note, 0.55, 0.45, { wrap: true });
}

function timestamp(value: string | null): string {
  return value ? value.replace('T', ' ').replace(/(\.\d+)?Z$/, '') : '-';
}
