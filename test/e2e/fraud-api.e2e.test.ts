import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alerts } from '../../src/db/schema.ts';
import { FraudConfig } from '../../src/domain/fraud/config.ts';
import { anomalyProjection } from '../../src/read-models/anomaly/projection.ts';
import { ProjectionRunner } from '../../src/projections/runner.ts';
import { verifyLedger } from '../../src/verify/verify-ledger.ts';
import { type Client, type TestLedger, startTestLedger } from '../support/harness.ts';
import { BACKENDS } from '../support/pg.ts';

const T0 = Date.parse('2026-03-02T09:00:00.000Z');
const HOUR = 3_600_000;

interface Alert {
  id: string;
  rule: string;
  status: string;
  amount: string;
  raisedAt: string;
  evidence: Array<{ eventId: string; amount: string }>;
  params: Record<string, string>;
  history: Array<{ status: string; actor: string }>;
  transactions: Array<Record<string, unknown>>;
}
interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

describe.each(BACKENDS)('fraud API on %s', (backend) => {
  let ledger: TestLedger;
  let admin: Client;
  let now = T0;
  const clock = () => new Date(now);
  const alertPage = (query = '') => admin.get<Page<Alert>>(`/v1/fraud/alerts${query}`);

  let a: string, b: string, c: string;

  beforeAll(async () => {
    ledger = await startTestLedger(backend, {}, { clock });
    admin = ledger.as();
    a = await ledger.openAccount({ ownerId: 'owner-a' });
    b = await ledger.openAccount({ ownerId: 'owner-b' });
    c = await ledger.openAccount({ ownerId: 'owner-c' });
    // Structuring: three cash deposits of 9,500 within 24 h, ten days after opening.
    for (const h of [240, 245, 250]) {
      now = T0 + h * HOUR;
      expect((await admin.post(`/v1/accounts/${a}/deposits`, { amount: '9500.00', channel: 'cash' })).status).toBe(201);
    }
    // Large transfer A → B; then B and C deal with a common counterparty.
    now = T0 + 300 * HOUR;
    expect((await admin.post('/v1/transfers', { fromAccountId: a, toAccountId: b, amount: '12000.00' })).status).toBe(201);
    now = T0 + 301 * HOUR;
    expect((await admin.post(`/v1/accounts/${c}/deposits`, { amount: '100.00', channel: 'ach' })).status).toBe(201);
    expect((await admin.post('/v1/transfers', { fromAccountId: c, toAccountId: b, amount: '50.00' })).status).toBe(201);
    await ledger.catchUp();
  });

  afterAll(async () => {
    await ledger?.close();
  });

  it('lists alerts with filters and pagination', async () => {
    const all = await alertPage();
    expect(all.status).toBe(200);
    expect(all.body.items.map((x) => x.rule).sort()).toEqual(['large_transaction', 'structuring']);
    const s = await alertPage(`?rule=structuring&accountId=${a}&status=open&severity=high`);
    expect(s.body.items).toHaveLength(1);
    const alert = s.body.items[0]!;
    expect(alert.amount).toBe('28500.00');
    expect(alert.evidence.map((e) => e.amount)).toEqual(['9500.00', '9500.00', '9500.00']);
    expect(alert.raisedAt).toBe(new Date(T0 + 250 * HOUR).toISOString());
    expect(alert.params.reportingThreshold).toBe('10000.00');
    expect(alert.id).toBe(`structuring-${alert.evidence[2]!.eventId}`);
    // raisedAt range [from, to) and pagination.
    expect((await alertPage(`?from=${new Date(T0 + 260 * HOUR).toISOString()}`)).body.items).toHaveLength(1);
    const p1 = await alertPage('?limit=1');
    expect(p1.body.items).toHaveLength(1);
    const p2 = await alertPage(`?limit=1&cursor=${p1.body.nextCursor}`);
    expect(p2.body.items).toHaveLength(1);
    expect(p2.body.items[0]!.id).not.toBe(p1.body.items[0]!.id);
    expect(p2.body.nextCursor).toBeNull();
  });

  it('validates queries with problem+json', async () => {
    for (const q of ['status=closed', 'rule=nope', 'severity=extreme', 'from=yesterday', 'limit=0', 'cursor=zzz']) {
      const r = await admin.get(`/v1/fraud/alerts?${q}`);
      expect(r.status, q).toBe(400);
      expect(r.headers.get('content-type')).toContain('application/problem+json');
      expect(r.body.code).toBe('validation_failed');
    }
  });

  it('resolves evidence into transactions', async () => {
    const list = await alertPage('?rule=large_transaction');
    const r = await admin.get<Alert>(`/v1/fraud/alerts/${list.body.items[0]!.id}`);
    expect(r.status).toBe(200);
    expect(r.body.transactions).toHaveLength(1);
    expect(r.body.transactions[0]).toMatchObject({ kind: 'transfer', fromAccountId: a, toAccountId: b, amount: '12000.00' });
    const missing = await admin.get('/v1/fraud/alerts/large_transaction-00000000-0000-7000-8000-000000000000');
    expect(missing.status).toBe(404);
    expect(missing.body.code).toBe('alert_not_found');
  });

  it('moves an alert through its lifecycle as events in the log, with the analyst as actor', async () => {
    const id = (await alertPage('?rule=structuring')).body.items[0]!.id;
    const key = await ledger.key('analyst');
    const analyst = ledger.as(key);
    now = T0 + 400 * HOUR;
    const r1 = await analyst.post(`/v1/fraud/alerts/${id}/status`, { status: 'investigating', note: 'calling the customer' }, { 'idempotency-key': 'inv-1' });
    expect(r1.status).toBe(200);
    // Version 1 of the alert's stream is its AlertRaised (the detector's record of it).
    expect(r1.body).toMatchObject({ from: 'open', status: 'investigating', actor: `key:${key.id}`, version: 2 });
    const again = await analyst.post(`/v1/fraud/alerts/${id}/status`, { status: 'investigating', note: 'calling the customer' }, { 'idempotency-key': 'inv-1' });
    expect(again.status).toBe(200);
    expect(again.body.position).toBe(r1.body.position);
    const r2 = await analyst.post(`/v1/fraud/alerts/${id}/status`, { status: 'escalated', note: 'SAR filed' });
    expect(r2.body).toMatchObject({ from: 'investigating', status: 'escalated', version: 3 });
    const bad = await admin.post(`/v1/fraud/alerts/${id}/status`, { status: 'dismissed' });
    expect(bad.status).toBe(422);
    expect(bad.body.code).toBe('invalid_alert_transition');
    const unknown = await admin.post('/v1/fraud/alerts/structuring-00000000-0000-7000-8000-000000000000/status', { status: 'dismissed' });
    expect(unknown.status).toBe(404);
    expect(unknown.body.code).toBe('alert_not_found');
    expect((await admin.post(`/v1/fraud/alerts/${id}/status`, { status: 'open' })).status).toBe(400);
    expect((await admin.post(`/v1/fraud/alerts/${id}/status`, { status: 'dismissed', extra: 1 })).status).toBe(400);

    const read = await admin.get<Alert>(`/v1/fraud/alerts/${id}?minPosition=${r2.body.position as number}`);
    expect(read.body.status).toBe('escalated');
    expect(read.body.history.map((h) => `${h.status}/${h.actor}`)).toEqual(['open/system', `investigating/key:${key.id}`, `escalated/key:${key.id}`]);
    const events = await admin.get<Page<unknown>>(`/v1/events?after=${(r1.body.position as number) - 1}&limit=1`);
    expect(events.body.items[0]).toMatchObject({ type: 'AlertStatusChanged', streamId: id, metadata: { actor: `key:${key.id}`, actorRole: 'analyst' } });
    // The ledger read model and verification ignore alert events gracefully.
    expect((await verifyLedger(ledger.system.log, ledger.database.db)).ok).toBe(true);
  });

  it('answers risk, rules and analyst queries', async () => {
    type Risk = { riskScore: number; contributing: Array<{ rule: string }>; activity: { byKind: Array<{ kind: string }> } };
    const risk = await admin.get<Risk>(`/v1/fraud/accounts/${a}/risk`);
    expect(risk.status).toBe(200);
    // The score is the fitted takeover/mule model's probability (src/domain/fraud/risk.ts): structuring and
    // large deposits are listed as contributing alerts but are not takeover evidence, so it may round to 0.
    expect(risk.body.riskScore).toBeGreaterThanOrEqual(0);
    expect(risk.body.riskScore).toBeLessThanOrEqual(100);
    expect(risk.body.contributing.map((x) => x.rule).sort()).toEqual(['large_transaction', 'structuring']);
    expect(risk.body.activity.byKind.find((k) => k.kind === 'deposit')).toMatchObject({ count: 3, total: '28500.00' });
    expect((await admin.get('/v1/fraud/accounts/nobody/risk')).body.code).toBe('account_not_found');

    type Thresholds = Record<string, { threshold: string }>;
    const rules = await admin.get<{ rules: string[]; defaults: Thresholds; currencies: Record<string, Thresholds> }>('/v1/fraud/rules');
    expect(rules.body.rules).toContain('round_trip');
    expect(rules.body.defaults.large_transaction!.threshold).toBe('10000.00');
    expect(rules.body.currencies.JPY!.large_transaction!.threshold).toBe('1000000');

    const large = await admin.get<Page<{ amount: string }>>(`/v1/fraud/large-transactions?from=${new Date(T0).toISOString()}&to=${new Date(T0 + 1000 * HOUR).toISOString()}`);
    expect(large.body.items.map((x) => x.amount)).toEqual(['12000.00']);
    expect((await admin.get<Page<unknown>>('/v1/fraud/large-transactions?minAmount=9000&currency=USD')).body.items).toHaveLength(4);

    const top = await admin.get<Page<{ counterpartyId: string; inAmount: string }>>(`/v1/fraud/accounts/${b}/counterparties`);
    expect(top.body.items.map((x) => [x.counterpartyId, x.inAmount])).toEqual([
      [a, '12000.00'],
      [c, '50.00'],
    ]);
    const shared = await admin.get<Page<unknown>>(`/v1/fraud/accounts/${a}/shared-counterparties`);
    expect(shared.body.items).toEqual([{ accountId: c, sharedCounterparties: 1, examples: [b], liveAlerts: 0 }]);
  });

  it('rebuilds identical alerts from the log, batch size notwithstanding, and survives a restart', async () => {
    const { db } = ledger.database;
    const snapshot = async () => (await db.select().from(alerts).orderBy(alerts.id)).map((r) => ({ ...r, amount: r.amount.toFixed() }));
    const before = await snapshot();
    expect(before.length).toBe(2);
    const projection = anomalyProjection(new FraudConfig());
    await db.transaction(async (tx) => {
      await tx.execute(sql.raw(`truncate ${projection.tables.join(', ')}`));
      await tx.execute(sql`delete from projection_checkpoints where projection = ${projection.name}`);
    });
    await ledger.restart(async (stopped) => {
      await new ProjectionRunner(db, stopped.log, projection, { batchSize: 3 }).catchUp();
      expect(await snapshot()).toEqual(before);
    });
    await ledger.catchUp();
    expect(await snapshot()).toEqual(before);
    const id = before.find((x) => x.rule === 'structuring')!.id;
    // The engine rebuilt the alert's lifecycle from the log: escalated is final.
    expect((await admin.post(`/v1/fraud/alerts/${id}/status`, { status: 'dismissed' })).body.code).toBe('invalid_alert_transition');
  });
});
