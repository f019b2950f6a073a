import { createRoute, type z } from '@hono/zod-openapi';
import { newId } from '../../../ids.ts';
import type { CaseCommand } from '../../../domain/case/commands.ts';
import type { StoredEvent } from '../../../log/envelope.ts';
import { lastOf } from '../../../log/envelope.ts';
import { commandContext } from '../../commands.ts';
import type { App, AppEnv } from '../../context.ts';
import { ApiProblem } from '../../problem.ts';
import { IdempotencyHeaders, MinPositionQuery, problemResponses } from '../../schemas.ts';
import type { Context } from 'hono';
import { type FraudRouteDeps, cursorOf } from './deps.ts';
import {
  CaseAlertsBody,
  CaseAssigneeBody,
  CaseChange,
  CaseDecisionBody,
  CaseDetail,
  CaseDueDateBody,
  CaseFreezeBody,
  CaseIdParam,
  CaseListQuery,
  CaseNoteBody,
  CasePage,
  OpenCaseBody,
  json,
} from './schemas.ts';

/** What a case command recorded (its case from the events: a replayed command answers with the case it opened the first time). */
function changeOf(events: readonly StoredEvent[]) {
  const e = lastOf(events);
  return { caseId: (e.data as { caseId: string }).caseId, events: events.map((x) => x.type), actor: e.metadata.actor, occurredAt: e.occurredAt, position: e.position, partition: e.partition };
}

async function run(c: Context<AppEnv>, d: FraudRouteDeps, operation: string, input: unknown, command: CaseCommand) {
  const { events, replayed } = await d.commands.execute(command, commandContext(c, operation, input));
  return { change: changeOf(events), headers: replayed ? { 'Idempotent-Replayed': 'true' } : ({} as Record<string, string>) };
}

async function knownAlerts(d: FraudRouteDeps, ids: readonly string[]): Promise<void> {
  const unknown = await d.queries.unknownAlerts(ids);
  if (unknown.length) throw new ApiProblem('alert_not_found', `unknown alerts: ${unknown.slice(0, 5).join(', ')}`, [{ field: 'alertIds', message: 'every alert must exist' }]);
}

const caseCommandRoute = <P extends string, B extends z.ZodType>(path: P, summary: string, body: B) =>
  createRoute({
    method: 'post',
    path: `/v1/fraud/cases/{id}/${path}` as `/v1/fraud/cases/{id}/${P}`,
    tags: ['fraud'],
    summary,
    request: { params: CaseIdParam, headers: IdempotencyHeaders, body: { required: true, ...json(body) } },
    responses: { 200: { description: 'The events recorded', ...json(CaseChange) }, ...problemResponses(404, 409, 422) },
  });

/** Cases: an analyst groups an owner's alerts, works them (assignee, notes, due date), decides, and may freeze accounts. Every change is an event. */
export function caseRoutes(app: App, d: FraudRouteDeps): void {
  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/fraud/cases',
      tags: ['fraud'],
      summary: "Open a case for an owner, grouping the given alerts (default: the owner's open and investigating alerts)",
      request: { headers: IdempotencyHeaders, body: { required: true, ...json(OpenCaseBody) } },
      responses: { 201: { description: 'The case opened', ...json(CaseChange) }, ...problemResponses(404, 409, 422) },
    }),
    async (c) => {
      const body = c.req.valid('json');
      const alertIds = body.alertIds ?? (await d.queries.liveAlertIdsOfOwner(body.ownerId));
      await knownAlerts(d, alertIds);
      const caseId = newId();
      const command: CaseCommand = { type: 'OpenCase', caseId, ownerId: body.ownerId, alertIds, assignee: body.assignee ?? null, dueAt: body.dueAt ? new Date(body.dueAt).toISOString() : null, note: body.note ?? null };
      const { change, headers } = await run(c, d, 'case-open', body, command);
      return c.json(change, 201, headers);
    },
  );

  app.openapi(
    createRoute({ method: 'get', path: '/v1/fraud/cases', tags: ['fraud'], summary: 'Cases, newest first; filter by status, owner and assignee', request: { query: CaseListQuery }, responses: { 200: { description: 'A page of cases', ...json(CasePage) }, ...problemResponses(409) } }),
    async (c) => {
      const p = c.req.valid('query');
      await d.wait(p.partition, p.minPosition);
      const cursor = cursorOf(p.cursor);
      return c.json(await d.queries.listCases({ status: p.status, ownerId: p.ownerId, assignee: p.assignee, limit: p.limit, cursor: cursor ? { openedAt: cursor[0], id: cursor[1] } : undefined }), 200);
    },
  );

  app.openapi(
    createRoute({ method: 'get', path: '/v1/fraud/cases/{id}', tags: ['fraud'], summary: 'One case with its history and its alerts', request: { params: CaseIdParam, query: MinPositionQuery }, responses: { 200: { description: 'The case', ...json(CaseDetail) }, ...problemResponses(404, 409) } }),
    async (c) => {
      const { id } = c.req.valid('param');
      const p = c.req.valid('query');
      await d.wait(p.partition, p.minPosition);
      const found = await d.queries.caseById(id);
      if (!found) throw new ApiProblem('case_not_found', `case ${id} does not exist`);
      const alerts = (await Promise.all(found.alertIds.map((a) => d.queries.alert(a)))).filter((a) => a !== null);
      return c.json({ ...found, alerts }, 200);
    },
  );

  app.openapi(caseCommandRoute('alerts', 'Add alerts to an open case', CaseAlertsBody), async (c) => {
    const { id } = c.req.valid('param');
    const body = c.req.valid('json');
    await knownAlerts(d, body.alertIds);
    const { change, headers } = await run(c, d, 'case-alerts', { id, ...body }, { type: 'AddCaseAlerts', caseId: id, alertIds: body.alertIds });
    return c.json(change, 200, headers);
  });
  app.openapi(caseCommandRoute('assignee', 'Assign (or unassign, with null) an open case', CaseAssigneeBody), async (c) => {
    const { id } = c.req.valid('param');
    const body = c.req.valid('json');
    const { change, headers } = await run(c, d, 'case-assignee', { id, ...body }, { type: 'AssignCase', caseId: id, assignee: body.assignee });
    return c.json(change, 200, headers);
  });
  app.openapi(caseCommandRoute('notes', 'Add a note to an open case', CaseNoteBody), async (c) => {
    const { id } = c.req.valid('param');
    const body = c.req.valid('json');
    const { change, headers } = await run(c, d, 'case-note', { id, ...body }, { type: 'AddCaseNote', caseId: id, note: body.note });
    return c.json(change, 200, headers);
  });
  app.openapi(caseCommandRoute('due-date', 'Set (or clear, with null) the due date of an open case', CaseDueDateBody), async (c) => {
    const { id } = c.req.valid('param');
    const body = c.req.valid('json');
    const { change, headers } = await run(c, d, 'case-due', { id, ...body }, { type: 'SetCaseDueDate', caseId: id, dueAt: body.dueAt ? new Date(body.dueAt).toISOString() : null });
    return c.json(change, 200, headers);
  });
  app.openapi(caseCommandRoute('decision', 'Decide a case: no action, or a SAR filed (with its reference); a decided case takes no more changes', CaseDecisionBody), async (c) => {
    const { id } = c.req.valid('param');
    const body = c.req.valid('json');
    const command: CaseCommand = { type: 'DecideCase', caseId: id, decision: body.decision, sarReference: body.sarReference ?? null, note: body.note ?? null };
    const { change, headers } = await run(c, d, 'case-decision', { id, ...body }, command);
    return c.json(change, 200, headers);
  });
  for (const [path, type] of [['freeze', 'FreezeAccountFromCase'], ['unfreeze', 'UnfreezeAccountFromCase']] as const) {
    app.openapi(caseCommandRoute(path, `${path === 'freeze' ? 'Freeze' : 'Unfreeze'} an account of the case's owner; the account's event names the case`, CaseFreezeBody), async (c) => {
      const { id } = c.req.valid('param');
      const body = c.req.valid('json');
      const { change, headers } = await run(c, d, `case-${path}`, { id, ...body }, { type, caseId: id, accountId: body.accountId, reason: body.reason ?? null });
      return c.json(change, 200, headers);
    });
  }
}
