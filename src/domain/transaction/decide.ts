import { assert, unreachable } from '../../assert.ts';
import type { AccountEvent } from '../account/events.ts';
import { amountIn, movement, mustBeOpen, mustCover } from '../account/rules.ts';
import type { ExistingAccount } from '../account/state.ts';
import type { Decided, StateView } from '../decider.ts';
import { DomainError } from '../errors.ts';
import { Dec, formatAmount } from '../money.ts';
import { MAX_REASON_LENGTH, type ReverseTransaction, type TransactionCommand } from './commands.ts';
import type { RecordedTransaction } from './state.ts';

/**
 * decide(ReverseTransaction) → the compensating movements, linked to the original by `reversalOf`:
 * the original's payee debited back (it must still have the money: insufficient_funds otherwise),
 * its payer credited back. Both accounts must be open, as for any movement. The original stays.
 */
export function decideTransaction(command: TransactionCommand, view: StateView): Decided<AccountEvent>[] {
  switch (command.type) {
    case 'ReverseTransaction':
      return reverse(command, view);
    default:
      return unreachable(command.type, 'transaction command');
  }
}

function reverse(command: ReverseTransaction, view: StateView): Decided<AccountEvent>[] {
  const original = view.get('transaction', command.transactionId);
  if (original.status === 'none') throw new DomainError('transaction_not_found', `transaction ${command.transactionId} does not exist or cannot be reversed`);
  assert(original.status === 'recorded', () => `transaction ${original.id} was reversed but never recorded`);
  const requested = command.amount === null ? null : amountIn(command.amount, original.currency, 'amount');
  const reason = command.reason.trim();
  if (reason.length === 0 || reason.length > MAX_REASON_LENGTH) throw new DomainError('validation_failed', `reason must be 1 to ${MAX_REASON_LENGTH} characters`, 'reason');
  const payer = accountOf(view, original, original.payer);
  const payee = accountOf(view, original, original.payee);
  mustBeOpen(...[payee, payer].filter((a): a is ExistingAccount => a !== null));
  const unreversed = new Dec(original.amount).minus(original.reversed);
  const amount = requested ?? unreversed;
  if (amount.isZero() || amount.gt(unreversed)) {
    throw new DomainError('amount_exceeds_unreversed', `transaction ${original.id} has ${formatAmount(unreversed, original.currency)} ${original.currency} left to reverse`, 'amount');
  }
  if (payee) mustCover(payee, amount);
  const common = { transactionId: command.reversalId, reference: null, metadata: command.metadata };
  const link = { reversalOf: original.id, reason };
  const out: Decided<AccountEvent>[] = [];
  if (payee) {
    out.push({ streamId: payee.id, event: { type: 'ReversalDebited', data: { ...movement(payee, common, amount, payee.balance.minus(amount)), ...link, counterpartyAccountId: payer?.id ?? null } } });
  }
  if (payer) {
    out.push({ streamId: payer.id, event: { type: 'ReversalCredited', data: { ...movement(payer, common, amount, payer.balance.plus(amount)), ...link, counterpartyAccountId: payee?.id ?? null } } });
  }
  return out;
}

/** A transaction's accounts exist: they did when it was recorded, and accounts are never removed. */
function accountOf(view: StateView, original: RecordedTransaction, id: string | null): ExistingAccount | null {
  if (id === null) return null;
  const account = view.get('account', id);
  assert(account.status !== 'none', () => `transaction ${original.id} names missing account ${id}`);
  return account;
}
