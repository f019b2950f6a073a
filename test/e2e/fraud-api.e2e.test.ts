import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/app/logger.ts';
import { type System, startSystem } from '../../src/app/system.ts';
import { loadEnv } from '../../src/config/env.ts';
import { ADMIN, ADMIN_TOKEN } from '../support/system.ts';
import type { Database } from '../../src/db/client.ts';
import { alerts } from '../../src/db/schema.ts';
import { anomalyProjection } from '../../src/projections/anomaly-projection.ts';
import { ProjectionRunner } from '../../src/projections/runner.ts';
import { FraudConfig } from '../../src/domain/fraud/config.ts';
import { verifyLedger } from '../../src/verify/verify-ledger.ts';
import { BACKENDS, openTestDatabase } from '../support/pg.ts';

const T0 = Date.parse('2026-03-02T09:00:00.000Z');
const HOUR = 3_600_000;

describe.each(BACKENDS)('fraud API on %s', (backend) => {
  let database: Database;
  let cleanup: () => Promise<void>;
  let system: System;
  let now = T0;
  const clock = () => new Date(now);

  const call = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const res = await system.app.request(path, {
      method,
      headers: body === undefined ? { ...ADMIN, ...headers } : { ...ADMIN, 'content-type': 'application/json', ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : null, type: res.headers.get('content-type') };
  };
  const settle = async () => {
    for (const r of system.runners) await r.catchUp();
  };
  const open = async (ownerId: string) => (await call('POST', '/v1/accounts', { currency: 'USD', ownerId })).body.id as string;

  let a: string, b: string, c: string;

  beforeAll(async () => {
    ({ database, cleanup } = await openTestDatabase(backend));
    system = await startSystem(loadEnv({ LEDGER_BOOTSTRAP_TOKEN: ADMIN_TOKEN }), { database, logger: silentLogger, clock });
    a = await open('owner-a');
    b = await open('owner-b');
    c = await open('owner-c');
    // Structuring: three cash deposits of 9,500 within 24 h, ten days after opening.
    for (const h of [240, 245, 250]) {
      now = T0 + h * HOUR;
      expect((await call('POST', `/v1/accounts/${a}/deposits`, { amount: '9500.00', channel: 'cash' })).status).toBe(201);
    }
    // Large transfer A → B; then B and C deal with a common counterparty.
    now = T0 + 300 * HOUR;
    expect((await call('POST', '/v1/transfers', { fromAccountId: a, toAccountId: b, amount: '12000.00' })).status).toBe(201);
    now = T0 + 301 * HOUR;
    expect((await call('POST', `/v1/accounts/${c}/deposits`, { amount: '100.00', channel: 'ach' })).status).toBe(201);
    expect((await call('POST', '/v1/transfers', { fromAccountId: c, toAccountId: b, amount: '50.00' })).status).toBe(201);
    await settle();
  });

  afterAll(async () => {
    await system?.close();
    await cleanup?.();
  });

  it('lists alerts with filters and pagination', async () => {
    const all = await call('GET', '/v1/fraud/alerts');
    expect(all.status).toBe(200);
    expect(all.body.items.map((x: { rule: string }) => x.rule).sort()).toEqual(['large_transaction', 'structuring']);
    const s = await call('GET', `/v1/fraud/alerts?rule=structuring&accountId=${a}&status=open&severity=high`);
    expect(s.body.items).toHaveLength(1);
    const alert = s.body.items[0];
    expect(alert.amount).toBe('28500.00');
    expect(alert.evidence.map((e: { amount: string }) => e.amount)).toEqual(['9500.00', '9500.00', '9500.00']);
    expect(alert.raisedAt).toBe(new Date(T0 + 250 * HOUR).toISOString());
    expect(alert.params.reportingThreshold).toBe('10000.00');
    expect(alert.id).toBe(`structuring-${alert.evidence[2].eventId}`);
    // raisedAt range [from, to) and pagination.
    expect((await call('GET', `/v1/fraud/alerts?from=${new Date(T0 + 260 * HOUR).toISOString()}`)).body.items).toHaveLength(1);
    const p1 = await call('GET', '/v1/fraud/alerts?limit=1');
    expect(p1.body.items).toHaveLength(1);
    const p2 = await call('GET', `/v1/fraud/alerts?limit=1&cursor=${p1.body.nextCursor}`);
    expect(p2.body.items).toHaveLength(1);
    expect(p2.body.items[0].id).not.toBe(p1.body.items[0].id);
    expect(p2.body.nextCursor).toBeNull();
  });

  it('validates queries with problem+json', async () => {
    for (const q of ['status=closed', 'rule=nope', 'severity=extreme', 'from=yesterday', 'limit=0', 'cursor=zzz']) {
      const r = await call('GET', `/v1/fraud/alerts?${q}`);
      expect(r.status, q).toBe(400);
      expect(r.type).toContain('application/problem+json');
      expect(r.body.code).toBe('validation_failed');
    }
  });

  it('resolves evidence into transactions', async () => {
    const list = await call('GET', '/v1/fraud/alerts?rule=large_transaction');
    const r = await call('GET', `/v1/fraud/alerts/${list.body.items[0].id}`);
    expect(r.status).toBe(200);
    expect(r.body.transactions).toHaveLength(1);
    expect(r.body.transactions[0]).toMatchObject({ kind: 'transfer', fromAccountId: a, toAccountId: b, amount: '12000.00' });
    const missing = await call('GET', '/v1/fraud/alerts/large_transaction-00000000-0000-7000-8000-000000000000');
    expect(missing.status).toBe(404);
    expect(missing.body.code).toBe('alert_not_found');
  });

  it('moves an alert through its lifecycle as events in the log, with the analyst as actor', async () => {
    const id = (await call('GET', '/v1/fraud/alerts?rule=structuring')).body.items[0].id;
    const analyst = await system.keys.create({ name: 'analyst 1', role: 'analyst', accounts: null, createdBy: 'test' });
    const asAnalyst = { authorization: `Bearer ${analyst.token}` };
    now = T0 + 400 * HOUR;
    const r1 = await call('POST', `/v1/fraud/alerts/${id}/status`, { status: 'investigating', note: 'calling the customer' }, { ...asAnalyst, 'idempotency-key': 'inv-1' });
    expect(r1.status).toBe(200);
    expect(r1.body).toMatchObject({ from: 'open', status: 'investigating', actor: `key:${analyst.key.id}`, version: 1 });
    const again = await call('POST', `/v1/fraud/alerts/${id}/status`, { status: 'investigating', note: 'calling the customer' }, { ...asAnalyst, 'idempotency-key': 'inv-1' });
    expect(again.status).toBe(200);
    expect(again.body.position).toBe(r1.body.position);
    const r2 = await call('POST', `/v1/fraud/alerts/${id}/status`, { status: 'escalated', note: 'SAR filed' }, asAnalyst);
    expect(r2.body).toMatchObject({ from: 'investigating', status: 'escalated', version: 2 });
    const bad = await call('POST', `/v1/fraud/alerts/${id}/status`, { status: 'dismissed' });
    expect(bad.status).toBe(422);
    expect(bad.body.code).toBe('invalid_alert_transition');
    const unknown = await call('POST', '/v1/fraud/alerts/structuring-00000000-0000-7000-8000-000000000000/status', { status: 'dismissed' });
    expect(unknown.status).toBe(404);
    expect(unknown.body.code).toBe('alert_not_found');
    expect((await call('POST', `/v1/fraud/alerts/${id}/status`, { status: 'open' })).status).toBe(400);
    expect((await call('POST', `/v1/fraud/alerts/${id}/status`, { status: 'dismissed', extra: 1 })).status).toBe(400);

    const read = await call('GET', `/v1/fraud/alerts/${id}?minPosition=${r2.body.position}`);
    expect(read.body.status).toBe('escalated');
    expect(read.body.history.map((h: { status: string; actor: string }) => `${h.status}/${h.actor}`)).toEqual(['open/system', `investigating/key:${analyst.key.id}`, `escalated/key:${analyst.key.id}`]);
    const events = await call('GET', `/v1/events?after=${r1.body.position - 1}&limit=1`);
    expect(events.body.items[0]).toMatchObject({ type: 'AlertStatusChanged', streamId: id, metadata: { actor: `key:${analyst.key.id}`, actorRole: 'analyst' } });
    // The ledger read model and verification ignore alert events gracefully.
    expect((await verifyLedger(system.log, database.db)).ok).toBe(true);
  });

  it('answers risk, rules and analyst queries', async () => {
    const risk = await call('GET', `/v1/fraud/accounts/${a}/risk`);
    expect(risk.status).toBe(200);
    expect(risk.body.riskScore).toBeGreaterThan(0);
    expect(risk.body.contributing.map((x: { rule: string }) => x.rule).sort()).toEqual(['large_transaction', 'structuring']);
    expect(risk.body.activity.byKind.find((k: { kind: string }) => k.kind === 'deposit')).toMatchObject({ count: 3, total: '28500.00' });
    expect((await call('GET', '/v1/fraud/accounts/nobody/risk')).body.code).toBe('account_not_found');

    const rules = await call('GET', '/v1/fraud/rules');
    expect(rules.body.rules).toContain('round_trip');
    expect(rules.body.defaults.large_transaction.threshold).toBe('10000.00');
    expect(rules.body.currencies.JPY.large_transaction.threshold).toBe('1000000');

    const large = await call('GET', `/v1/fraud/large-transactions?from=${new Date(T0).toISOString()}&to=${new Date(T0 + 1000 * HOUR).toISOString()}`);
    expect(large.body.items.map((x: { amount: string }) => x.amount)).toEqual(['12000.00']);
    expect((await call('GET', '/v1/fraud/large-transactions?minAmount=9000&currency=USD')).body.items).toHaveLength(4);

    const top = await call('GET', `/v1/fraud/accounts/${b}/counterparties`);
    expect(top.body.items.map((x: { counterpartyId: string; inAmount: string }) => [x.counterpartyId, x.inAmount])).toEqual([
      [a, '12000.00'],
      [c, '50.00'],
    ]);
    const shared = await call('GET', `/v1/fraud/accounts/${a}/shared-counterparties`);
    expect(shared.body.items).toEqual([{ accountId: c, sharedCounterparties: 1, examples: [b], liveAlerts: 0 }]);
  });

  it('rebuilds identical alerts from the log, batch size notwithstanding, and survives a restart', async () => {
    const snapshot = async () =>
      (await database.db.select().from(alerts).orderBy(alerts.id)).map((r) => ({ ...r, amount: r.amount.toFixed() }));
    const before = await snapshot();
    expect(before.length).toBe(2);
    const projection = anomalyProjection(new FraudConfig());
    await database.db.transaction(async (tx) => {
      await tx.execute(sql.raw(`truncate ${projection.tables.join(', ')}`));
      await tx.execute(sql`delete from projection_checkpoints where projection = ${projection.name}`);
    });
    await system.close();
    await new ProjectionRunner(database.db, system.log, projection, { batchSize: 3 }).catchUp();
    expect(await snapshot()).toEqual(before);

    system = await startSystem(loadEnv({ LEDGER_BOOTSTRAP_TOKEN: ADMIN_TOKEN }), { database, logger: silentLogger, clock });
    await settle();
    expect(await snapshot()).toEqual(before);
    const id = before.find((x) => x.rule === 'structuring')!.id;
    // The engine rebuilt the alert's lifecycle from the log: escalated is final.
    expect((await call('POST', `/v1/fraud/alerts/${id}/status`, { status: 'dismissed' })).body.code).toBe('invalid_alert_transition');
  });
});
