import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestLedger, startTestLedger } from '../support/harness.ts';
import { BACKENDS } from '../support/pg.ts';
import { expectProblem } from '../support/problems.ts';

// Text PostgreSQL cannot store (a NUL, an unpaired surrogate, bytes that are not UTF-8) is refused
// at the edge with the field named, and never reaches the log, where it would fail a group commit.

describe.each(BACKENDS)('unstorable input on %s', (backend) => {
  let ledger: TestLedger;
  let account: string;
  beforeAll(async () => {
    ledger = await startTestLedger(backend);
    account = await ledger.openAccount({ deposit: '10.00' });
  });
  afterAll(() => ledger.close());

  it.each([
    ['a NUL in reference', { amount: '1.00', reference: 'a\u0000b' }, 'reference'],
    ['an unpaired surrogate in reference', { amount: '1.00', reference: 'x\ud800' }, 'reference'],
    ['a NUL in a metadata key', { amount: '1.00', metadata: { 'k\u0000': 'v' } }, 'metadata.k\u0000'],
    ['a lone low surrogate in a metadata value', { amount: '1.00', metadata: { k: '\udc00' } }, 'metadata.k'],
  ])('refuses %s with 400 naming the field', async (_, body, field) => {
    expectProblem(await ledger.as('teller').post(`/v1/accounts/${account}/deposits`, body), 400, 'validation_failed', field);
  });

  it('refuses a body that is not UTF-8, and a NUL in a query parameter', async () => {
    const raw = await ledger.as('teller').fetch(`/v1/accounts/${account}/deposits`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: new Uint8Array([...Buffer.from('{"amount":"1.00","reference":"'), 0xff, 0xfe, ...Buffer.from('"}')]),
    });
    expect(raw.status).toBe(400);
    expect(await raw.json()).toMatchObject({ code: 'validation_failed', errors: [{ field: 'body', message: 'not valid UTF-8' }] });
    expectProblem(await ledger.as('auditor').get('/v1/audit?actor=%00'), 400, 'validation_failed', 'actor');
  });

  it.each([
    ['a key twice in the body', '{"amount":"1.00","amount":"900.00"}', 'amount'],
    ['a key twice in metadata', '{"amount":"1.00","metadata":{"a":"1","b":{"x":1},"a":"2"}}', 'metadata.a'],
    ['a key twice in an object inside an array', '{"amount":"1.00","metadata":{"l":[{"k":1},{"k":1,"k":2}]}}', 'metadata.l.1.k'],
    ['a __proto__ key in metadata', '{"amount":"1.00","metadata":{"__proto__":{"admin":true}}}', 'metadata.__proto__'],
  ])('refuses %s with 400 naming the key, instead of bending its meaning silently', async (_, text, field) => {
    const raw = await ledger.as('teller').fetch(`/v1/accounts/${account}/deposits`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: text });
    expect(raw.status).toBe(400);
    expect(await raw.json()).toMatchObject({ code: 'validation_failed', errors: [{ field }] });
  });

  it('accepts the same key in different objects, and quotes and brackets inside strings', async () => {
    const body = '{"amount":"1.00","reference":"a \\"{[,\\" b","metadata":{"amount":"x","k":"{\\"k\\":1,\\"k\\":2}"}}';
    const other = await ledger.openAccount();
    const raw = await ledger.as('teller').fetch(`/v1/accounts/${other}/deposits`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    expect(raw.status, await raw.clone().text()).toBe(201);
  });

  it('refuses a body nested deeper than any request of the API, without a 5xx', async () => {
    expectProblem(await ledger.as('teller').post(`/v1/accounts/${account}/deposits`, `${'['.repeat(5000)}${']'.repeat(5000)}`), 400, 'validation_failed');
  });

  it('left the balance untouched and good deposits keep working', async () => {
    expect((await ledger.as('teller').post(`/v1/accounts/${account}/deposits`, { amount: '1.00', reference: 'ünïcødé ✓ 😀' })).status).toBe(201);
    await ledger.catchUp();
    expect((await ledger.as().get(`/v1/accounts/${account}`)).body.balance).toBe('11.00');
  });
});
