import { AppError } from '../errors.ts';
import { auditLog } from '../db/schema.ts';
import { type AuditCursor, auditCount, auditPage, auditWhere, toAuditEntry } from '../read-models/audit/queries.ts';
import { verifyChain } from '../verify/verify-ledger.ts';
import { actorNames } from './actor-names.ts';
import { boundedLog } from './bounded-log.ts';
import type { Column, Line, Row } from './columns.ts';
import type { Period } from './period.ts';
import { DEFAULT_PAGE_SIZE, type ReportContext, type ReportPlan, periodStem } from './report.ts';
import { atSnapshot, describeSnapshot, resolveSnapshot } from './snapshot.ts';

export interface AuditTrailParams {
  period: Period;
  accountId?: string;
  actor?: string;
  type?: string;
  position?: number;
}

const COLUMNS: Column[] = [
  { key: 'partition', label: 'Partition', kind: 'integer', width: 0 },
  { key: 'position', label: 'Pos.', kind: 'integer', width: 4.5 },
  { key: 'occurred_at', label: 'Time (UTC)', kind: 'timestamp', width: 10 },
  { key: 'type', label: 'Event', kind: 'text', width: 9.5 },
  { key: 'account_id', label: 'Account', kind: 'id', width: 14.2 },
  { key: 'transaction_id', label: 'Transaction', kind: 'id', width: 0 },
  { key: 'amount', label: 'Amount', kind: 'amount', width: 7 },
  { key: 'currency', label: 'Cur.', kind: 'text', width: 3.5 },
  { key: 'actor', label: 'Actor id', kind: 'id', width: 8.5 },
  // A name is never cut either: it shrinks or takes two lines, like an id.
  { key: 'actor_name', label: 'Actor', kind: 'id', width: 8.5 },
  { key: 'actor_role', label: 'Role', kind: 'text', width: 0 },
  { key: 'origin_ip', label: 'IP', kind: 'text', width: 0 },
  { key: 'origin_user_agent', label: 'User agent', kind: 'text', width: 0 },
  { key: 'origin_request_id', label: 'Request', kind: 'text', width: 0 },
  { key: 'command_id', label: 'Command', kind: 'id', width: 14.2 },
  { key: 'correlation_id', label: 'Correlation', kind: 'text', width: 0 },
  { key: 'event_id', label: 'Event id', kind: 'id', width: 0 },
  { key: 'prev_hash', label: 'Previous hash', kind: 'id', width: 0 },
  { key: 'hash', label: 'Hash', kind: 'id', width: 24.5 },
];

/**
 * Audit trail: every event of the period from audit_log, with the hash-chain verification of the
 * log up to the report's position on the first page.
 */
export async function planAuditTrail(ctx: ReportContext, params: AuditTrailParams): Promise<ReportPlan> {
  const { db } = ctx;
  if (params.accountId && !(await ctx.ledger.exists(params.accountId))) {
    throw new AppError('account_not_found', `account ${params.accountId} does not exist`, 'accountId');
  }
  const snapshot = await resolveSnapshot(db, 'audit', ctx.log.partitions, params.position);
  const filter = { from: params.period.from, to: params.period.to, accountId: params.accountId, actor: params.actor, type: params.type };
  const where = auditWhere(filter, atSnapshot(auditLog.partition, auditLog.position, snapshot));
  const rowCount = await auditCount(db, where);
  const chain = await verifyChain(boundedLog(ctx.log, snapshot));
  const position = describeSnapshot(snapshot);
  const chainText = chain.ok
    ? `VERIFIED: ${chain.events} events, no broken link up to position ${position}`
    : `BROKEN at partition ${chain.firstBreak!.partition} position ${chain.firstBreak!.position} (${chain.firstBreak!.reason})`;
  const nameOf = await actorNames(db);
  const pageSize = ctx.pageSize ?? DEFAULT_PAGE_SIZE;
  const types = new Map<string, number>();
  let first: string | null = null;
  let last: string | null = null;

  return {
    name: 'audit-trail',
    title: 'Audit trail',
    orientation: 'landscape',
    period: params.period,
    snapshot,
    details: [
      ['Account', params.accountId ?? 'all accounts'],
      ['Actor', params.actor ?? 'all actors'],
      ['Event type', params.type ?? 'all types'],
    ],
    summary: [
      ['Hash chain', chainText],
      ...(chain.firstBreak ? ([['First broken link', chain.firstBreak.detail]] as Line[]) : []),
      ['Events in this report', String(rowCount)],
    ],
    columns: COLUMNS,
    rowCount,
    totalsLines: 3,
    emptyText: 'No events in this period.',
    fileStem: `audit-trail_${periodStem(params.period)}_p${position.replace(/[^0-9]+/g, '-')}`,
    async *pages(): AsyncIterable<Row[]> {
      let after: AuditCursor | null = null;
      for (;;) {
        const rows = await auditPage(db, where, after, pageSize);
        if (rows.length === 0) return;
        yield rows.map(toAuditEntry).map((e) => {
          types.set(e.type, (types.get(e.type) ?? 0) + 1);
          first ??= e.occurredAt;
          last = e.occurredAt;
          return [
            String(e.partition),
            String(e.position),
            e.occurredAt,
            e.type,
            e.accountId,
            e.transactionId,
            e.amount,
            e.currency,
            e.actor,
            nameOf(e.actor),
            e.actorRole,
            e.origin.ip,
            e.origin.userAgent,
            e.origin.requestId,
            e.commandId,
            e.correlationId,
            e.eventId,
            e.prevHash,
            e.hash,
          ];
        });
        const tail = rows[rows.length - 1]!;
        after = { partition: tail.partition, position: tail.position };
        if (rows.length < pageSize) return;
      }
    },
    totals(): Line[] {
      const byType = [...types].sort(([a], [b]) => (a < b ? -1 : 1)).map(([t, n]) => `${t} ${n}`).join(', ');
      return [
        ['Events', String([...types.values()].reduce((s, n) => s + n, 0))],
        ['By type', byType || '-'],
        ['First / last event', first && last ? `${String(first)} / ${String(last)}` : '-'],
      ];
    },
  };
}
