import { createRoute, type z } from '@hono/zod-openapi';
import { AccountId, MinPositionQuery, problemResponses } from '../../schemas.ts';
import type { App } from '../../context.ts';
import { type FraudRouteDeps, knownAccount } from './deps.ts';
import { AccountRisk, Counterparties, Limit, SharedCounterparties, json } from './schemas.ts';

/** What the anomaly read models know of one account: its risk, its counterparties, and the accounts it shares them with. */
export function accountRoutes(app: App, d: FraudRouteDeps): void {
  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/fraud/accounts/{id}/risk',
      tags: ['fraud'],
      summary: 'Risk score of an account with its contributing alerts and an activity summary',
      request: { params: AccountId, query: MinPositionQuery },
      responses: { 200: { description: 'Risk', ...json(AccountRisk) }, ...problemResponses(404, 409) },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const profile = await knownAccount(d, id, c.req.valid('query'));
      const risk = await d.queries.accountRisk(id);
      return c.json({ accountId: id, ...risk, level: risk.level as 'none' | 'low' | 'medium' | 'high', openedAt: profile.openedAt, ownerId: profile.ownerId }, 200);
    },
  );

  app.openapi(
    accountListRoute('/v1/fraud/accounts/{id}/counterparties', 'Top counterparties of an account by money exchanged (both directions)', 'Counterparties', Counterparties),
    async (c) => {
      const { id } = c.req.valid('param');
      const p = c.req.valid('query');
      await knownAccount(d, id, p);
      return c.json({ accountId: id, items: await d.queries.topCounterparties(id, p.limit) }, 200);
    },
  );

  app.openapi(
    accountListRoute('/v1/fraud/accounts/{id}/shared-counterparties', 'Accounts that share counterparties with this (flagged) account, one hop, most shared first', 'Linked accounts', SharedCounterparties),
    async (c) => {
      const { id } = c.req.valid('param');
      const p = c.req.valid('query');
      await knownAccount(d, id, p);
      return c.json({ accountId: id, items: await d.queries.sharedCounterparties(id, p.limit) }, 200);
    },
  );
}

/** A list about one account: `?limit=` and read-your-writes in the query, `{ accountId, items }` back, 404 when the account is unknown. */
function accountListRoute<P extends string, S extends z.ZodType>(path: P, summary: string, description: string, schema: S) {
  return createRoute({
    method: 'get',
    path,
    tags: ['fraud'],
    summary,
    request: { params: AccountId, query: MinPositionQuery.extend({ limit: Limit }) },
    responses: { 200: { description, ...json(schema) }, ...problemResponses(404, 409) },
  });
}
