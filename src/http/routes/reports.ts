import { PassThrough, Readable } from 'node:stream';
import { createRoute, z } from '@hono/zod-openapi';
import { planAccountStatement } from '../../reports/account-statement.ts';
import { planAuditTrail } from '../../reports/audit-trail.ts';
import { planGeneralLedgerDetail } from '../../reports/general-ledger-detail.ts';
import { parseThresholds, planLargeTransactions } from '../../reports/large-transactions.ts';
import { reportManifest } from '../../reports/manifest.ts';
import { planOwnerActivity } from '../../reports/owner-activity.ts';
import { parsePeriod } from '../../reports/period.ts';
import { type ReportContext, type ReportFormat, type ReportPlan, renderReport } from '../../reports/report.ts';
import { type Snapshot, SnapshotBehindError } from '../../reports/snapshot.ts';
import { planSuspiciousActivity } from '../../reports/suspicious-activity.ts';
import { planTrialBalance } from '../../reports/trial-balance.ts';
import type { App } from '../context.ts';
import { ApiProblem } from '../problem.ts';
import { Id, problemResponses } from '../schemas.ts';
import { AccountFilter, Actor, EventType, PeriodBound, PeriodQuery } from './report-query.ts';

const Common = z.object({
  format: z
    .enum(['pdf', 'csv', 'manifest'])
    .default('pdf')
    .openapi({ description: 'pdf (for people), csv (RFC 4180, for reconciliation) or manifest (JSON: parameters, position, generated-at, row count, SHA-256 of the data rows, software version)' }),
  position: z.coerce
    .number()
    .int()
    .min(-1)
    .max(Number.MAX_SAFE_INTEGER)
    .optional()
    .openapi({ description: 'Reproduce the report at this earlier log position (default: the position the read model has reached now).' }),
});

const Period = Common.extend(PeriodQuery.shape);

const GlAccountCode = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[A-Za-z0-9_.:-]+$/, 'a GL account code such as customer:ID, settlement:wire:USD or suspense:USD')
  .openapi({ description: 'A general-ledger account code (see the trial balance)', example: 'settlement:wire:USD' });

const OwnerId = z.string().min(1).max(200).openapi({ description: 'The owner id given when the accounts were opened', example: 'cust-7' });

const REPORT_RESPONSE = {
  200: {
    description: 'The report, streamed as it is generated. Ledger-Report-Position names the log position it reflects; the PDF ends with the SHA-256 of its data rows.',
    content: { 'application/pdf': { schema: z.string().openapi({ format: 'binary' }) }, 'text/csv': { schema: z.string() }, 'application/json': { schema: z.object({}).passthrough() } },
  },
};

/** Reports as PDF or CSV, streamed: validation happens before the first byte, so errors are still problem+json. */
export function reportRoutes(app: App, ctx: ReportContext): void {

  const route = <Q extends z.ZodObject>(name: string, summary: string, query: Q) =>
    createRoute({ method: 'get', path: `/v1/reports/${name}`, tags: ['reports'], summary, request: { query }, responses: { ...REPORT_RESPONSE, ...problemResponses(404, 409) } });

  app.openapi(route('account-statement', 'Account statement: opening balance, every entry with running balance, closing balance, totals', Period.extend({ accountId: Id })), async (c) => {
    const q = c.req.valid('query');
    return stream(q, () => planAccountStatement(ctx, { accountId: q.accountId, period: parsePeriod(q.from, q.to), position: q.position }));
  });

  app.openapi(
    route('audit-trail', 'Audit trail: every event in the period, with the hash-chain verification result on the first page', Period.extend({ accountId: AccountFilter, actor: Actor.optional(), type: EventType.optional() })),
    async (c) => {
      const q = c.req.valid('query');
      return stream(q, () => planAuditTrail(ctx, { period: parsePeriod(q.from, q.to), accountId: q.accountId, actor: q.actor, type: q.type, position: q.position }));
    },
  );

  app.openapi(
    route(
      'large-transactions',
      'Large transactions: deposits, withdrawals, transfers, hold captures and reversals at or above a threshold per currency (default 10,000.00)',
      Period.extend({ threshold: z.string().max(512).optional().openapi({ description: 'A default amount and/or CUR:amount overrides, comma-separated', example: '10000.00,JPY:1500000' }) }),
    ),
    async (c) => {
      const q = c.req.valid('query');
      return stream(q, () => planLargeTransactions(ctx, { period: parsePeriod(q.from, q.to), thresholds: parseThresholds(q.threshold), position: q.position }));
    },
  );

  app.openapi(route('suspicious-activity', 'Suspicious activity: a block per alert raised in the period (rule, severity, summary, amount, evidence transactions, status history with actors and notes)', Period), async (c) => {
    const q = c.req.valid('query');
    return stream(q, () => planSuspiciousActivity(ctx, { period: parsePeriod(q.from, q.to), position: q.position }));
  });

  app.openapi(
    route(
      'general-ledger-detail',
      'General-ledger detail: the postings of one GL account in the period, with opening, running and closing balance',
      Period.extend({ glAccount: GlAccountCode }),
    ),
    async (c) => {
      const q = c.req.valid('query');
      return stream(q, () => planGeneralLedgerDetail(ctx, { glAccount: q.glAccount, period: parsePeriod(q.from, q.to), position: q.position }));
    },
  );

  app.openapi(route('owner-activity', 'Owner activity: every entry of every account of an owner in the period', Period.extend({ ownerId: OwnerId })), async (c) => {
    const q = c.req.valid('query');
    return stream(q, () => planOwnerActivity(ctx, { ownerId: q.ownerId, period: parsePeriod(q.from, q.to), position: q.position }));
  });

  app.openapi(
    route('trial-balance', 'Trial balance: every general-ledger account with debit and credit totals per currency, and the conservation check', Common.extend({ asAt: PeriodBound.openapi({ description: 'As at this date (end of day) or instant' }) })),
    async (c) => {
      const q = c.req.valid('query');
      return stream(q, () => planTrialBalance(ctx, { asAt: parsePeriod(undefined, q.asAt).to, position: q.position }));
    },
  );
}

async function stream(query: { format: ReportFormat | 'manifest' } & Record<string, unknown>, plan: () => Promise<ReportPlan>): Promise<Response> {
  const format = query.format;
  let p: ReportPlan;
  try {
    p = await plan();
  } catch (err) {
    if (err instanceof SnapshotBehindError) throw new ApiProblem('read_model_behind', err.message, [{ field: 'position', message: 'not reached yet' }], { 'Retry-After': '1' });
    throw err;
  }
  if (format === 'manifest') {
    const headers = { 'Ledger-Report-Position': positionHeader(p.snapshot), 'Content-Disposition': `inline; filename="${p.fileStem}.manifest.json"` };
    return Response.json(await reportManifest(p, query), { headers });
  }
  const out = new PassThrough();
  // Generation continues after the response starts; a failure then can only cut the stream short.
  renderReport(p, format, out, new Date(), query).catch(() => {});
  return new Response(Readable.toWeb(out) as unknown as ReadableStream<Uint8Array>, {
    status: 200,
    headers: {
      'Content-Type': format === 'pdf' ? 'application/pdf' : 'text/csv; charset=utf-8; header=present',
      'Content-Disposition': `attachment; filename="${p.fileStem}.${format}"`,
      'Ledger-Report-Position': positionHeader(p.snapshot),
      'Ledger-Report-Rows': String(p.rowCount),
    },
  });
}

/** "1234" on one partition, "0:12,1:7" on several. */
function positionHeader(snapshot: Snapshot): string {
  return snapshot.size === 1 ? String(snapshot.get(0)) : [...snapshot].map(([k, v]) => `${k}:${v}`).join(',');
}
