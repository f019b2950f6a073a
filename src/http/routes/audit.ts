import { createRoute, z } from '@hono/zod-openapi';
import type { AuditReadModel } from '../../read-models/audit/index.ts';
import { type AuditCursor, type AuditEntry as AuditEntryView, auditWhere, toAuditEntry } from '../../read-models/audit/queries.ts';
import type { LedgerReadModel } from '../../read-models/ledger/index.ts';
import type { EventLog } from '../../log/event-log.ts';
import { keysetPage } from '../../keyset-page.ts';
import { parsePeriod } from '../../reports/period.ts';
import { CHAIN_BREAK_REASONS, ChainVerifier } from '../../verify/verify-ledger.ts';
import type { App } from '../context.ts';
import { ApiProblem } from '../problem.ts';
import { waitForProjection } from '../read-your-writes.ts';
import { MinPositionQuery, problemResponses } from '../schemas.ts';
import { AccountFilter, Actor, EventType, PeriodQuery } from './report-query.ts';

const json = <T>(schema: T) => ({ content: { 'application/json': { schema } } });

export const AuditEntry = z
  .object({
    partition: z.number().int(),
    position: z.number().int(),
    eventId: z.string(),
    occurredAt: z.string(),
    type: z.string(),
    accountId: z.string(),
    transactionId: z.string().nullable(),
    amount: z.string().nullable(),
    currency: z.string().nullable(),
    actor: z.string(),
    actorRole: z.string().nullable().openapi({ description: 'The caller\'s role when the command was accepted (null: recorded before roles were kept).' }),
    origin: z.object({ ip: z.string().nullable(), userAgent: z.string().nullable(), requestId: z.string().nullable() }),
    commandId: z.string(),
    correlationId: z.string(),
    prevHash: z.string(),
    hash: z.string(),
  })
  .openapi('AuditEntry') satisfies z.ZodType<AuditEntryView>;

const ChainBreak = z
  .object({ partition: z.number().int(), position: z.number().int(), reason: z.enum(CHAIN_BREAK_REASONS), detail: z.string() })
  .openapi('ChainBreak');

export const ChainVerification = z
  .object({ ok: z.boolean(), events: z.number().int(), newEvents: z.number().int(), mode: z.enum(['incremental', 'full']), firstBreak: ChainBreak.nullable(), verifiedAt: z.string() })
  .openapi('ChainVerification');

const CURSOR = /^([0-9]{1,4}):([0-9]{1,15})$/;

/** The audit log (a read model of every event, with actor and origin) and hash-chain verification of the log. */
export interface AuditRouteDeps {
  audit: AuditReadModel;
  /** Checks the ?accountId= filter names an account. */
  ledger: Pick<LedgerReadModel, 'exists'>;
  /** The log itself, for hash-chain verification. */
  log: EventLog;
  waitMs: number;
}

export function auditRoutes(app: App, { audit, ledger, log, waitMs }: AuditRouteDeps): void {
  const verifier = new ChainVerifier(log);

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/audit',
      tags: ['audit'],
      summary: 'Page through the audit log in log order: every event with actor, request origin, command id and hash',
      request: {
        query: MinPositionQuery.extend(PeriodQuery.shape).extend({
          accountId: AccountFilter,
          actor: Actor.optional(),
          type: EventType.optional(),
          limit: z.coerce.number().int().min(1).max(1000).default(100),
          cursor: z.string().regex(CURSOR, 'use the nextCursor of the previous page').optional(),
        }),
      },
      responses: {
        200: {
          description: 'A page of audit entries, oldest first',
          ...json(z.object({ items: z.array(AuditEntry), nextCursor: z.string().nullable(), position: z.number().int().openapi({ description: 'Log position the audit log reflects (partition 0).' }) }).openapi('AuditPage')),
        },
        ...problemResponses(404, 409),
      },
    }),
    async (c) => {
      const q = c.req.valid('query');
      await waitForProjection(audit, waitMs, q.partition ?? 0, q.minPosition);
      const period = parsePeriod(q.from, q.to);
      if (q.accountId && !(await ledger.exists(q.accountId))) {
        throw new ApiProblem('account_not_found', `account ${q.accountId} does not exist`, [{ field: 'accountId', message: 'no such account' }]);
      }
      let after: AuditCursor | null = null;
      if (q.cursor) {
        const m = CURSOR.exec(q.cursor)!;
        after = { partition: Number(m[1]), position: Number(m[2]) };
      }
      const position = await audit.position(0);
      const rows = await audit.queries.page(auditWhere({ ...period, accountId: q.accountId, actor: q.actor, type: q.type }), after, q.limit + 1);
      const page = keysetPage(rows, q.limit, (tail) => `${tail.partition}:${tail.position}`);
      return c.json({ items: page.items.map(toAuditEntry), nextCursor: page.next, position }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/audit/verify',
      tags: ['audit'],
      summary: 'Verify the hash chain: what was appended since the last verification (the verified prefix is remembered), or with ?full=true the whole log; reports the first broken link, if any',
      request: { query: z.object({ full: z.enum(['true', 'false']).optional().openapi({ description: 'true: recompute from genesis' }) }) },
      responses: {
        200: {
          description: 'The verification result (ok: false names the first broken link)',
          ...json(ChainVerification),
        },
      },
    }),
    async (c) => {
      const result = await verifier.verify({ full: c.req.valid('query').full === 'true' });
      return c.json({ ...result, verifiedAt: new Date().toISOString() }, 200);
    },
  );
}
