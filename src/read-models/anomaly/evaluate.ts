import type { alerts, fraudActivity, fraudFlowTags } from '../../db/schema.ts';
import { type MovementEvent, movementKind } from '../../domain/account/events.ts';
import {
  type AccountProfile,
  type Activity,
  AmountDistribution,
  type Detection,
  type Evidence,
  type FraudConfig,
  RISK_FACTOR_KEYS,
  type RiskFactors,
  type RuleInput,
  alertIdOf,
  bucketOf,
  emptyBaseline,
  emptyRiskFactors,
  evaluate,
  isOutflow,
  maxFactors,
  riskFactors,
  riskScore,
  updateBaseline,
} from '../../domain/fraud/index.ts';
import { indexOf } from '../../domain/fraud/window.ts';
import { Dec, compactDec } from '../../domain/money.ts';
import { type StoredEvent, isAccountEvent, isAlertEvent } from '../../log/envelope.ts';
import { fraudMovement } from './movements.ts';
import { type Horizons, type Windows, iso, openKey, pairKey, pushTo } from './windows.ts';

/** New evidence for an alert that was already open before the batch. */
export interface Join {
  evidence: Evidence[];
  score: number;
  occurrences: number;
  lastSeenAt: string;
}

/** An alert keeps at most this much evidence; later occurrences still count. */
const MAX_EVIDENCE = 100;

/** What one payer sent one payee (and got back) in a batch: added to the stored totals. */
export interface PairDelta {
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

/** What a batch changes in the anomaly read models, gathered in memory for the bulk writes. */
export interface Changes {
  activity: Array<typeof fraudActivity.$inferInsert>;
  /** Accounts whose fraud_accounts row (owner, opening, last alerts: in Windows.profiles) changed, or is new. */
  dirtyProfiles: Set<string>;
  /** Accounts whose fraud_account_counters row (last movement, baseline: in Windows.profiles; risk: in Windows.risk) changed, or is new. */
  dirtyCounters: Set<string>;
  pairs: Map<string, PairDelta>;
  newTags: Array<typeof fraudFlowTags.$inferInsert>;
  newAlerts: Map<string, typeof alerts.$inferInsert>;
  /** Alert id → what joins an alert raised before the batch. */
  joins: Map<string, Join>;
  /** `currency|kind|bucket` → movements added to the population. */
  population: Map<string, number>;
  /** Event time of the last movement (else of the first one the windows reach back from). */
  lastAt: string;
}

/**
 * Step 3: every rule on every movement of the batch, in log order, against the windows; each
 * movement then joins the windows, so the next one sees it exactly as it would in a later batch.
 */
export function evaluateBatch(batch: readonly StoredEvent[], windows: Windows, config: FraudConfig, horizons: Pick<Horizons, 'lookBackMs' | 'takeoverWindowMs'>, firstAt: string): Changes {
  const changes: Changes = { activity: [], dirtyProfiles: new Set(), dirtyCounters: new Set(), pairs: new Map(), newTags: [], newAlerts: new Map(), joins: new Map(), population: new Map(), lastAt: firstAt };
  for (const stored of batch) {
    if (isAlertEvent(stored) && stored.type === 'AlertStatusChanged') {
      // In log order: evidence after an alert was closed starts a new one.
      for (const [key, open] of windows.openAlerts) {
        if (open.id !== stored.data.alertId) continue;
        if (stored.data.to === 'investigating') open.status = 'investigating';
        else windows.openAlerts.delete(key);
      }
      continue;
    }
    if (!isAccountEvent(stored)) continue;
    const event = stored;
    if (event.type === 'AccountOpened') {
      windows.profiles.set(event.data.accountId, { accountId: event.data.accountId, ownerId: event.data.ownerId, currency: event.data.currency, openedAt: stored.occurredAt, lastActivityAt: null, lastAlertAt: {}, baseline: emptyBaseline() });
      changes.dirtyProfiles.add(event.data.accountId);
      changes.dirtyCounters.add(event.data.accountId);
    } else {
      const movement = fraudMovement(event);
      if (movement) evaluateMovement(stored, movement, windows, changes, config, horizons);
    }
  }
  return changes;
}

function evaluateMovement(stored: StoredEvent, event: MovementEvent, w: Windows, changes: Changes, config: FraudConfig, horizons: Pick<Horizons, 'lookBackMs' | 'takeoverWindowMs'>): void {
  const d = event.data;
  const known = w.profiles.get(d.accountId);
  // An account the projector never saw opened gets a profile now (its row is new).
  if (!known) changes.dirtyProfiles.add(d.accountId);
  const profile = known ?? { accountId: d.accountId, ownerId: null, currency: d.currency, openedAt: null, lastActivityAt: null, lastAlertAt: {}, baseline: emptyBaseline() };
  const activity = activityOf(stored, event, profile);
  const from = iso(Date.parse(stored.occurredAt) - horizons.lookBackMs);
  const params = config.forCurrency(d.currency);
  const ownerList = profile.ownerId !== null ? (w.ownerCash.get(profile.ownerId) ?? []) : [];
  const counterpartyId = activity.counterpartyId;
  const population = w.population.get(d.currency) ?? new AmountDistribution();
  w.population.set(d.currency, population);
  // The account's window as kept (the rules look no further back than their own windows), not a copy
  // per movement: its index (src/domain/fraud/window.ts) then follows it movement by movement.
  const recent = w.recent.get(d.accountId) ?? [];
  const input: RuleInput = {
    movement: activity,
    profile,
    recent,
    ownerRecent: ownerList.filter((a) => a.accountId !== d.accountId && a.occurredAt >= from),
    paidBefore: counterpartyId !== null && w.paid.has(pairKey(d.accountId, counterpartyId)),
    tags: activity.kind === 'transfer_out' ? (w.tags.get(d.accountId) ?? []) : [],
    population,
    ...(isOutflow(activity.kind) ? recentPayers(activity, recent, w, iso(Date.parse(stored.occurredAt) - horizons.takeoverWindowMs)) : NO_PAYERS),
  };
  const result = evaluate(input, params);

  const lastAlertAt = result.detections.length ? { ...profile.lastAlertAt } : profile.lastAlertAt;
  if (result.detections.length) changes.dirtyProfiles.add(d.accountId);
  for (const det of result.detections) {
    lastAlertAt[det.rule] = stored.occurredAt;
    raiseOrJoin(det, stored, d.currency, params[det.rule] as unknown as Record<string, unknown>, w, changes);
  }
  const bucket = bucketOf(activity.amount);
  population.add(activity.kind, bucket);
  const popKey = `${d.currency}|${activity.kind}|${bucket}`;
  changes.population.set(popKey, (changes.population.get(popKey) ?? 0) + 1);
  if (counterpartyId !== null) {
    for (const tag of result.forward) {
      pushTo(w.tags, counterpartyId, tag);
      changes.newTags.push({ accountId: counterpartyId, ...tag });
    }
    recordPair(activity, counterpartyId, w, changes);
  }
  // Before the movement joins its window (input.recent is that window, not a copy).
  const factors = riskFactors(input, result.detections);
  rememberMovement(activity, { ...profile, lastActivityAt: stored.occurredAt, lastAlertAt, baseline: updateBaseline(profile.baseline, activity) }, w, changes);
  rememberRisk(d.accountId, factors, stored.occurredAt, w, changes);
  // The victims of a takeover show it only now, when the mule passes the money on: their risk rises too.
  for (const victim of takeoverVictims(result.detections)) rememberRisk(victim, { ...emptyRiskFactors(), takeover: 1 }, stored.occurredAt, w, changes);
}

/**
 * One open alert per account and rule: a detection about an account that already has an open (or
 * investigating) alert of the rule joins it (its evidence, a higher score, one more occurrence);
 * otherwise it raises a new alert, whose id comes from the rule and the event, so a rebuild raises
 * the same one.
 */
function raiseOrJoin(det: Detection, stored: StoredEvent, currency: string, params: Record<string, unknown>, w: Windows, changes: Changes): void {
  const key = openKey(det.rule, det.accountIds[0]!);
  const open = w.openAlerts.get(key);
  if (!open) {
    const row = alertRowOf(det, stored, currency, params, w.profiles.get(det.accountIds[0]!)?.ownerId ?? null);
    changes.newAlerts.set(row.id, row);
    w.openAlerts.set(key, { id: row.id, status: 'open' });
    return;
  }
  const fresh = changes.newAlerts.get(open.id);
  if (fresh) {
    fresh.evidence = mergeEvidence(fresh.evidence, det.evidence);
    fresh.score = Math.max(fresh.score, det.score);
    fresh.occurrences = (fresh.occurrences ?? 1) + 1;
    fresh.lastSeenAt = stored.occurredAt;
    fresh.updatedAt = stored.occurredAt;
    return;
  }
  const join = changes.joins.get(open.id) ?? { evidence: [], score: 0, occurrences: 0, lastSeenAt: stored.occurredAt };
  changes.joins.set(open.id, { evidence: mergeEvidence(join.evidence, det.evidence), score: Math.max(join.score, det.score), occurrences: join.occurrences + 1, lastSeenAt: stored.occurredAt });
}

function mergeEvidence(a: readonly Evidence[], b: readonly Evidence[]): Evidence[] {
  const seen = new Set(a.map((e) => e.eventId));
  return [...a, ...b.filter((e) => !seen.has(e.eventId))].slice(0, MAX_EVIDENCE);
}

const NO_PAYERS = { payers: new Map<string, readonly Activity[]>(), firstContact: new Map<string, string>() };

/** For an outflow: the accounts that paid this one since `since`, with their recent activity, and when each first dealt with it. */
function recentPayers(m: Activity, recent: readonly Activity[], w: Windows, since: string): Pick<RuleInput, 'payers' | 'firstContact'> {
  const payers = new Map<string, readonly Activity[]>();
  const firstContact = new Map<string, string>();
  const ix = indexOf(recent);
  const senders = ix.ordered
    ? ix.sendersFrom(ix.since(Date.parse(since)))
    : recent.filter((a) => a.kind === 'transfer_in' && a.counterpartyId !== null && a.occurredAt >= since).map((a) => a.counterpartyId!);
  for (const payer of senders) {
    if (payers.has(payer)) continue;
    payers.set(payer, w.recent.get(payer) ?? []);
    const first = w.firstContact.get(pairKey(payer, m.accountId));
    if (first !== undefined) firstContact.set(payer, first);
  }
  return { payers, firstContact };
}

/** The drained payers named by a takeover detection (every account but the mule that has an outflow in its evidence). */
function takeoverVictims(detections: readonly Detection[]): string[] {
  const takeover = detections.find((det) => det.rule === 'account_takeover');
  if (!takeover) return [];
  const mule = takeover.accountIds[0];
  return [...new Set(takeover.evidence.filter((e) => e.kind === 'transfer_out' && e.accountId !== mule).map((e) => e.accountId))];
}

/**
 * An account's risk: its signals, each the highest any of its movements showed, combined by the risk
 * model (src/domain/fraud/risk.ts). Stored with the counters; only accounts with a profile are scored.
 */
function rememberRisk(accountId: string, factors: RiskFactors, at: string, w: Windows, changes: Changes): void {
  if (!w.profiles.has(accountId)) return;
  const current = w.risk.get(accountId);
  const merged = maxFactors(current?.factors ?? null, factors);
  const score = riskScore(merged);
  if (current && current.factors && current.score === score && sameFactors(current.factors, merged)) return;
  // `at` is when the score reached its level; an account never scored yet (at null, as a row written
  // before its first movement is loaded) reaches it now, as it does when the row and the movement share a batch.
  const reached = current?.at != null && current.score >= score ? current.at : at;
  w.risk.set(accountId, { score, at: reached, factors: { ...merged } });
  changes.dirtyCounters.add(accountId);
}

const sameFactors = (a: Record<string, number>, b: RiskFactors): boolean => RISK_FACTOR_KEYS.every((k) => a[k] === b[k]);

/** The movement as the rules see it. */
function activityOf(stored: StoredEvent, event: MovementEvent, profile: AccountProfile): Activity {
  const d = event.data;
  return {
    eventId: stored.eventId,
    transactionId: d.transactionId,
    accountId: d.accountId,
    ownerId: profile.ownerId,
    kind: movementKind(event),
    amount: compactDec(d.amount),
    currency: d.currency,
    balanceAfter: compactDec(d.balanceAfter),
    counterpartyId: event.type === 'TransferDebited' || event.type === 'TransferCredited' ? event.data.counterpartyAccountId : null,
    channel: event.type === 'FundsDeposited' || event.type === 'FundsWithdrawn' ? event.data.channel : null,
    occurredAt: stored.occurredAt,
    position: stored.position,
  };
}

/** An open alert raised by `stored`; its id is derived from the rule and the event, so a rebuild raises the same one. */
function alertRowOf(det: Detection, stored: StoredEvent, currency: string, params: Record<string, unknown>, ownerId: string | null): typeof alerts.$inferInsert {
  return {
    id: alertIdOf(det.rule, stored.eventId),
    rule: det.rule,
    severity: det.severity,
    score: det.score,
    accountId: det.accountIds[0]!,
    accountIds: det.accountIds,
    currency,
    amount: det.amount,
    status: 'open',
    summary: det.summary,
    evidence: det.evidence,
    params,
    history: [{ status: 'open', at: stored.occurredAt, actor: 'system', note: det.summary, eventId: stored.eventId, position: stored.position }],
    triggerEventId: stored.eventId,
    raisedAt: stored.occurredAt,
    updatedAt: stored.occurredAt,
    partition: stored.partition,
    position: stored.position,
    occurrences: 1,
    lastSeenAt: stored.occurredAt,
    ownerId,
  };
}

/** Adds a transfer to the batch's totals of its (account, counterparty) pair; a payment marks the pair as paid. */
function recordPair(activity: Activity, counterpartyId: string, w: Windows, changes: Changes): void {
  const key = pairKey(activity.accountId, counterpartyId);
  const out = activity.kind === 'transfer_out';
  if (out) w.paid.add(key);
  const at = activity.occurredAt;
  if (!w.firstContact.has(key)) w.firstContact.set(key, at);
  const delta = changes.pairs.get(key) ?? { accountId: activity.accountId, counterpartyId, currency: activity.currency, outCount: 0, outAmount: new Dec(0), inCount: 0, inAmount: new Dec(0), firstAt: at, lastAt: at };
  if (out) {
    delta.outCount++;
    delta.outAmount = delta.outAmount.plus(activity.amount);
  } else {
    delta.inCount++;
    delta.inAmount = delta.inAmount.plus(activity.amount);
  }
  delta.lastAt = at;
  changes.pairs.set(key, delta);
}

/** The movement joins its account's window (and its owner's cash window), and the account's counters move on. */
function rememberMovement(activity: Activity, profile: AccountProfile, w: Windows, changes: Changes): void {
  w.profiles.set(activity.accountId, profile);
  changes.dirtyCounters.add(activity.accountId);
  pushTo(w.recent, activity.accountId, { ...activity });
  const ownerCash = profile.ownerId !== null ? w.ownerCash.get(profile.ownerId) : undefined;
  if (ownerCash && (activity.kind === 'deposit' || activity.kind === 'withdrawal') && activity.channel !== null) ownerCash.push(activity);
  changes.activity.push({ ...activity });
  changes.lastAt = activity.occurredAt;
}
