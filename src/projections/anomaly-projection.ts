import { and, asc, eq, gte, inArray, isNotNull, lt, sql } from 'drizzle-orm';
import { insertMany } from '../db/bulk.ts';
import type { Tx } from '../db/client.ts';
import { type AlertHistoryEntry, alerts, fraudAccounts, fraudActivity, fraudCounterparties, fraudFlowTags, projectionCheckpoints } from '../db/schema.ts';
import { type MovementEvent, isMovement, movementKind } from '../domain/account/events.ts';
import { type AccountProfile, type Activity, type FlowTag, type FraudConfig, type RuleId, alertIdOf, evaluate, hours } from '../domain/fraud/index.ts';
import { Dec } from '../domain/money.ts';
import { type StoredEvent, isAlertEvent, toAccountEvent, toAlertEvent } from '../log/envelope.ts';
import type { Projection } from './projection.ts';

const iso = (t: number): string => new Date(t).toISOString();

/**
 * The anomaly projector: runs every rule on every movement, in log order, and keeps the state the
 * rules need (activity windows, profiles, counterparties, funds in flight) in PostgreSQL in the
 * same transaction as the alerts and the checkpoint. A batch reads the windows of all the accounts
 * it touches at once, evaluates in memory, then writes everything back in bulk; the outcome does
 * not depend on how the log is cut into batches, so a rebuild raises the same alerts.
 */
/** Told of the alerts a batch raised (metrics); called inside the batch's transaction. */
export type AlertsRaised = (alerts: ReadonlyArray<{ rule: string; severity: string }>) => void;

export function anomalyProjection(config: FraudConfig, onAlerts?: AlertsRaised): Projection {
  const lookBack = config.maxWindowMs();
  const tagWindow = Math.max(...['*', ...config.currencies()].map((c) => hours(config.forCurrency(c).round_trip.windowHours)));
  return {
    name: 'anomaly',
    tables: ['alerts', 'fraud_accounts', 'fraud_activity', 'fraud_counterparties', 'fraud_flow_tags'],
    apply: async (tx, batch) => {
      const fresh = await unapplied(tx, 'anomaly', batch);
      if (!fresh.length) return;
      const raised = await applyBatch(tx, fresh, config, lookBack, tagWindow);
      if (raised.length) onAlerts?.(raised);
    },
  };
}

/**
 * Exactly once even when two runners feed this projection at the same time (a catchUp() next to
 * the background loop, a second process): lock the checkpoint row and drop what it already covers.
 * The counterparty totals are additive, so a batch applied twice would count twice.
 */
async function unapplied(tx: Tx, name: string, batch: readonly StoredEvent[]): Promise<readonly StoredEvent[]> {
  const partition = batch[0]?.partition;
  if (partition === undefined) return batch;
  await tx.insert(projectionCheckpoints).values({ projection: name, partition, position: -1 }).onConflictDoNothing();
  const rows = await tx
    .select({ position: projectionCheckpoints.position })
    .from(projectionCheckpoints)
    .where(and(eq(projectionCheckpoints.projection, name), eq(projectionCheckpoints.partition, partition)))
    .for('update');
  const done = rows[0]?.position ?? -1;
  return batch.filter((e) => e.position > done);
}

interface PairDelta {
  accountId: string;
  counterpartyId: string;
  currency: string;
  outCount: number;
  outAmount: Dec;
  inCount: number;
  inAmount: Dec;
  firstAt: string;
  lastAt: string;
}

async function applyBatch(tx: Tx, batch: readonly StoredEvent[], config: FraudConfig, lookBack: number, tagWindow: number): Promise<Array<{ rule: string; severity: string }>> {
  // ── 1. What the batch touches. ──
  const movements: Array<{ stored: StoredEvent; event: MovementEvent }> = [];
  const accountIds = new Set<string>();
  const sources = new Set<string>();
  const targets = new Set<string>();
  const alertIds = new Set<string>();
  for (const stored of batch) {
    if (isAlertEvent(stored)) {
      alertIds.add(stored.streamId);
      continue;
    }
    const event = toAccountEvent(stored);
    accountIds.add(event.data.accountId);
    if (isMovement(event)) {
      movements.push({ stored, event });
      if (event.type === 'TransferDebited') {
        sources.add(event.data.accountId);
        targets.add(event.data.counterpartyAccountId);
      }
    }
  }
  if (movements.length === 0 && alertIds.size === 0 && accountIds.size === 0) return [];
  const firstAt = movements[0]?.stored.occurredAt ?? batch[0]!.occurredAt;
  const since = iso(Date.parse(firstAt) - lookBack);
  const tagsSince = iso(Date.parse(firstAt) - tagWindow);
  const ids = [...accountIds];

  // ── 2. Batch reads. ──
  const profiles = new Map<string, AccountProfile>();
  for (const r of ids.length ? await tx.select().from(fraudAccounts).where(inArray(fraudAccounts.accountId, ids)) : []) {
    profiles.set(r.accountId, { accountId: r.accountId, ownerId: r.ownerId, currency: r.currency, openedAt: r.openedAt, lastActivityAt: r.lastActivityAt, lastAlertAt: r.lastAlertAt as Partial<Record<RuleId, string>> });
  }
  const recent = new Map<string, Activity[]>();
  if (movements.length) {
    const rows = await tx
      .select()
      .from(fraudActivity)
      .where(and(inArray(fraudActivity.accountId, [...new Set(movements.map((m) => m.event.data.accountId))]), gte(fraudActivity.occurredAt, since)))
      .orderBy(asc(fraudActivity.occurredAt), asc(fraudActivity.position));
    for (const r of rows) push(recent, r.accountId, r);
  }
  // Owners of accounts with cash-like movements (deposits/withdrawals with a channel): per-owner structuring.
  const ownerOf = (accountId: string): string | null => profiles.get(accountId)?.ownerId ?? openedOwner.get(accountId) ?? null;
  const openedOwner = new Map<string, string | null>();
  for (const stored of batch) if (stored.type === 'AccountOpened') {
    const e = toAccountEvent(stored);
    if (e.type === 'AccountOpened') openedOwner.set(e.data.accountId, e.data.ownerId);
  }
  const owners = new Set<string>();
  for (const { event } of movements) {
    if ((event.type === 'FundsDeposited' || event.type === 'FundsWithdrawn') && event.data.channel !== null) {
      const o = ownerOf(event.data.accountId);
      if (o !== null) owners.add(o);
    }
  }
  const ownerCash = new Map<string, Activity[]>();
  if (owners.size) {
    const rows = await tx
      .select()
      .from(fraudActivity)
      .where(and(inArray(fraudActivity.ownerId, [...owners]), gte(fraudActivity.occurredAt, since), inArray(fraudActivity.kind, ['deposit', 'withdrawal']), isNotNull(fraudActivity.channel)))
      .orderBy(asc(fraudActivity.occurredAt), asc(fraudActivity.position));
    for (const o of owners) ownerCash.set(o, []);
    for (const r of rows) push(ownerCash, r.ownerId!, r);
  }
  const paid = new Set<string>();
  if (sources.size) {
    const rows = await tx
      .select({ a: fraudCounterparties.accountId, b: fraudCounterparties.counterpartyId })
      .from(fraudCounterparties)
      .where(and(inArray(fraudCounterparties.accountId, [...sources]), inArray(fraudCounterparties.counterpartyId, [...targets]), sql`${fraudCounterparties.outCount} > 0`));
    for (const r of rows) paid.add(pairKey(r.a, r.b));
  }
  const tags = new Map<string, FlowTag[]>();
  if (sources.size) {
    const rows = await tx.select().from(fraudFlowTags).where(and(inArray(fraudFlowTags.accountId, [...sources]), gte(fraudFlowTags.startedAt, tagsSince)));
    for (const r of rows) pushTag(tags, r.accountId, { tagId: r.tagId, originId: r.originId, path: r.path, amount: r.amount, startedAt: r.startedAt, evidence: r.evidence });
  }

  // ── 3. Evaluate in log order. ──
  const dirtyProfiles = new Set<string>();
  const activityRows: (typeof fraudActivity.$inferInsert)[] = [];
  const pairs = new Map<string, PairDelta>();
  const newTags: (typeof fraudFlowTags.$inferInsert)[] = [];
  const newAlerts = new Map<string, typeof alerts.$inferInsert>();
  const statusChanges: StoredEvent[] = [];
  let lastAt = firstAt;

  for (const stored of batch) {
    if (isAlertEvent(stored)) {
      statusChanges.push(stored);
      continue;
    }
    const event = toAccountEvent(stored);
    if (event.type === 'AccountOpened') {
      profiles.set(event.data.accountId, { accountId: event.data.accountId, ownerId: event.data.ownerId, currency: event.data.currency, openedAt: stored.occurredAt, lastActivityAt: null, lastAlertAt: {} });
      dirtyProfiles.add(event.data.accountId);
      continue;
    }
    if (!isMovement(event)) continue;
    const d = event.data;
    const profile = profiles.get(d.accountId) ?? { accountId: d.accountId, ownerId: null, currency: d.currency, openedAt: null, lastActivityAt: null, lastAlertAt: {} };
    const counterpartyId = event.type === 'TransferDebited' || event.type === 'TransferCredited' ? event.data.counterpartyAccountId : null;
    const activity: Activity = {
      eventId: stored.eventId,
      transactionId: d.transactionId,
      accountId: d.accountId,
      ownerId: profile.ownerId,
      kind: movementKind(event),
      amount: new Dec(d.amount),
      currency: d.currency,
      balanceAfter: new Dec(d.balanceAfter),
      counterpartyId,
      channel: event.type === 'FundsDeposited' || event.type === 'FundsWithdrawn' ? event.data.channel : null,
      occurredAt: stored.occurredAt,
      position: stored.position,
    };
    const t = Date.parse(stored.occurredAt);
    const from = iso(t - lookBack);
    const mine = (recent.get(d.accountId) ?? []).filter((a) => a.occurredAt >= from);
    const ownerList = profile.ownerId !== null ? (ownerCash.get(profile.ownerId) ?? []) : [];
    const params = config.forCurrency(d.currency);
    const heldTags = activity.kind === 'transfer_out' ? (tags.get(d.accountId) ?? []) : [];
    const result = evaluate(
      {
        movement: activity,
        profile,
        recent: mine,
        ownerRecent: ownerList.filter((a) => a.accountId !== d.accountId && a.occurredAt >= from),
        paidBefore: counterpartyId !== null && paid.has(pairKey(d.accountId, counterpartyId)),
        tags: heldTags,
      },
      params,
    );

    const lastAlertAt = { ...profile.lastAlertAt };
    for (const det of result.detections) {
      const id = alertIdOf(det.rule, stored.eventId);
      lastAlertAt[det.rule] = stored.occurredAt;
      newAlerts.set(id, {
        id,
        rule: det.rule,
        severity: det.severity,
        score: det.score,
        accountId: det.accountIds[0]!,
        accountIds: det.accountIds,
        currency: d.currency,
        amount: det.amount,
        status: 'open',
        summary: det.summary,
        evidence: det.evidence,
        params: params[det.rule] as unknown as Record<string, unknown>,
        history: [{ status: 'open', at: stored.occurredAt, actor: 'system', note: det.summary, eventId: stored.eventId, position: stored.position }],
        triggerEventId: stored.eventId,
        raisedAt: stored.occurredAt,
        updatedAt: stored.occurredAt,
        partition: stored.partition,
        position: stored.position,
      });
    }
    if (counterpartyId !== null) {
      for (const tag of result.forward) {
        pushTag(tags, counterpartyId, tag);
        newTags.push({ accountId: counterpartyId, ...tag });
      }
      const key = pairKey(d.accountId, counterpartyId);
      const out = activity.kind === 'transfer_out';
      if (out) paid.add(key);
      const delta = pairs.get(key) ?? { accountId: d.accountId, counterpartyId, currency: d.currency, outCount: 0, outAmount: new Dec(0), inCount: 0, inAmount: new Dec(0), firstAt: stored.occurredAt, lastAt: stored.occurredAt };
      if (out) {
        delta.outCount++;
        delta.outAmount = delta.outAmount.plus(activity.amount);
      } else {
        delta.inCount++;
        delta.inAmount = delta.inAmount.plus(activity.amount);
      }
      delta.lastAt = stored.occurredAt;
      pairs.set(key, delta);
    }

    profiles.set(d.accountId, { ...profile, lastActivityAt: stored.occurredAt, lastAlertAt });
    dirtyProfiles.add(d.accountId);
    push(recent, d.accountId, activity);
    if (profile.ownerId !== null && ownerCash.has(profile.ownerId) && (activity.kind === 'deposit' || activity.kind === 'withdrawal') && activity.channel !== null) {
      ownerCash.get(profile.ownerId)!.push(activity);
    }
    activityRows.push({ ...activity });
    lastAt = stored.occurredAt;
  }

  // ── 4. Batch writes. ──
  await insertMany(tx, fraudActivity, activityRows, sql`on conflict do nothing`);
  const profileRows = [...dirtyProfiles].map((id) => {
    const p = profiles.get(id)!;
    return { accountId: p.accountId, ownerId: p.ownerId, currency: p.currency, openedAt: p.openedAt, lastActivityAt: p.lastActivityAt, lastAlertAt: p.lastAlertAt as Record<string, string> };
  });
  await insertMany(
    tx,
    fraudAccounts,
    profileRows,
    sql`on conflict (account_id) do update set owner_id = excluded.owner_id, opened_at = excluded.opened_at, last_activity_at = excluded.last_activity_at, last_alert_at = excluded.last_alert_at`,
  );
  const pairRows = [...pairs.values()];
  await insertMany(
    tx,
    fraudCounterparties,
    pairRows,
    sql`on conflict (account_id, counterparty_id) do update set out_count = fraud_counterparties.out_count + excluded.out_count,
        out_amount = fraud_counterparties.out_amount + excluded.out_amount, in_count = fraud_counterparties.in_count + excluded.in_count,
        in_amount = fraud_counterparties.in_amount + excluded.in_amount, last_at = excluded.last_at`,
  );
  await insertMany(tx, fraudFlowTags, newTags, sql`on conflict do nothing`);
  // Funds in flight older than any round-trip window can never close a loop again (event time only grows).
  if (newTags.length) await tx.delete(fraudFlowTags).where(lt(fraudFlowTags.startedAt, iso(Date.parse(lastAt) - tagWindow)));
  const alertRows = [...newAlerts.values()];
  await insertMany(tx, alerts, alertRows, sql`on conflict do nothing`);

  // ── 5. Analysts' status changes (after the alerts of this batch exist). ──
  for (const stored of statusChanges) {
    const e = toAlertEvent(stored);
    const entry: AlertHistoryEntry = { status: e.data.to, at: stored.occurredAt, actor: stored.metadata.actor, note: e.data.note, eventId: stored.eventId, position: stored.position };
    await tx
      .update(alerts)
      .set({ status: e.data.to, updatedAt: stored.occurredAt, history: sql`${alerts.history} || ${JSON.stringify([entry])}::jsonb` })
      .where(eq(alerts.id, e.data.alertId));
  }
  return alertRows.map((a) => ({ rule: a.rule, severity: a.severity }));
}

function pairKey(a: string, b: string): string {
  return `${a}|${b}`;
}

type ActivityRow = typeof fraudActivity.$inferSelect;

function push(map: Map<string, Activity[]>, key: string, a: Activity | ActivityRow): void {
  const list = map.get(key);
  const activity: Activity = { ...a };
  if (list) list.push(activity);
  else map.set(key, [activity]);
}

function pushTag(map: Map<string, FlowTag[]>, key: string, tag: FlowTag): void {
  const list = map.get(key);
  if (list) list.push(tag);
  else map.set(key, [tag]);
}

