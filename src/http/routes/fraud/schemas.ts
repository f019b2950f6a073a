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

const Alert = z
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
    raisedAt: z.string(),
    updatedAt: z.string(),
    position: z.number().int(),
    partition: z.number().int(),
  })
  .openapi('Alert');

export const AlertPage = z.object({ items: z.array(Alert), nextCursor: z.string().nullable() }).openapi('AlertPage');

const ResolvedTransaction = z.object({
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
    riskAt: z.string().nullable().openapi({ description: 'When the account reached its risk score (the movement with the highest risk)' }),
    factors: z.record(z.string(), z.number()).nullable().openapi({ description: 'The factors of that movement (drain, passThrough, newCounterparty, fanIn, amountRank, deviation, newAccount, habitualDrain, rules)' }),
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
