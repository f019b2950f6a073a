import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { AccountCommand, AccountEvent, TransferCommand } from '../../src/domain/account/index.ts';
import { Dec } from '../../src/domain/money.ts';
import { given } from '../support/decider-spec.ts';
import { type Machine, newMachine, run } from '../support/state-machine.ts';

const A = 'acc-a';
const B = 'acc-b';

const opened = (accountId: string, currency = 'USD', overdraftLimit = '0.00'): AccountEvent => ({
  type: 'AccountOpened',
  data: { accountId, currency, overdraftLimit, ownerId: null, metadata: {} },
});
const deposited = (accountId: string, amount: string, balanceAfter: string): AccountEvent => ({
  type: 'FundsDeposited',
  data: { accountId, transactionId: 't0', amount, currency: 'USD', balanceAfter, reference: null, channel: null, metadata: {} },
});
const frozen = (accountId: string): AccountEvent => ({ type: 'AccountFrozen', data: { accountId, reason: null } });
const closed = (accountId: string): AccountEvent => ({ type: 'AccountClosed', data: { accountId, reason: null } });

const deposit = (amount: string, accountId = A): AccountCommand => ({ type: 'Deposit', accountId, transactionId: 't1', amount, reference: null, channel: null, metadata: {} });
const withdraw = (amount: string, accountId = A): AccountCommand => ({ type: 'Withdraw', accountId, transactionId: 't1', amount, reference: null, channel: null, metadata: {} });

describe('account decider', () => {
  it('opens an account with its overdraft limit in the currency scale', () => {
    given().when({ type: 'OpenAccount', accountId: A, currency: 'USD', overdraftLimit: '50', ownerId: 'o1', metadata: { k: 'v' } }).then({
      type: 'AccountOpened',
      data: { accountId: A, currency: 'USD', overdraftLimit: '50.00', ownerId: 'o1', metadata: { k: 'v' } },
    });
  });

  it('refuses to open an account twice', () => {
    given(opened(A)).when({ type: 'OpenAccount', accountId: A, currency: 'USD', overdraftLimit: '0', ownerId: null, metadata: {} }).thenThrows('account_exists');
  });

  it('refuses an overdraft limit with too many decimals', () => {
    given().when({ type: 'OpenAccount', accountId: A, currency: 'JPY', overdraftLimit: '1.5', ownerId: null, metadata: {} }).thenThrows('validation_failed', 'overdraftLimit');
  });

  it('deposits and records the balance after', () => {
    given(opened(A), deposited(A, '10.00', '10.00')).when(deposit('2.5')).then({
      type: 'FundsDeposited',
      data: { accountId: A, transactionId: 't1', amount: '2.50', currency: 'USD', balanceAfter: '12.50', reference: null, channel: null, metadata: {} },
    });
  });

  it('refuses a deposit to an unknown account', () => given().when(deposit('1')).thenThrows('account_not_found'));
  it('refuses an amount with more decimals than the currency has', () => given(opened(A)).when(deposit('1.001')).thenThrows('validation_failed', 'amount'));
  it('refuses a zero amount', () => given(opened(A)).when(deposit('0.00')).thenThrows('validation_failed', 'amount'));
  it('refuses a deposit into a frozen account', () => given(opened(A), frozen(A)).when(deposit('1')).thenThrows('account_frozen'));
  it('refuses a deposit into a closed account', () => given(opened(A), closed(A)).when(deposit('1')).thenThrows('account_closed'));

  it('withdraws down to minus the overdraft limit, not a cent further', () => {
    given(opened(A, 'USD', '20.00'), deposited(A, '10.00', '10.00')).when(withdraw('30.00')).then({
      type: 'FundsWithdrawn',
      data: { accountId: A, transactionId: 't1', amount: '30.00', currency: 'USD', balanceAfter: '-20.00', reference: null, channel: null, metadata: {} },
    });
    given(opened(A, 'USD', '20.00'), deposited(A, '10.00', '10.00')).when(withdraw('30.01')).thenThrows('insufficient_funds');
  });

  it('freezes, unfreezes and closes only at zero', () => {
    given(opened(A)).when({ type: 'FreezeAccount', accountId: A, reason: 'kyc' }).then({ type: 'AccountFrozen', data: { accountId: A, reason: 'kyc' } });
    given(opened(A), frozen(A)).when({ type: 'FreezeAccount', accountId: A, reason: null }).thenThrows('account_frozen');
    given(opened(A)).when({ type: 'UnfreezeAccount', accountId: A, reason: null }).thenThrows('account_not_frozen');
    given(opened(A), deposited(A, '1.00', '1.00')).when({ type: 'CloseAccount', accountId: A, reason: null }).thenThrows('balance_not_zero');
    given(opened(A)).when({ type: 'CloseAccount', accountId: A, reason: null }).then({ type: 'AccountClosed', data: { accountId: A, reason: null } });
    given(opened(A), closed(A)).when({ type: 'UnfreezeAccount', accountId: A, reason: null }).thenThrows('account_closed');
  });
});

describe('transfer decider', () => {
  const transfer = (amount: string, from = A, to = B): TransferCommand => ({ type: 'Transfer', transactionId: 'tx', fromAccountId: from, toAccountId: to, amount, reference: 'r', metadata: {} });
  const funded = [opened(A), deposited(A, '100.00', '100.00')];

  it('debits and credits together', () => {
    const out = given(...funded, opened(B)).when(transfer('40')).decided();
    expect(out.map((d) => [d.streamId, d.event.type, (d.event.data as { balanceAfter: string }).balanceAfter])).toEqual([
      [A, 'TransferDebited', '60.00'],
      [B, 'TransferCredited', '40.00'],
    ]);
  });

  const refusals: Array<[string, AccountEvent[], TransferCommand]> = [
    ['same_account', funded, transfer('1', A, A)],
    ['account_not_found', funded, transfer('1')],
    ['currency_mismatch', [...funded, opened(B, 'EUR')], transfer('1')],
    ['insufficient_funds', [...funded, opened(B)], transfer('100.01')],
    ['account_frozen', [...funded, opened(B), frozen(B)], transfer('1')],
    ['account_closed', [...funded, opened(B), closed(B)], transfer('1')],
  ];
  it.each(refusals)('refuses with %s', (code, history, command) => given(...history).when(command).thenThrows(code));
});

describe('ledger properties', () => {
  type Op =
    | { kind: 'deposit'; account: number; cents: number }
    | { kind: 'withdraw'; account: number; cents: number }
    | { kind: 'transfer'; from: number; to: number; cents: number }
    | { kind: 'freeze' | 'unfreeze'; account: number };
  const N = 4;
  const op: fc.Arbitrary<Op> = fc.oneof(
    fc.record({ kind: fc.constant('deposit' as const), account: fc.nat(N - 1), cents: fc.integer({ min: 1, max: 100_000 }) }),
    fc.record({ kind: fc.constant('withdraw' as const), account: fc.nat(N - 1), cents: fc.integer({ min: 1, max: 100_000 }) }),
    fc.record({ kind: fc.constant('transfer' as const), from: fc.nat(N - 1), to: fc.nat(N - 1), cents: fc.integer({ min: 1, max: 100_000 }) }),
    fc.record({ kind: fc.constantFrom('freeze' as const, 'unfreeze' as const), account: fc.nat(N - 1) }),
  );
  const limits = ['0', '0', '50', '1000'];

  it('for any command sequence through the state machine: sum of balances = deposits - withdrawals, and no balance below -limit', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 80 }), (ops) => {
        const machine: Machine = newMachine();
        const id = (i: number) => `acc-${i}`;
        for (let i = 0; i < N; i++) run(machine, { type: 'OpenAccount', accountId: id(i), currency: 'USD', overdraftLimit: limits[i]!, ownerId: null, metadata: {} });
        let deposits = new Dec(0);
        let withdrawals = new Dec(0);
        for (const o of ops) {
          const amount = 'cents' in o ? new Dec(o.cents).div(100).toFixed(2) : '';
          if (o.kind === 'deposit') {
            if (run(machine, deposit(amount, id(o.account))).kind === 'accepted') deposits = deposits.plus(amount);
          } else if (o.kind === 'withdraw') {
            if (run(machine, withdraw(amount, id(o.account))).kind === 'accepted') withdrawals = withdrawals.plus(amount);
          } else if (o.kind === 'transfer') {
            run(machine, { type: 'Transfer', transactionId: 't', fromAccountId: id(o.from), toAccountId: id(o.to), amount, reference: null, metadata: {} });
          } else {
            run(machine, { type: o.kind === 'freeze' ? 'FreezeAccount' : 'UnfreezeAccount', accountId: id(o.account), reason: null });
          }
        }
        let sum = new Dec(0);
        for (let i = 0; i < N; i++) {
          const s = machine.state('account', id(i));
          if (s.status === 'none') return false;
          if (s.balance.lt(s.overdraftLimit.neg())) return false;
          sum = sum.plus(s.balance);
        }
        return sum.eq(deposits.minus(withdrawals));
      }),
      { numRuns: 300 },
    );
  });
});
