import { assert, unreachable } from '../../assert.ts';
import type { AccountEvent } from '../account/events.ts';
import { amountIn, movement, mustBeOpen, mustBeSameCurrency, mustCover, mustExist } from '../account/rules.ts';
import type { ExistingAccount } from '../account/state.ts';
import type { Decided, DecisionContext, StateView } from '../decider.ts';
import { DomainError } from '../errors.ts';
import { formatAmount } from '../money.ts';
import { type CaptureHold, type ExpireHold, type HoldCommand, MAX_HOLD_TIMEOUT_SECONDS, type PlaceHold, type VoidHold } from './commands.ts';
import type { HoldEvent } from './events.ts';
import { type ExistingHold, remainingOf } from './state.ts';

type Out = Decided<AccountEvent | HoldEvent>;

/**
 * decide(command, view, { now }) → events on the hold's stream and its accounts' streams, or a
 * DomainError, checked in the order of REFUSAL_PRECEDENCE.
 *
 * Frozen and closed accounts: placing and capturing move or reserve money, so both need open
 * accounts (a frozen account keeps its holds, but nothing leaves it while frozen; a capture can
 * wait for the unfreeze or the hold is voided). Void and expiry only give reserved money back to
 * its owner, so they work on a frozen account (expiry must never get stuck). A closed account has
 * no active holds: closing is refused with account_has_holds, and evolve asserts it.
 */
export function decideHold(command: HoldCommand, view: StateView, { now }: DecisionContext): Out[] {
  switch (command.type) {
    case 'PlaceHold':
      return place(command, view, now);
    case 'CaptureHold':
      return capture(command, view, now);
    case 'VoidHold':
    case 'ExpireHold':
      return release(command, view, now);
    default:
      return unreachable(command, 'hold command');
  }
}

function place(command: PlaceHold, view: StateView, now: string): Out[] {
  const { holdId, accountId, counterpartyAccountId } = command;
  if (counterpartyAccountId === accountId) throw new DomainError('same_account', 'a hold and its counterparty must be different accounts', 'counterpartyAccountId');
  const account = mustExist(view.get('account', accountId), accountId);
  const counterparty = counterpartyAccountId === null ? null : mustExist(view.get('account', counterpartyAccountId), counterpartyAccountId);
  if (view.get('hold', holdId).status !== 'none') throw new DomainError('hold_exists', `hold ${holdId} already exists`);
  const amount = amountIn(command.amount, account.currency, 'amount');
  const expiresAt = expiryOf(command.timeoutSeconds, now);
  if (counterparty) mustBeSameCurrency(account, counterparty);
  mustBeOpen(account, ...(counterparty ? [counterparty] : []));
  mustCover(account, amount);
  const held = formatAmount(amount, account.currency);
  return [
    { streamId: accountId, event: { type: 'FundsHeld', data: { accountId, holdId, amount: held, currency: account.currency, heldAfter: formatAmount(account.held.plus(amount), account.currency) } } },
    {
      streamId: holdId,
      event: { type: 'HoldPlaced', data: { holdId, accountId, counterpartyAccountId, amount: held, currency: account.currency, expiresAt, reference: command.reference, metadata: command.metadata } },
    },
  ];
}

function expiryOf(timeoutSeconds: number | null, now: string): string | null {
  if (timeoutSeconds === null) return null;
  if (!Number.isInteger(timeoutSeconds) || timeoutSeconds < 1 || timeoutSeconds > MAX_HOLD_TIMEOUT_SECONDS) {
    throw new DomainError('validation_failed', `timeoutSeconds must be a whole number of seconds from 1 to ${MAX_HOLD_TIMEOUT_SECONDS}`, 'timeoutSeconds');
  }
  const start = Date.parse(now);
  assert(Number.isFinite(start), () => `the decision clock ${now} is not an instant`);
  return new Date(start + timeoutSeconds * 1000).toISOString();
}

function capture(command: CaptureHold, view: StateView, now: string): Out[] {
  const hold = mustExistHold(view, command.holdId);
  const amount = command.amount === null ? null : amountIn(command.amount, hold.currency, 'amount');
  mustBeActive(hold, now);
  const { payer, payee } = accountsOf(hold, view);
  mustBeOpen(payer, ...(payee ? [payee] : []));
  const remaining = remainingOf(hold);
  const captured = amount ?? remaining;
  if (captured.gt(remaining)) {
    throw new DomainError('amount_exceeds_hold', `hold ${hold.id} has ${formatAmount(remaining, hold.currency)} ${hold.currency} left to capture`, 'amount');
  }
  const out: Out[] = [
    {
      streamId: payer.id,
      event: {
        type: 'HoldCaptureDebited',
        data: { ...movement(payer, command, captured, payer.balance.minus(captured)), holdId: hold.id, heldAfter: formatAmount(payer.held.minus(captured), payer.currency), counterpartyAccountId: payee?.id ?? null },
      },
    },
  ];
  if (payee) {
    out.push({ streamId: payee.id, event: { type: 'HoldCaptureCredited', data: { ...movement(payee, command, captured, payee.balance.plus(captured)), holdId: hold.id, counterpartyAccountId: payer.id } } });
  }
  const capturedAfter = formatAmount(hold.captured.plus(captured), hold.currency);
  out.push({ streamId: hold.id, event: { type: 'HoldCaptured', data: { holdId: hold.id, transactionId: command.transactionId, amount: formatAmount(captured, hold.currency), currency: hold.currency, capturedAfter } } });
  return out;
}

/** Void (by a client) or expiry (by the engine): what remains goes back to the account's available balance. */
function release(command: VoidHold | ExpireHold, view: StateView, now: string): Out[] {
  const hold = mustExistHold(view, command.holdId);
  if (hold.status !== 'active') throw new DomainError('hold_not_active', `hold ${hold.id} is ${hold.status}`);
  if (command.type === 'VoidHold' && isPast(hold.expiresAt, now)) throw new DomainError('hold_expired', `hold ${hold.id} expired at ${hold.expiresAt}`);
  if (command.type === 'ExpireHold' && !isPast(hold.expiresAt, now)) throw new DomainError('hold_not_due', `hold ${hold.id} expires at ${hold.expiresAt ?? 'never'}`);
  const { payer } = accountsOf(hold, view);
  assert(payer.status !== 'closed', () => `closed account ${payer.id} has an active hold ${hold.id}`);
  const remaining = remainingOf(hold);
  const released = formatAmount(remaining, hold.currency);
  const reason = command.type === 'VoidHold' ? 'voided' : 'expired';
  const account: Out = {
    streamId: payer.id,
    event: { type: 'HoldReleased', data: { accountId: payer.id, holdId: hold.id, amount: released, currency: hold.currency, heldAfter: formatAmount(payer.held.minus(remaining), payer.currency), reason } },
  };
  const own: Out =
    command.type === 'VoidHold'
      ? { streamId: hold.id, event: { type: 'HoldVoided', data: { holdId: hold.id, released, currency: hold.currency, reason: command.reason } } }
      : { streamId: hold.id, event: { type: 'HoldExpired', data: { holdId: hold.id, released, currency: hold.currency, expiresAt: hold.expiresAt ?? now } } };
  return [account, own];
}

function mustExistHold(view: StateView, holdId: string): ExistingHold {
  const hold = view.get('hold', holdId);
  if (hold.status === 'none') throw new DomainError('hold_not_found', `hold ${holdId} does not exist`);
  return hold;
}

/** Active and not past its deadline (a hold past it is expired even before the engine records it). */
function mustBeActive(hold: ExistingHold, now: string): void {
  if (hold.status !== 'active') throw new DomainError('hold_not_active', `hold ${hold.id} is ${hold.status}`);
  if (isPast(hold.expiresAt, now)) throw new DomainError('hold_expired', `hold ${hold.id} expired at ${hold.expiresAt}`);
}

function isPast(expiresAt: string | null, now: string): boolean {
  return expiresAt !== null && Date.parse(expiresAt) <= Date.parse(now);
}

/** The accounts of a hold exist (they did when it was placed, and accounts are never removed). */
function accountsOf(hold: ExistingHold, view: StateView): { payer: ExistingAccount; payee: ExistingAccount | null } {
  const payer = view.get('account', hold.accountId);
  assert(payer.status !== 'none', () => `hold ${hold.id} on missing account ${hold.accountId}`);
  if (hold.counterpartyAccountId === null) return { payer, payee: null };
  const payee = view.get('account', hold.counterpartyAccountId);
  assert(payee.status !== 'none', () => `hold ${hold.id} to missing account ${hold.counterpartyAccountId}`);
  return { payer, payee };
}
