import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestLedger, logBackends, startTestLedger } from '../support/harness.ts';
import { expectProblem } from '../support/problems.ts';

type Body = Record<string, unknown>;

describe.each(await logBackends())('account search, owners and balance at a position on %s', (backend) => {
  let ledger: TestLedger;
  beforeAll(async () => {
    ledger = await startTestLedger(backend);
  });
  afterAll(async () => {
    await ledger?.close();
  });

  it('lists accounts by owner, status and currency, page by page', async () => {
    const usd = await Promise.all([1, 2, 3].map(() => ledger.openAccount({ ownerId: 'owner-a', deposit: '10.00' })));
    const eur = await ledger.openAccount({ ownerId: 'owner-a', currency: 'EUR', deposit: '5.00' });
    await ledger.openAccount({ ownerId: 'owner-b' });
    await ledger.as().post(`/v1/accounts/${usd[0]!}/freeze`, {});
    await ledger.catchUp();
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { status: number; body: Body } = await ledger.as().get(`/v1/accounts?ownerId=owner-a&limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      expect(page.status).toBe(200);
      seen.push(...(page.body.items as Body[]).map((a) => a.id as string));
      cursor = page.body.nextCursor as string | null;
    } while (cursor);
    expect(seen.sort()).toEqual([...usd, eur].sort());
    const frozen = await ledger.as().get('/v1/accounts?ownerId=owner-a&status=frozen');
    expect((frozen.body.items as Body[]).map((a) => a.id)).toEqual([usd[0]]);
    const euros = await ledger.as().get('/v1/accounts?ownerId=owner-a&currency=EUR');
    expect((euros.body.items as Body[]).map((a) => [a.id, a.balance])).toEqual([[eur, '5.00']]);
    expectProblem(await ledger.as().get('/v1/accounts?status=gone'), 400, 'validation_failed', 'status');
    expectProblem(await ledger.as().get('/v1/accounts?limit=0'), 400, 'validation_failed', 'limit');
  });

  it("shows an owner's accounts, totals per currency (with holds) and open alerts", async () => {
    const a = await ledger.openAccount({ ownerId: 'owner-c', deposit: '100.00' });
    const b = await ledger.openAccount({ ownerId: 'owner-c', deposit: '50.50' });
    await ledger.as().post('/v1/holds', { accountId: a, amount: '30.00' });
    await ledger.catchUp();
    const owner = await ledger.as().get('/v1/owners/owner-c');
    expect(owner.status).toBe(200);
    expect((owner.body.accounts as Body[]).map((x) => x.id).sort()).toEqual([a, b].sort());
    expect(owner.body.totals).toEqual([{ currency: 'USD', accounts: 2, balance: '150.50', held: '30.00' }]);
    expect(Array.isArray(owner.body.openAlerts)).toBe(true);
    expectProblem(await ledger.as().get('/v1/owners/nobody'), 404, 'not_found');
  });

  it('pages an owner of more than 200 accounts and alerts honestly: accounts through GET /v1/accounts, alerts through ?alertsCursor=', async () => {
    const owner = 'owner-large';
    const ids: string[] = [];
    for (let i = 0; i < 250; i += 50) {
      const chunk = await Promise.all(Array.from({ length: 50 }, () => ledger.as().post('/v1/accounts', { currency: 'USD', ownerId: owner })));
      ids.push(...chunk.map((r) => r.body.id as string));
    }
    const other = await ledger.openAccount({ ownerId: 'owner-small' });
    // A large deposit raises one large_transaction alert on each account.
    const deposits = await ledger.as().post('/v1/batches', { mode: 'atomic', items: [...ids, other].map((accountId) => ({ type: 'deposit', accountId, amount: '12000.00' })) });
    expect(deposits.status).toBe(201);
    await ledger.catchUp();

    const first = await ledger.as().get(`/v1/owners/${owner}`);
    expect(first.status).toBe(200);
    expect(first.body.totals).toEqual([{ currency: 'USD', accounts: 250, balance: '3000000.00', held: '0.00' }]);
    const accounts = (first.body.accounts as Body[]).map((a) => a.id as string);
    expect(accounts).toHaveLength(200);
    const rest = await ledger.as().get(`/v1/accounts?ownerId=${owner}&limit=200&cursor=${first.body.accountsNextCursor as string}`);
    expect(rest.body.nextCursor).toBeNull();
    expect([...accounts, ...(rest.body.items as Body[]).map((a) => a.id as string)].sort()).toEqual([...ids].sort());

    const alerts: Body[] = [];
    let cursor: string | null = null;
    do {
      const page: { status: number; body: Body } = await ledger.as().get(`/v1/owners/${owner}${cursor ? `?alertsCursor=${cursor}` : ''}`);
      expect(page.status).toBe(200);
      alerts.push(...(page.body.openAlerts as Body[]));
      cursor = page.body.openAlertsNextCursor as string | null;
    } while (cursor);
    const rules = new Map<string, number>();
    for (const a of alerts) rules.set(a.rule as string, (rules.get(a.rule as string) ?? 0) + 1);
    expect(Object.fromEntries(rules)).toEqual({ large_transaction: 250, new_account_high_value: 250 });
    expect(new Set(alerts.map((a) => a.id)).size).toBe(alerts.length);
    expect(alerts.every((a) => (a.accountIds as string[]).some((id) => ids.includes(id)))).toBe(true);
    const raised = alerts.map((a) => a.raisedAt as string);
    expect([...raised].sort().reverse()).toEqual(raised);
    expectProblem(await ledger.as().get(`/v1/owners/${owner}?alertsCursor=nonsense`), 400, 'validation_failed', 'alertsCursor');
  }, 120_000);

  it('answers the balance at a log position beside ?asOf=', async () => {
    const a = await ledger.openAccount();
    const d1 = await ledger.as().post(`/v1/accounts/${a}/deposits`, { amount: '10.00' });
    const d2 = await ledger.as().post(`/v1/accounts/${a}/deposits`, { amount: '5.00' });
    const at1 = await ledger.as().get(`/v1/accounts/${a}/balance?atPosition=${d1.body.position as number}`);
    expect(at1.status).toBe(200);
    expect(at1.body).toMatchObject({ balance: '10.00', position: d1.body.position });
    const at2 = await ledger.as().get(`/v1/accounts/${a}/balance?atPosition=${d2.body.position as number}`);
    expect(at2.body).toMatchObject({ balance: '15.00', version: 3 });
    expectProblem(await ledger.as().get(`/v1/accounts/${a}/balance?atPosition=1&asOf=2026-01-01T00:00:00Z`), 400, 'validation_failed', 'atPosition');
    expectProblem(await ledger.as().get(`/v1/accounts/${a}/balance?atPosition=-1`), 400, 'validation_failed', 'atPosition');
  });
});
