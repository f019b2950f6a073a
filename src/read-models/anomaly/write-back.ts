import { eq, getTableColumns, inArray, lt, sql } from 'drizzle-orm';
import { insertMany } from '../../db/bulk.ts';
import type { Tx } from '../../db/client.ts';
import { type AlertHistoryEntry, alerts, fraudAccountCounters, fraudAccounts, fraudActivity, fraudAlertOutbox, fraudCounterparties, fraudFlowTags, fraudPopulation } from '../../db/schema.ts';
import type { RaiseAlert } from '../../domain/alert/commands.ts';
import { formatAmount } from '../../domain/money.ts';
import type { Evidence } from '../../domain/fraud/activity.ts';
import type { StoredEvent } from '../../log/envelope.ts';
import type { AlertStatusChanged } from '../../domain/alert/events.ts';
import { countersRow } from './counters.ts';
import type { Changes } from './evaluate.ts';
import { type Windows, iso } from './windows.ts';

/** Step 4: the batch's changes in bulk, one statement per table. */
export async function writeBack(tx: Tx, windows: Windows, changes: Changes, tagWindowMs: number): Promise<void> {
  await insertMany(tx, fraudActivity, changes.activity, sql`on conflict do nothing`);
  await writeProfiles(tx, windows, changes);
  const population = [...changes.population].map(([key, count]) => {
    const [currency, kind, bucket] = key.split('|') as [string, string, string];
    return { currency, kind, bucket: Number(bucket), count };
  });
  await insertMany(tx, fraudPopulation, population, sql`on conflict (currency, kind, bucket) do update set count = fraud_population.count + excluded.count`);
  await insertMany(
    tx,
    fraudCounterparties,
    [...changes.pairs.values()],
    sql`on conflict (account_id, counterparty_id) do update set out_count = fraud_counterparties.out_count + excluded.out_count,
        out_amount = fraud_counterparties.out_amount + excluded.out_amount, in_count = fraud_counterparties.in_count + excluded.in_count,
        in_amount = fraud_counterparties.in_amount + excluded.in_amount, last_at = excluded.last_at`,
  );
  await insertMany(tx, fraudFlowTags, changes.newTags, sql`on conflict do nothing`);
  // Funds in flight older than any round-trip window can never close a loop again (event time only grows).
  if (changes.newTags.length) await tx.delete(fraudFlowTags).where(lt(fraudFlowTags.startedAt, iso(Date.parse(changes.lastAt) - tagWindowMs)));
  await insertMany(tx, alerts, [...changes.newAlerts.values()], sql`on conflict do nothing`);
  await insertMany(tx, fraudAlertOutbox, [...changes.newAlerts.values()].map(outboxRow), sql`on conflict do nothing`);
  await joinAlerts(tx, changes);
}

/**
 * The profiles: the row with the last alerts (JSON) only for the accounts where it changed (new, or an
 * alert raised), the narrow counters row (last movement, baseline, risk) for every account that moved
 * or whose risk rose.
 */
async function writeProfiles(tx: Tx, windows: Windows, changes: Changes): Promise<void> {
  const profileRows = [...changes.dirtyProfiles].map((id) => {
    const p = windows.profiles.get(id)!;
    return { accountId: p.accountId, ownerId: p.ownerId, currency: p.currency, openedAt: p.openedAt, lastAlertAt: p.lastAlertAt as Record<string, string> };
  });
  await insertMany(tx, fraudAccounts, profileRows, sql`on conflict (account_id) do update set owner_id = excluded.owner_id, opened_at = excluded.opened_at, last_alert_at = excluded.last_alert_at`);
  const counterRows = [...changes.dirtyCounters].map((id) => countersRow(windows.profiles.get(id)!, windows.risk.get(id) ?? { score: 0, at: null, factors: null }));
  await insertMany(tx, fraudAccountCounters, counterRows, sql`on conflict (account_id) do update set ${SET_COUNTERS}`);
}

/** Every column of fraud_account_counters but the key, from the new row: a row is the account's whole state. */
const SET_COUNTERS = sql.raw(
  Object.values(getTableColumns(fraudAccountCounters))
    .filter((c) => !c.primary)
    .map((c) => `"${c.name}" = excluded."${c.name}"`)
    .join(', '),
);

/** The RaiseAlert the alert reactor will submit for a new alert (src/read-models/anomaly/alert-reactor.ts). */
function outboxRow(a: typeof alerts.$inferInsert): typeof fraudAlertOutbox.$inferInsert {
  const command: RaiseAlert = {
    type: 'RaiseAlert',
    alertId: a.id,
    rule: a.rule,
    severity: a.severity,
    score: a.score,
    accountId: a.accountId,
    accountIds: a.accountIds,
    ownerId: a.ownerId ?? null,
    currency: a.currency,
    amount: formatAmount(a.amount, a.currency),
    summary: a.summary,
    triggerEventId: a.triggerEventId,
    triggerPartition: a.partition,
    triggerPosition: a.position,
    raisedAt: a.raisedAt,
  };
  return { alertId: a.id, triggerPartition: a.partition, triggerPosition: a.position, command: command as unknown as Record<string, unknown> };
}

/** New evidence for alerts raised before the batch: appended (once per event, up to the cap), score and count raised. */
async function joinAlerts(tx: Tx, changes: Changes): Promise<void> {
  if (!changes.joins.size) return;
  const rows = await tx.select({ id: alerts.id, evidence: alerts.evidence, score: alerts.score, occurrences: alerts.occurrences }).from(alerts).where(inArray(alerts.id, [...changes.joins.keys()]));
  for (const r of rows) {
    const j = changes.joins.get(r.id)!;
    const seen = new Set(r.evidence.map((e: Evidence) => e.eventId));
    const evidence = [...r.evidence, ...j.evidence.filter((e) => !seen.has(e.eventId))].slice(0, 100);
    await tx
      .update(alerts)
      .set({ evidence, score: Math.max(r.score, j.score), occurrences: r.occurrences + j.occurrences, lastSeenAt: j.lastSeenAt, updatedAt: j.lastSeenAt })
      .where(eq(alerts.id, r.id));
  }
}

/** Step 5: analysts' status changes, after the alerts of this batch exist. */
export async function applyStatusChanges(tx: Tx, statusChanges: ReadonlyArray<StoredEvent<AlertStatusChanged>>): Promise<void> {
  for (const stored of statusChanges) {
    const e = stored;
    const entry: AlertHistoryEntry = { status: e.data.to, at: stored.occurredAt, actor: stored.metadata.actor, note: e.data.note, eventId: stored.eventId, position: stored.position };
    await tx
      .update(alerts)
      .set({ status: e.data.to, updatedAt: stored.occurredAt, history: sql`${alerts.history} || ${JSON.stringify([entry])}::jsonb` })
      .where(eq(alerts.id, e.data.alertId));
  }
}
