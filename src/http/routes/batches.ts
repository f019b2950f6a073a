import { createRoute } from '@hono/zod-openapi';
import { newId } from '../../ids.ts';
import type { CommandBus } from '../../commands/command-bus.ts';
import type { BatchItem } from '../../domain/batch/commands.ts';
import { batchItemResults } from '../../domain/batch/results.ts';
import { DomainError } from '../../domain/errors.ts';
import type { StoredEvent } from '../../log/envelope.ts';
import { Batch, BatchBody, type BatchItemInput } from '../banking-schemas.ts';
import { commandContext } from '../commands.ts';
import type { App } from '../context.ts';
import { ApiProblem } from '../problem.ts';
import { IdempotencyHeaders, problemResponses } from '../schemas.ts';

/** One wire item → one command; ids generated here (a retried key replays the first ones). */
function commandOf(item: BatchItemInput): BatchItem {
  const money = { reference: 'reference' in item ? (item.reference ?? null) : null, metadata: 'metadata' in item ? (item.metadata ?? {}) : {} };
  switch (item.type) {
    case 'transfer':
      return { type: 'Transfer', transactionId: newId(), fromAccountId: item.fromAccountId, toAccountId: item.toAccountId, amount: item.amount, ...money };
    case 'deposit':
      return { type: 'Deposit', transactionId: newId(), accountId: item.accountId, amount: item.amount, channel: item.channel ?? null, ...money };
    case 'withdrawal':
      return { type: 'Withdraw', transactionId: newId(), accountId: item.accountId, amount: item.amount, channel: item.channel ?? null, ...money };
    case 'hold':
      return { type: 'PlaceHold', holdId: item.holdId ?? newId(), accountId: item.accountId, amount: item.amount, counterpartyAccountId: item.counterpartyAccountId ?? null, timeoutSeconds: item.timeoutSeconds ?? null, ...money };
    case 'capture':
      return { type: 'CaptureHold', holdId: item.holdId, transactionId: newId(), amount: item.amount ?? null, ...money };
    case 'void':
      return { type: 'VoidHold', holdId: item.holdId, reason: item.reason ?? null };
    default: {
      const never: never = item;
      return never;
    }
  }
}

/** What names an accepted item: the hold for hold and void items, else the transaction. */
function idOf(item: BatchItemInput, events: readonly StoredEvent[]): string | null {
  const key = item.type === 'hold' || item.type === 'void' ? 'holdId' : 'transactionId';
  for (const e of events) {
    const v = (e.data as Record<string, unknown>)[key];
    if (typeof v === 'string') return v;
  }
  return null;
}

/** An atomic batch refused by one item: 422 with the item's code, and its index in the field (items.<i>…). */
function refusedItem(err: DomainError): ApiProblem {
  const index = /^items\.(\d+)/.exec(err.field ?? '')?.[1];
  return new ApiProblem(err.code, err.message, [{ field: err.field ?? (index !== undefined ? `items.${index}` : 'items'), message: err.message }]);
}

export function batchRoutes(app: App, deps: { commands: CommandBus }): void {
  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/batches',
      tags: ['money'],
      summary: 'Up to 8,190 transfers, deposits, withdrawals, holds, captures and voids in one append, atomic or item by item',
      description:
        'One Idempotency-Key for the whole batch. atomic: every item lands or none does; a refusal answers 422 with the item\'s own code and `errors[0].field` = `items.<index>[.<field>]`. independent: each item is accepted or refused on its own; 201 when all were accepted, 200 when some were refused, with one result per item in order.',
      request: { headers: IdempotencyHeaders, body: { required: true, content: { 'application/json': { schema: BatchBody } } } },
      responses: {
        201: { description: 'Every item accepted', content: { 'application/json': { schema: Batch } } },
        200: { description: 'Independent batch with some items refused', content: { 'application/json': { schema: Batch } } },
        ...problemResponses(404, 409, 422),
      },
    }),
    async (c) => {
      const body = c.req.valid('json');
      const ctx = commandContext(c, 'batch', body);
      const batchId = newId();
      const result = await deps.commands.execute({ type: 'ExecuteBatch', batchId, mode: body.mode, items: body.items.map(commandOf) }, ctx).catch((err: unknown) => {
        throw err instanceof DomainError && /^items\./.test(err.field ?? '') ? refusedItem(err) : err;
      });
      const items = batchItemResults(result.events).map((r) =>
        r.status === 'accepted'
          ? { index: r.index, status: r.status, id: idOf(body.items[r.index]!, r.events), code: null, message: null, field: null }
          : { index: r.index, status: r.status, id: null, code: r.code, message: r.message, field: r.field },
      );
      const executed = result.events.find((e) => e.type === 'BatchExecuted');
      const refused = items.filter((i) => i.status === 'refused').length;
      const position = result.events.reduce((p, e) => Math.max(p, e.position), 0);
      return c.json(
        { id: (executed?.data as { batchId?: string } | undefined)?.batchId ?? batchId, mode: body.mode, accepted: items.length - refused, refused, items, position },
        refused === 0 ? 201 : 200,
        result.replayed ? { 'Idempotent-Replayed': 'true' } : {},
      );
    },
  );
}
