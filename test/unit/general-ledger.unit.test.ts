import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { AccountCommand } from '../../src/domain/account/index.ts';
import { Dec } from '../../src/domain/money.ts';
import type { StoredEvent } from '../../src/log/envelope.ts';
import { customerAccount, normalSide, settlementAccount, systemAccounts } from '../../src/read-models/general-ledger/chart.ts';
import { isBalanced, postingsOf } from '../../src/read-models/general-ledger/postings.ts';
import { ctx, newMachine, runBatch } from '../support/state-machine.ts';

/** Runs commands through the pure state machine; returns every stored event in log order. */
function eventsOf(commands: readonly AccountCommand[]): StoredEvent[] {
  const machine = newMachine();
  const out: StoredEvent[] = [];
  for (const command of commands) out.push(...(runBatch(machine, [{ command, ctx: ctx() }]).stored[0] ?? []));
  return out;
}

const open = (accountId: string, currency = 'USD'): AccountCommand => ({ type: 'OpenAccount', accountId, currency, overdraftLimit: '0', ownerId: 'owner-1', metadata: {} });
const deposit = (accountId: string, amount: string, channel: string | null): AccountCommand => ({ type: 'Deposit', accountId, transactionId: `tx-d-${accountId}-${amount}`, amount, reference: null, channel, metadata: {} });

describe('posting rules', () => {
  it('posts a deposit Dr settlement(channel) / Cr customer, traceable to its event and transaction', () => {
    const events = eventsOf([open('a'), deposit('a', '12.50', 'wire')]);
    const entry = postingsOf(events[1]!);
    expect(entry).not.toBeNull();
    expect(entry!.eventId).toBe(events[1]!.eventId);
    expect(entry!.transactionId).toBe('tx-d-a-12.50');
    expect(entry!.position).toBe(events[1]!.position);
    expect(entry!.postings.map((p) => [p.account.code, p.side, p.amount.toFixed(2)])).toEqual([
      ['settlement:wire:USD', 'debit', '12.50'],
      ['customer:a', 'credit', '12.50'],
    ]);
  });

  it('posts a withdrawal Dr customer / Cr settlement, and an unknown channel to suspense', () => {
    const events = eventsOf([open('a'), deposit('a', '10', null), { type: 'Withdraw', accountId: 'a', transactionId: 'w1', amount: '4', reference: null, channel: 'cash', metadata: {} }]);
    expect(postingsOf(events[1]!)!.postings.map((p) => `${p.side} ${p.account.code}`)).toEqual(['debit suspense:USD', 'credit customer:a']);
    expect(postingsOf(events[2]!)!.postings.map((p) => `${p.side} ${p.account.code}`)).toEqual(['debit customer:a', 'credit settlement:cash:USD']);
  });

  it('posts a transfer Dr payer / Cr payee through transit, which nets to zero', () => {
    const events = eventsOf([open('a'), open('b'), deposit('a', '10', 'ach'), { type: 'Transfer', transactionId: 't1', fromAccountId: 'a', toAccountId: 'b', amount: '3', reference: null, metadata: {} }]);
    const lines = events.slice(3).flatMap((e) => postingsOf(e)!.postings);
    expect(lines.map((p) => `${p.side} ${p.account.code} ${p.amount.toFixed()}`)).toEqual(['debit customer:a 3', 'credit transit:USD 3', 'debit transit:USD 3', 'credit customer:b 3']);
    expect(new Set(events.slice(3).map((e) => postingsOf(e)!.transactionId))).toEqual(new Set(['t1']));
  });

  it('posts nothing for events that move no money', () => {
    const events = eventsOf([open('a'), { type: 'FreezeAccount', accountId: 'a', reason: null }]);
    expect(events.map((e) => postingsOf(e))).toEqual([null, null]);
  });

  it('classes customer accounts as liabilities and settlement as assets', () => {
    expect(customerAccount('a', 'EUR').glClass).toBe('liability');
    expect(normalSide(customerAccount('a', 'EUR').glClass)).toBe('credit');
    expect(settlementAccount('card', 'EUR').glClass).toBe('asset');
    expect(settlementAccount('other', 'EUR').code).toBe('suspense:EUR');
    expect(systemAccounts('EUR').map((a) => a.code)).toContain('holds:EUR');
  });
});

describe('double entry over random command sequences', () => {
  const ACCOUNTS = [
    ['a', 'USD'],
    ['b', 'USD'],
    ['c', 'EUR'],
    ['d', 'EUR'],
  ] as const;
  const account = fc.nat(ACCOUNTS.length - 1);
  const amount = fc.integer({ min: 1, max: 50_000 }).map((cents) => new Dec(cents).div(100).toFixed(2));
  const channel = fc.constantFrom(null, 'cash', 'wire', 'ach', 'card', 'check', 'internal', 'other');
  let n = 0;
  const command: fc.Arbitrary<AccountCommand> = fc.oneof(
    fc.record({ i: account, amount, channel }).map(({ i, amount, channel }) => ({ type: 'Deposit' as const, accountId: ACCOUNTS[i]![0], transactionId: `t${++n}`, amount, reference: null, channel, metadata: {} })),
    fc.record({ i: account, amount, channel }).map(({ i, amount, channel }) => ({ type: 'Withdraw' as const, accountId: ACCOUNTS[i]![0], transactionId: `t${++n}`, amount, reference: null, channel, metadata: {} })),
    fc.record({ from: account, to: account, amount }).map(({ from, to, amount }) => ({ type: 'Transfer' as const, transactionId: `t${++n}`, fromAccountId: ACCOUNTS[from]![0], toAccountId: ACCOUNTS[to]![0], amount, reference: null, metadata: {} })),
    fc.record({ i: account, op: fc.constantFrom('FreezeAccount' as const, 'UnfreezeAccount' as const, 'CloseAccount' as const) }).map(({ i, op }) => ({ type: op, accountId: ACCOUNTS[i]![0], reason: null })),
  );

  it('keeps debits = credits per currency at every prefix of the log, and each customer GL balance equal to its account balance', () => {
    fc.assert(
      fc.property(fc.array(command, { maxLength: 60 }), (commands) => {
        const events = eventsOf([...ACCOUNTS.map(([id, currency]) => open(id, currency)), ...commands]);
        const lines = [];
        const customer = new Map<string, Dec>();
        for (const event of events) {
          const entry = postingsOf(event);
          if (!entry) continue;
          expect(isBalanced(entry.postings)).toBe(true);
          lines.push(...entry.postings);
          expect(isBalanced(lines)).toBe(true);
          for (const p of entry.postings) {
            if (p.account.kind !== 'customer') continue;
            const id = p.account.customerAccountId!;
            customer.set(id, (customer.get(id) ?? new Dec(0)).plus(p.side === 'credit' ? p.amount : p.amount.neg()));
            // The customer's GL balance (credit-normal) equals the balance the event recorded.
            expect(customer.get(id)!.eq((event.data as { balanceAfter: string }).balanceAfter)).toBe(true);
          }
        }
        // With one partition both halves of a transfer are in the log together: nothing stays in transit.
        const transit = lines.filter((p) => p.account.kind === 'transit').reduce((sum, p) => sum.plus(p.side === 'debit' ? p.amount : p.amount.neg()), new Dec(0));
        expect(transit.isZero()).toBe(true);
      }),
      { numRuns: 200 },
    );
  });
});
