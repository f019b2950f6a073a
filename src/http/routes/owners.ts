import { createRoute, z } from '@hono/zod-openapi';
import type { LedgerReadModel } from '../../read-models/ledger/index.ts';
import type { AlertView } from '../../read-models/anomaly/queries.ts';
import type { App } from '../context.ts';
import { ApiProblem } from '../problem.ts';
import { decodeCursor } from '../../read-models/anomaly/queries.ts';
import { Account, Currency, problemResponses } from '../schemas.ts';

/** What the owner view needs of the anomaly read model: open alerts naming any of an owner's accounts, newest first (one query). */
export interface OwnerAlerts {
  listAlerts(f: { status?: string; ownerId?: string; limit: number; cursor?: { raisedAt: string; id: string } }): Promise<{ items: AlertView[]; nextCursor: string | null }>;
}

/** Accounts in the owner view (a larger owner pages through GET /v1/accounts?ownerId=, from accountsNextCursor). */
const OWNER_ACCOUNTS_MAX = 200;
/** Open alerts per owner view page (more through ?alertsCursor=). */
const OWNER_ALERTS_MAX = 100;

const OwnerId = z.string().min(1).max(64);
const AccountPage = z.object({ items: z.array(Account), nextCursor: z.string().nullable() }).openapi('AccountList');
export const Owner = z
  .object({
    ownerId: z.string(),
    accounts: z.array(Account).openapi({ description: `The owner's first ${OWNER_ACCOUNTS_MAX} accounts in id order.` }),
    accountsNextCursor: z.string().nullable().openapi({ description: 'Set when the owner has more accounts: continue with GET /v1/accounts?ownerId=…&cursor=….' }),
    totals: z.array(z.object({ currency: z.string(), accounts: z.number().int(), balance: z.string(), held: z.string() })).openapi({ description: 'Over every account of the owner.' }),
    openAlerts: z.array(z.object({ id: z.string(), rule: z.string(), severity: z.string(), accountIds: z.array(z.string()), raisedAt: z.string() })).openapi({ description: "Open alerts naming any of the owner's accounts, newest first." }),
    openAlertsNextCursor: z.string().nullable().openapi({ description: 'Set when there are more open alerts: ask again with ?alertsCursor=….' }),
  })
  .openapi('Owner');

function alertsCursor(text: string | undefined): { raisedAt: string; id: string } | undefined {
  if (text === undefined) return undefined;
  const parts = decodeCursor(text, 2);
  if (!parts) throw new ApiProblem('validation_failed', 'alertsCursor: use the openAlertsNextCursor of the answer before', [{ field: 'alertsCursor', message: 'not a cursor of this list' }]);
  return { raisedAt: parts[0]!, id: parts[1]! };
}

export function ownerRoutes(app: App, deps: { ledger: LedgerReadModel; alerts: OwnerAlerts }): void {
  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/accounts',
      tags: ['accounts'],
      summary: 'List accounts in id order, filtered by owner, status and currency',
      request: {
        query: z.object({
          ownerId: OwnerId.optional(),
          status: z.enum(['open', 'frozen', 'closed']).optional(),
          currency: Currency.optional(),
          cursor: z.string().max(64).optional().openapi({ description: 'nextCursor of the page before.' }),
          limit: z.coerce.number().int().min(1).max(200).default(50),
        }),
      },
      responses: { 200: { description: 'A page of accounts', content: { 'application/json': { schema: AccountPage } } } },
    }),
    async (c) => {
      const q = c.req.valid('query');
      const filter = { ...(q.ownerId ? { ownerId: q.ownerId } : {}), ...(q.status ? { status: q.status } : {}), ...(q.currency ? { currency: q.currency } : {}) };
      const page = await deps.ledger.queries.accountIds(filter, q.limit, q.cursor ?? null);
      return c.json({ items: await deps.ledger.queries.accounts(page.ids), nextCursor: page.nextCursor }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/owners/{ownerId}',
      tags: ['accounts'],
      summary: "An owner's accounts, totals per currency and open alerts",
      request: {
        params: z.object({ ownerId: OwnerId.openapi({ param: { name: 'ownerId', in: 'path' }, example: 'customer-42' }) }),
        query: z.object({ alertsCursor: z.string().max(200).optional().openapi({ description: 'openAlertsNextCursor of the answer before.' }) }),
      },
      responses: { 200: { description: 'The owner', content: { 'application/json': { schema: Owner } } }, ...problemResponses(404) },
    }),
    async (c) => {
      const { ownerId } = c.req.valid('param');
      const after = alertsCursor(c.req.valid('query').alertsCursor);
      const page = await deps.ledger.queries.accountIds({ ownerId }, OWNER_ACCOUNTS_MAX, null);
      if (page.ids.length === 0) throw new ApiProblem('not_found', `no accounts of owner ${ownerId}`, [{ field: 'ownerId', message: 'no accounts' }]);
      const [accounts, totals, alerts] = await Promise.all([
        deps.ledger.queries.accounts(page.ids),
        deps.ledger.queries.ownerTotals(ownerId),
        deps.alerts.listAlerts({ status: 'open', ownerId, limit: OWNER_ALERTS_MAX, ...(after ? { cursor: after } : {}) }),
      ]);
      const openAlerts = alerts.items.map((a) => ({ id: a.id, rule: a.rule, severity: a.severity, accountIds: a.accountIds, raisedAt: a.raisedAt }));
      return c.json({ ownerId, accounts, accountsNextCursor: page.nextCursor, totals, openAlerts, openAlertsNextCursor: alerts.nextCursor }, 200);
    },
  );
}
