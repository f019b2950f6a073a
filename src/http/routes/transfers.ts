import { createRoute } from '@hono/zod-openapi';
import { newId } from '../../ids.ts';
import { eventOf } from '../../log/envelope.ts';
import { commandContext } from '../commands.ts';
import type { CommandBus } from '../../commands/command-bus.ts';
import type { App } from '../context.ts';
import { IdempotencyHeaders, Transfer, TransferBody, problemResponses } from '../schemas.ts';

export function transferRoutes(app: App, deps: { commands: CommandBus }): void {
  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/transfers',
      tags: ['money'],
      summary: 'Move money between two accounts of the same currency; both sides move atomically or neither does',
      request: { headers: IdempotencyHeaders, body: { required: true, content: { 'application/json': { schema: TransferBody } } } },
      responses: {
        201: { description: 'The transfer with both new balances', content: { 'application/json': { schema: Transfer } } },
        ...problemResponses(404, 409, 422),
      },
    }),
    async (c) => {
      const body = c.req.valid('json');
      const ctx = commandContext(c, 'transfer', body);
      const { events, replayed } = await deps.commands.execute(
        {
          type: 'Transfer',
          transactionId: newId(),
          fromAccountId: body.fromAccountId,
          toAccountId: body.toAccountId,
          amount: body.amount,
          reference: body.reference ?? null,
          metadata: body.metadata ?? {},
        },
        ctx,
      );
      const debit = eventOf(events, 'TransferDebited');
      const credit = eventOf(events, 'TransferCredited');
      const last = debit.position > credit.position ? debit : credit;
      return c.json(
        {
          transactionId: debit.data.transactionId,
          fromAccountId: debit.data.accountId,
          toAccountId: credit.data.accountId,
          amount: debit.data.amount,
          currency: debit.data.currency,
          fromBalance: debit.data.balanceAfter,
          toBalance: credit.data.balanceAfter,
          reference: debit.data.reference,
          occurredAt: debit.occurredAt,
          position: last.position,
          partition: last.partition,
        },
        201,
        replayed ? { 'Idempotent-Replayed': 'true' } : {},
      );
    },
  );
}
