import { sql } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import type { Period } from './period.ts';
import type { Snapshot } from './snapshot.ts';

/** A movement an alert cites as evidence. */
export interface AlertEvidence {
  eventId?: string;
  transactionId?: string;
  accountId?: string;
  kind?: string;
  amount?: string;
  currency?: string;
  occurredAt?: string;
  counterpartyId?: string | null;
}

/** One entry of an alert's status history: raised ("open"), then every status change with its actor and note. */
export interface AlertHistory {
  status: string;
  at: string;
  actor: string;
  note: string | null;
}

/** An alert raised by fraud detection, as the suspicious-activity report reads it. */
export interface AlertRecord {
  id: string;
  rule: string;
  severity: string;
  score: number | null;
  accountId: string | null;
  /** Every account involved, the alert's own first. */
  accountIds: string[];
  amount: string | null;
  currency: string | null;
  status: string;
  summary: string | null;
  evidence: AlertEvidence[];
  history: AlertHistory[];
  raisedAt: string;
  position: number | null;
}

export interface AlertCursor {
  raisedAt: string;
  id: string;
}

/**
 * The one place the reports read alerts from. Fraud detection owns the `alerts` table; until it is
 * deployed the table does not exist and the source says so (available() is false, no rows).
 */
export interface AlertSource {
  /** The projection that writes the alerts: its checkpoint is the log position the alerts reflect. */
  readonly projection: string;
  available(): Promise<boolean>;
  /** Alerts in the period at or below the snapshot, per severity. */
  countBySeverity(period: Period, snapshot: Snapshot): Promise<Array<{ severity: string; count: number }>>;
  /** Keyset page ordered by (raised_at, id). */
  page(period: Period, snapshot: Snapshot, after: AlertCursor | null, limit: number): Promise<AlertRecord[]>;
}

/** Reads the `alerts` table (the anomaly read model's columns) if it exists. */
export function tableAlertSource(db: Db, projection = 'anomaly'): AlertSource {
  const where = (period: Period, snapshot: Snapshot) => {
    // alerts.position is the log position of the event that raised the alert; with several partitions
    // it cannot be told apart per partition, so the highest position of the snapshot bounds it.
    const bound = Math.max(-1, ...snapshot.values());
    const parts = [sql`(position is null or position <= ${bound})`];
    if (period.from) parts.push(sql`raised_at >= ${period.from}`);
    if (period.to) parts.push(sql`raised_at < ${period.to}`);
    return sql.join(parts, sql` and `);
  };
  return {
    projection,
    async available() {
      const rows = await db.execute<{ exists: boolean }>(sql`select to_regclass('alerts') is not null as "exists"`);
      return rowsOf<{ exists: boolean }>(rows)[0]?.exists === true;
    },
    async countBySeverity(period, snapshot) {
      if (!(await this.available())) return [];
      const rows = await db.execute(sql`select severity, count(*)::int as count from alerts where ${where(period, snapshot)} group by severity order by severity`);
      return rowsOf<{ severity: string; count: number }>(rows).map((r) => ({ severity: r.severity, count: Number(r.count) }));
    },
    async page(period, snapshot, after, limit) {
      const keyset = after ? sql` and (raised_at, id) > (${after.raisedAt}, ${after.id})` : sql``;
      const rows = await db.execute(
        sql`select id, rule, severity, score, account_id, account_ids, amount::text as amount, currency, status, summary, evidence, history, raised_at, position from alerts where ${where(period, snapshot)}${keyset} order by raised_at, id limit ${limit}`,
      );
      return rowsOf<AlertRow>(rows).map(alertRecord);
    },
  };
}

interface AlertRow {
  id: string;
  rule: string;
  severity: string;
  score: number | null;
  account_id: string | null;
  account_ids: string[] | string | null;
  amount: string | null;
  currency: string | null;
  status: string;
  summary: string | null;
  evidence: unknown;
  history: unknown;
  raised_at: string;
  position: number | string | null;
}

function alertRecord(r: AlertRow): AlertRecord {
  return {
    id: r.id,
    rule: r.rule,
    severity: r.severity,
    score: r.score === null ? null : Number(r.score),
    accountId: r.account_id,
    accountIds: textArray(r.account_ids),
    amount: r.amount,
    currency: r.currency,
    status: r.status,
    summary: r.summary,
    evidence: jsonArray(r.evidence) as AlertEvidence[],
    history: jsonArray(r.history) as AlertHistory[],
    raisedAt: r.raised_at,
    position: r.position === null ? null : Number(r.position),
  };
}

function jsonArray(value: unknown): unknown[] {
  const parsed = typeof value === 'string' ? (JSON.parse(value) as unknown) : value;
  return Array.isArray(parsed) ? parsed : [];
}

/** A text[] column: an array from postgres-js, possibly the literal `{a,b}` elsewhere. */
function textArray(value: string[] | string | null): string[] {
  if (value === null) return [];
  if (Array.isArray(value)) return value;
  return value.replace(/^\{|\}$/g, '').split(',').filter((v) => v !== '').map((v) => v.replace(/^"|"$/g, ''));
}

/** drizzle's execute() gives an array on postgres-js and { rows } on PGlite. */
export function rowsOf<T>(result: unknown): T[] {
  if (Array.isArray(result)) return result as T[];
  return ((result as { rows?: T[] }).rows ?? []) as T[];
}
