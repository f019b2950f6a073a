import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FraudConfig } from '../../src/domain/fraud/config.ts';
import { ProjectionRunner } from '../../src/projections/runner.ts';
import { anomalyProjection } from '../../src/read-models/anomaly/projection.ts';
import { type Client, type TestLedger, startTestLedger } from '../support/harness.ts';
import { BACKENDS } from '../support/pg.ts';

const T0 = Date.parse('2026-03-02T09:00:00.000Z');
const MIN = 60_000;

interface Change {
  code?: string;
  caseId: string;
  events: string[];
  position: number;
}
interface CaseBody {
  status: string;
  alertIds: string[];
  assignee: string | null;
  dueAt: string | null;
  decision: string | null;
  sarReference: string | null;
  frozenAccounts: string[];
  history: Array<{ type: string; actor: string }>;
  alerts: Array<{ id: string; caseId: string | null }>;
}

/**
 * An account takeover end to end: the victim's balance goes to a new mule who cashes it out within
 * minutes; the analyst looks at the owner, opens a case with the owner's alerts, works it, freezes
 * the account from the case, and files a SAR. Every change is an event; the reads follow with ?minPosition=.
 */
describe.each(BACKENDS)('fraud cases and analyst queries on %s', (backend) => {
  let ledger: TestLedger;
  let admin: Client;
  let now = T0;
  const clock = () => new Date(now);
  let victim: string, mule: string, other: string;

  beforeAll(async () => {
    ledger = await startTestLedger(backend, {}, { clock });
    admin = ledger.as();
    victim = await ledger.openAccount({ ownerId: 'victim-1', deposit: '2500.00' });
    other = await ledger.openAccount({ ownerId: 'victim-1' });
    mule = await ledger.openAccount({ ownerId: 'mule-1' });
    now = T0 + 30 * 24 * 60 * MIN;
    expect((await admin.post('/v1/transfers', { fromAccountId: victim, toAccountId: mule, amount: '2500.00' })).status).toBe(201);
    now += 7 * MIN;
    expect((await admin.post(`/v1/accounts/${mule}/withdrawals`, { amount: '2500.00', channel: 'cash' })).status).toBe(201);
    await ledger.catchUp();
  }, 120_000);

  afterAll(async () => {
    await ledger?.close();
  });

  it('finds the takeover: a drain on the victim, the takeover (both sides) on the mule, and ranks them first', async () => {
    const page = await admin.get<{ items: Array<{ id: string; rule: string; accountId: string; score: number; ownerId: string | null; occurrences: number }> }>('/v1/fraud/alerts?sort=score');
    expect(page.status).toBe(200);
    const rules = page.body.items.map((a) => `${a.rule}/${a.accountId === victim ? 'victim' : a.accountId === mule ? 'mule' : '?'}`);
    expect(rules).toContain('balance_drain/victim');
    expect(rules).toContain('account_takeover/mule');
    // The takeover says more than a cash-out of the mule: mule_cash_out stays quiet on that movement.
    expect(rules).not.toContain('mule_cash_out/mule');
    const takeover = page.body.items.find((a) => a.rule === 'account_takeover')!;
    expect((await admin.get<{ accountIds: string[] }>(`/v1/fraud/alerts/${takeover.id}`)).body.accountIds).toEqual([mule, victim]);
    const scores = page.body.items.map((a) => a.score);
    expect(scores).toEqual([...scores].sort((x, y) => y - x));
    expect(page.body.items.find((a) => a.accountId === victim)!.ownerId).toBe('victim-1');
    const risk = await admin.get<{ riskScore: number; factors: Record<string, number> }>(`/v1/fraud/accounts/${victim}/risk`);
    expect(risk.body.riskScore).toBeGreaterThanOrEqual(50);
    expect(risk.body.factors.drain).toBe(1);
    // The victim's risk rose when the mule cashed out.
    expect(risk.body.factors.takeover).toBe(1);
  });

  it('shows an owner with accounts, alerts and counts per rule, and 404 for an unknown owner', async () => {
    const owner = await admin.get<{ accounts: Array<{ accountId: string }>; alertsByRule: Record<string, number>; riskScore: number }>('/v1/fraud/owners/victim-1');
    expect(owner.status).toBe(200);
    expect(owner.body.accounts.map((a) => a.accountId).sort()).toEqual([victim, other].sort());
    expect(owner.body.alertsByRule.balance_drain).toBe(1);
    expect((await admin.get('/v1/fraud/owners/nobody')).status).toBe(404);
  });

  it('walks the counterparty network up to three hops, and counts alerts per day and rule', async () => {
    const net = await admin.get<{ nodes: Array<{ accountId: string; depth: number }>; edges: Array<{ from: string; to: string; outAmount: string }> }>(`/v1/fraud/accounts/${victim}/network?depth=3&fanOut=5`);
    expect(net.status).toBe(200);
    expect(net.body.nodes.find((n) => n.accountId === mule)).toMatchObject({ depth: 1 });
    expect(net.body.edges).toContainEqual(expect.objectContaining({ from: victim, to: mule, outAmount: '2500.00' }));
    expect((await admin.get(`/v1/fraud/accounts/${victim}/network?depth=4`)).status).toBe(400);
    const stats = await admin.get<{ total: number; byRule: Record<string, number>; byDay: Array<{ day: string }> }>('/v1/fraud/alert-stats');
    expect(stats.body.byRule.account_takeover).toBe(1);
    expect(stats.body.byDay.map((d) => d.day)).toContain(new Date(now).toISOString().slice(0, 10));
  });

  it('opens a case with the owner’s alerts, works it, freezes from it, and decides it; every change is an event', async () => {
    const key = await ledger.key('analyst');
    const analyst = ledger.as(key);
    const opened = await analyst.post<Change>('/v1/fraud/cases', { ownerId: 'victim-1', assignee: 'ana', note: 'takeover suspected' }, { 'idempotency-key': 'case-1' });
    expect(opened.status).toBe(201);
    expect(opened.body.events).toEqual(['CaseOpened']);
    const again = await analyst.post<Change>('/v1/fraud/cases', { ownerId: 'victim-1', assignee: 'ana', note: 'takeover suspected' }, { 'idempotency-key': 'case-1' });
    expect(again.body.caseId).toBe(opened.body.caseId);
    const id = opened.body.caseId;
    const post = (path: string, body: unknown) => analyst.post<Change>(`/v1/fraud/cases/${id}/${path}`, body);
    expect((await post('due-date', { dueAt: '2026-04-15T00:00:00Z' })).status).toBe(200);
    expect((await post('notes', { note: 'customer confirms SIM swap' })).status).toBe(200);
    const frozen = await post('freeze', { accountId: victim, reason: 'takeover' });
    expect(frozen.body.events).toEqual(['AccountFrozen', 'CaseAccountFrozen']);
    expect((await admin.post('/v1/transfers', { fromAccountId: victim, toAccountId: other, amount: '1.00' })).body.code).toBe('account_frozen');
    expect((await post('freeze', { accountId: mule })).body.code).toBe('account_not_in_case');
    expect((await post('unfreeze', { accountId: victim })).status).toBe(200);
    expect((await post('decision', { decision: 'sar_filed' })).body.code).toBe('validation_failed');
    const decided = await post('decision', { decision: 'sar_filed', sarReference: 'SAR-2026-0042' });
    expect(decided.status).toBe(200);
    const closed = await post('notes', { note: 'late' });
    expect([closed.status, closed.body.code]).toEqual([422, 'case_closed']);

    const read = await admin.get<CaseBody>(`/v1/fraud/cases/${id}?minPosition=${decided.body.position}`);
    expect(read.status).toBe(200);
    expect(read.body).toMatchObject({ status: 'decided', assignee: 'ana', dueAt: '2026-04-15T00:00:00.000Z', decision: 'sar_filed', sarReference: 'SAR-2026-0042', frozenAccounts: [] });
    expect(read.body.alerts.map((a) => a.caseId)).toEqual(read.body.alertIds.map(() => id));
    expect(read.body.alertIds.length).toBeGreaterThanOrEqual(1);
    expect(read.body.history.map((h) => h.type)).toEqual(['CaseOpened', 'CaseDueDateSet', 'CaseNoteAdded', 'CaseAccountFrozen', 'CaseAccountUnfrozen', 'CaseDecided']);
    expect(read.body.history.every((h) => h.actor === `key:${key.id}`)).toBe(true);
    const list = await admin.get<{ items: Array<{ id: string }> }>('/v1/fraud/cases?ownerId=victim-1&status=decided');
    expect(list.body.items.map((c) => c.id)).toEqual([id]);
    const audit = await admin.get<{ items: Array<{ type: string; streamId: string }> }>(`/v1/events?after=${opened.body.position - 1}&limit=2`);
    expect(audit.body.items[0]).toMatchObject({ type: 'CaseOpened', streamId: id });
  });

  it('records each alert once in the log as AlertRaised (audit trail, SSE); a rebuild of the read model raises none again', async () => {
    type Ev = { type: string; streamId: string; metadata: { actor: string; causationId: string | null }; data: { rule: string; triggerEventId: string } };
    const raisedEvents = async () => {
      const out: Ev[] = [];
      let after = -1;
      for (;;) {
        const page = await admin.get<{ items: Array<Ev & { position: number }> }>(`/v1/events?after=${after}&limit=500`);
        out.push(...page.body.items.filter((e) => e.type === 'AlertRaised'));
        if (page.body.items.length < 500) return out;
        after = page.body.items[page.body.items.length - 1]!.position;
      }
    };
    const raised = await raisedEvents();
    const alerts = await admin.get<{ items: Array<{ id: string }> }>('/v1/fraud/alerts?limit=500');
    expect(raised.map((e) => e.streamId).sort()).toEqual(alerts.body.items.map((a) => a.id).sort());
    expect(raised[0]!.metadata.actor).toBe('system:anomaly-detector');
    expect(raised[0]!.metadata.causationId).toBe(raised[0]!.data.triggerEventId);

    const { db } = ledger.database;
    const projection = anomalyProjection(new FraudConfig());
    await db.transaction(async (tx) => {
      await tx.execute(sql.raw(`truncate ${projection.tables.join(', ')}`));
      await tx.execute(sql`delete from projection_checkpoints where projection = ${projection.name}`);
    });
    await ledger.restart(async (stopped) => {
      await new ProjectionRunner(db, stopped.log, projection, { batchSize: 2 }).catchUp();
    });
    await ledger.catchUp();
    expect((await raisedEvents()).length).toBe(raised.length);
    expect((await admin.get<{ items: unknown[] }>('/v1/fraud/alerts?limit=500')).body.items.length).toBe(alerts.body.items.length);
  });

  it('keeps one open alert per account and rule: new evidence joins it until it is closed', async () => {
    type A = { id: string; occurrences: number; evidence: unknown[]; status: string };
    const drains = async () => (await admin.get<{ items: A[] }>(`/v1/fraud/alerts?rule=balance_drain&accountId=${other}`)).body.items;
    // Each time to an account never paid before (a payee paid before is a usual counterparty).
    const drain = async (amount: string) => {
      now += 24 * 60 * MIN;
      const payee = await ledger.openAccount({ ownerId: 'payee' });
      expect((await admin.post(`/v1/accounts/${other}/deposits`, { amount, channel: 'cash' })).status).toBe(201);
      now += 10 * MIN;
      expect((await admin.post('/v1/transfers', { fromAccountId: other, toAccountId: payee, amount })).status).toBe(201);
      await ledger.catchUp();
    };
    await drain('800.00');
    await drain('600.00');
    const [joined] = await drains();
    expect(await drains()).toHaveLength(1);
    expect(joined).toMatchObject({ occurrences: 2, status: 'open' });
    expect(joined!.evidence).toHaveLength(2);
    const closed = await admin.post<{ position: number }>(`/v1/fraud/alerts/${joined!.id}/status`, { status: 'dismissed', note: 'moving to own account' });
    expect(closed.status).toBe(200);
    await drain('700.00');
    expect((await drains()).map((a) => `${a.status}/${a.occurrences}`).sort()).toEqual(['dismissed/2', 'open/1']);
  });

  it('refuses unknown cases and alerts with problem+json', async () => {
    expect((await admin.get('/v1/fraud/cases/nope')).body.code).toBe('case_not_found');
    expect((await admin.post('/v1/fraud/cases/nope/notes', { note: 'x' })).body.code).toBe('case_not_found');
    expect((await admin.post('/v1/fraud/cases', { ownerId: 'victim-1', alertIds: ['balance_drain-00000000-0000-7000-8000-000000000000'] })).body.code).toBe('alert_not_found');
    expect((await admin.post('/v1/fraud/cases', { ownerId: 'victim-1', extra: 1 })).status).toBe(400);
  });
});
