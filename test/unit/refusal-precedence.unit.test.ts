import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { AccountEvent } from '../../src/domain/account/index.ts';
import { type DomainErrorCode, REFUSAL_PRECEDENCE } from '../../src/domain/errors.ts';
import { given } from '../support/decider-spec.ts';

// When a command breaks several rules at once, the refusal is the one REFUSAL_PRECEDENCE lists
// first (as TigerBeetle's "errors by descending precedence"). An oracle names every rule a random
// situation breaks; the decider must answer with the first of them.

type Side = { exists: boolean; status: 'open' | 'frozen' | 'closed'; currency: 'USD' | 'EUR'; balance: number };
const side: fc.Arbitrary<Side> = fc.record({
  exists: fc.boolean(),
  status: fc.constantFrom('open' as const, 'frozen' as const, 'closed' as const),
  currency: fc.constantFrom('USD' as const, 'EUR' as const),
  balance: fc.integer({ min: 0, max: 100 }),
});
const amount = fc.constantFrom('1.00', '50.00', '150.00', '0.00', '1.001', 'abc');
const validAmount = (a: string) => /^[0-9]+\.[0-9]{2}$/.test(a) && Number(a) > 0;

function history(id: string, s: Side): AccountEvent[] {
  if (!s.exists) return [];
  const events: AccountEvent[] = [{ type: 'AccountOpened', data: { accountId: id, currency: s.currency, overdraftLimit: '0.00', ownerId: null, metadata: {} } }];
  if (s.balance > 0) {
    events.push({ type: 'FundsDeposited', data: { accountId: id, transactionId: 'seed', amount: `${s.balance}.00`, currency: s.currency, balanceAfter: `${s.balance}.00`, reference: null, channel: null, metadata: {} } });
  }
  if (s.status === 'frozen') events.push({ type: 'AccountFrozen', data: { accountId: id, reason: null } });
  if (s.status === 'closed' && s.balance === 0) events.push({ type: 'AccountClosed', data: { accountId: id, reason: null } });
  return events;
}
/** A closed account holds nothing. */
const normalise = (s: Side): Side => (s.status === 'closed' ? { ...s, balance: 0 } : s);

function first(broken: DomainErrorCode[]): DomainErrorCode | undefined {
  return REFUSAL_PRECEDENCE.find((code) => broken.includes(code));
}

describe('refusal precedence', () => {
  it('lists every refusal code once', () => {
    expect(new Set(REFUSAL_PRECEDENCE).size).toBe(REFUSAL_PRECEDENCE.length);
  });

  it('a transfer that breaks several rules is refused with the first in REFUSAL_PRECEDENCE', () => {
    fc.assert(
      fc.property(side.map(normalise), side.map(normalise), amount, fc.boolean(), (from, to, amt, same) => {
        const target = same ? from : to;
        const broken: DomainErrorCode[] = [];
        if (same) broken.push('same_account');
        if (!from.exists || !target.exists) broken.push('account_not_found');
        if (!validAmount(amt)) broken.push('validation_failed');
        if (from.exists && target.exists && from.currency !== target.currency) broken.push('currency_mismatch');
        for (const s of [from, target]) if (s.exists && s.status === 'closed') broken.push('account_closed');
        for (const s of [from, target]) if (s.exists && s.status === 'frozen') broken.push('account_frozen');
        if (from.exists && validAmount(amt) && (from.status !== 'open' || Number(amt) > from.balance)) broken.push('insufficient_funds');
        const events = [...history('A', from), ...(same ? [] : history('B', to))];
        const spec = given(...events).when({ type: 'Transfer', transactionId: 't', fromAccountId: 'A', toAccountId: same ? 'A' : 'B', amount: amt, reference: null, metadata: {} });
        const expected = first(broken);
        if (expected) spec.thenThrows(expected);
        else expect(spec.decided()).toHaveLength(2);
      }),
      { numRuns: 500 },
    );
  });

  it('a withdrawal that breaks several rules is refused with the first in REFUSAL_PRECEDENCE', () => {
    fc.assert(
      fc.property(side.map(normalise), amount, (account, amt) => {
        const broken: DomainErrorCode[] = [];
        if (!account.exists) broken.push('account_not_found');
        if (!validAmount(amt)) broken.push('validation_failed');
        if (account.exists && account.status === 'closed') broken.push('account_closed');
        if (account.exists && account.status === 'frozen') broken.push('account_frozen');
        if (account.exists && validAmount(amt) && (account.status !== 'open' || Number(amt) > account.balance)) broken.push('insufficient_funds');
        const spec = given(...history('A', account)).when({ type: 'Withdraw', accountId: 'A', transactionId: 't', amount: amt, reference: null, channel: null, metadata: {} });
        const expected = first(broken);
        if (expected) spec.thenThrows(expected);
        else expect(spec.decided()).toHaveLength(1);
      }),
      { numRuns: 300 },
    );
  });
});
