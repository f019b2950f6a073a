import { unreachable } from '../../assert.ts';
import type { Decided, StateView } from '../decider.ts';
import { DomainError } from '../errors.ts';
import { type Dec, formatAmount, isSupportedCurrency, parseAmount, parseNonNegative } from '../money.ts';
import type { AccountCommand, TransferCommand } from './commands.ts';
import type { AccountEvent, Metadata } from './events.ts';
import { type AccountState, type ExistingAccount, availableBalance } from './state.ts';

/**
 * decide(command, view) → events, or a DomainError. Pure: no I/O, no clock. Checks run in the
 * order of REFUSAL_PRECEDENCE (src/domain/errors.ts), so when several rules are broken the first
 * one listed there is the refusal.
 */
export function decide(command: AccountCommand, view: StateView): Decided<AccountEvent>[] {
  const account = (id: string): AccountState => view.get('account', id);
  switch (command.type) {
    case 'OpenAccount':
      return [openAccount(command, account(command.accountId))];
    case 'Deposit':
    case 'Withdraw':
      return [cashMovement(command, mustExist(account(command.accountId), command.accountId))];
    case 'FreezeAccount':
    case 'UnfreezeAccount':
    case 'CloseAccount':
      return [statusChange(command, mustExist(account(command.accountId), command.accountId))];
    case 'Transfer':
      return transfer(command, account(command.fromAccountId), account(command.toAccountId));
    default:
      return unreachable(command, 'account command');
  }
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
  if (source.currency !== target.currency) {
    throw new DomainError('currency_mismatch', `account ${source.id} is in ${source.currency}, account ${target.id} in ${target.currency}`);
  }
  mustBeOpen(source, target);
  mustCover(source, amount);
  return [
    { streamId: source.id, event: { type: 'TransferDebited', data: { ...movement(source, command, amount, source.balance.minus(amount)), counterpartyAccountId: target.id } } },
    { streamId: target.id, event: { type: 'TransferCredited', data: { ...movement(target, command, amount, target.balance.plus(amount)), counterpartyAccountId: source.id } } },
  ];
}

function movement(account: ExistingAccount, command: { transactionId: string; reference: string | null; metadata: Metadata }, amount: Dec, balanceAfter: Dec) {
  return {
    accountId: account.id,
    transactionId: command.transactionId,
    amount: formatAmount(amount, account.currency),
    currency: account.currency,
    balanceAfter: formatAmount(balanceAfter, account.currency),
    reference: command.reference,
    metadata: command.metadata,
  };
}

function mustExist(state: AccountState, accountId: string): ExistingAccount {
  if (state.status === 'none') throw new DomainError('account_not_found', `account ${accountId} does not exist`);
  return state;
}

/** Closed outranks frozen (REFUSAL_PRECEDENCE), across every account the command touches. */
function mustBeOpen(...accounts: ExistingAccount[]): void {
  for (const a of accounts) if (a.status === 'closed') throw new DomainError('account_closed', `account ${a.id} is closed`);
  for (const a of accounts) if (a.status === 'frozen') throw new DomainError('account_frozen', `account ${a.id} is frozen`);
}

function mustCover(account: ExistingAccount, amount: Dec): void {
  const available = availableBalance(account);
  if (available.lt(amount)) {
    throw new DomainError('insufficient_funds', `account ${account.id} has ${formatAmount(available, account.currency)} ${account.currency} available`);
  }
}

function amountIn(text: string, currency: string, field: string): Dec {
  const parsed = parseAmount(text, currency);
  if (parsed.ok) return parsed.value;
  switch (parsed.problem) {
    case 'format':
      throw new DomainError('validation_failed', 'amount must be a plain decimal string such as "10.50"', field);
    case 'scale':
      throw new DomainError('validation_failed', `${currency} amounts have at most the currency's minor units of decimals`, field);
    case 'not_positive':
      throw new DomainError('validation_failed', 'amount must be greater than zero', field);
    default:
      return unreachable(parsed.problem, 'amount problem');
  }
}
