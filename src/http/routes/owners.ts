import { createRoute, z } from '@hono/zod-openapi';
import type { AccountView, LedgerReadModel } from '../../read-models/ledger/index.ts';
import type { AlertView } from '../../read-models/anomaly/queries.ts';
import type { App } from '../context.ts';
import { ApiProblem } from '../problem.ts';
import { Account, Currency, problemResponses } from '../schemas.ts';

/** What the owner view needs of the anomaly read model: alerts of one account. */
export interface OwnerAlerts {
  listAlerts(f: { status?: string; accountId?: string; limit: number }): Promise<{ items: AlertView[] }>;
}

const OwnerId = z.string().min(1).max(64);
const AccountPage = z.object({ items: z.array(Account), nextCursor: z.string().nullable() }).openapi('AccountList');
const Owner = z
  .object({
    ownerId: z.string(),
    accounts: z.array(Account),
    totals: z.array(z.object({ currency: z.string(), accounts: z.number().int(), balance: z.string(), held: z.string() })),
    openAlerts: z.array(z.object({ id: z.string(), rule: z.string(), severity: z.string(), accountIds: z.array(z.string()), raisedAt: z.string() })),
  })
  .openapi('Owner');

/** At most this many accounts in the owner view (a larger owner pages through GET /v1/accounts?ownerId=). */
const OWNER_ACCOUNTS_MAX = 200;

async function views(ledger: LedgerReadModel, ids: readonly string[]): Promise<AccountView[]> {
  const rows = await Promise.all(ids.map((id) => ledger.queries.account(id)));
  return rows.filter((r): r is AccountView => r !== null);
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
      return c.json({ items: await views(deps.ledger, page.ids), nextCursor: page.nextCursor }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/owners/{ownerId}',
      tags: ['accounts'],
      summary: "An owner's accounts, totals per currency and open alerts",
      request: { params: z.object({ ownerId: OwnerId.openapi({ param: { name: 'ownerId', in: 'path' }, example: 'customer-42' }) }) },
      responses: { 200: { description: 'The owner', content: { 'application/json': { schema: Owner } } }, ...problemResponses(404) },
    }),
    async (c) => {
      const { ownerId } = c.req.valid('param');
      const page = await deps.ledger.queries.accountIds({ ownerId }, OWNER_ACCOUNTS_MAX, null);
      if (page.ids.length === 0) throw new ApiProblem('not_found', `no accounts of owner ${ownerId}`, [{ field: 'ownerId', message: 'no accounts' }]);
      const [accounts, totals, alertLists] = await Promise.all([
        views(deps.ledger, page.ids),
        deps.ledger.queries.ownerTotals(ownerId),
        Promise.all(page.ids.map((accountId) => deps.alerts.listAlerts({ status: 'open', accountId, limit: 50 }))),
      ]);
      const seen = new Map<string, AlertView>();
      for (const list of alertLists) for (const a of list.items) seen.set(a.id, a);
      const openAlerts = [...seen.values()].sort((a, b) => (a.raisedAt < b.raisedAt ? 1 : -1)).map((a) => ({ id: a.id, rule: a.rule, severity: a.severity, accountIds: a.accountIds, raisedAt: a.raisedAt }));
      return c.json({ ownerId, accounts, totals, openAlerts }, 200);
    },
  );
}
