import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestLedger, logBackends, startTestLedger } from '../support/harness.ts';
import { expectProblem } from '../support/problems.ts';

type Body = Record<string, unknown>;

describe.each(await logBackends())('holds and reversals over HTTP on %s', (backend) => {
  let ledger: TestLedger;
  beforeAll(async () => {
    ledger = await startTestLedger(backend);
  });
  afterAll(async () => {
    await ledger?.close();
  });

  const account = async (id: string, pos: number) => (await ledger.as().get(`/v1/accounts/${id}?minPosition=${pos}`)).body;

  it('places a hold (available down, balance stays), captures it partly to a counterparty, then voids the rest', async () => {
    const a = await ledger.openAccount({ deposit: '100.00' });
    const b = await ledger.openAccount();
    const placed = await ledger.as().post('/v1/holds', { accountId: a, amount: '60.00', counterpartyAccountId: b, reference: 'card auth' });
    expect(placed.status).toBe(201);
    expect(placed.body).toMatchObject({ accountId: a, counterpartyAccountId: b, status: 'active', amount: '60.00', captured: '0.00', remaining: '60.00', currency: 'USD', expiresAt: null });
    const holdId = placed.body.id as string;
    expect(await account(a, placed.body.position as number)).toMatchObject({ balance: '100.00', held: '60.00', available: '40.00' });

    // Held funds cannot be spent.
    expectProblem(await ledger.as().post(`/v1/accounts/${a}/withdrawals`, { amount: '40.01' }), 422, 'insufficient_funds');

    const cap = await ledger.as().post(`/v1/holds/${holdId}/capture`, { amount: '25.00' });
    expect(cap.status).toBe(200);
    expect(cap.body).toMatchObject({ holdId, step: 'captured', amount: '25.00', captured: '25.00' });
    expectProblem(await ledger.as().post(`/v1/holds/${holdId}/capture`, { amount: '35.01' }), 422, 'amount_exceeds_hold');

    const voided = await ledger.as().post(`/v1/holds/${holdId}/void`, { reason: 'order shipped partly' });
    expect(voided.status).toBe(200);
    expect(voided.body).toMatchObject({ holdId, step: 'voided', amount: '35.00' });
    const pos = voided.body.position as number;
    expect(await account(a, pos)).toMatchObject({ balance: '75.00', held: '0.00', available: '75.00' });
    expect(await account(b, (cap.body.position as number))).toMatchObject({ balance: '25.00' });

    const hold = await ledger.as().get(`/v1/holds/${holdId}?minPosition=${pos}&partition=${voided.body.partition as number}`);
    expect(hold.body).toMatchObject({ id: holdId, status: 'voided', amount: '60.00', captured: '25.00', remaining: '0.00' });
    const list = await ledger.as().get(`/v1/accounts/${a}/holds?minPosition=${pos}`);
    expect((list.body.items as Body[]).map((h) => [h.id, h.status])).toEqual([[holdId, 'voided']]);
    expectProblem(await ledger.as().post(`/v1/holds/${holdId}/void`, {}), 422, 'hold_not_active');

    const journal = await ledger.as().get(`/v1/accounts/${a}/transactions?minPosition=${pos}`);
    expect((journal.body.items as Body[]).map((l) => [l.kind, l.amount, l.balanceAfter])).toEqual([
      ['hold_capture_out', '-25.00', '75.00'],
      ['deposit', '100.00', '100.00'],
    ]);

    // The audit log filters on the hold's events like on any other.
    for (const type of ['HoldPlaced', 'HoldCaptured', 'HoldVoided']) {
      const audit = await ledger.as('auditor').get(`/v1/audit?type=${type}&limit=1000&minPosition=${pos}`);
      expect(audit.status, type).toBe(200);
      expect((audit.body.items as Body[]).filter((e) => e.accountId === holdId).map((e) => e.type), type).toEqual([type]);
    }
  });

  it('captures a hold without counterparty in full, like a withdrawal; retries with one Idempotency-Key replay', async () => {
    const a = await ledger.openAccount({ deposit: '50.00' });
    const key = { 'idempotency-key': `hold-${a}` };
    const first = await ledger.as().post('/v1/holds', { accountId: a, amount: '20.00' }, key);
    const again = await ledger.as().post('/v1/holds', { accountId: a, amount: '20.00' }, key);
    expect(again.status).toBe(201);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.body.id).toBe(first.body.id);
    expectProblem(await ledger.as().post('/v1/holds', { accountId: a, amount: '21.00' }, key), 409, 'idempotency_conflict');

    const holdId = first.body.id as string;
    const ckey = { 'idempotency-key': `capture-${a}` };
    const cap = await ledger.as().post(`/v1/holds/${holdId}/capture`, {}, ckey);
    const cap2 = await ledger.as().post(`/v1/holds/${holdId}/capture`, {}, ckey);
    expect(cap.body).toMatchObject({ amount: '20.00', captured: '20.00' });
    expect(cap2.body.transactionId).toBe(cap.body.transactionId);
    expect(cap2.headers.get('idempotent-replayed')).toBe('true');
    const pos = cap.body.position as number;
    expect(await account(a, pos)).toMatchObject({ balance: '30.00', held: '0.00', available: '30.00' });
    expect((await ledger.as().get(`/v1/holds/${holdId}?minPosition=${pos}&partition=${cap.body.partition as number}`)).body).toMatchObject({ status: 'captured', remaining: '0.00' });
    expectProblem(await ledger.as().post(`/v1/holds/${holdId}/capture`, {}), 422, 'hold_not_active');
  });

  it('refuses holds with precise codes', async () => {
    const a = await ledger.openAccount({ deposit: '10.00' });
    expectProblem(await ledger.as().post('/v1/holds', { accountId: a, amount: '10.01' }), 422, 'insufficient_funds');
    expectProblem(await ledger.as().post('/v1/holds', { accountId: 'nope', amount: '1.00' }), 404, 'account_not_found');
    expectProblem(await ledger.as().post('/v1/holds', { accountId: a, amount: '1.00', timeoutSeconds: 0 }), 400, 'validation_failed', 'timeoutSeconds');
    expectProblem(await ledger.as().post('/v1/holds/nope/capture', {}), 404, 'hold_not_found');
    expectProblem(await ledger.as().post('/v1/holds/nope/void', {}), 404, 'hold_not_found');
    expectProblem(await ledger.as().get('/v1/holds/nope'), 404, 'hold_not_found');
    expectProblem(await ledger.as().get('/v1/accounts/nope/holds'), 404, 'account_not_found');
    // A frozen account keeps its hold, and a hold on it cannot be captured while frozen.
    const h = await ledger.as().post('/v1/holds', { accountId: a, amount: '4.00' });
    await ledger.as().post(`/v1/accounts/${a}/freeze`, {});
    const frozen = await ledger.as().post(`/v1/holds/${h.body.id as string}/capture`, {});
    expectProblem(frozen, 422, 'account_frozen');
  });

  it('expires a hold through the running system, exactly once', async () => {
    const a = await ledger.openAccount({ deposit: '10.00' });
    const h = await ledger.as().post('/v1/holds', { accountId: a, amount: '7.00', timeoutSeconds: 1 });
    expect(h.status).toBe(201);
    const id = h.body.id as string;
    let hold: Body = {};
    for (let i = 0; i < 100 && hold.status !== 'expired'; i++) {
      await new Promise((r) => setTimeout(r, 200));
      await ledger.catchUp();
      hold = (await ledger.as().get(`/v1/holds/${id}`)).body;
    }
    expect(hold).toMatchObject({ status: 'expired', remaining: '0.00' });
    await ledger.catchUp();
    expect((await ledger.as().get(`/v1/accounts/${a}`)).body).toMatchObject({ balance: '10.00', held: '0.00', available: '10.00' });
    expectProblem(await ledger.as().post(`/v1/holds/${id}/capture`, {}), 422, 'hold_not_active');
  });

  it('reverses a transfer partly then fully; the statement shows the original and its reversals', async () => {
    const a = await ledger.openAccount({ deposit: '100.00' });
    const b = await ledger.openAccount();
    const t = await ledger.as().post('/v1/transfers', { fromAccountId: a, toAccountId: b, amount: '40.00' });
    const txId = t.body.transactionId as string;
    const r1 = await ledger.as().post(`/v1/transactions/${txId}/reversals`, { amount: '15.00', reason: 'duplicate charge' });
    expect(r1.status).toBe(201);
    expect(r1.body).toMatchObject({ reversalOf: txId, amount: '15.00', debitedAccountId: b, creditedAccountId: a, reason: 'duplicate charge' });
    expectProblem(await ledger.as().post(`/v1/transactions/${txId}/reversals`, { amount: '25.01', reason: 'x' }), 422, 'amount_exceeds_unreversed');
    const r2 = await ledger.as().post(`/v1/transactions/${txId}/reversals`, { reason: 'the rest' });
    expect(r2.body.amount).toBe('25.00');
    expectProblem(await ledger.as().post(`/v1/transactions/${txId}/reversals`, { reason: 'again' }), 422, 'amount_exceeds_unreversed');
    expectProblem(await ledger.as().post('/v1/transactions/nope/reversals', { reason: 'x' }), 404, 'transaction_not_found');
    expectProblem(await ledger.as().post(`/v1/transactions/${txId}/reversals`, {}), 400, 'validation_failed', 'reason');
    const pos = Math.max(r2.body.position as number, r1.body.position as number);
    await ledger.catchUp();
    expect(await account(a, 0)).toMatchObject({ balance: '100.00' });
    expect(await account(b, 0)).toMatchObject({ balance: '0.00' });
    const journal = await ledger.as().get(`/v1/accounts/${b}/transactions`);
    expect((journal.body.items as Body[]).map((l) => [l.kind, l.amount])).toEqual([
      ['reversal_out', '-25.00'],
      ['reversal_out', '-15.00'],
      ['transfer_in', '40.00'],
    ]);
    expect(pos).toBeGreaterThan(0);
  });

  it('refuses a reversal when the money is no longer there', async () => {
    const a = await ledger.openAccount({ deposit: '30.00' });
    const b = await ledger.openAccount();
    const t = await ledger.as().post('/v1/transfers', { fromAccountId: a, toAccountId: b, amount: '30.00' });
    await ledger.as().post(`/v1/accounts/${b}/withdrawals`, { amount: '20.00' });
    expectProblem(await ledger.as().post(`/v1/transactions/${t.body.transactionId as string}/reversals`, { reason: 'chargeback' }), 422, 'insufficient_funds');
  });

  it('counts a capture as a movement for the fraud rules, and a reversal not', async () => {
    const a = await ledger.openAccount({ deposit: '9000.00' });
    await ledger.as().post(`/v1/accounts/${a}/deposits`, { amount: '9000.00' });
    const b = await ledger.openAccount();
    const h = await ledger.as().post('/v1/holds', { accountId: a, amount: '12000.00', counterpartyAccountId: b });
    const cap = await ledger.as().post(`/v1/holds/${h.body.id as string}/capture`, {});
    expect(cap.status).toBe(200);
    await ledger.as().post(`/v1/transactions/${cap.body.transactionId as string}/reversals`, { reason: 'dispute won' });
    await ledger.catchUp();
    // One large transaction each side: the capture; the reversal (12,000 back) raises none.
    const large = async (id: string) => ((await ledger.as().get(`/v1/fraud/alerts?accountId=${id}&rule=large_transaction`)).body.items as Body[]).length;
    expect(await large(a)).toBe(1);
    expect(await large(b)).toBe(1);
  });

  it('refuses closing an account with active holds, and a hold id used twice', async () => {
    const a = await ledger.openAccount({ deposit: '5.00' });
    await ledger.as().post(`/v1/accounts/${a}/withdrawals`, { amount: '5.00' });
    const h = await ledger.as().post('/v1/batches', { mode: 'atomic', items: [{ type: 'deposit', accountId: a, amount: '1.00' }, { type: 'hold', holdId: `dup-${a}`, accountId: a, amount: '1.00' }] });
    expect(h.status).toBe(201);
    expectProblem(await ledger.as().post(`/v1/accounts/${a}/close`, {}), 422, 'account_has_holds');
    const dup = await ledger.as().post('/v1/batches', { mode: 'atomic', items: [{ type: 'hold', holdId: `dup-${a}`, accountId: a, amount: '0.01' }] });
    expectProblem(dup, 409, 'hold_exists');
    await ledger.as().post(`/v1/holds/dup-${a}/capture`, {});
    expect((await ledger.as().post(`/v1/accounts/${a}/close`, {})).status).toBe(200);
  });

  it("pages an account's holds newest first, with their reference and metadata", async () => {
    const a = await ledger.openAccount({ deposit: '100.00' });
    const placed: string[] = [];
    for (let i = 0; i < 5; i++) placed.push((await ledger.as().post('/v1/holds', { accountId: a, amount: '1.00', reference: `auth ${i}`, metadata: { order: `o-${i}` } })).body.id as string);
    await ledger.catchUp();
    const seen: Body[] = [];
    let cursor: string | null = null;
    do {
      const page: { status: number; body: Body } = await ledger.as().get(`/v1/accounts/${a}/holds?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      expect(page.status).toBe(200);
      expect((page.body.items as Body[]).length).toBeLessThanOrEqual(2);
      seen.push(...(page.body.items as Body[]));
      cursor = page.body.nextCursor as string | null;
    } while (cursor);
    expect(seen.map((h) => h.id)).toEqual([...placed].reverse());
    expect(seen.at(-1)).toMatchObject({ reference: 'auth 0', metadata: { order: 'o-0' }, status: 'active', remaining: '1.00' });
    expectProblem(await ledger.as().get(`/v1/accounts/${a}/holds?limit=0`), 400, 'validation_failed', 'limit');
  });

  it('replays a retried void and reversal; reverses a capture without counterparty and a deposit (one leg each)', async () => {
    const a = await ledger.openAccount({ deposit: '100.00' });
    const h = (await ledger.as().post('/v1/holds', { accountId: a, amount: '10.00' })).body.id as string;
    const vkey = { 'idempotency-key': `void-${h}` };
    const voided = await ledger.as().post(`/v1/holds/${h}/void`, { reason: 'cancelled' }, vkey);
    const again = await ledger.as().post(`/v1/holds/${h}/void`, { reason: 'cancelled' }, vkey);
    expect(again.status).toBe(200);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.body).toEqual(voided.body);

    const h2 = (await ledger.as().post('/v1/holds', { accountId: a, amount: '30.00' })).body.id as string;
    const cap = await ledger.as().post(`/v1/holds/${h2}/capture`, {});
    const rkey = { 'idempotency-key': `rev-${h2}` };
    const rev = await ledger.as().post(`/v1/transactions/${cap.body.transactionId as string}/reversals`, { amount: '12.00', reason: 'refund' }, rkey);
    expect(rev.status).toBe(201);
    expect(rev.body).toMatchObject({ reversalOf: cap.body.transactionId, amount: '12.00', debitedAccountId: null, creditedAccountId: a });
    const revAgain = await ledger.as().post(`/v1/transactions/${cap.body.transactionId as string}/reversals`, { amount: '12.00', reason: 'refund' }, rkey);
    expect(revAgain.headers.get('idempotent-replayed')).toBe('true');
    expect(revAgain.body.id).toBe(rev.body.id);
    expectProblem(await ledger.as().post(`/v1/transactions/${cap.body.transactionId as string}/reversals`, { amount: '13.00', reason: 'refund' }, rkey), 409, 'idempotency_conflict');

    const dep = await ledger.as().post(`/v1/accounts/${a}/deposits`, { amount: '5.00' });
    const undo = await ledger.as().post(`/v1/transactions/${dep.body.transactionId as string}/reversals`, { reason: 'sent to the wrong account' });
    expect(undo.body).toMatchObject({ amount: '5.00', debitedAccountId: a, creditedAccountId: null });
    await ledger.catchUp();
    expect(await account(a, 0)).toMatchObject({ balance: '82.00', held: '0.00' }); // 100 − 30 + 12 + 5 − 5
  });

  it('names every batch item by its id: transactions for money, holds for hold and void, generated hold ids usable later', async () => {
    const a = await ledger.openAccount({ deposit: '100.00' });
    const b = await ledger.openAccount();
    const res = await ledger.as().post('/v1/batches', {
      mode: 'atomic',
      items: [
        { type: 'transfer', fromAccountId: a, toAccountId: b, amount: '10.00' },
        { type: 'hold', accountId: a, amount: '20.00', counterpartyAccountId: b },
        { type: 'hold', holdId: `named-${a}`, accountId: a, amount: '5.00' },
        { type: 'capture', holdId: `named-${a}`, amount: '2.00' },
        { type: 'void', holdId: `named-${a}` },
      ],
    });
    expect(res.status).toBe(201);
    const ids = (res.body.items as Body[]).map((i) => i.id as string);
    expect(ids[2]).toBe(`named-${a}`);
    expect(ids[4]).toBe(`named-${a}`);
    await ledger.catchUp();
    expect((await ledger.as().get(`/v1/holds/${ids[1]!}`)).body).toMatchObject({ status: 'active', amount: '20.00', counterpartyAccountId: b });
    expect((await ledger.as().get(`/v1/holds/${ids[2]!}`)).body).toMatchObject({ status: 'voided', captured: '2.00' });
    // The transfer's and the capture's ids are transactions: they can be reversed.
    expect((await ledger.as().post(`/v1/transactions/${ids[0]!}/reversals`, { reason: 'batch line wrong' })).body).toMatchObject({ amount: '10.00', debitedAccountId: b, creditedAccountId: a });
    expect((await ledger.as().post(`/v1/transactions/${ids[3]!}/reversals`, { reason: 'capture wrong' })).body).toMatchObject({ amount: '2.00', creditedAccountId: a });
    expect((await ledger.as().post(`/v1/holds/${ids[1]!}/capture`, {})).body).toMatchObject({ amount: '20.00' });
  });

  it('lets a teller place holds but not an auditor', async () => {
    const a = await ledger.openAccount({ deposit: '5.00' });
    expectProblem(await ledger.as('auditor').post('/v1/holds', { accountId: a, amount: '1.00' }), 403, 'forbidden');
    expect((await ledger.as('teller').post('/v1/holds', { accountId: a, amount: '1.00' })).status).toBe(201);
  });
});
