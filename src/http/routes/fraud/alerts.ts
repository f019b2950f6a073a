import { createRoute } from '@hono/zod-openapi';
import type { ALERT_STATUSES } from '../../../domain/alert/events.ts';
import { lastOf } from '../../../log/envelope.ts';
import { commandContext } from '../../commands.ts';
import type { App } from '../../context.ts';
import { ApiProblem } from '../../problem.ts';
import { IdempotencyHeaders, MinPositionQuery, problemResponses } from '../../schemas.ts';
import { type FraudRouteDeps, cursorOf, iso } from './deps.ts';
import { AlertDetail, AlertIdParam, AlertListQuery, AlertPage, AlertStatusChange, StatusBody, json } from './schemas.ts';

type AlertStatus = (typeof ALERT_STATUSES)[number];

/** Alerts raised by the anomaly projector: the list, one alert with its transactions, and the analysts' lifecycle. */
export function alertRoutes(app: App, d: FraudRouteDeps): void {
  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/fraud/alerts',
      tags: ['fraud'],
      summary: 'Alerts, newest first (or highest score first); filter by status, rule, account, severity and raisedAt range [from, to)',
      request: { query: AlertListQuery },
      responses: { 200: { description: 'A page of alerts', ...json(AlertPage) }, ...problemResponses(409) },
    }),
    async (c) => {
      const p = c.req.valid('query');
      await d.wait(p.partition, p.minPosition);
      const byScore = p.sort === 'score';
      const cursor = cursorOf(p.cursor, ([first]) => !byScore || /^\d+\//.test(first));
      const [score, raisedAt] = cursor && byScore ? [Number(cursor[0].split('/')[0]), cursor[0].slice(cursor[0].indexOf('/') + 1)] : [undefined, cursor?.[0]];
      const page = await d.queries.listAlerts({
        sort: p.sort,
        status: p.status,
        rule: p.rule,
        accountId: p.accountId,
        severity: p.severity,
        from: iso(p.from),
        to: iso(p.to),
        limit: p.limit,
        cursor: cursor ? { raisedAt: raisedAt!, id: cursor[1], score } : undefined,
      });
      return c.json(page, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/fraud/alerts/{id}',
      tags: ['fraud'],
      summary: 'One alert with its evidence resolved into transactions',
      request: { params: AlertIdParam, query: MinPositionQuery },
      responses: { 200: { description: 'The alert', ...json(AlertDetail) }, ...problemResponses(404, 409) },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const p = c.req.valid('query');
      await d.wait(p.partition, p.minPosition);
      const alert = await d.queries.alert(id);
      if (!alert) throw new ApiProblem('alert_not_found', `alert ${id} does not exist`);
      const transactions = await d.queries.transactionsOf([...new Set(alert.evidence.map((e) => e.transactionId))]);
      return c.json({ ...alert, transactions }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/fraud/alerts/{id}/status',
      tags: ['fraud'],
      summary: 'Move an alert through its lifecycle (open → investigating → dismissed | escalated); recorded as an event with the analyst as actor',
      request: { params: AlertIdParam, headers: IdempotencyHeaders, body: { required: true, ...json(StatusBody) } },
      responses: { 200: { description: 'The status change as recorded in the log', ...json(AlertStatusChange) }, ...problemResponses(404, 409, 422) },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const body = c.req.valid('json');
      if (!(await d.queries.alertExists(id))) throw new ApiProblem('alert_not_found', `alert ${id} does not exist`);
      const ctx = commandContext(c, 'alert-status', { id, ...body });
      const { events, replayed } = await d.commands.execute({ type: 'ChangeAlertStatus', alertId: id, status: body.status, note: body.note ?? null }, ctx);
      const e = lastOf(events);
      if (e.type !== 'AlertStatusChanged') throw new Error('alert command produced no AlertStatusChanged');
      const data = e.data as { from: AlertStatus; to: AlertStatus; note: string | null };
      return c.json(
        { id, from: data.from, status: data.to, note: data.note, actor: e.metadata.actor, occurredAt: e.occurredAt, version: e.streamVersion, position: e.position, partition: e.partition },
        200,
        replayed ? { 'Idempotent-Replayed': 'true' } : {},
      );
    },
  );
}
