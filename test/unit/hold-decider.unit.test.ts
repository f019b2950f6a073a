import { describe, expect, it } from 'vitest';
import { availableBalance } from '../../src/domain/account/index.ts';
import { Dec } from '../../src/domain/money.ts';
import { given, stateViewOf } from '../support/decider-spec.ts';
import { T0, at, capture, closed, deposited, expire, frozen, held, holdPlaced, opened, placeHold, voidHold, withdraw, transfer } from '../support/banking.ts';

const A = 'acc-a';
const B = 'acc-b';
const H = 'hold-1';
/** A with 100.00, B empty; hold H of 30.00 on A (to B when `to`), expiring at `expiresAt`. */
const withHold = (to: string | null = null, expiresAt: string | null = null, amount = '30.00') => [opened(A), opened(B), deposited(A, '100.00', '100.00'), held(A, H, amount, amount), holdPlaced(H, A, amount, to, expiresAt)];

describe('hold decider: place', () => {
  it('reserves funds on the account and opens the hold stream, with its deadline from the decision clock', () => {
    given(opened(A), opened(B), deposited(A, '100.00', '100.00'))
      .when(placeHold(H, A, '30', { counterpartyAccountId: B, timeoutSeconds: 90 }), T0)
      .thenDecided(
        { streamId: A, event: { type: 'FundsHeld', data: { accountId: A, holdId: H, amount: '30.00', currency: 'USD', heldAfter: '30.00' } } },
        { streamId: H, event: { type: 'HoldPlaced', data: { holdId: H, accountId: A, counterpartyAccountId: B, amount: '30.00', currency: 'USD', expiresAt: at(90), reference: null, metadata: {} } } },
      );
  });

  it('counts held funds out of what the account may spend: available = balance - held + limit', () => {
    const view = stateViewOf([opened(A, '20.00'), deposited(A, '100.00', '100.00'), held(A, H, '30.00', '30.00')]);
    const a = view.get('account', A);
    expect(a.status !== 'none' && availableBalance(a).toFixed(2)).toBe('90.00');
    expect(availableBalance({ status: 'frozen', balance: new Dec(5), held: new Dec(1), overdraftLimit: new Dec(0) }).toFixed()).toBe('0');
  });

  it('holds no more than available, and then neither withdrawals nor transfers can spend the held funds', () => {
    given(opened(A), deposited(A, '100.00', '100.00')).when(placeHold(H, A, '100.01')).thenThrows('insufficient_funds');
    given(...withHold()).when(withdraw(A, '70.01')).thenThrows('insufficient_funds');
    given(...withHold()).when(transfer(A, B, '70.01')).thenThrows('insufficient_funds');
    expect(given(...withHold()).when(withdraw(A, '70.00')).decided()).toHaveLength(1);
  });

  it('refuses a second hold with the same id, an unknown account, a hold to itself, a bad timeout, another currency, a frozen account', () => {
    given(...withHold()).when(placeHold(H, A, '1')).thenThrows('hold_exists');
    given().when(placeHold(H, A, '1')).thenThrows('account_not_found');
    given(opened(A)).when(placeHold(H, A, '1', { counterpartyAccountId: A })).thenThrows('same_account', 'counterpartyAccountId');
    given(opened(A), deposited(A, '5.00', '5.00')).when(placeHold(H, A, '1', { timeoutSeconds: 0 })).thenThrows('validation_failed', 'timeoutSeconds');
    given(opened(A), deposited(A, '5.00', '5.00')).when(placeHold(H, A, '1', { timeoutSeconds: 1.5 })).thenThrows('validation_failed', 'timeoutSeconds');
    given(opened(A), opened(B, '0', 'EUR'), deposited(A, '5.00', '5.00')).when(placeHold(H, A, '1', { counterpartyAccountId: B })).thenThrows('currency_mismatch');
    given(opened(A), deposited(A, '5.00', '5.00'), frozen(A)).when(placeHold(H, A, '1')).thenThrows('account_frozen');
  });
});

describe('hold decider: capture', () => {
  it('captures part of a hold to its counterparty: payer balance and held go down together, payee credited', () => {
    const decided = given(...withHold(B)).when(capture(H, '10', 'cap-1')).decided();
    expect(decided.map((d) => [d.streamId, d.event.type])).toEqual([
      [A, 'HoldCaptureDebited'],
      [B, 'HoldCaptureCredited'],
      [H, 'HoldCaptured'],
    ]);
    expect(decided[0]!.event.data).toMatchObject({ amount: '10.00', balanceAfter: '90.00', heldAfter: '20.00', counterpartyAccountId: B, transactionId: 'cap-1' });
    expect(decided[1]!.event.data).toMatchObject({ amount: '10.00', balanceAfter: '10.00', counterpartyAccountId: A });
    expect(decided[2]!.event.data).toMatchObject({ capturedAfter: '10.00' });
  });

  it('captures without a counterparty like a withdrawal, several times up to the held amount, then the hold is captured', () => {
    const twice = [...withHold(), ...given(...withHold()).when(capture(H, '10')).decided()];
    const second = given(...twice).when(capture(H, '20')).decided();
    expect(second.map((d) => d.event.type)).toEqual(['HoldCaptureDebited', 'HoldCaptured']);
    expect(second[0]!.event.data).toMatchObject({ balanceAfter: '70.00', heldAfter: '0.00', counterpartyAccountId: null });
    const after = stateViewOf([...twice, ...second]);
    expect(after.get('hold', H)).toMatchObject({ status: 'captured' });
    given(...twice, ...second).when(capture(H, '0.01')).thenThrows('hold_not_active');
  });

  it('captures everything that remains when no amount is given; refuses more than remains', () => {
    const first = given(...withHold()).when(capture(H, '12.50')).decided();
    expect(given(...withHold(), ...first).when(capture(H)).decided()[0]!.event.data).toMatchObject({ amount: '17.50' });
    given(...withHold(), ...first).when(capture(H, '17.51')).thenThrows('amount_exceeds_hold', 'amount');
  });

  it('refuses an unknown hold, a bad amount, an expired hold, a frozen payer or a closed payee', () => {
    given(...withHold()).when(capture('nope')).thenThrows('hold_not_found');
    given(...withHold()).when(capture(H, '1.001')).thenThrows('validation_failed', 'amount');
    given(...withHold(null, at(60))).when(capture(H), at(60)).thenThrows('hold_expired');
    expect(given(...withHold(null, at(60))).when(capture(H), at(59)).decided()).toHaveLength(2);
    given(...withHold(), frozen(A)).when(capture(H)).thenThrows('account_frozen');
    given(...withHold(B), closed(B)).when(capture(H)).thenThrows('account_closed');
  });
});

describe('hold decider: void and expiry', () => {
  it('voids: what remains goes back to available, even on a frozen account', () => {
    given(...withHold(), frozen(A))
      .when(voidHold(H))
      .thenDecided(
        { streamId: A, event: { type: 'HoldReleased', data: { accountId: A, holdId: H, amount: '30.00', currency: 'USD', heldAfter: '0.00', reason: 'voided' } } },
        { streamId: H, event: { type: 'HoldVoided', data: { holdId: H, released: '30.00', currency: 'USD', reason: null } } },
      );
  });

  it('expires only when due, only once; a void after the deadline is refused (the engine expires it)', () => {
    given(...withHold(null, at(60))).when(expire(H), at(59)).thenThrows('hold_not_due');
    given(...withHold()).when(expire(H), at(1e6)).thenThrows('hold_not_due');
    const expired = given(...withHold(null, at(60))).when(expire(H), at(60)).decided();
    expect(expired.map((d) => d.event)).toEqual([
      { type: 'HoldReleased', data: { accountId: A, holdId: H, amount: '30.00', currency: 'USD', heldAfter: '0.00', reason: 'expired' } },
      { type: 'HoldExpired', data: { holdId: H, released: '30.00', currency: 'USD', expiresAt: at(60) } },
    ]);
    given(...withHold(null, at(60)), ...expired).when(expire(H), at(61)).thenThrows('hold_not_active');
    given(...withHold(null, at(60))).when(voidHold(H), at(60)).thenThrows('hold_expired');
    given(...withHold()).when(voidHold('nope')).thenThrows('hold_not_found');
  });

  it('releases only what a partial capture left', () => {
    const captured = given(...withHold()).when(capture(H, '10')).decided();
    expect(given(...withHold(), ...captured).when(voidHold(H)).decided()[0]!.event.data).toMatchObject({ amount: '20.00', heldAfter: '0.00' });
  });

  it('a closed account has no active holds: closing with a hold is refused', () => {
    given(...withHold()).when({ type: 'CloseAccount', accountId: A, reason: null }).thenThrows('account_has_holds');
    const voided = given(...withHold()).when(voidHold(H)).decided();
    given(...withHold(), ...voided).when({ type: 'CloseAccount', accountId: A, reason: null }).thenThrows('balance_not_zero');
  });
});
