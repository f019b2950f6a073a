import { createRoute, z } from '@hono/zod-openapi';
import { newId } from '../../ids.ts';
import type { CommandBus } from '../../commands/command-bus.ts';
import { formatAmount } from '../../domain/money.ts';
import { type StoredEvent, eventOf } from '../../log/envelope.ts';
import type { LedgerReadModel } from '../../read-models/ledger/index.ts';
import { CaptureBody, Hold, HoldIdParam, HoldList, HoldStep, PlaceHoldBody, Reversal, ReversalBody, TransactionIdParam, VoidBody } from '../banking-schemas.ts';
import { commandContext } from '../commands.ts';
import type { App } from '../context.ts';
import { ApiProblem } from '../problem.ts';
import { waitForProjection } from '../read-your-writes.ts';
import { AccountId, IdempotencyHeaders, MinPositionQuery, problemResponses } from '../schemas.ts';

export interface HoldRouteDeps {
  commands: CommandBus;
  ledger: LedgerReadModel;
  waitMs: number;
}

const json = <T extends z.ZodType>(schema: T) => ({ required: true, content: { 'application/json': { schema } } });
const replayHeaders = (replayed: boolean): Record<string, string> => (replayed ? { 'Idempotent-Replayed': 'true' } : {});
const last = (events: readonly StoredEvent[]) => events.reduce((a, b) => (b.position > a.position ? b : a));

/** Holds (two-phase: place, capture or void; the engine expires them) and reversals of transactions. */
export function holdRoutes(app: App, deps: HoldRouteDeps): void {
  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/holds',
      tags: ['holds'],
      summary: 'Reserve funds on an account: available balance goes down, the balance stays until a capture',
      request: { headers: IdempotencyHeaders, body: json(PlaceHoldBody) },
      responses: { 201: { description: 'The hold', content: { 'application/json': { schema: Hold } } }, ...problemResponses(404, 409, 422) },
    }),
    async (c) => {
      const body = c.req.valid('json');
      const ctx = commandContext(c, 'hold', body);
      const { events, replayed } = await deps.commands.execute(
        {
          type: 'PlaceHold',
          holdId: newId(),
          accountId: body.accountId,
          amount: body.amount,
          counterpartyAccountId: body.counterpartyAccountId ?? null,
          timeoutSeconds: body.timeoutSeconds ?? null,
          reference: body.reference ?? null,
          metadata: body.metadata ?? {},
        },
        ctx,
      );
      const placed = eventOf(events, 'HoldPlaced');
      const d = placed.data;
      const zero = formatAmount('0', d.currency);
      return c.json(
        { id: d.holdId, accountId: d.accountId, counterpartyAccountId: d.counterpartyAccountId, status: 'active' as const, amount: d.amount, captured: zero, remaining: d.amount, currency: d.currency, expiresAt: d.expiresAt, reference: d.reference, metadata: d.metadata, placedAt: placed.occurredAt, updatedAt: placed.occurredAt, position: last(events).position },
        201,
        replayHeaders(replayed),
      );
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/holds/{id}/capture',
      tags: ['holds'],
      summary: 'Capture some or all of what a hold still reserves (several times, up to the held amount)',
      request: { params: HoldIdParam, headers: IdempotencyHeaders, body: json(CaptureBody) },
      responses: { 200: { description: 'The capture', content: { 'application/json': { schema: HoldStep } } }, ...problemResponses(404, 409, 422) },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const body = c.req.valid('json');
      const ctx = commandContext(c, `capture:${id}`, body);
      const { events, replayed } = await deps.commands.execute(
        { type: 'CaptureHold', holdId: id, transactionId: newId(), amount: body.amount ?? null, reference: body.reference ?? null, metadata: body.metadata ?? {} },
        ctx,
      );
      const captured = eventOf(events, 'HoldCaptured');
      const d = captured.data;
      const end = last(events);
      return c.json({ holdId: d.holdId, step: 'captured' as const, transactionId: d.transactionId, amount: d.amount, currency: d.currency, captured: d.capturedAfter, occurredAt: captured.occurredAt, position: end.position, partition: end.partition }, 200, replayHeaders(replayed));
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/holds/{id}/void',
      tags: ['holds'],
      summary: 'Release what a hold still reserves',
      request: { params: HoldIdParam, headers: IdempotencyHeaders, body: { required: false, content: { 'application/json': { schema: VoidBody } } } },
      responses: { 200: { description: 'The void', content: { 'application/json': { schema: HoldStep } } }, ...problemResponses(404, 409, 422) },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const body = (c.req.valid('json') as z.infer<typeof VoidBody> | undefined) ?? {};
      const ctx = commandContext(c, `void:${id}`, body);
      const { events, replayed } = await deps.commands.execute({ type: 'VoidHold', holdId: id, reason: body.reason ?? null }, ctx);
      const voided = eventOf(events, 'HoldVoided');
      const end = last(events);
      const d = voided.data;
      return c.json({ holdId: d.holdId, step: 'voided' as const, transactionId: null, amount: d.released, currency: d.currency, captured: null, occurredAt: voided.occurredAt, position: end.position, partition: end.partition }, 200, replayHeaders(replayed));
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/holds/{id}',
      tags: ['holds'],
      summary: 'A hold: status, amounts, expiry',
      request: { params: HoldIdParam, query: MinPositionQuery },
      responses: { 200: { description: 'The hold', content: { 'application/json': { schema: Hold } } }, ...problemResponses(404, 409) },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const q = c.req.valid('query');
      await waitForProjection(deps.ledger, deps.waitMs, q.partition ?? deps.ledger.partitionOf(id), q.minPosition);
      const hold = await deps.ledger.queries.hold(id);
      if (!hold) throw new ApiProblem('hold_not_found', `no hold ${id}`, [{ field: 'id', message: 'no such hold' }]);
      return c.json(hold, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/accounts/{id}/holds',
      tags: ['holds'],
      summary: "An account's holds, newest first",
      request: { params: AccountId, query: MinPositionQuery.extend({ cursor: z.string().max(64).optional(), limit: z.coerce.number().int().min(1).max(500).default(100) }) },
      responses: { 200: { description: 'A page of holds', content: { 'application/json': { schema: HoldList } } }, ...problemResponses(404, 409) },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const q = c.req.valid('query');
      await waitForProjection(deps.ledger, deps.waitMs, q.partition ?? deps.ledger.partitionOf(id), q.minPosition);
      if (!(await deps.ledger.exists(id))) throw new ApiProblem('account_not_found', `no account ${id}`, [{ field: 'id', message: 'no such account' }]);
      return c.json(await deps.ledger.queries.holdsOf(id, q.limit, q.cursor ?? null), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/transactions/{id}/reversals',
      tags: ['money'],
      summary: 'Reverse a transaction fully or partly (several times, up to its amount); the original stays',
      request: { params: TransactionIdParam, headers: IdempotencyHeaders, body: json(ReversalBody) },
      responses: { 201: { description: 'The reversal', content: { 'application/json': { schema: Reversal } } }, ...problemResponses(404, 409, 422) },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const body = c.req.valid('json');
      const ctx = commandContext(c, `reversal:${id}`, body);
      const { events, replayed } = await deps.commands.execute({ type: 'ReverseTransaction', reversalId: newId(), transactionId: id, amount: body.amount ?? null, reason: body.reason, metadata: body.metadata ?? {} }, ctx);
      const debit = events.find((e) => e.type === 'ReversalDebited');
      const credit = events.find((e) => e.type === 'ReversalCredited');
      const leg = (debit ?? credit)!;
      const d = leg.data as { transactionId: string; reversalOf: string; amount: string; currency: string; reason: string; accountId: string };
      const end = last(events);
      return c.json(
        { id: d.transactionId, reversalOf: d.reversalOf, amount: d.amount, currency: d.currency, reason: d.reason, debitedAccountId: debit ? (debit.data as { accountId: string }).accountId : null, creditedAccountId: credit ? (credit.data as { accountId: string }).accountId : null, occurredAt: leg.occurredAt, position: end.position, partition: end.partition },
        201,
        replayHeaders(replayed),
      );
    },
  );
}
