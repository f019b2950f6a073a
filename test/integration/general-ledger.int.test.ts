import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Dec } from '../../src/domain/money.ts';
import { type TestLedger, created, startTestLedger } from '../support/harness.ts';
import { BACKENDS } from '../support/pg.ts';

describe.each(BACKENDS)('general ledger read model on %s', (backend) => {
  let ledger: TestLedger;
  let a: string;
  let b: string;
  let deposit: { transactionId: string };
  beforeAll(async () => {
    ledger = await startTestLedger(backend);
    const admin = ledger.as();
    a = await ledger.openAccount({ ownerId: 'owner-7' });
    b = await ledger.openAccount({ ownerId: 'owner-7' });
    deposit = created(await admin.post(`/v1/accounts/${a}/deposits`, { amount: '100.00', channel: 'wire' })) as { transactionId: string };
    created(await admin.post(`/v1/accounts/${a}/withdrawals`, { amount: '10.50', channel: 'cash' }));
    created(await admin.post(`/v1/accounts/${b}/deposits`, { amount: '5.00' }));
    created(await admin.post('/v1/transfers', { fromAccountId: a, toAccountId: b, amount: '20.00' }));
    await ledger.catchUp();
  });
  afterAll(async () => {
    await ledger?.close();
  });

  it('lists every GL account with debits = credits per currency, customer accounts credit-normal at their balance', async () => {
    const totals = await ledger.system.readModels.generalLedger.queries.totals(undefined);
    const byCode = new Map(totals.map((t) => [t.code, t]));
    const net = (code: string) => new Dec(byCode.get(code)!.credits).minus(byCode.get(code)!.debits).toFixed(2);
    expect(net(`customer:${a}`)).toBe('69.50');
    expect(net(`customer:${b}`)).toBe('25.00');
    expect(net('settlement:wire:USD')).toBe('-100.00');
    expect(net('settlement:cash:USD')).toBe('10.50');
    expect(net('suspense:USD')).toBe('-5.00');
    expect(net('transit:USD')).toBe('0.00');
    const debits = totals.reduce((s, t) => s.plus(t.debits), new Dec(0));
    const credits = totals.reduce((s, t) => s.plus(t.credits), new Dec(0));
    expect(debits.toFixed(2)).toBe('155.50');
    expect(credits.toFixed(2)).toBe(debits.toFixed(2));
    expect(byCode.get(`customer:${a}`)).toMatchObject({ kind: 'customer', glClass: 'liability', currency: 'USD' });
  });

  it('traces each posting to its event, transaction and log position', async () => {
    const rows = await ledger.system.readModels.generalLedger.queries.postings('settlement:wire:USD', undefined, 10, null);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ transactionId: deposit.transactionId, eventType: 'FundsDeposited', side: 'debit', amount: '100', position: 2 });
    const audit = await ledger.as().get(`/v1/audit?minPosition=${rows[0]!.position}`);
    const event = (audit.body.items as Array<{ eventId: string; position: number }>).find((i) => i.position === rows[0]!.position);
    expect(event?.eventId).toBe(rows[0]!.eventId);
  });
});
