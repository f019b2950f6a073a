import { createRoute } from '@hono/zod-openapi';
import { RULE_IDS } from '../../../domain/fraud/config.ts';
import type { App } from '../../context.ts';
import { problemResponses } from '../../schemas.ts';
import { type FraudRouteDeps, cursorOf, iso } from './deps.ts';
import { FraudRules, LargeTransactionPage, LargeTransactionQuery, json } from './schemas.ts';

const EVENT_ID = /^[0-9a-f-]{36}$/;

/** The rules in force and the large-transaction report: the analyst's reference, across accounts. */
export function referenceRoutes(app: App, d: FraudRouteDeps): void {
  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/fraud/rules',
      tags: ['fraud'],
      summary: 'Active rules and their thresholds: defaults and per-currency overrides',
      responses: { 200: { description: 'Rules', ...json(FraudRules) } },
    }),
    (c) => {
      const r = d.queries.rules();
      return c.json({ rules: [...RULE_IDS], defaults: r.defaults as unknown as Record<string, unknown>, currencies: r.currencies as unknown as Record<string, Record<string, unknown>> }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/fraud/large-transactions',
      tags: ['fraud'],
      summary: 'Movements at or above the large-transaction threshold (or minAmount) in [from, to), newest first',
      request: { query: LargeTransactionQuery },
      responses: { 200: { description: 'A page of large movements', ...json(LargeTransactionPage) }, ...problemResponses(409) },
    }),
    async (c) => {
      const p = c.req.valid('query');
      await d.wait(p.partition, p.minPosition);
      const cursor = cursorOf(p.cursor, ([, eventId]) => EVENT_ID.test(eventId));
      const page = await d.queries.largeTransactions({ from: iso(p.from), to: iso(p.to), currency: p.currency, minAmount: p.minAmount, limit: p.limit, cursor: cursor ? { occurredAt: cursor[0], eventId: cursor[1] } : undefined });
      return c.json(page, 200);
    },
  );
}
