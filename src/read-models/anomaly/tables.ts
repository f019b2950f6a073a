import { sql } from 'drizzle-orm';
import { bigint, doublePrecision, index, integer, jsonb, pgTable, primaryKey, text, uuid } from 'drizzle-orm/pg-core';
import type { Evidence } from '../../domain/fraud/activity.ts';
import { decimal } from '../../db/numeric.ts';

// ── Anomaly detection read models (projection "anomaly"). All rebuildable from the log. ──

export interface AlertHistoryEntry {
  status: 'open' | 'investigating' | 'dismissed' | 'escalated';
  at: string;
  actor: string;
  note: string | null;
  /** The event that caused the entry: the triggering movement for "open", else the status change. */
  eventId: string;
  position: number;
}

/**
 * Alerts. Contract read by the compliance reports: id, rule, severity, score, account_id, status,
 * evidence, raised_at (ISO-8601 UTC, the triggering event's occurredAt), position.
 * The id is `${rule}-${triggering event id}`: a rebuild raises the same ids.
 */
export const alerts = pgTable(
  'alerts',
  {
    id: text('id').primaryKey(),
    rule: text('rule').notNull(),
    severity: text('severity').notNull(),
    score: integer('score').notNull(),
    accountId: text('account_id').notNull(),
    accountIds: text('account_ids').array().notNull(),
    currency: text('currency').notNull(),
    amount: decimal('amount').notNull(),
    status: text('status').$type<AlertHistoryEntry['status']>().notNull(),
    summary: text('summary').notNull(),
    evidence: jsonb('evidence').$type<Evidence[]>().notNull(),
    params: jsonb('params').$type<Record<string, unknown>>().notNull(),
    history: jsonb('history').$type<AlertHistoryEntry[]>().notNull(),
    triggerEventId: uuid('trigger_event_id').notNull(),
    raisedAt: text('raised_at').notNull(),
    updatedAt: text('updated_at').notNull(),
    partition: integer('partition').notNull(),
    position: bigint('position', { mode: 'number' }).notNull(),
    /** Detections joined into this alert (one open alert per account and rule; new evidence joins it). */
    occurrences: integer('occurrences').notNull().default(1),
    /** occurredAt of the latest evidence joined. */
    lastSeenAt: text('last_seen_at'),
    /** Owner of account_id when the alert was raised (cases group alerts per owner). */
    ownerId: text('owner_id'),
    /** The case the alert was put in, if any. */
    caseId: text('case_id'),
  },
  (t) => [
    index('alerts_owner_idx').on(t.ownerId),
    index('alerts_raised_idx').on(t.raisedAt, t.id),
    index('alerts_status_raised_idx').on(t.status, t.raisedAt),
    index('alerts_rule_raised_idx').on(t.rule, t.raisedAt),
    index('alerts_account_raised_idx').on(t.accountId, t.raisedAt),
    index('alerts_account_ids_idx').using('gin', t.accountIds),
  ],
);

/**
 * What the rules remember about each account that changes rarely: owner, age, last alert per rule.
 * Written when an account first appears and when an alert is raised on it, not at every movement:
 * what movements change is in fraud_account_counters.
 */
export const fraudAccounts = pgTable(
  'fraud_accounts',
  {
    accountId: text('account_id').primaryKey(),
    ownerId: text('owner_id'),
    currency: text('currency').notNull(),
    openedAt: text('opened_at'),
    lastAlertAt: jsonb('last_alert_at').$type<Record<string, string>>().notNull().default(sql`'{}'::jsonb`),
  },
  (t) => [index('fraud_accounts_owner_idx').on(t.ownerId)],
);

/**
 * What movements change about an account, one row per fraud_accounts row (written together when the
 * account first appears): its last movement, its baseline (src/domain/fraud/baseline.ts) and its risk
 * (src/domain/fraud/risk.ts), as plain columns. A row of its own, so the update each batch makes per
 * account that moved is narrow and parses no JSON (the profile's jsonb columns were most of the server's
 * time in that update). Its updates touch no indexed column: they stay on the page (HOT, fillfactor in
 * the migration). The risk factors' properties are named as RiskFactors' keys: all null until the account is scored.
 */
export const fraudAccountCounters = pgTable('fraud_account_counters', {
  accountId: text('account_id').primaryKey(),
  lastActivityAt: text('last_activity_at'),
  movements: integer('movements').notNull(),
  outs: integer('outs').notNull(),
  outLogSum: doublePrecision('out_log_sum').notNull(),
  outLogSq: doublePrecision('out_log_sq').notNull(),
  drains: integer('drains').notNull(),
  firstAt: text('first_at'),
  /** The highest movement risk so far (0-100), when it reached it, and its factors. */
  riskScore: integer('risk_score').notNull().default(0),
  riskAt: text('risk_at'),
  drain: doublePrecision('risk_drain'),
  nearlyAll: doublePrecision('risk_nearly_all'),
  passThrough: doublePrecision('risk_pass_through'),
  newCounterparty: doublePrecision('risk_new_counterparty'),
  newPayeeDrain: doublePrecision('risk_new_payee_drain'),
  fanIn: doublePrecision('risk_fan_in'),
  amountRank: doublePrecision('risk_amount_rank'),
  deviation: doublePrecision('risk_deviation'),
  newAccount: doublePrecision('risk_new_account'),
  habitualDrain: doublePrecision('risk_habitual_drain'),
  rules: doublePrecision('risk_rules'),
  takeover: doublePrecision('risk_takeover'),
});

/** Every movement, as the rules see it: the recent window of an account or owner is a range scan here. */
export const fraudActivity = pgTable(
  'fraud_activity',
  {
    eventId: uuid('event_id').primaryKey(),
    transactionId: text('transaction_id').notNull(),
    accountId: text('account_id').notNull(),
    ownerId: text('owner_id'),
    kind: text('kind').$type<'deposit' | 'withdrawal' | 'transfer_out' | 'transfer_in'>().notNull(),
    amount: decimal('amount').notNull(),
    currency: text('currency').notNull(),
    balanceAfter: decimal('balance_after').notNull(),
    counterpartyId: text('counterparty_id'),
    channel: text('channel'),
    occurredAt: text('occurred_at').notNull(),
    position: bigint('position', { mode: 'number' }).notNull(),
  },
  // Partial where the reads are (write cost: every movement enters each index it matches): the owner's
  // cash-like movements for per-owner structuring (windows.ts, loadOwnerCash), the movements other than
  // transfers in for the large-transactions list (queries.ts). Their queries repeat the predicates as literals.
  (t) => [
    index('fraud_activity_account_time_idx').on(t.accountId, t.occurredAt),
    index('fraud_activity_owner_cash_time_idx')
      .on(t.ownerId, t.occurredAt)
      .where(sql`${t.ownerId} is not null and ${t.channel} is not null and ${t.kind} in ('deposit', 'withdrawal')`),
    index('fraud_activity_outgoing_time_idx').on(t.occurredAt).where(sql`${t.kind} <> 'transfer_in'`),
  ],
);

/** Who paid whom, how often and how much: balance drain ("never paid before"), top counterparties, shared counterparties. */
export const fraudCounterparties = pgTable(
  'fraud_counterparties',
  {
    accountId: text('account_id').notNull(),
    counterpartyId: text('counterparty_id').notNull(),
    currency: text('currency').notNull(),
    outCount: integer('out_count').notNull(),
    outAmount: decimal('out_amount').notNull(),
    inCount: integer('in_count').notNull(),
    inAmount: decimal('in_amount').notNull(),
    firstAt: text('first_at').notNull(),
    lastAt: text('last_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.accountId, t.counterpartyId] }), index('fraud_counterparties_counterparty_idx').on(t.counterpartyId)],
);

/** Funds in flight for round-trip detection: the account holding the tag received money that left `origin_id`. */
export const fraudFlowTags = pgTable(
  'fraud_flow_tags',
  {
    accountId: text('account_id').notNull(),
    tagId: text('tag_id').notNull(),
    originId: text('origin_id').notNull(),
    path: jsonb('path').$type<string[]>().notNull(),
    amount: decimal('amount').notNull(),
    startedAt: text('started_at').notNull(),
    evidence: jsonb('evidence').$type<Evidence[]>().notNull(),
  },
  (t) => [primaryKey({ columns: [t.accountId, t.tagId] }), index('fraud_flow_tags_started_idx').on(t.startedAt)],
);

/** The population's amounts per currency and kind of movement, as log-histogram counts (src/domain/fraud/population.ts). */
export const fraudPopulation = pgTable(
  'fraud_population',
  {
    currency: text('currency').notNull(),
    kind: text('kind').notNull(),
    bucket: integer('bucket').notNull(),
    count: bigint('count', { mode: 'number' }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.currency, t.kind, t.bucket] })],
);

export interface CaseHistoryEntry {
  type: string;
  at: string;
  actor: string;
  data: Record<string, unknown>;
  eventId: string;
  position: number;
}

/** Analysts' cases (the case aggregate's events, folded): one owner, its alerts, assignee, due date, decision. */
export const fraudCases = pgTable(
  'fraud_cases',
  {
    id: text('id').primaryKey(),
    ownerId: text('owner_id').notNull(),
    status: text('status').$type<'open' | 'decided'>().notNull(),
    alertIds: text('alert_ids').array().notNull(),
    assignee: text('assignee'),
    dueAt: text('due_at'),
    decision: text('decision'),
    sarReference: text('sar_reference'),
    frozenAccounts: text('frozen_accounts').array().notNull(),
    openedBy: text('opened_by').notNull(),
    openedAt: text('opened_at').notNull(),
    updatedAt: text('updated_at').notNull(),
    history: jsonb('history').$type<CaseHistoryEntry[]>().notNull(),
    partition: integer('partition').notNull(),
    position: bigint('position', { mode: 'number' }).notNull(),
  },
  (t) => [index('fraud_cases_owner_idx').on(t.ownerId), index('fraud_cases_status_idx').on(t.status, t.openedAt)],
);

/**
 * Alerts the projector raised and the alert reactor has yet to record in the log (RaiseAlert, command id
 * `raise-alert:<alert id>`): written in the projector's transaction, deleted once submitted.
 */
export const fraudAlertOutbox = pgTable('fraud_alert_outbox', {
  alertId: text('alert_id').primaryKey(),
  triggerPartition: integer('trigger_partition').notNull(),
  triggerPosition: bigint('trigger_position', { mode: 'number' }).notNull(),
  command: jsonb('command').$type<Record<string, unknown>>().notNull(),
});

/**
 * How far the alert reactor has recorded alerts in the log, per partition of their triggering movement.
 * Not part of the anomaly projection's tables: a rebuild refills the outbox, and what it finds at or
 * below this mark was recorded before (or, with changed rules, was not live): it is never raised again.
 */
export const fraudAlertReactor = pgTable('fraud_alert_reactor', {
  partition: integer('partition').primaryKey(),
  raisedUpTo: bigint('raised_up_to', { mode: 'number' }).notNull(),
});
