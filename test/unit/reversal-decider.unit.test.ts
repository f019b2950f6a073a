import { describe, expect, it } from 'vitest';
import type { Decided } from '../../src/domain/decider.ts';
import { given, stateViewOf } from '../support/decider-spec.ts';
import { capture, closed, deposited, frozen, held, holdPlaced, opened, reverse, transfer } from '../support/banking.ts';

const A = 'acc-a';
const B = 'acc-b';
const funded = [opened(A), opened(B), deposited(A, '100.00', '100.00', 'dep-a')];
/** A paid B 40.00 in transaction tr-1. */
const paid: Decided[] = [...funded.map((event) => ({ streamId: event.data.accountId, event })), ...given(...funded).when(transfer(A, B, '40', 'tr-1')).decided()];

describe('reversal decider', () => {
  it('reverses a transfer: the payee debited back, the payer credited back, both linked to the original', () => {
    given(...paid)
      .when(reverse('tr-1', '15', 'rev-1'))
      .then(
        { type: 'ReversalDebited', data: { accountId: B, transactionId: 'rev-1', amount: '15.00', currency: 'USD', balanceAfter: '25.00', reference: null, metadata: {}, reversalOf: 'tr-1', reason: 'customer dispute', counterpartyAccountId: A } },
        { type: 'ReversalCredited', data: { accountId: A, transactionId: 'rev-1', amount: '15.00', currency: 'USD', balanceAfter: '75.00', reference: null, metadata: {}, reversalOf: 'tr-1', reason: 'customer dispute', counterpartyAccountId: B } },
      );
  });

  it('reverses several times up to the original amount, then refuses with what remains', () => {
    const first = given(...paid).when(reverse('tr-1', '15')).decided();
    const view = stateViewOf([...paid, ...first]);
    expect(view.get('transaction', 'tr-1')).toMatchObject({ status: 'recorded', amount: '40.00', reversed: '15' });
    given(...paid, ...first).when(reverse('tr-1', '25.01')).thenThrows('amount_exceeds_unreversed', 'amount');
    const rest = given(...paid, ...first).when(reverse('tr-1')).decided();
    expect(rest[0]!.event.data).toMatchObject({ amount: '25.00' });
    given(...paid, ...first, ...rest).when(reverse('tr-1')).thenThrows('amount_exceeds_unreversed');
  });

  it('refuses when the money is no longer there: the payee spent it', () => {
    const spent = given(...paid).when({ type: 'Withdraw', accountId: B, transactionId: 'w-1', amount: '30.00', reference: null, channel: null, metadata: {} }).decided();
    given(...paid, ...spent).when(reverse('tr-1')).thenThrows('insufficient_funds');
    expect(given(...paid, ...spent).when(reverse('tr-1', '10')).decided()).toHaveLength(2);
  });

  it('reverses a deposit (debit only, needs the money) and a withdrawal (credit only)', () => {
    expect(given(...funded).when(reverse('dep-a', '100')).decided().map((d) => [d.streamId, d.event.type])).toEqual([[A, 'ReversalDebited']]);
    given(...funded).when(reverse('dep-a', '100.01')).thenThrows('amount_exceeds_unreversed');
    const withdrawn = given(...funded).when({ type: 'Withdraw', accountId: A, transactionId: 'w-2', amount: '60.00', reference: null, channel: null, metadata: {} }).decided();
    const back = given(...funded, ...withdrawn).when(reverse('w-2')).decided();
    expect(back.map((d) => [d.streamId, d.event.type, (d.event.data as { balanceAfter: string }).balanceAfter])).toEqual([[A, 'ReversalCredited', '100.00']]);
    // A withdrawal's reversal counts on its credit: a second one finds nothing left.
    given(...funded, ...withdrawn, ...back).when(reverse('w-2')).thenThrows('amount_exceeds_unreversed');
  });

  it('reverses a captured hold like the movement it was', () => {
    const h = [held(A, 'h1', '50.00', '50.00'), holdPlaced('h1', A, '50.00', B)];
    const captured = given(...funded, ...h).when(capture('h1', '20', 'cap-1')).decided();
    const reversed = given(...funded, ...h, ...captured).when(reverse('cap-1')).decided();
    expect(reversed.map((d) => [d.streamId, d.event.type])).toEqual([
      [B, 'ReversalDebited'],
      [A, 'ReversalCredited'],
    ]);
  });

  it('refuses an unknown transaction, an empty reason, a frozen or closed account', () => {
    given(...paid).when(reverse('nope')).thenThrows('transaction_not_found');
    given(...paid).when({ type: 'ReverseTransaction', reversalId: 'r', transactionId: 'tr-1', amount: null, reason: '  ', metadata: {} }).thenThrows('validation_failed', 'reason');
    given(...paid, frozen(B)).when(reverse('tr-1')).thenThrows('account_frozen');
    const spent = given(...paid).when(transfer(B, A, '40', 'back')).decided();
    given(...paid, ...spent, { streamId: B, event: closed(B) }).when(reverse('tr-1')).thenThrows('account_closed');
  });
});
