import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestLedger, logBackends, startTestLedger } from '../support/harness.ts';
import { expectProblem } from '../support/problems.ts';

type Body = Record<string, unknown>;

describe.each(await logBackends())('batches over HTTP on %s', (backend) => {
  let ledger: TestLedger;
  beforeAll(async () => {
    ledger = await startTestLedger(backend);
  });
  afterAll(async () => {
    await ledger?.close();
  });

  const balance = async (id: string) => (await ledger.as().get(`/v1/accounts/${id}`)).body.balance;

  it('lands an atomic batch of every item kind in one append, with one result per item', async () => {
    const a = await ledger.openAccount({ deposit: '100.00' });
    const b = await ledger.openAccount();
    const res = await ledger.as().post('/v1/batches', {
      mode: 'atomic',
      items: [
        { type: 'deposit', accountId: a, amount: '10.00', channel: 'cash' },
        { type: 'transfer', fromAccountId: a, toAccountId: b, amount: '30.00' },
        { type: 'withdrawal', accountId: a, amount: '5.00' },
        { type: 'hold', holdId: `h1-${a}`, accountId: a, amount: '20.00', counterpartyAccountId: b },
        { type: 'capture', holdId: `h1-${a}`, amount: '12.00' },
        { type: 'hold', holdId: `h2-${a}`, accountId: a, amount: '1.00' },
        { type: 'void', holdId: `h2-${a}` },
      ],
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ mode: 'atomic', accepted: 7, refused: 0 });
    const items = res.body.items as Body[];
    expect(items.map((i) => i.status)).toEqual(Array(7).fill('accepted'));
    expect(items[3]!.id).toBe(`h1-${a}`);
    await ledger.catchUp();
    expect(await balance(a)).toBe('63.00');
    expect(await balance(b)).toBe('42.00');
    expect((await ledger.as().get(`/v1/holds/h1-${a}`)).body).toMatchObject({ status: 'active', captured: '12.00', remaining: '8.00' });
  });

  it('refuses a whole atomic batch with 422 naming the item index and its code; nothing lands', async () => {
    const a = await ledger.openAccount({ deposit: '50.00' });
    const b = await ledger.openAccount();
    const res = await ledger.as().post('/v1/batches', {
      mode: 'atomic',
      items: [
        { type: 'transfer', fromAccountId: a, toAccountId: b, amount: '30.00' },
        { type: 'transfer', fromAccountId: a, toAccountId: b, amount: '30.00' },
      ],
    });
    expectProblem(res, 422, 'insufficient_funds');
    expect((res.body.errors as Array<{ field: string }>)[0]!.field).toMatch(/^items\.1(\.|$)/);
    const missing = await ledger.as().post('/v1/batches', { mode: 'atomic', items: [{ type: 'deposit', accountId: a, amount: '1.00' }, { type: 'capture', holdId: 'nope' }] });
    expectProblem(missing, 404, 'hold_not_found');
    expect((missing.body.errors as Array<{ field: string }>)[0]!.field).toMatch(/^items\.1(\.|$)/);
    await ledger.catchUp();
    expect(await balance(a)).toBe('50.00');
    expect(await balance(b)).toBe('0.00');
  });

  it('accepts and refuses items independently (200 with a result per item)', async () => {
    const a = await ledger.openAccount({ deposit: '50.00' });
    const b = await ledger.openAccount();
    const res = await ledger.as().post('/v1/batches', {
      mode: 'independent',
      items: [
        { type: 'transfer', fromAccountId: a, toAccountId: b, amount: '30.00' },
        { type: 'transfer', fromAccountId: a, toAccountId: b, amount: '30.00' },
        { type: 'deposit', accountId: 'nope', amount: '1.00' },
        { type: 'transfer', fromAccountId: a, toAccountId: b, amount: '20.00' },
      ],
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ accepted: 2, refused: 2 });
    expect((res.body.items as Body[]).map((i) => [i.status, i.code])).toEqual([
      ['accepted', null],
      ['refused', 'insufficient_funds'],
      ['refused', 'account_not_found'],
      ['accepted', null],
    ]);
    await ledger.catchUp();
    expect(await balance(a)).toBe('0.00');
    expect(await balance(b)).toBe('50.00');
  });

  it('replays a batch retried under the same Idempotency-Key; another body under it is a conflict', async () => {
    const a = await ledger.openAccount({ deposit: '10.00' });
    const b = await ledger.openAccount();
    const body = { mode: 'independent', items: [{ type: 'transfer', fromAccountId: a, toAccountId: b, amount: '4.00' }, { type: 'withdrawal', accountId: a, amount: '100.00' }] };
    const key = { 'idempotency-key': `batch-${a}` };
    const first = await ledger.as().post('/v1/batches', body, key);
    const again = await ledger.as().post('/v1/batches', body, key);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.body).toEqual(first.body);
    expectProblem(await ledger.as().post('/v1/batches', { ...body, mode: 'atomic' }, key), 409, 'idempotency_conflict');
    await ledger.catchUp();
    expect(await balance(a)).toBe('6.00');
  });

  it('takes 1,000 transfers in one batch and validates the shape', async () => {
    const a = await ledger.openAccount({ deposit: '1000.00' });
    const b = await ledger.openAccount();
    const items = Array.from({ length: 1000 }, () => ({ type: 'transfer', fromAccountId: a, toAccountId: b, amount: '1.00' }));
    const res = await ledger.as().post('/v1/batches', { mode: 'atomic', items });
    expect(res.status).toBe(201);
    expect(res.body.accepted).toBe(1000);
    await ledger.catchUp();
    expect(await balance(b)).toBe('1000.00');
    expectProblem(await ledger.as().post('/v1/batches', { mode: 'atomic', items: [] }), 400, 'validation_failed', 'items');
    expectProblem(await ledger.as().post('/v1/batches', { mode: 'all', items: [{ type: 'deposit', accountId: a, amount: '1.00' }] }), 400, 'validation_failed', 'mode');
    expectProblem(await ledger.as('auditor').post('/v1/batches', { mode: 'atomic', items: [{ type: 'deposit', accountId: a, amount: '1.00' }] }), 403, 'forbidden');
  });
});
