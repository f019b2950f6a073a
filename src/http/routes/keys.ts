import { createRoute, z } from '@hono/zod-openapi';
import { displayPrefix, KEY_ID_PATTERN } from '../../auth/api-keys.ts';
import type { ApiKeyRecord, KeyStore } from '../../auth/key-store.ts';
import type { Logger } from '../../app/logger.ts';
import { ROLES } from '../../auth/roles.ts';
import type { App } from '../context.ts';
import { keysetPage } from '../../keyset-page.ts';
import { ApiProblem } from '../problem.ts';
import { Id, problemResponses } from '../schemas.ts';

const json = <T>(schema: T) => ({ content: { 'application/json': { schema } } });

export const ApiKey = z
  .object({
    id: z.string(),
    name: z.string(),
    role: z.enum(ROLES),
    accounts: z.array(z.string()).nullable().openapi({ description: 'The only accounts the key may touch; null = all.' }),
    prefix: z.string().openapi({ example: 'lk_3f9a1c2b7d4e5f60_…x9Qa', description: 'Enough of the token to recognise it; the secret is never shown again.' }),
    createdBy: z.string(),
    createdAt: z.string(),
    revokedAt: z.string().nullable(),
  })
  .openapi('ApiKey');

const CreateKeyBody = z
  .object({
    name: z.string().min(1).max(100).openapi({ example: 'branch 12 teller terminal' }),
    role: z.enum(ROLES, { error: `must be one of ${ROLES.join(', ')}` }),
    accounts: z.array(Id).min(1).max(1000).nullable().optional().openapi({ description: 'Restrict the key to these accounts (an API client of one customer).' }),
  })
  .strict()
  .openapi('CreateApiKeyRequest');

const KeyIdParam = z.object({ id: z.string().regex(KEY_ID_PATTERN, 'not a key id').openapi({ param: { name: 'id', in: 'path' }, example: '3f9a1c2b7d4e5f60' }) });

function wire(k: ApiKeyRecord): z.infer<typeof ApiKey> {
  return { id: k.id, name: k.name, role: k.role, accounts: k.accounts, prefix: displayPrefix(k.id, k.last4), createdBy: k.createdBy, createdAt: k.createdAt, revokedAt: k.revokedAt };
}

/** Key management (admin). Recorded in the structured log, not in the log of money events. */
export function keyRoutes(app: App, deps: { keys: KeyStore; logger: Logger }): void {
  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/keys',
      tags: ['keys'],
      summary: 'Create an API key; the token is in this response only',
      request: { body: { required: true, ...json(CreateKeyBody) } },
      responses: {
        201: { description: 'The key and its token (store it now: only its hash is kept)', ...json(ApiKey.extend({ token: z.string() }).openapi('CreatedApiKey')) },
      },
    }),
    async (c) => {
      const body = c.req.valid('json');
      const principal = c.get('principal');
      const accounts = body.accounts ? [...new Set(body.accounts)] : null;
      const { key, token } = await deps.keys.create({ name: body.name, role: body.role, accounts, createdBy: principal.actor });
      deps.logger.info({ audit: 'api_key_created', keyId: key.id, role: key.role, accountScope: accounts?.length ?? null, by: principal.actor, requestId: c.get('requestId') }, 'api key created');
      return c.json({ ...wire(key), token }, 201, { Location: `/v1/keys/${key.id}` });
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/keys',
      tags: ['keys'],
      summary: 'List API keys (never their secrets), revoked ones included',
      request: {
        query: z.object({
          limit: z.coerce.number().int().min(1).max(500).default(100),
          after: z.string().regex(KEY_ID_PATTERN, 'use the nextAfter of the previous page').optional(),
        }),
      },
      responses: {
        200: { description: 'A page of keys in id order', ...json(z.object({ items: z.array(ApiKey), nextAfter: z.string().nullable() }).openapi('ApiKeyPage')) },
      },
    }),
    async (c) => {
      const q = c.req.valid('query');
      const rows = await deps.keys.list(q.limit + 1, q.after ?? null);
      const page = keysetPage(rows, q.limit, (k) => k.id);
      return c.json({ items: page.items.map(wire), nextAfter: page.next }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'delete',
      path: '/v1/keys/{id}',
      tags: ['keys'],
      summary: 'Revoke an API key: refused from the next request on',
      request: { params: KeyIdParam },
      responses: { 200: { description: 'The revoked key', ...json(ApiKey) }, ...problemResponses(404, 409) },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const principal = c.get('principal');
      const result = await deps.keys.revoke(id);
      if (result.outcome !== 'revoked') {
        if (result.outcome === 'last_admin') throw new ApiProblem('last_admin_key', 'this is the last active admin key: create another admin key first');
        throw new ApiProblem('not_found', `there is no key ${id}`);
      }
      const key = result.key;
      deps.logger.info({ audit: 'api_key_revoked', keyId: id, by: principal.actor, requestId: c.get('requestId') }, 'api key revoked');
      return c.json(wire(key), 200);
    },
  );
}
