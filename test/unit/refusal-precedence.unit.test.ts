import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { AccountEvent } from '../../src/domain/account/index.ts';
import { type DomainErrorCode, REFUSAL_PRECEDENCE } from '../../src/domain/errors.ts';
import type { HoldEvent } from '../../src/domain/hold/index.ts';
import { at, capture, held, holdPlaced } from '../support/banking.ts';
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

describe('refusal precedence: holds and reversals', () => {
  type HoldCase = { exists: boolean; status: 'active' | 'captured' | 'voided' | 'past_deadline'; payer: 'open' | 'frozen'; payee: 'none' | 'open' | 'frozen' | 'closed'; amount: string | null };
  const holdCase: fc.Arbitrary<HoldCase> = fc.record({
    exists: fc.boolean(),
    status: fc.constantFrom('active' as const, 'captured' as const, 'voided' as const, 'past_deadline' as const),
    payer: fc.constantFrom('open' as const, 'frozen' as const),
    payee: fc.constantFrom('none' as const, 'open' as const, 'frozen' as const, 'closed' as const),
    amount: fc.constantFrom(null, '10.00', '30.00', '30.01', '0.00', '1.001'),
  });

  function holdHistory(c: HoldCase): Array<AccountEvent | HoldEvent> {
    const events: Array<AccountEvent | HoldEvent> = [...history('A', { exists: true, status: 'open', currency: 'USD', balance: 100 })];
    if (c.payee !== 'none') events.push(...history('B', { exists: true, status: c.payee, currency: 'USD', balance: 0 }));
    if (!c.exists) return events;
    events.push(held('A', 'H', '30.00', '30.00'), holdPlaced('H', 'A', '30.00', c.payee === 'none' ? null : 'B', at(60)));
    if (c.status === 'voided') events.push({ type: 'HoldReleased', data: { accountId: 'A', holdId: 'H', amount: '30.00', currency: 'USD', heldAfter: '0.00', reason: 'voided' } }, { type: 'HoldVoided', data: { holdId: 'H', released: '30.00', currency: 'USD', reason: null } });
    if (c.status === 'captured') events.push({ type: 'HoldCaptured', data: { holdId: 'H', transactionId: 'cap0', amount: '30.00', currency: 'USD', capturedAfter: '30.00' } });
    if (c.payer === 'frozen') events.push({ type: 'AccountFrozen', data: { accountId: 'A', reason: null } });
    return events;
  }

  it('a capture that breaks several rules is refused with the first in REFUSAL_PRECEDENCE', () => {
    fc.assert(
      fc.property(holdCase, (c) => {
        const broken: DomainErrorCode[] = [];
        const valid = c.amount === null || validAmount(c.amount);
        if (!c.exists) broken.push('hold_not_found');
        if (c.exists) {
          if (!valid) broken.push('validation_failed');
          if (c.status === 'captured' || c.status === 'voided') broken.push('hold_not_active');
          if (c.status === 'past_deadline') broken.push('hold_expired');
          if (c.payee === 'closed') broken.push('account_closed');
          if (c.payer === 'frozen' || c.payee === 'frozen') broken.push('account_frozen');
          if (valid && c.amount !== null && Number(c.amount) > 30) broken.push('amount_exceeds_hold');
        }
        const now = c.status === 'past_deadline' ? at(60) : at(0);
        // A captured hold's history omits the account side: the hold is finished, the accounts do not matter.
        const spec = given(...holdHistory(c)).when(capture('H', c.amount), now);
        const expected = first(broken);
        if (expected) spec.thenThrows(expected);
        else expect(spec.decided().length).toBeGreaterThan(1);
      }),
      { numRuns: 400 },
    );
  });

  type ReversalCase = { exists: boolean; payee: 'open' | 'frozen' | 'closed'; payer: 'open' | 'frozen'; spent: boolean; amount: string | null; reason: string };
  const reversalCase: fc.Arbitrary<ReversalCase> = fc.record({
    exists: fc.boolean(),
    payee: fc.constantFrom('open' as const, 'frozen' as const, 'closed' as const),
    payer: fc.constantFrom('open' as const, 'frozen' as const),
    spent: fc.boolean(),
    amount: fc.constantFrom(null, '10.00', '40.00', '40.01', '0.00', 'abc'),
    reason: fc.constantFrom('refund', ' '),
  });

  it('a reversal that breaks several rules is refused with the first in REFUSAL_PRECEDENCE', () => {
    fc.assert(
      fc.property(reversalCase, (c) => {
        const events: AccountEvent[] = [...history('A', { exists: true, status: 'open', currency: 'USD', balance: 100 }), ...history('B', { exists: true, status: 'open', currency: 'USD', balance: 0 })];
        const tx = (type: 'TransferDebited' | 'TransferCredited', accountId: string, counterpartyAccountId: string, balanceAfter: string): AccountEvent => ({
          type,
          data: { accountId, transactionId: 'tr', amount: '40.00', currency: 'USD', balanceAfter, reference: null, metadata: {}, counterpartyAccountId },
        });
        if (c.exists) events.push(tx('TransferDebited', 'A', 'B', '60.00'), tx('TransferCredited', 'B', 'A', '40.00'));
        const bBalance = !c.exists ? 0 : c.payee === 'closed' ? 0 : c.spent ? 5 : 40;
        if (c.exists && bBalance !== 40) events.push({ type: 'FundsWithdrawn', data: { accountId: 'B', transactionId: 'w', amount: `${40 - bBalance}.00`, currency: 'USD', balanceAfter: `${bBalance}.00`, reference: null, channel: null, metadata: {} } });
        if (c.payee === 'frozen') events.push({ type: 'AccountFrozen', data: { accountId: 'B', reason: null } });
        if (c.payee === 'closed') events.push({ type: 'AccountClosed', data: { accountId: 'B', reason: null } });
        if (c.payer === 'frozen') events.push({ type: 'AccountFrozen', data: { accountId: 'A', reason: null } });
        const broken: DomainErrorCode[] = [];
        const valid = c.amount === null || validAmount(c.amount);
        const requested = c.amount === null ? 40 : Number(c.amount);
        if (!c.exists) broken.push('transaction_not_found');
        if (c.exists) {
          if (!valid || c.reason.trim() === '') broken.push('validation_failed');
          if (c.payee === 'closed') broken.push('account_closed');
          if (c.payee === 'frozen' || c.payer === 'frozen') broken.push('account_frozen');
          if (valid && requested > 40) broken.push('amount_exceeds_unreversed');
          if (valid && (c.payee !== 'open' || requested > bBalance)) broken.push('insufficient_funds');
        }
        const spec = given(...events).when({ type: 'ReverseTransaction', reversalId: 'rev', transactionId: 'tr', amount: c.amount, reason: c.reason, metadata: {} });
        const expected = first(broken);
        if (expected) spec.thenThrows(expected);
        else expect(spec.decided()).toHaveLength(2);
      }),
      { numRuns: 400 },
    );
  });
});
