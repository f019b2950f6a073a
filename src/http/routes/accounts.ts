import { createRoute, z } from '@hono/zod-openapi';
import { newId } from '../../ids.ts';
import { availableBalance } from '../../domain/account/index.ts';
import { Dec, formatAmount } from '../../domain/money.ts';
import type { CommandBus } from '../../commands/command-bus.ts';
import type { AccountView, LedgerReadModel } from '../../read-models/ledger/index.ts';
import { type StoredOf, eventOf, lastOf } from '../../log/envelope.ts';
import { commandContext } from '../commands.ts';
import type { App } from '../context.ts';
import { ApiProblem } from '../problem.ts';
import {
  Account,
  AccountId,
  Balance,
  IdempotencyHeaders,
  JournalPage,
  MinPositionQuery,
  Movement,
  MovementBody,
  OpenAccountBody,
  StatusChange,
  StatusChangeBody,
  problemResponses,
} from '../schemas.ts';
import { waitForProjection } from '../read-your-writes.ts';

const json = <T>(schema: T) => ({ content: { 'application/json': { schema } } });
const replayedHeader = (replayed: boolean): Record<string, string> => (replayed ? { 'Idempotent-Replayed': 'true' } : {});

export interface AccountRouteDeps {
  commands: CommandBus;
  ledger: LedgerReadModel;
  /** How long a ?minPosition= read waits for the ledger read model. */
  waitMs: number;
  /** Largest overdraftLimit at all, and above which only an admin may grant one (LEDGER_*_OVERDRAFT_*). */
  overdraft?: OverdraftPolicy;
}

/**
 * Every account read: wait for ?minPosition= if asked (in the account's partition unless ?partition=
 * names another), then the account from the read model or 404.
 */
async function readAccount(deps: AccountRouteDeps, id: string, q: { partition?: number; minPosition?: number }): Promise<AccountView> {
  await waitForProjection(deps.ledger, deps.waitMs, q.partition ?? deps.ledger.partitionOf(id), q.minPosition);
  const account = await deps.ledger.queries.account(id);
  if (!account) throw new ApiProblem('account_not_found', `account ${id} does not exist`);
  return account;
}

export interface OverdraftPolicy {
  max: string;
  adminAbove: string;
}

export const DEFAULT_OVERDRAFT: OverdraftPolicy = { max: '1000000', adminAbove: '10000' };

/** An overdraft is credit: bounded by configuration, and a large one is an admin's decision. */
function checkOverdraft(limit: string | undefined, role: string, policy: OverdraftPolicy): void {
  if (limit === undefined) return;
  const value = new Dec(limit);
  if (value.greaterThan(policy.max)) throw new ApiProblem('validation_failed', `overdraftLimit may not exceed ${policy.max}`, [{ field: 'overdraftLimit', message: `at most ${policy.max}` }]);
  if (value.greaterThan(policy.adminAbove) && role !== 'admin') {
    throw new ApiProblem('forbidden', `an overdraftLimit above ${policy.adminAbove} needs an admin`, [{ field: 'overdraftLimit', message: `above ${policy.adminAbove}: admin only` }]);
  }
}

/** The account endpoints, in the order the OpenAPI document lists them. */
export function accountRoutes(app: App, deps: AccountRouteDeps): void {
  openAccountRoute(app, deps);
  readAccountRoute(app, deps);
  movementRoutes(app, deps);
  statusChangeRoutes(app, deps);
  journalRoute(app, deps);
  balanceRoute(app, deps);
}

function openAccountRoute(app: App, deps: AccountRouteDeps): void {
  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/accounts',
      tags: ['accounts'],
      summary: 'Open an account',
      request: { headers: IdempotencyHeaders, body: { required: true, ...json(OpenAccountBody) } },
      responses: { 201: { description: 'The new account', ...json(Account) }, ...problemResponses(409) },
    }),
    async (c) => {
      const body = c.req.valid('json');
      checkOverdraft(body.overdraftLimit, c.get('principal').role, deps.overdraft ?? DEFAULT_OVERDRAFT);
      const ctx = commandContext(c, 'open-account', body);
      const { events, replayed } = await deps.commands.execute(
        { type: 'OpenAccount', accountId: newId(), currency: body.currency, overdraftLimit: body.overdraftLimit ?? '0', ownerId: body.ownerId ?? null, metadata: body.metadata ?? {} },
        ctx,
      );
      const account = openedAccount(eventOf(events, 'AccountOpened'));
      return c.json(account, 201, { Location: `/v1/accounts/${account.id}`, ...replayedHeader(replayed) });
    },
  );
}

/** The new account as the read model will show it, from its AccountOpened event (the read model may not have it yet). */
function openedAccount(e: StoredOf<'AccountOpened'>): z.infer<typeof Account> {
  const zero = formatAmount('0', e.data.currency);
  const available = availableBalance({ status: 'open', balance: new Dec(0), held: new Dec(0), overdraftLimit: new Dec(e.data.overdraftLimit) });
  return {
    id: e.data.accountId,
    currency: e.data.currency,
    status: 'open',
    balance: zero,
    held: zero,
    available: formatAmount(available, e.data.currency),
    overdraftLimit: e.data.overdraftLimit,
    ownerId: e.data.ownerId,
    metadata: e.data.metadata,
    version: e.streamVersion,
    openedAt: e.occurredAt,
    closedAt: null,
    updatedAt: e.occurredAt,
    position: e.position,
    partition: e.partition,
  };
}

function readAccountRoute(app: App, deps: AccountRouteDeps): void {
  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/accounts/{id}',
      tags: ['accounts'],
      summary: 'Read an account (from the read model)',
      request: { params: AccountId, query: MinPositionQuery },
      responses: { 200: { description: 'The account', ...json(Account) }, ...problemResponses(404, 409) },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      return c.json(await readAccount(deps, id, c.req.valid('query')), 200);
    },
  );
}

function movementRoutes(app: App, deps: AccountRouteDeps): void {
  for (const kind of ['deposits', 'withdrawals'] as const) {
    app.openapi(
      createRoute({
        method: 'post',
        path: `/v1/accounts/{id}/${kind}`,
        tags: ['money'],
        summary: kind === 'deposits' ? 'Deposit money into an account' : 'Withdraw money from an account',
        request: { params: AccountId, headers: IdempotencyHeaders, body: { required: true, ...json(MovementBody) } },
        responses: { 201: { description: 'The movement, with the new balance', ...json(Movement) }, ...problemResponses(404, 409, 422) },
      }),
      async (c) => {
        const { id } = c.req.valid('param');
        const body = c.req.valid('json');
        const ctx = commandContext(c, kind, { id, ...body });
        const command = {
          accountId: id,
          transactionId: newId(),
          amount: body.amount,
          reference: body.reference ?? null,
          channel: body.channel ?? null,
          metadata: body.metadata ?? {},
        };
        const { events, replayed } = await deps.commands.execute(kind === 'deposits' ? { type: 'Deposit', ...command } : { type: 'Withdraw', ...command }, ctx);
        const e = kind === 'deposits' ? eventOf(events, 'FundsDeposited') : eventOf(events, 'FundsWithdrawn');
        return c.json(
          {
            transactionId: e.data.transactionId,
            type: kind === 'deposits' ? ('deposit' as const) : ('withdrawal' as const),
            accountId: e.data.accountId,
            amount: e.data.amount,
            currency: e.data.currency,
            balance: e.data.balanceAfter,
            reference: e.data.reference,
            channel: e.data.channel,
            occurredAt: e.occurredAt,
            position: e.position,
            partition: e.partition,
          },
          201,
          replayedHeader(replayed),
        );
      },
    );
  }
}

function statusChangeRoutes(app: App, deps: AccountRouteDeps): void {
  const statusChanges = [
    { path: 'freeze', type: 'FreezeAccount', status: 'frozen', summary: 'Freeze an account: it refuses every movement until unfrozen' },
    { path: 'unfreeze', type: 'UnfreezeAccount', status: 'open', summary: 'Unfreeze a frozen account' },
    { path: 'close', type: 'CloseAccount', status: 'closed', summary: 'Close an account (only at zero balance); final' },
  ] as const;
  for (const change of statusChanges) {
    app.openapi(
      createRoute({
        method: 'post',
        path: `/v1/accounts/{id}/${change.path}`,
        tags: ['accounts'],
        summary: change.summary,
        request: { params: AccountId, headers: IdempotencyHeaders, body: { required: false, ...json(StatusChangeBody) } },
        responses: { 200: { description: 'The account\'s new status', ...json(StatusChange) }, ...problemResponses(404, 409, 422) },
      }),
      async (c) => {
        const { id } = c.req.valid('param');
        const body = c.req.valid('json') ?? {};
        const ctx = commandContext(c, change.path, { id, ...body });
        const { events, replayed } = await deps.commands.execute({ type: change.type, accountId: id, reason: body.reason ?? null }, ctx);
        const e = lastOf(events);
        return c.json({ id, status: change.status, version: e.streamVersion, occurredAt: e.occurredAt, position: e.position, partition: e.partition }, 200, replayedHeader(replayed));
      },
    );
  }
}

function journalRoute(app: App, deps: AccountRouteDeps): void {
  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/accounts/{id}/transactions',
      tags: ['accounts'],
      summary: 'Journal lines of an account with running balance, newest first',
      request: {
        params: AccountId,
        query: MinPositionQuery.extend({
          limit: z.coerce.number().int().min(1).max(500).default(50),
          cursor: z.string().regex(/^[0-9]{1,10}$/, 'use the nextCursor of the previous page').optional(),
        }),
      },
      responses: {
        200: { description: 'A page of journal lines', ...json(JournalPage) },
        ...problemResponses(404, 409),
      },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const q = c.req.valid('query');
      await readAccount(deps, id, q);
      const page = await deps.ledger.queries.journal(id, q.limit, q.cursor ? Number(q.cursor) : null);
      return c.json({ items: page.items, nextCursor: page.nextVersion === null ? null : String(page.nextVersion) }, 200);
    },
  );
}

function balanceRoute(app: App, deps: AccountRouteDeps): void {
  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/accounts/{id}/balance',
      tags: ['accounts'],
      summary: "Balance now, at a past instant (?asOf=ISO-8601) or at a log position of the account's partition (?atPosition=)",
      request: {
        params: AccountId,
        query: MinPositionQuery.extend({
          asOf: z.iso.datetime({ offset: true, error: 'must be an ISO-8601 date-time, e.g. 2026-01-31T23:59:59Z' }).optional(),
          atPosition: z.coerce.number().int().min(0).max(Number.MAX_SAFE_INTEGER).optional().openapi({ description: "A log position in the account's partition: the balance after the last posting at or before it. Not with asOf." }),
        }),
      },
      responses: {
        200: {
          description: 'The balance',
          ...json(Balance),
        },
        ...problemResponses(404, 409),
      },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const q = c.req.valid('query');
      if (q.asOf !== undefined && q.atPosition !== undefined) throw new ApiProblem('validation_failed', 'asOf and atPosition exclude each other', [{ field: 'atPosition', message: 'give asOf or atPosition, not both' }]);
      // A read at a position waits for the read model to reach it.
      const account = await readAccount(deps, id, { ...q, minPosition: Math.max(q.minPosition ?? 0, q.atPosition ?? 0) || q.minPosition });
      if (q.atPosition !== undefined) {
        const at = await deps.ledger.queries.balanceAtPosition(id, q.atPosition);
        return c.json({ accountId: id, currency: account.currency, balance: formatAmount(at.balance ?? '0', account.currency), asOf: at.occurredAt ?? account.openedAt, version: at.version ?? 0, position: at.position }, 200);
      }
      if (!q.asOf) {
        return c.json({ accountId: id, currency: account.currency, balance: account.balance, asOf: new Date().toISOString(), version: account.version, position: account.position }, 200);
      }
      const asOf = new Date(q.asOf).toISOString();
      const at = await deps.ledger.queries.balanceAsOf(id, asOf);
      return c.json(
        { accountId: id, currency: account.currency, balance: formatAmount(at.balance ?? '0', account.currency), asOf, version: at.version ?? 0, position: at.position },
        200,
      );
    },
  );
}
