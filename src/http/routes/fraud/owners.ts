import { createRoute } from '@hono/zod-openapi';
import { AccountId, MinPositionQuery, problemResponses } from '../../schemas.ts';
import type { App } from '../../context.ts';
import { ApiProblem } from '../../problem.ts';
import { type FraudRouteDeps, iso, knownAccount } from './deps.ts';
import { AlertStats, AlertStatsQuery, Network, NetworkQuery, OwnerIdParam, OwnerView, json } from './schemas.ts';

/** Analyst queries across accounts: an owner, an account's counterparty network, alert volumes. */
export function ownerRoutes(app: App, d: FraudRouteDeps): void {
  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/fraud/owners/{ownerId}',
      tags: ['fraud'],
      summary: "An owner: accounts with their risk, alerts (highest score first) and counts per rule, cases",
      request: { params: OwnerIdParam, query: MinPositionQuery },
      responses: { 200: { description: 'The owner', ...json(OwnerView) }, ...problemResponses(404, 409) },
    }),
    async (c) => {
      const { ownerId } = c.req.valid('param');
      const p = c.req.valid('query');
      await d.wait(p.partition, p.minPosition);
      const owner = await d.queries.owner(ownerId);
      if (!owner) throw new ApiProblem('not_found', `no account of owner ${ownerId}`);
      return c.json(owner, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/fraud/accounts/{id}/network',
      tags: ['fraud'],
      summary: 'Counterparties up to 3 hops away, both directions, at most fanOut per account (most money first), with their risk and live alerts',
      request: { params: AccountId, query: NetworkQuery },
      responses: { 200: { description: 'The network', ...json(Network) }, ...problemResponses(404, 409) },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const p = c.req.valid('query');
      await knownAccount(d, id, p);
      return c.json(await d.queries.network(id, p.depth, p.fanOut), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/fraud/alert-stats',
      tags: ['fraud'],
      summary: 'Alerts raised per UTC day and rule in [from, to), with how many are still open',
      request: { query: AlertStatsQuery },
      responses: { 200: { description: 'Counts', ...json(AlertStats) }, ...problemResponses(409) },
    }),
    async (c) => {
      const p = c.req.valid('query');
      await d.wait(p.partition, p.minPosition);
      return c.json(await d.queries.alertStats({ from: iso(p.from), to: iso(p.to), rule: p.rule }), 200);
    },
  );
}
