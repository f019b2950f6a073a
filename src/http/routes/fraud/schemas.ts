import { z } from '@hono/zod-openapi';
import { ALERT_STATUSES } from '../../../domain/alert/events.ts';
import { RULE_IDS, SEVERITIES } from '../../../domain/fraud/config.ts';
import { AMOUNT_PATTERN, SUPPORTED_CURRENCIES } from '../../../domain/money.ts';
import { MinPositionQuery } from '../../schemas.ts';

/** Wire schemas of the fraud endpoints. */

export const json = <T>(schema: T) => ({ content: { 'application/json': { schema } } });
const Instant = z.iso.datetime({ offset: true, error: 'must be an ISO-8601 date-time, e.g. 2026-01-31T23:59:59Z' });
export const Limit = z.coerce.number().int().min(1).max(500).default(50);
const Cursor = z.string().max(512).optional().openapi({ description: 'nextCursor of the previous page' });

export const AlertIdParam = z.object({
  id: z.string().min(1).max(80).regex(/^[a-z_]+-[0-9a-f-]{36}$/, 'must be an alert id such as large_transaction-<event id>').openapi({ param: { name: 'id', in: 'path' }, example: 'large_transaction-01936f5e-8a2b-7c3d-9e4f-0a1b2c3d4e5f' }),
});

export const AlertListQuery = MinPositionQuery.extend({
  status: z.enum(ALERT_STATUSES).optional(),
  rule: z.enum(RULE_IDS).optional(),
  accountId: z.string().min(1).max(64).optional(),
  severity: z.enum(SEVERITIES).optional(),
  from: Instant.optional(),
  to: Instant.optional(),
  sort: z.enum(['raisedAt', 'score']).default('raisedAt').openapi({ description: 'raisedAt: newest first; score: highest score first' }),
  limit: Limit,
  cursor: Cursor,
});

export const LargeTransactionQuery = MinPositionQuery.extend({
  from: Instant.optional(),
  to: Instant.optional(),
  currency: z.enum(SUPPORTED_CURRENCIES as [string, ...string[]]).optional(),
  minAmount: z.string().regex(AMOUNT_PATTERN, 'must be a plain decimal such as "10000.00"').optional(),
  limit: Limit,
  cursor: Cursor,
});

const EvidenceItem = z.object({
  eventId: z.string(),
  transactionId: z.string(),
  accountId: z.string(),
  kind: z.string(),
  amount: z.string(),
  currency: z.string(),
  occurredAt: z.string(),
  counterpartyId: z.string().nullable(),
});

const HistoryEntry = z.object({ status: z.enum(ALERT_STATUSES), at: z.string(), actor: z.string(), note: z.string().nullable(), eventId: z.string(), position: z.number().int() });

export const Alert = z
  .object({
    id: z.string(),
    rule: z.string(),
    severity: z.string(),
    score: z.number().int(),
    accountId: z.string(),
    accountIds: z.array(z.string()),
    currency: z.string(),
    amount: z.string(),
    status: z.enum(ALERT_STATUSES),
    summary: z.string(),
    evidence: z.array(EvidenceItem),
    params: z.record(z.string(), z.unknown()),
    history: z.array(HistoryEntry),
    occurrences: z.number().int().openapi({ description: 'Detections joined into this alert (one open alert per account and rule)' }),
    lastSeenAt: z.string().nullable(),
    ownerId: z.string().nullable(),
    caseId: z.string().nullable(),
    raisedAt: z.string(),
    updatedAt: z.string(),
    position: z.number().int(),
    partition: z.number().int(),
  })
  .openapi('Alert');

export const AlertPage = z.object({ items: z.array(Alert), nextCursor: z.string().nullable() }).openapi('AlertPage');

export const ResolvedTransaction = z.object({
  id: z.string(),
  kind: z.string(),
  fromAccountId: z.string().nullable(),
  toAccountId: z.string().nullable(),
  amount: z.string(),
  currency: z.string(),
  reference: z.string().nullable(),
  channel: z.string().nullable(),
  actor: z.string(),
  occurredAt: z.string(),
  position: z.number().int(),
});

export const AlertDetail = Alert.extend({ transactions: z.array(ResolvedTransaction) }).openapi('AlertDetail');

export const StatusBody = z
  .object({ status: z.enum(['investigating', 'dismissed', 'escalated']), note: z.string().max(2000).optional() })
  .strict()
  .openapi('AlertStatusRequest');

export const AlertStatusChange = z
  .object({ id: z.string(), from: z.enum(ALERT_STATUSES), status: z.enum(ALERT_STATUSES), note: z.string().nullable(), actor: z.string(), occurredAt: z.string(), version: z.number().int(), position: z.number().int(), partition: z.number().int() })
  .openapi('AlertStatusChange');

export const AccountRisk = z
  .object({
    accountId: z.string(),
    riskScore: z.number().int(),
    level: z.enum(['none', 'low', 'medium', 'high']),
    riskAt: z.string().nullable().openapi({ description: 'When the account reached its risk score' }),
    factors: z
      .record(z.string(), z.number())
      .nullable()
      .openapi({ description: 'The risk signals, each the highest any of its movements showed (drain, nearlyAll, passThrough, newCounterparty, newPayeeDrain, fanIn, amountRank, deviation, newAccount, habitualDrain, rules, takeover)' }),
    alerts: z.object({ total: z.number().int(), live: z.number().int(), byRule: z.record(z.string(), z.number().int()) }),
    contributing: z.array(z.object({ id: z.string(), rule: z.string(), severity: z.string(), score: z.number().int(), status: z.string(), raisedAt: z.string(), summary: z.string() })),
    activity: z.object({
      byKind: z.array(z.object({ kind: z.string(), count: z.number().int(), total: z.string(), currency: z.string() })),
      firstAt: z.string().nullable(),
      lastAt: z.string().nullable(),
      counterparties: z.number().int(),
    }),
    openedAt: z.string().nullable(),
    ownerId: z.string().nullable(),
  })
  .openapi('AccountRisk');

export const FraudRules = z.object({ rules: z.array(z.string()), defaults: z.record(z.string(), z.unknown()), currencies: z.record(z.string(), z.record(z.string(), z.unknown())) }).openapi('FraudRules');

export const LargeTransactionPage = z
  .object({
    items: z.array(z.object({ eventId: z.string(), transactionId: z.string(), accountId: z.string(), kind: z.string(), amount: z.string(), currency: z.string(), counterpartyId: z.string().nullable(), channel: z.string().nullable(), occurredAt: z.string(), position: z.number().int() })),
    nextCursor: z.string().nullable(),
  })
  .openapi('LargeTransactionPage');

export const Counterparties = z
  .object({
    accountId: z.string(),
    items: z.array(z.object({ counterpartyId: z.string(), currency: z.string(), outCount: z.number().int(), outAmount: z.string(), inCount: z.number().int(), inAmount: z.string(), firstAt: z.string(), lastAt: z.string() })),
  })
  .openapi('Counterparties');

export const SharedCounterparties = z
  .object({ accountId: z.string(), items: z.array(z.object({ accountId: z.string(), sharedCounterparties: z.number().int(), examples: z.array(z.string()), liveAlerts: z.number().int() })) })
  .openapi('SharedCounterparties');

// ── Cases, owners, network, statistics ──

const OwnerIdSchema = z.string().min(1).max(64);
export const CaseIdParam = z.object({ id: z.string().min(1).max(64).regex(/^[A-Za-z0-9_-]+$/, 'must be a case id').openapi({ param: { name: 'id', in: 'path' }, example: '01936f5e-8a2b-7c3d-9e4f-0a1b2c3d4e5f' }) });
export const OwnerIdParam = z.object({ ownerId: OwnerIdSchema.openapi({ param: { name: 'ownerId', in: 'path' }, example: 'customer-42' }) });
const AlertIds = z.array(z.string().min(1).max(80)).max(500);
const Note = z.string().min(1).max(2000);

export const OpenCaseBody = z
  .object({
    ownerId: OwnerIdSchema,
    alertIds: AlertIds.optional().openapi({ description: "The alerts to group; default: the owner's open and investigating alerts" }),
    assignee: z.string().min(1).max(128).optional(),
    dueAt: Instant.optional(),
    note: Note.optional(),
  })
  .strict()
  .openapi('OpenCaseRequest');
export const CaseAlertsBody = z.object({ alertIds: AlertIds.min(1) }).strict().openapi('CaseAlertsRequest');
export const CaseAssigneeBody = z.object({ assignee: z.string().min(1).max(128).nullable() }).strict().openapi('CaseAssigneeRequest');
export const CaseNoteBody = z.object({ note: Note }).strict().openapi('CaseNoteRequest');
export const CaseDueDateBody = z.object({ dueAt: Instant.nullable() }).strict().openapi('CaseDueDateRequest');
export const CaseDecisionBody = z
  .object({ decision: z.enum(['no_action', 'sar_filed']), sarReference: z.string().min(1).max(128).optional().openapi({ description: 'Required when decision is sar_filed' }), note: Note.optional() })
  .strict()
  .openapi('CaseDecisionRequest');
export const CaseFreezeBody = z.object({ accountId: z.string().min(1).max(64), reason: z.string().max(500).optional() }).strict().openapi('CaseFreezeRequest');

const CaseHistory = z.object({ type: z.string(), at: z.string(), actor: z.string(), data: z.record(z.string(), z.unknown()), eventId: z.string(), position: z.number().int() });
export const Case = z
  .object({
    id: z.string(),
    ownerId: z.string(),
    status: z.enum(['open', 'decided']),
    alertIds: z.array(z.string()),
    assignee: z.string().nullable(),
    dueAt: z.string().nullable(),
    decision: z.enum(['no_action', 'sar_filed']).nullable(),
    sarReference: z.string().nullable(),
    frozenAccounts: z.array(z.string()),
    openedBy: z.string(),
    openedAt: z.string(),
    updatedAt: z.string(),
    history: z.array(CaseHistory),
    position: z.number().int(),
    partition: z.number().int(),
  })
  .openapi('Case');
export const CaseDetail = Case.extend({ alerts: z.array(Alert) }).openapi('CaseDetail');
export const CasePage = z.object({ items: z.array(Case), nextCursor: z.string().nullable() }).openapi('CasePage');
export const CaseListQuery = MinPositionQuery.extend({ status: z.enum(['open', 'decided']).optional(), ownerId: OwnerIdSchema.optional(), assignee: z.string().min(1).max(128).optional(), limit: Limit, cursor: Cursor });
export const CaseChange = z
  .object({ caseId: z.string(), events: z.array(z.string()), actor: z.string(), occurredAt: z.string(), position: z.number().int(), partition: z.number().int() })
  .openapi('CaseChange');

export const OwnerView = z
  .object({
    ownerId: z.string(),
    riskScore: z.number().int(),
    accounts: z.array(z.object({ accountId: z.string(), currency: z.string(), openedAt: z.string().nullable(), lastActivityAt: z.string().nullable(), riskScore: z.number().int(), riskAt: z.string().nullable() })),
    alerts: z.array(z.object({ id: z.string(), rule: z.string(), severity: z.string(), score: z.number().int(), status: z.string(), accountId: z.string(), amount: z.string(), currency: z.string(), raisedAt: z.string(), occurrences: z.number().int(), caseId: z.string().nullable() })),
    alertsByRule: z.record(z.string(), z.number().int()),
    cases: z.array(z.object({ id: z.string(), status: z.string(), assignee: z.string().nullable(), dueAt: z.string().nullable(), decision: z.string().nullable(), openedAt: z.string() })),
  })
  .openapi('FraudOwner');

export const NetworkQuery = MinPositionQuery.extend({
  depth: z.coerce.number().int().min(1).max(3).default(2),
  fanOut: z.coerce.number().int().min(1).max(50).default(10).openapi({ description: 'Counterparties followed per account (most money first)' }),
});
export const Network = z
  .object({
    accountId: z.string(),
    depth: z.number().int(),
    fanOut: z.number().int(),
    nodes: z.array(z.object({ accountId: z.string(), depth: z.number().int(), ownerId: z.string().nullable(), riskScore: z.number().int(), liveAlerts: z.number().int() })),
    edges: z.array(z.object({ from: z.string(), to: z.string(), currency: z.string(), outAmount: z.string(), inAmount: z.string(), outCount: z.number().int(), inCount: z.number().int() })),
  })
  .openapi('CounterpartyNetwork');

export const AlertStatsQuery = MinPositionQuery.extend({ from: Instant.optional(), to: Instant.optional(), rule: z.enum(RULE_IDS).optional() });
export const AlertStats = z
  .object({
    total: z.number().int(),
    byRule: z.record(z.string(), z.number().int()),
    byDay: z.array(z.object({ day: z.string(), rule: z.string(), count: z.number().int(), open: z.number().int() })),
  })
  .openapi('AlertStats');
