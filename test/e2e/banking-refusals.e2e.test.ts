import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_BATCH_ITEMS } from '../../src/domain/batch/index.ts';
import { DomainError } from '../../src/domain/errors.ts';
import type { EventLog } from '../../src/log/event-log.ts';
import { commandContext } from '../support/commands.ts';
import { type TestLedger, logBackends, startTestLedger } from '../support/harness.ts';
import { expectProblem } from '../support/problems.ts';

type Body = Record<string, unknown>;
type Problem = { status: number; body: Body };

/** How many events of a type the log holds, across its partitions. */
async function countOf(log: EventLog, type: string): Promise<number> {
  let n = 0;
  for (let p = 0; p < log.partitions; p++) {
    for (let after = -1; ; ) {
      const page = await log.read(p, after, 1000);
      if (page.length === 0) break;
      n += page.filter((e) => e.type === type).length;
      after = page.at(-1)!.position;
    }
  }
  return n;
}

const fieldOf = (res: Problem) => (res.body.errors as Array<{ field: string }>)[0]?.field;

/**
 * Every refusal of holds, reversals and batches as a client meets it: the status, the stable code
 * and the field, on each log backend. The engine's clock runs ahead on demand (skew), so a hold
 * passes its deadline without waiting; the engine's expiry timer is stopped for that, so the
 * refusals of a hold past its deadline but not yet expired (hold_expired) are seen before the
 * engine expires it on its next start.
 */
describe.each(await logBackends())('refusals of holds, reversals and batches over HTTP on %s', (backend) => {
  let ledger: TestLedger;
  const skew = { ms: 0 };
  beforeAll(async () => {
    ledger = await startTestLedger(backend, {}, { clock: () => new Date(Date.now() + skew.ms) });
  });
  afterAll(async () => {
    await ledger?.close();
  });

  const post = (path: string, body: unknown = {}) => ledger.as().post(path, body);
  const hold = async (body: Body) => {
    const res = await post('/v1/holds', body);
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return res.body.id as string;
  };
  const balances = async (...ids: string[]) => {
    await ledger.catchUp();
    return Promise.all(ids.map(async (id) => (await ledger.as().get(`/v1/accounts/${id}`)).body.balance));
  };

  it('refuses placing a hold: same account, missing counterparty, other currency, frozen or closed accounts, bad amount, beyond the overdraft', async () => {
    const a = await ledger.openAccount({ deposit: '100.00' });
    const euro = await ledger.openAccount({ currency: 'EUR' });
    const shut = await ledger.openAccount();
    await post(`/v1/accounts/${shut}/close`);
    expectProblem(await post('/v1/holds', { accountId: a, amount: '1.00', counterpartyAccountId: a }), 422, 'same_account', 'counterpartyAccountId');
    expectProblem(await post('/v1/holds', { accountId: a, amount: '1.00', counterpartyAccountId: 'nobody' }), 404, 'account_not_found');
    expectProblem(await post('/v1/holds', { accountId: a, amount: '1.00', counterpartyAccountId: euro }), 422, 'currency_mismatch');
    expectProblem(await post('/v1/holds', { accountId: a, amount: '1.00', counterpartyAccountId: shut }), 422, 'account_closed');
    expectProblem(await post('/v1/holds', { accountId: a, amount: '1.001' }), 400, 'validation_failed', 'amount');
    expectProblem(await post('/v1/holds', { accountId: a, amount: '0.00' }), 400, 'validation_failed', 'amount');
    expectProblem(await post('/v1/holds', { accountId: a, amount: '1.00', timeoutSeconds: 31_622_401 }), 400, 'validation_failed', 'timeoutSeconds');
    expectProblem(await post('/v1/holds', { accountId: a, amount: '1.00', extra: true }), 400, 'validation_failed');

    const overdrawn = await ledger.openAccount({ overdraftLimit: '50.00', deposit: '10.00' });
    await hold({ accountId: overdrawn, amount: '60.00' }); // available = 10 + 50
    expectProblem(await post('/v1/holds', { accountId: overdrawn, amount: '0.01' }), 422, 'insufficient_funds');
    expectProblem(await post(`/v1/accounts/${overdrawn}/withdrawals`, { amount: '0.01' }), 422, 'insufficient_funds');

    await post(`/v1/accounts/${a}/freeze`);
    expectProblem(await post('/v1/holds', { accountId: a, amount: '1.00' }), 422, 'account_frozen');
  });

  it('refuses capturing and voiding a finished hold, and capturing to a frozen or closed counterparty', async () => {
    const a = await ledger.openAccount({ deposit: '100.00' });
    const b = await ledger.openAccount();
    const full = await hold({ accountId: a, amount: '10.00' });
    expect((await post(`/v1/holds/${full}/capture`)).status).toBe(200);
    expectProblem(await post(`/v1/holds/${full}/void`), 422, 'hold_not_active');
    expectProblem(await post(`/v1/holds/${full}/capture`, { amount: '0.01' }), 422, 'hold_not_active');

    const voided = await hold({ accountId: a, amount: '10.00' });
    expect((await post(`/v1/holds/${voided}/void`, { reason: 'cancelled' })).status).toBe(200);
    expectProblem(await post(`/v1/holds/${voided}/capture`), 422, 'hold_not_active');

    const toB = await hold({ accountId: a, amount: '10.00', counterpartyAccountId: b });
    expectProblem(await post(`/v1/holds/${toB}/capture`, { amount: '10.01' }), 422, 'amount_exceeds_hold', 'amount');
    expectProblem(await post(`/v1/holds/${toB}/capture`, { amount: '0.001' }), 400, 'validation_failed', 'amount');
    await post(`/v1/accounts/${b}/freeze`);
    expectProblem(await post(`/v1/holds/${toB}/capture`), 422, 'account_frozen');
    await post(`/v1/accounts/${b}/unfreeze`);
    await post(`/v1/accounts/${b}/close`); // b has no holds of its own and a zero balance
    expectProblem(await post(`/v1/holds/${toB}/capture`), 422, 'account_closed');
    // Voiding gives the money back to its owner: it works whatever the counterparty became.
    expect((await post(`/v1/holds/${toB}/void`)).status).toBe(200);
    expect(await balances(a)).toEqual(['90.00']);
  });

  it('refuses reversals: not a transaction, more than the original or than is left, the money gone, accounts frozen or closed', async () => {
    const a = await ledger.openAccount({ deposit: '100.00' });
    const b = await ledger.openAccount();
    const t = (await post('/v1/transfers', { fromAccountId: a, toAccountId: b, amount: '40.00' })).body.transactionId as string;
    const rev = (path: string, body: Body) => post(`/v1/transactions/${path}/reversals`, body);
    expectProblem(await rev(t, { amount: '40.01', reason: 'too much' }), 422, 'amount_exceeds_unreversed', 'amount');
    expectProblem(await rev(t, { amount: '1.001', reason: 'scale' }), 400, 'validation_failed', 'amount');
    expectProblem(await rev(t, { reason: '' }), 400, 'validation_failed', 'reason');
    expectProblem(await rev(t, { reason: 'x'.repeat(501) }), 400, 'validation_failed', 'reason');
    expectProblem(await rev(t, { reason: '   ' }), 400, 'validation_failed', 'reason');
    const r = await rev(t, { amount: '30.00', reason: 'partial' });
    expect(r.status).toBe(201);
    expectProblem(await rev(t, { amount: '10.01', reason: 'more than is left' }), 422, 'amount_exceeds_unreversed', 'amount');
    // A reversal is not itself reversible; neither is a hold.
    expectProblem(await rev(r.body.id as string, { reason: 'undo the undo' }), 404, 'transaction_not_found');
    const h = await hold({ accountId: a, amount: '1.00' });
    expectProblem(await rev(h, { reason: 'not a transaction' }), 404, 'transaction_not_found');

    // The payee froze, then closed: the reversal cannot take the money back.
    await post(`/v1/accounts/${b}/freeze`);
    expectProblem(await rev(t, { reason: 'frozen payee' }), 422, 'account_frozen');
    await post(`/v1/accounts/${b}/unfreeze`);
    await post(`/v1/accounts/${b}/withdrawals`, { amount: '10.00' });
    await post(`/v1/accounts/${b}/close`);
    expectProblem(await rev(t, { reason: 'closed payee' }), 422, 'account_closed');

    // A deposit whose money was spent or held cannot be reversed; a withdrawal always can (the money comes back).
    const c = await ledger.openAccount();
    const dep = (await post(`/v1/accounts/${c}/deposits`, { amount: '20.00' })).body.transactionId as string;
    const wd = (await post(`/v1/accounts/${c}/withdrawals`, { amount: '5.00' })).body.transactionId as string;
    await hold({ accountId: c, amount: '10.00' });
    expectProblem(await rev(dep, { reason: 'bounced cheque' }), 422, 'insufficient_funds');
    expect((await rev(dep, { amount: '5.00', reason: 'part of it' })).status).toBe(201);
    expect((await rev(wd, { reason: 'ATM did not pay out' })).status).toBe(201);
    expect(await balances(c)).toEqual(['15.00']);
  });

  it('refuses an atomic batch at the first refused item of every kind, naming its index; nothing of it lands', async () => {
    const a = await ledger.openAccount({ deposit: '100.00' });
    const b = await ledger.openAccount();
    const euro = await ledger.openAccount({ currency: 'EUR', deposit: '5.00' });
    const done = await hold({ accountId: a, amount: '1.00' });
    await post(`/v1/holds/${done}/void`);
    const h = `batch-hold-${a}`;
    const lead = [
      { type: 'deposit', accountId: a, amount: '1.00' },
      { type: 'hold', holdId: h, accountId: a, amount: '10.00', counterpartyAccountId: b },
    ];
    const cases: Array<[Body, number, string, string]> = [
      [{ type: 'transfer', fromAccountId: a, toAccountId: b, amount: '91.01' }, 422, 'insufficient_funds', 'items.2'],
      [{ type: 'transfer', fromAccountId: a, toAccountId: euro, amount: '1.00' }, 422, 'currency_mismatch', 'items.2'],
      [{ type: 'transfer', fromAccountId: a, toAccountId: a, amount: '1.00' }, 422, 'same_account', 'items.2.toAccountId'],
      [{ type: 'withdrawal', accountId: a, amount: '91.01' }, 422, 'insufficient_funds', 'items.2'],
      [{ type: 'deposit', accountId: 'nobody', amount: '1.00' }, 404, 'account_not_found', 'items.2'],
      [{ type: 'deposit', accountId: a, amount: '1.001' }, 400, 'validation_failed', 'items.2.amount'],
      [{ type: 'hold', holdId: h, accountId: a, amount: '1.00' }, 409, 'hold_exists', 'items.2'],
      [{ type: 'hold', accountId: a, amount: '1.00', counterpartyAccountId: a }, 422, 'same_account', 'items.2.counterpartyAccountId'],
      [{ type: 'capture', holdId: h, amount: '10.01' }, 422, 'amount_exceeds_hold', 'items.2.amount'],
      [{ type: 'capture', holdId: 'nope' }, 404, 'hold_not_found', 'items.2'],
      [{ type: 'capture', holdId: done }, 422, 'hold_not_active', 'items.2'],
      [{ type: 'void', holdId: done }, 422, 'hold_not_active', 'items.2'],
    ];
    for (const [item, status, code, field] of cases) {
      const res = await post('/v1/batches', { mode: 'atomic', items: [...lead, item] });
      expectProblem(res, status, code);
      expect(fieldOf(res), `${code} for ${JSON.stringify(item)}`).toBe(field);
    }
    // A capture of the batch's own hold beyond it, then a void of it: refused at 3 after a capture at 2.
    const capVoid = await post('/v1/batches', { mode: 'atomic', items: [...lead, { type: 'capture', holdId: h, amount: '10.00' }, { type: 'void', holdId: h }] });
    expectProblem(capVoid, 422, 'hold_not_active');
    expect(fieldOf(capVoid)).toBe('items.3');
    expect(await balances(a, b)).toEqual(['100.00', '0.00']);
    expectProblem(await ledger.as().get(`/v1/holds/${h}`), 404, 'hold_not_found');
  });

  it('answers an independent batch with every item’s own refusal code and field', async () => {
    const a = await ledger.openAccount({ deposit: '10.00' });
    const b = await ledger.openAccount();
    const res = await post('/v1/batches', {
      mode: 'independent',
      items: [
        { type: 'hold', holdId: `ih-${a}`, accountId: a, amount: '4.00', counterpartyAccountId: b },
        { type: 'capture', holdId: `ih-${a}`, amount: '4.01' },
        { type: 'hold', accountId: a, amount: '6.01' },
        { type: 'transfer', fromAccountId: a, toAccountId: b, amount: '0.001' },
        { type: 'capture', holdId: `ih-${a}` },
        { type: 'void', holdId: `ih-${a}` },
        { type: 'withdrawal', accountId: 'nobody', amount: '1.00' },
      ],
    });
    expect(res.status).toBe(200);
    expect((res.body.items as Body[]).map((i) => [i.index, i.status, i.code, i.field])).toEqual([
      [0, 'accepted', null, null],
      [1, 'refused', 'amount_exceeds_hold', 'amount'],
      [2, 'refused', 'insufficient_funds', null],
      [3, 'refused', 'validation_failed', 'amount'],
      [4, 'accepted', null, null],
      [5, 'refused', 'hold_not_active', null],
      [6, 'refused', 'account_not_found', null],
    ]);
    expect(await balances(a, b)).toEqual(['6.00', '4.00']);
  });

  it('refuses a batch over 8,190 items, an item of no known type, a malformed item (with its index) and a body over the batch limit', async () => {
    const a = await ledger.openAccount();
    const item = { type: 'deposit', accountId: a, amount: '1.00' };
    expectProblem(await post('/v1/batches', { mode: 'atomic', items: Array.from({ length: MAX_BATCH_ITEMS + 1 }, () => item) }), 400, 'validation_failed', 'items');
    expectProblem(await post('/v1/batches', { mode: 'atomic', items: [item, { type: 'expire', holdId: 'h' }] }), 400, 'validation_failed');
    const malformed = await post('/v1/batches', { mode: 'independent', items: [item, item, { type: 'transfer', fromAccountId: a, amount: '1.00' }] });
    expectProblem(malformed, 400, 'validation_failed');
    expect(fieldOf(malformed)).toMatch(/^items\.2\.toAccountId$/);
    const huge = await ledger.as().post('/v1/batches', `{"mode":"atomic","items":[${' '.repeat(4 * 1024 * 1024 + 1)}]}`);
    expectProblem(huge, 413, 'payload_too_large');
    expect(await balances(a)).toEqual(['0.00']);
  });

  it('refuses a hold past its deadline (hold_expired) until the engine expires it, exactly once and on a frozen account, then hold_not_active', async () => {
    const engine = ledger.system.engine!;
    const a = await ledger.openAccount({ deposit: '50.00' });
    const b = await ledger.openAccount();
    const h = await hold({ accountId: a, amount: '20.00', counterpartyAccountId: b, timeoutSeconds: 3600 });
    // The engine refuses to expire a hold before its deadline (its own command; no route submits it).
    await expect(engine.execute({ type: 'ExpireHold', holdId: h }, commandContext())).rejects.toSatisfy((e: unknown) => e instanceof DomainError && e.code === 'hold_not_due');
    expect((await post(`/v1/holds/${h}/capture`, { amount: '5.00' })).status).toBe(200);

    engine.stop(); // no expiry timer: the hold stays active past its deadline
    skew.ms += 3601_000;
    expectProblem(await post(`/v1/holds/${h}/capture`), 422, 'hold_expired');
    expectProblem(await post(`/v1/holds/${h}/void`), 422, 'hold_expired');
    const atomic = await post('/v1/batches', { mode: 'atomic', items: [{ type: 'deposit', accountId: a, amount: '1.00' }, { type: 'capture', holdId: h }] });
    expectProblem(atomic, 422, 'hold_expired');
    expect(fieldOf(atomic)).toBe('items.1');
    const independent = await post('/v1/batches', { mode: 'independent', items: [{ type: 'void', holdId: h }] });
    expect((independent.body.items as Body[])[0]).toMatchObject({ status: 'refused', code: 'hold_expired' });

    // A frozen account keeps its holds, and their expiry still lands (it only gives money back).
    expect((await post(`/v1/accounts/${a}/freeze`)).status).toBe(200);
    await ledger.restart(); // the new engine expires what is due as it starts
    let status = '';
    for (let i = 0; i < 100 && status !== 'expired'; i++) {
      await new Promise((r) => setTimeout(r, 100));
      await ledger.catchUp();
      status = ((await ledger.as().get(`/v1/holds/${h}`)).body.status as string | undefined) ?? '';
    }
    expect(status).toBe('expired');
    expectProblem(await post(`/v1/holds/${h}/capture`), 422, 'hold_not_active');
    expectProblem(await post(`/v1/holds/${h}/void`), 422, 'hold_not_active');
    await expect(ledger.system.engine!.execute({ type: 'ExpireHold', holdId: h }, commandContext())).rejects.toSatisfy((e: unknown) => e instanceof DomainError && e.code === 'hold_not_active');
    expect((await ledger.as().get(`/v1/accounts/${a}`)).body).toMatchObject({ status: 'frozen', balance: '45.00', held: '0.00', available: '0.00' });
    expect(await countOf(ledger.system.log, 'HoldExpired')).toBe(1);
  });
});
