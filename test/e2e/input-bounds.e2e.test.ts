import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestLedger, created, startTestLedger } from '../support/harness.ts';
import { expectProblem } from '../support/problems.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('overdraft limits and request ids', () => {
  let ledger: TestLedger;
  beforeAll(async () => {
    ledger = await startTestLedger('pglite', { LEDGER_MAX_OVERDRAFT_LIMIT: '5000', LEDGER_ADMIN_OVERDRAFT_ABOVE: '100' });
  });
  afterAll(() => ledger.close());

  it('bounds overdraftLimit by configuration, and above the threshold only for admins', async () => {
    const teller = ledger.as('teller');
    expect((await teller.post('/v1/accounts', { currency: 'USD', overdraftLimit: '100.00' })).status).toBe(201);
    expectProblem(await teller.post('/v1/accounts', { currency: 'USD', overdraftLimit: '100.01' }), 403, 'forbidden', 'overdraftLimit');
    expectProblem(await teller.post('/v1/accounts', { currency: 'USD', overdraftLimit: '999999999999999999.99' }), 400, 'validation_failed', 'overdraftLimit');
    const big = created(await ledger.as().post('/v1/accounts', { currency: 'USD', overdraftLimit: '5000.00' }));
    expect(big.overdraftLimit).toBe('5000.00');
    expectProblem(await ledger.as().post('/v1/accounts', { currency: 'USD', overdraftLimit: '5000.01' }), 400, 'validation_failed', 'overdraftLimit');
  });

  it('keeps a client X-Request-Id only in a safe shape, else uses a fresh one (also in the event metadata)', async () => {
    const a = await ledger.openAccount();
    const safe = await ledger.as().post(`/v1/accounts/${a}/deposits`, { amount: '1.00' }, { 'x-request-id': '01JD3QK7N2-trace:42' });
    expect(safe.headers.get('x-request-id')).toBe('01JD3QK7N2-trace:42');
    for (const bad of ['short', 'a'.repeat(65), 'has space in it', 'quote"inside-it', '-leading-dash', 'ünïcode-request', 'x=1;y=2;z=3']) {
      const res = await ledger.as().post(`/v1/accounts/${a}/deposits`, { amount: '1.00' }, { 'x-request-id': bad });
      expect(res.status).toBe(201);
      const id = res.headers.get('x-request-id');
      expect(id, bad).toMatch(UUID);
      const events = await ledger.as('auditor').get(`/v1/events?after=${(res.body.position as number) - 1}&limit=1`);
      const [event] = events.body.items as Array<{ metadata: { origin: { requestId: string } } }>;
      expect(event!.metadata.origin.requestId).toBe(id);
    }
  });
});
