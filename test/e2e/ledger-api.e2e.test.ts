import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyLedger } from '../../src/verify/verify-ledger.ts';
import { type TestLedger, logBackends, startTestLedger } from '../support/harness.ts';
import { expectProblem } from '../support/problems.ts';

describe.each(await logBackends())('ledger HTTP API on %s', (backend) => {
  let ledger: TestLedger;
  beforeAll(async () => {
    ledger = await startTestLedger(backend);
  });
  afterAll(async () => {
    await ledger?.close();
  });

  it('opens an account with a zero balance in the currency scale', async () => {
    const res = await ledger.as().post('/v1/accounts', { currency: 'JPY', ownerId: 'cust-1', metadata: { segment: 'retail' } });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ currency: 'JPY', status: 'open', balance: '0', overdraftLimit: '0', ownerId: 'cust-1', version: 1 });
    expect(res.headers.get('location')).toBe(`/v1/accounts/${res.body.id as string}`);
    const read = await ledger.as().get(`/v1/accounts/${res.body.id as string}?minPosition=${res.body.position as number}`);
    expect(read.status).toBe(200);
    expect(read.body).toMatchObject({ id: res.body.id, currency: 'JPY', status: 'open', balance: '0', available: '0', version: 1, metadata: { segment: 'retail' } });
  });

  it('deposits, withdraws, transfers and reports balances and journal lines', async () => {
    const a = await ledger.openAccount({ deposit: '100.00' });
    const b = await ledger.openAccount({ overdraftLimit: '25.00' });
    const w = await ledger.as().post(`/v1/accounts/${a}/withdrawals`, { amount: '30.10', reference: 'atm', channel: 'cash' });
    expect(w.status).toBe(201);
    expect(w.body).toMatchObject({ type: 'withdrawal', amount: '30.10', balance: '69.90', channel: 'cash' });
    const t = await ledger.as().post('/v1/transfers', { fromAccountId: a, toAccountId: b, amount: '19.90', reference: 'rent' });
    expect(t.status).toBe(201);
    expect(t.body).toMatchObject({ fromAccountId: a, toAccountId: b, amount: '19.90', currency: 'USD', fromBalance: '50.00', toBalance: '19.90' });
    // b may go 25.00 below zero
    const over = await ledger.as().post(`/v1/accounts/${b}/withdrawals`, { amount: '44.90' });
    expect(over.body.balance).toBe('-25.00');
    const pos = over.body.position as number;
    const accountB = await ledger.as().get(`/v1/accounts/${b}?minPosition=${pos}`);
    expect(accountB.body).toMatchObject({ balance: '-25.00', available: '0.00', overdraftLimit: '25.00', version: 3 });
    const journal = await ledger.as().get(`/v1/accounts/${a}/transactions?minPosition=${pos}`);
    expect((journal.body.items as Array<{ kind: string; amount: string; balanceAfter: string }>).map((l) => [l.kind, l.amount, l.balanceAfter])).toEqual([
      ['transfer_out', '-19.90', '50.00'],
      ['withdrawal', '-30.10', '69.90'],
      ['deposit', '100.00', '100.00'],
    ]);
  });

  it('pages the journal newest first with a cursor', async () => {
    const a = await ledger.openAccount();
    let last = 0;
    for (let i = 1; i <= 7; i++) last = (await ledger.as().post(`/v1/accounts/${a}/deposits`, { amount: `${i}.00` })).body.position as number;
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { body: Record<string, unknown> } = await ledger.as().get(`/v1/accounts/${a}/transactions?limit=3&minPosition=${last}${cursor ? `&cursor=${cursor}` : ''}`);
      seen.push(...(page.body.items as Array<{ amount: string }>).map((l) => l.amount));
      cursor = page.body.nextCursor as string | null;
    } while (cursor);
    expect(seen).toEqual(['7.00', '6.00', '5.00', '4.00', '3.00', '2.00', '1.00']);
  });

  it('answers the balance at a past instant from the journal', async () => {
    const a = await ledger.openAccount({ deposit: '10.00' });
    await new Promise((r) => setTimeout(r, 20));
    const between = new Date().toISOString();
    await new Promise((r) => setTimeout(r, 20));
    const dep = await ledger.as().post(`/v1/accounts/${a}/deposits`, { amount: '5.00' });
    const now = await ledger.as().get(`/v1/accounts/${a}/balance?minPosition=${dep.body.position as number}`);
    expect(now.body.balance).toBe('15.00');
    const past = await ledger.as().get(`/v1/accounts/${a}/balance?asOf=${encodeURIComponent(between)}`);
    expect(past.body).toMatchObject({ balance: '10.00', version: 2 });
    const before = await ledger.as().get(`/v1/accounts/${a}/balance?asOf=2000-01-01T00:00:00Z`);
    expect(before.body.balance).toBe('0.00');
    expectProblem(await ledger.as().get(`/v1/accounts/${a}/balance?asOf=yesterday`), 400, 'validation_failed', 'asOf');
  });

  describe('idempotency', () => {
    it('returns the first result for the same key and body, and 409 for another body', async () => {
      const a = await ledger.openAccount();
      const key = { 'Idempotency-Key': `dep-${a}` };
      const first = await ledger.as().post(`/v1/accounts/${a}/deposits`, { amount: '12.34' }, key);
      const again = await ledger.as().post(`/v1/accounts/${a}/deposits`, { amount: '12.34' }, key);
      expect(again.status).toBe(201);
      expect(again.body).toEqual(first.body);
      expect(again.headers.get('idempotent-replayed')).toBe('true');
      expectProblem(await ledger.as().post(`/v1/accounts/${a}/deposits`, { amount: '12.35' }, key), 409, 'idempotency_conflict');
      const account = await ledger.as().get(`/v1/accounts/${a}?minPosition=${first.body.position as number}`);
      expect(account.body.balance).toBe('12.34');
    });

    it('replays an account opening with the same id', async () => {
      const key = { 'Idempotency-Key': `open-${Date.now()}` };
      const first = await ledger.as().post('/v1/accounts', { currency: 'EUR' }, key);
      const again = await ledger.as().post('/v1/accounts', { currency: 'EUR' }, key);
      expect(again.body.id).toBe(first.body.id);
    });

    it('concurrent retries of one key apply once', async () => {
      const a = await ledger.openAccount();
      const key = { 'Idempotency-Key': `burst-${a}` };
      const results = await Promise.all(Array.from({ length: 20 }, () => ledger.as().post(`/v1/accounts/${a}/deposits`, { amount: '1.00' }, key)));
      expect(new Set(results.map((r) => r.status))).toEqual(new Set([201]));
      expect(new Set(results.map((r) => r.body.transactionId)).size).toBe(1);
      const account = await ledger.as().get(`/v1/accounts/${a}?minPosition=${results[0]!.body.position as number}`);
      expect(account.body.balance).toBe('1.00');
    });

    it('remembers applied keys across a restart (rebuilt from the log)', async () => {
      const a = await ledger.openAccount();
      const key = { 'Idempotency-Key': `restart-${a}` };
      const first = await ledger.as().post(`/v1/accounts/${a}/deposits`, { amount: '7.00' }, key);
      await ledger.restart();
      const again = await ledger.as().post(`/v1/accounts/${a}/deposits`, { amount: '7.00' }, key);
      expect(again.status).toBe(201);
      expect(again.body).toEqual(first.body);
      expectProblem(await ledger.as().post(`/v1/accounts/${a}/deposits`, { amount: '8.00' }, key), 409, 'idempotency_conflict');
    });

    it('answers a refused key with the same refusal across a restart, even once the refusal would no longer hold; the audit trail shows it', async () => {
      const a = await ledger.openAccount();
      const key = { 'Idempotency-Key': `refused-${a}` };
      expectProblem(await ledger.as('teller').post(`/v1/accounts/${a}/withdrawals`, { amount: '50.00' }, key), 422, 'insufficient_funds');
      await ledger.restart();
      const funded = await ledger.as().post(`/v1/accounts/${a}/deposits`, { amount: '100.00' });
      expect(funded.status).toBe(201);
      expectProblem(await ledger.as('teller').post(`/v1/accounts/${a}/withdrawals`, { amount: '50.00' }, key), 422, 'insufficient_funds');
      expectProblem(await ledger.as('teller').post(`/v1/accounts/${a}/withdrawals`, { amount: '51.00' }, key), 409, 'idempotency_conflict');
      const audit = await ledger.as('auditor').get(`/v1/audit?type=CommandRefused&limit=1000&minPosition=${funded.body.position as number}`);
      expect(audit.status).toBe(200);
      const mine = (audit.body.items as Array<{ type: string; commandId: string; actor: string }>).filter((i) => i.commandId.endsWith(`refused-${a}`));
      expect(mine.map((i) => i.type)).toEqual(['CommandRefused']);
      expect(mine[0]!.actor).toMatch(/^key:/);
      expect((await ledger.as().get(`/v1/accounts/${a}?minPosition=${funded.body.position as number}`)).body.balance).toBe('100.00');
    });
  });

  it('gives exactly 30 of 50 concurrent 1.00 transfers out of 30.00, the rest insufficient_funds', async () => {
    const from = await ledger.openAccount({ deposit: '30.00' });
    const to = await ledger.openAccount();
    const results = await Promise.all(Array.from({ length: 50 }, () => ledger.as().post('/v1/transfers', { fromAccountId: from, toAccountId: to, amount: '1.00' })));
    expect(results.filter((r) => r.status === 201)).toHaveLength(30);
    const refused = results.filter((r) => r.status !== 201);
    expect(refused).toHaveLength(20);
    for (const r of refused) expect(r.body.code).toBe('insufficient_funds');
    const maxPos = Math.max(...results.filter((r) => r.status === 201).map((r) => r.body.position as number));
    expect((await ledger.as().get(`/v1/accounts/${from}?minPosition=${maxPos}`)).body.balance).toBe('0.00');
    expect((await ledger.as().get(`/v1/accounts/${to}?minPosition=${maxPos}`)).body.balance).toBe('30.00');
  });

  describe('errors are problem+json with stable codes, and write nothing', () => {
    let a: string;
    let eur: string;
    beforeAll(async () => {
      a = await ledger.openAccount({ deposit: '10.00' });
      eur = (await ledger.as().post('/v1/accounts', { currency: 'EUR' })).body.id as string;
    });

    it.each([
      ['number instead of string', { amount: 10 }, 'amount'],
      ['exponent notation', { amount: '1e3' }, 'amount'],
      ['negative', { amount: '-5.00' }, 'amount'],
      ['zero', { amount: '0.00' }, 'amount'],
      ['too many decimals for the currency', { amount: '1.001' }, 'amount'],
      ['missing field', {}, 'amount'],
      ['unknown field', { amount: '1.00', sneaky: true }, 'sneaky'],
      ['bad channel', { amount: '1.00', channel: 'teleport' }, 'channel'],
      ['whitespace', { amount: ' 1.00' }, 'amount'],
      ['huge number', { amount: '1'.repeat(400) }, 'amount'],
    ])('validation_failed: %s', async (_name, body, field) => {
      expectProblem(await ledger.as().post(`/v1/accounts/${a}/deposits`, body), 400, 'validation_failed', field);
    });

    it('validation_failed: malformed JSON', async () => {
      expectProblem(await ledger.as().post(`/v1/accounts/${a}/deposits`, '{"amount": '), 400, 'validation_failed');
    });

    it('validation_failed: unsupported currency, and an array body', async () => {
      expectProblem(await ledger.as().post('/v1/accounts', { currency: 'XXX' }), 400, 'validation_failed', 'currency');
      expectProblem(await ledger.as().post('/v1/accounts', [1, 2]), 400, 'validation_failed');
    });

    it('unsupported_media_type for a non-JSON body', async () => {
      const res = await ledger.as().post(`/v1/accounts/${a}/deposits`, 'amount=1', { 'content-type': 'text/plain' });
      expect(res.status).toBe(415);
      expect(res.body.code).toBe('unsupported_media_type');
    });

    it('account_not_found', async () => {
      expectProblem(await ledger.as().post('/v1/accounts/does-not-exist/deposits', { amount: '1.00' }), 404, 'account_not_found');
      expectProblem(await ledger.as().get('/v1/accounts/does-not-exist'), 404, 'account_not_found');
      expectProblem(await ledger.as().post('/v1/transfers', { fromAccountId: a, toAccountId: 'nobody', amount: '1.00' }), 404, 'account_not_found');
    });

    it('insufficient_funds', async () => {
      expectProblem(await ledger.as().post(`/v1/accounts/${a}/withdrawals`, { amount: '10.01' }), 422, 'insufficient_funds');
    });

    it('currency_mismatch', async () => {
      expectProblem(await ledger.as().post('/v1/transfers', { fromAccountId: a, toAccountId: eur, amount: '1.00' }), 422, 'currency_mismatch');
    });

    it('same_account', async () => {
      expectProblem(await ledger.as().post('/v1/transfers', { fromAccountId: a, toAccountId: a, amount: '1.00' }), 422, 'same_account');
    });

    it('account_frozen, then unfrozen; account_closed only at zero', async () => {
      const f = await ledger.openAccount({ deposit: '5.00' });
      expect((await ledger.as().post(`/v1/accounts/${f}/freeze`, { reason: 'kyc review' })).body.status).toBe('frozen');
      expectProblem(await ledger.as().post(`/v1/accounts/${f}/withdrawals`, { amount: '1.00' }), 422, 'account_frozen');
      expectProblem(await ledger.as().post('/v1/transfers', { fromAccountId: a, toAccountId: f, amount: '1.00' }), 422, 'account_frozen');
      expect((await ledger.as().post(`/v1/accounts/${f}/unfreeze`)).body.status).toBe('open');
      expectProblem(await ledger.as().post(`/v1/accounts/${f}/close`), 422, 'balance_not_zero');
      await ledger.as().post(`/v1/accounts/${f}/withdrawals`, { amount: '5.00' });
      const closed = await ledger.as().post(`/v1/accounts/${f}/close`);
      expect(closed.body.status).toBe('closed');
      expectProblem(await ledger.as().post(`/v1/accounts/${f}/deposits`, { amount: '1.00' }), 422, 'account_closed');
      const read = await ledger.as().get(`/v1/accounts/${f}?minPosition=${closed.body.position as number}`);
      expect(read.body).toMatchObject({ status: 'closed', balance: '0.00' });
      expect(read.body.closedAt).toBeTruthy();
    });

    it('not_found for an unknown route, read_model_behind for a position not reached', async () => {
      expectProblem(await ledger.as().get('/v1/nothing-here'), 404, 'not_found');
      const res = await ledger.as().get(`/v1/accounts/${a}?minPosition=999999999`);
      // waits LEDGER_MIN_POSITION_WAIT_MS (3 s by default), then 409
      expect(res.status).toBe(409);
      expect(res.body.code).toBe('read_model_behind');
    });

    it('refusals left the balance untouched', async () => {
      const read = await ledger.as().get(`/v1/accounts/${a}`);
      expect(read.body.balance).toBe('10.00');
    });
  });

  it('serves the raw log from a position and a live SSE tail', async () => {
    const page = await ledger.as().get('/v1/events?after=-1&limit=5');
    const items = page.body.items as Array<{ position: number; type: string; hash: string; prevHash: string }>;
    expect(items).toHaveLength(5);
    // Positions only grow (Kafka offsets may skip transaction markers); the hash chain links them.
    for (let i = 1; i < items.length; i++) {
      expect(items[i]!.position).toBeGreaterThan(items[i - 1]!.position);
      expect(items[i]!.prevHash).toBe(items[i - 1]!.hash);
    }
    const [, , third, fourth, fifth] = items;
    const res = await ledger.as().fetch(`/v1/events/stream?after=${third!.position}`);
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    const reader = res.body!.getReader();
    let text = '';
    while (!text.includes(`id: ${fifth!.position}\n`)) text += new TextDecoder().decode((await reader.read()).value);
    await reader.cancel();
    expect(text).toContain(`id: ${fourth!.position}\n`);
    expect(text).not.toContain(`id: ${third!.position}\n`);
  });

  it('publishes an OpenAPI document and a reference page', async () => {
    const doc = await ledger.as().get('/openapi.json');
    expect(Object.keys(doc.body.paths as object)).toEqual(expect.arrayContaining(['/v1/accounts', '/v1/transfers', '/v1/accounts/{id}/deposits', '/v1/events']));
    const page = await ledger.as(null).fetch('/docs');
    expect(await page.text()).toContain('<script src="/docs/scalar.js">');
    expect((await ledger.as().get('/healthz')).status).toBe(200);
    expect((await ledger.as().get('/readyz')).status).toBe(200);
  });

  it('verifies: hash chain intact, read models equal a replay of the log', async () => {
    await ledger.catchUp();
    const report = await verifyLedger(ledger.system.log, ledger.database.db);
    expect(report.chain).toEqual({ ok: true, firstBreak: null });
    expect(report.balances.mismatches).toEqual([]);
    expect(report.ok).toBe(true);
  });
});
