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
