import { unreachable } from '../../assert.ts';
import type { Decided, StateView } from '../decider.ts';
import { DomainError } from '../errors.ts';
import { formatAmount, isSupportedCurrency, parseNonNegative } from '../money.ts';
import type { AccountCommand, TransferCommand } from './commands.ts';
import type { AccountEvent } from './events.ts';
import { amountIn, movement, mustBeOpen, mustBeSameCurrency, mustCover, mustExist } from './rules.ts';
import type { AccountState, ExistingAccount } from './state.ts';

/**
 * decide(command, view) → events, or a DomainError. Pure: no I/O, no clock. Checks run in the
 * order of REFUSAL_PRECEDENCE (src/domain/errors.ts), so when several rules are broken the first
 * one listed there is the refusal.
 */
export function decide(command: AccountCommand, view: StateView): Decided<AccountEvent>[] {
  switch (command.type) {
    case 'OpenAccount':
      return [openAccount(command, account(view, command.accountId))];
    case 'Deposit':
    case 'Withdraw':
      return [cashMovement(command, mustExist(account(view, command.accountId), command.accountId))];
    case 'FreezeAccount':
    case 'UnfreezeAccount':
    case 'CloseAccount':
      return [statusChange(command, mustExist(account(view, command.accountId), command.accountId))];
    case 'Transfer':
      return transfer(command, account(view, command.fromAccountId), account(view, command.toAccountId));
    default:
      return unreachable(command, 'account command');
  }
}

/** An account's state as the view sees it (a module function: no closure per decision). */
function account(view: StateView, id: string): AccountState {
  return view.get('account', id);
}

function openAccount(command: Extract<AccountCommand, { type: 'OpenAccount' }>, state: AccountState): Decided<AccountEvent> {
  if (state.status !== 'none') throw new DomainError('account_exists', `account ${command.accountId} already exists`);
  if (!isSupportedCurrency(command.currency)) throw new DomainError('validation_failed', `unsupported currency ${command.currency}`, 'currency');
  const limit = parseNonNegative(command.overdraftLimit, command.currency);
  if (!limit.ok) throw new DomainError('validation_failed', "overdraftLimit must be a non-negative decimal string in the currency's scale", 'overdraftLimit');
  const { accountId, currency, ownerId, metadata } = command;
  return { streamId: accountId, event: { type: 'AccountOpened', data: { accountId, currency, overdraftLimit: formatAmount(limit.value, currency), ownerId, metadata } } };
}

function cashMovement(command: Extract<AccountCommand, { type: 'Deposit' | 'Withdraw' }>, account: ExistingAccount): Decided<AccountEvent> {
  const amount = amountIn(command.amount, account.currency, 'amount');
  mustBeOpen(account);
  const deposit = command.type === 'Deposit';
  if (!deposit) mustCover(account, amount);
  const data = {
    ...movement(account, command, amount, deposit ? account.balance.plus(amount) : account.balance.minus(amount)),
    channel: command.channel,
  };
  return { streamId: account.id, event: deposit ? { type: 'FundsDeposited', data } : { type: 'FundsWithdrawn', data } };
}

function statusChange(command: Extract<AccountCommand, { type: 'FreezeAccount' | 'UnfreezeAccount' | 'CloseAccount' }>, account: ExistingAccount): Decided<AccountEvent> {
  const data = { accountId: account.id, reason: command.reason };
  const already = command.type === 'CloseAccount' ? ' already' : '';
  if (account.status === 'closed') throw new DomainError('account_closed', `account ${account.id} is${already} closed`);
  switch (command.type) {
    case 'FreezeAccount':
      if (account.status === 'frozen') throw new DomainError('account_frozen', `account ${account.id} is already frozen`);
      return { streamId: account.id, event: { type: 'AccountFrozen', data } };
    case 'UnfreezeAccount':
      if (account.status !== 'frozen') throw new DomainError('account_not_frozen', `account ${account.id} is not frozen`);
      return { streamId: account.id, event: { type: 'AccountUnfrozen', data } };
    case 'CloseAccount':
      if (!account.held.isZero()) {
        throw new DomainError('account_has_holds', `account ${account.id} has ${formatAmount(account.held, account.currency)} ${account.currency} on hold; capture or void its holds first`);
      }
      if (!account.balance.isZero()) {
        throw new DomainError('balance_not_zero', `account ${account.id} holds ${formatAmount(account.balance, account.currency)} ${account.currency}; only an account at zero balance can be closed`);
      }
      return { streamId: account.id, event: { type: 'AccountClosed', data } };
    default:
      return unreachable(command, 'status command');
  }
}

/** A transfer is decided against both accounts: the debit and the credit are produced together or not at all. */
function transfer(command: TransferCommand, from: AccountState, to: AccountState): Decided<AccountEvent>[] {
  if (command.fromAccountId === command.toAccountId) throw new DomainError('same_account', 'a transfer needs two different accounts', 'toAccountId');
  const source = mustExist(from, command.fromAccountId);
  const target = mustExist(to, command.toAccountId);
  const amount = amountIn(command.amount, source.currency, 'amount');
  mustBeSameCurrency(source, target);
  mustBeOpen(source, target);
  mustCover(source, amount);
  return [
    { streamId: source.id, event: { type: 'TransferDebited', data: { ...movement(source, command, amount, source.balance.minus(amount)), counterpartyAccountId: target.id } } },
    { streamId: target.id, event: { type: 'TransferCredited', data: { ...movement(target, command, amount, target.balance.plus(amount)), counterpartyAccountId: source.id } } },
  ];
}
