import { type SQL, and, asc, eq, gte, lt, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.ts';
import { auditLog } from '../../db/schema.ts';
import { formatAmount, isSupportedCurrency } from '../../domain/money.ts';

export interface AuditFilter {
  from: string | null;
  to: string | null;
  accountId?: string;
  actor?: string;
  type?: string;
}

export interface AuditCursor {
  partition: number;
  position: number;
}

export interface AuditEntry {
  partition: number;
  position: number;
  eventId: string;
  occurredAt: string;
  type: string;
  accountId: string;
  transactionId: string | null;
  amount: string | null;
  currency: string | null;
  actor: string;
  actorRole: string | null;
  origin: { ip: string | null; userAgent: string | null; requestId: string | null };
  commandId: string;
  correlationId: string;
  prevHash: string;
  hash: string;
}

export type AuditRow = typeof auditLog.$inferSelect;

/** The filter as SQL over audit_log; `extra` adds the snapshot bound. */
export function auditWhere(filter: AuditFilter, extra?: SQL): SQL {
  return and(
    filter.from ? gte(auditLog.occurredAt, filter.from) : undefined,
    filter.to ? lt(auditLog.occurredAt, filter.to) : undefined,
    filter.accountId ? eq(auditLog.accountId, filter.accountId) : undefined,
    filter.actor ? eq(auditLog.actor, filter.actor) : undefined,
    filter.type ? eq(auditLog.type, filter.type) : undefined,
    extra,
  ) ?? sql`true`;
}

/** One keyset page in log order (partition, position). */
export async function auditPage(db: Db, where: SQL, after: AuditCursor | null, limit: number): Promise<AuditRow[]> {
  return db
    .select()
    .from(auditLog)
    .where(after ? and(where, sql`(${auditLog.partition}, ${auditLog.position}) > (${after.partition}, ${after.position})`) : where)
    .orderBy(asc(auditLog.partition), asc(auditLog.position))
    .limit(limit);
}

export async function auditCount(db: Db, where: SQL): Promise<number> {
  const rows = await db.select({ n: sql<number>`count(*)::int` }).from(auditLog).where(where);
  return Number(rows[0]?.n ?? 0);
}

/** The audit log's queries with the database bound (the slice's `queries`). */
export function auditQueries(db: Db) {
  return {
    page: (where: SQL, after: AuditCursor | null, limit: number) => auditPage(db, where, after, limit),
    count: (where: SQL) => auditCount(db, where),
  };
}

export type AuditQueries = ReturnType<typeof auditQueries>;

/** The amount in its currency's scale, as on the wire. */
function auditAmount(r: Pick<AuditRow, 'amount' | 'currency'>): string | null {
  if (r.amount === null) return null;
  return r.currency && isSupportedCurrency(r.currency) ? formatAmount(r.amount, r.currency) : r.amount.toFixed();
}

export function toAuditEntry(r: AuditRow): AuditEntry {
  return {
    partition: r.partition,
    position: r.position,
    eventId: r.eventId,
    occurredAt: r.occurredAt,
    type: r.type,
    accountId: r.accountId,
    transactionId: r.transactionId,
    amount: auditAmount(r),
    currency: r.currency,
    actor: r.actor,
    actorRole: r.actorRole,
    origin: { ip: r.originIp, userAgent: r.originUserAgent, requestId: r.originRequestId },
    commandId: r.commandId,
    correlationId: r.correlationId,
    prevHash: r.prevHash,
    hash: r.hash,
  };
}
