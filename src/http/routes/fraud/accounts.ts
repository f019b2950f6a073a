import { createRoute } from '@hono/zod-openapi';
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
      responses: { 200: { description: 'Risk', ...json(AccountRisk) }, ...problemResponses(400, 401, 404, 409) },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const profile = await knownAccount(d, id, c.req.valid('query'));
      const risk = await d.queries.accountRisk(id);
      return c.json({ accountId: id, ...risk, level: risk.level as 'none' | 'low' | 'medium' | 'high', openedAt: profile.openedAt, ownerId: profile.ownerId }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/fraud/accounts/{id}/counterparties',
      tags: ['fraud'],
      summary: 'Top counterparties of an account by money exchanged (both directions)',
      request: { params: AccountId, query: MinPositionQuery.extend({ limit: Limit }) },
      responses: { 200: { description: 'Counterparties', ...json(Counterparties) }, ...problemResponses(400, 401, 404, 409) },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const p = c.req.valid('query');
      await knownAccount(d, id, p);
      return c.json({ accountId: id, items: await d.queries.topCounterparties(id, p.limit) }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/fraud/accounts/{id}/shared-counterparties',
      tags: ['fraud'],
      summary: 'Accounts that share counterparties with this (flagged) account, one hop, most shared first',
      request: { params: AccountId, query: MinPositionQuery.extend({ limit: Limit }) },
      responses: { 200: { description: 'Linked accounts', ...json(SharedCounterparties) }, ...problemResponses(400, 401, 404, 409) },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const p = c.req.valid('query');
      await knownAccount(d, id, p);
      return c.json({ accountId: id, items: await d.queries.sharedCounterparties(id, p.limit) }, 200);
    },
  );
}
