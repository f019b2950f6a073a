import { createRoute, z } from '@hono/zod-openapi';
import { RULE_IDS, SEVERITIES } from '../../domain/fraud/config.ts';
import { ALERT_STATUSES } from '../../domain/alert/events.ts';
import { AMOUNT_PATTERN, SUPPORTED_CURRENCIES } from '../../domain/money.ts';
import { type FraudQueries, decodeCursor } from '../../read/fraud-queries.ts';
import { commandContext, lastOf } from '../commands.ts';
import type { CommandBus } from '../../commands/command-bus.ts';
import type { App } from '../context.ts';
import { ApiProblem } from '../problem.ts';
import { waitForProjection } from '../read-your-writes.ts';
import { AccountId, IdempotencyHeaders, MinPositionQuery, problemResponses } from '../schemas.ts';

const json = <T>(schema: T) => ({ content: { 'application/json': { schema } } });
const Instant = z.iso.datetime({ offset: true, error: 'must be an ISO-8601 date-time, e.g. 2026-01-31T23:59:59Z' });
const Limit = z.coerce.number().int().min(1).max(500).default(50);
const Cursor = z.string().max(512).optional().openapi({ description: 'nextCursor of the previous page' });

const AlertIdParam = z.object({
  id: z.string().min(1).max(80).regex(/^[a-z_]+-[0-9a-f-]{36}$/, 'must be an alert id such as large_transaction-<event id>').openapi({ param: { name: 'id', in: 'path' }, example: 'large_transaction-01936f5e-8a2b-7c3d-9e4f-0a1b2c3d4e5f' }),
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

const StatusBody = z
  .object({ status: z.enum(['investigating', 'dismissed', 'escalated']), note: z.string().max(2000).optional() })
  .strict()
  .openapi('AlertStatusRequest');

function cursorOf(text: string | undefined): [string, string] | undefined {
  if (text === undefined) return undefined;
  const parts = decodeCursor(text, 2);
  if (!parts) throw new ApiProblem('validation_failed', 'cursor: use the nextCursor of the previous page', [{ field: 'cursor', message: 'not a cursor of this list' }]);
  return [parts[0]!, parts[1]!];
}

const iso = (s: string | undefined) => (s === undefined ? undefined : new Date(s).toISOString());

/** Fraud and AML: alerts raised by the anomaly projector, their lifecycle, and analyst queries. */
export function fraudRoutes(app: App, deps: { fraud: { queries: FraudQueries; commands: CommandBus; position(partition: number): Promise<number> }; waitMs: number }): void {
  const q = deps.fraud.queries;
  const wait = (partition: number | undefined, minPosition: number | undefined) => waitForProjection(deps.fraud, deps.waitMs, partition ?? 0, minPosition);

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/fraud/alerts',
      tags: ['fraud'],
      summary: 'Alerts, newest first; filter by status, rule, account, severity and raisedAt range [from, to)',
      request: {
        query: MinPositionQuery.extend({
          status: z.enum(ALERT_STATUSES).optional(),
          rule: z.enum(RULE_IDS).optional(),
          accountId: z.string().min(1).max(64).optional(),
          severity: z.enum(SEVERITIES).optional(),
          from: Instant.optional(),
          to: Instant.optional(),
          limit: Limit,
          cursor: Cursor,
        }),
      },
      responses: { 200: { description: 'A page of alerts', ...json(z.object({ items: z.array(Alert), nextCursor: z.string().nullable() }).openapi('AlertPage')) }, ...problemResponses(400, 401, 409) },
    }),
    async (c) => {
      const p = c.req.valid('query');
      await wait(p.partition, p.minPosition);
      const cursor = cursorOf(p.cursor);
      const page = await q.listAlerts({
        status: p.status,
        rule: p.rule,
        accountId: p.accountId,
        severity: p.severity,
        from: iso(p.from),
        to: iso(p.to),
        limit: p.limit,
        cursor: cursor ? { raisedAt: cursor[0], id: cursor[1] } : undefined,
      });
      return c.json(page, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/fraud/alerts/{id}',
      tags: ['fraud'],
      summary: 'One alert with its evidence resolved into transactions',
      request: { params: AlertIdParam, query: MinPositionQuery },
      responses: { 200: { description: 'The alert', ...json(Alert.extend({ transactions: z.array(ResolvedTransaction) }).openapi('AlertDetail')) }, ...problemResponses(400, 401, 404, 409) },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const p = c.req.valid('query');
      await wait(p.partition, p.minPosition);
      const alert = await q.alert(id);
      if (!alert) throw new ApiProblem('alert_not_found', `alert ${id} does not exist`);
      const transactions = await q.transactionsOf([...new Set(alert.evidence.map((e) => e.transactionId))]);
      return c.json({ ...alert, transactions }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/fraud/alerts/{id}/status',
      tags: ['fraud'],
      summary: 'Move an alert through its lifecycle (open → investigating → dismissed | escalated); recorded as an event with the analyst as actor',
      request: { params: AlertIdParam, headers: IdempotencyHeaders, body: { required: true, ...json(StatusBody) } },
      responses: {
        200: {
          description: 'The status change as recorded in the log',
          ...json(z.object({ id: z.string(), from: z.enum(ALERT_STATUSES), status: z.enum(ALERT_STATUSES), note: z.string().nullable(), actor: z.string(), occurredAt: z.string(), version: z.number().int(), position: z.number().int(), partition: z.number().int() }).openapi('AlertStatusChange')),
        },
        ...problemResponses(400, 401, 404, 409, 415, 422, 503),
      },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const body = c.req.valid('json');
      if (!(await q.alertExists(id))) throw new ApiProblem('alert_not_found', `alert ${id} does not exist`);
      const ctx = commandContext(c, 'alert-status', { id, ...body });
      const { events, replayed } = await deps.fraud.commands.execute({ type: 'ChangeAlertStatus', alertId: id, status: body.status, note: body.note ?? null }, ctx);
      const e = lastOf(events);
      if (e.type !== 'AlertStatusChanged') throw new Error('alert command produced no AlertStatusChanged');
      const data = e.data as { from: (typeof ALERT_STATUSES)[number]; to: (typeof ALERT_STATUSES)[number]; note: string | null };
      return c.json(
        { id, from: data.from, status: data.to, note: data.note, actor: e.metadata.actor, occurredAt: e.occurredAt, version: e.streamVersion, position: e.position, partition: e.partition },
        200,
        replayed ? { 'Idempotent-Replayed': 'true' } : {},
      );
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/fraud/accounts/{id}/risk',
      tags: ['fraud'],
      summary: 'Risk score of an account with its contributing alerts and an activity summary',
      request: { params: AccountId, query: MinPositionQuery },
      responses: {
        200: {
          description: 'Risk',
          ...json(
            z
              .object({
                accountId: z.string(),
                riskScore: z.number().int(),
                level: z.enum(['none', 'low', 'medium', 'high']),
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
              .openapi('AccountRisk'),
          ),
        },
        ...problemResponses(400, 401, 404, 409),
      },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const p = c.req.valid('query');
      await wait(p.partition, p.minPosition);
      const profile = await q.profile(id);
      if (!profile) throw new ApiProblem('account_not_found', `account ${id} does not exist`);
      const risk = await q.accountRisk(id);
      return c.json({ accountId: id, ...risk, level: risk.level as 'none' | 'low' | 'medium' | 'high', openedAt: profile.openedAt, ownerId: profile.ownerId }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/fraud/rules',
      tags: ['fraud'],
      summary: 'Active rules and their thresholds: defaults and per-currency overrides',
      responses: { 200: { description: 'Rules', ...json(z.object({ rules: z.array(z.string()), defaults: z.record(z.string(), z.unknown()), currencies: z.record(z.string(), z.record(z.string(), z.unknown())) }).openapi('FraudRules')) } },
    }),
    (c) => {
      const r = q.rules();
      return c.json({ rules: [...RULE_IDS], defaults: r.defaults as unknown as Record<string, unknown>, currencies: r.currencies as unknown as Record<string, Record<string, unknown>> }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/fraud/large-transactions',
      tags: ['fraud'],
      summary: 'Movements at or above the large-transaction threshold (or minAmount) in [from, to), newest first',
      request: {
        query: MinPositionQuery.extend({
          from: Instant.optional(),
          to: Instant.optional(),
          currency: z.enum(SUPPORTED_CURRENCIES as [string, ...string[]]).optional(),
          minAmount: z.string().regex(AMOUNT_PATTERN, 'must be a plain decimal such as "10000.00"').optional(),
          limit: Limit,
          cursor: Cursor,
        }),
      },
      responses: {
        200: {
          description: 'A page of large movements',
          ...json(
            z
              .object({
                items: z.array(z.object({ eventId: z.string(), transactionId: z.string(), accountId: z.string(), kind: z.string(), amount: z.string(), currency: z.string(), counterpartyId: z.string().nullable(), channel: z.string().nullable(), occurredAt: z.string(), position: z.number().int() })),
                nextCursor: z.string().nullable(),
              })
              .openapi('LargeTransactionPage'),
          ),
        },
        ...problemResponses(400, 401, 409),
      },
    }),
    async (c) => {
      const p = c.req.valid('query');
      await wait(p.partition, p.minPosition);
      const cursor = cursorOf(p.cursor);
      if (cursor && !/^[0-9a-f-]{36}$/.test(cursor[1])) throw new ApiProblem('validation_failed', 'cursor: use the nextCursor of the previous page', [{ field: 'cursor', message: 'not a cursor of this list' }]);
      const page = await q.largeTransactions({ from: iso(p.from), to: iso(p.to), currency: p.currency, minAmount: p.minAmount, limit: p.limit, cursor: cursor ? { occurredAt: cursor[0], eventId: cursor[1] } : undefined });
      return c.json(page, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/fraud/accounts/{id}/counterparties',
      tags: ['fraud'],
      summary: 'Top counterparties of an account by money exchanged (both directions)',
      request: { params: AccountId, query: MinPositionQuery.extend({ limit: Limit }) },
      responses: {
        200: {
          description: 'Counterparties',
          ...json(
            z
              .object({
                accountId: z.string(),
                items: z.array(z.object({ counterpartyId: z.string(), currency: z.string(), outCount: z.number().int(), outAmount: z.string(), inCount: z.number().int(), inAmount: z.string(), firstAt: z.string(), lastAt: z.string() })),
              })
              .openapi('Counterparties'),
          ),
        },
        ...problemResponses(400, 401, 404, 409),
      },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const p = c.req.valid('query');
      await wait(p.partition, p.minPosition);
      if (!(await q.profile(id))) throw new ApiProblem('account_not_found', `account ${id} does not exist`);
      return c.json({ accountId: id, items: await q.topCounterparties(id, p.limit) }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/fraud/accounts/{id}/shared-counterparties',
      tags: ['fraud'],
      summary: 'Accounts that share counterparties with this (flagged) account, one hop, most shared first',
      request: { params: AccountId, query: MinPositionQuery.extend({ limit: Limit }) },
      responses: {
        200: {
          description: 'Linked accounts',
          ...json(
            z
              .object({ accountId: z.string(), items: z.array(z.object({ accountId: z.string(), sharedCounterparties: z.number().int(), examples: z.array(z.string()), liveAlerts: z.number().int() })) })
              .openapi('SharedCounterparties'),
          ),
        },
        ...problemResponses(400, 401, 404, 409),
      },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const p = c.req.valid('query');
      await wait(p.partition, p.minPosition);
      if (!(await q.profile(id))) throw new ApiProblem('account_not_found', `account ${id} does not exist`);
      return c.json({ accountId: id, items: await q.sharedCounterparties(id, p.limit) }, 200);
    },
  );
}
