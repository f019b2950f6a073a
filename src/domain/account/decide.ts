import { DomainError } from '../errors.ts';
import { type Dec, formatAmount, isSupportedCurrency, parseAmount, parseNonNegative } from '../money.ts';
import type { AccountCommand, TransferCommand } from './commands.ts';
import type { AccountEvent, TransferCredited, TransferDebited } from './events.ts';
import { type AccountState, type ExistingAccount, available } from './state.ts';

/** An event produced by a decision, addressed to the stream (account) it belongs to. */
export interface Decided {
  streamId: string;
  event: AccountEvent;
}

function mustExist(state: AccountState, accountId: string): ExistingAccount {
  if (state.status === 'none') throw new DomainError('account_not_found', `account ${accountId} does not exist`);
  return state;
}

function mustBeOpen(state: ExistingAccount): void {
  if (state.status === 'frozen') throw new DomainError('account_frozen', `account ${state.id} is frozen`);
  if (state.status === 'closed') throw new DomainError('account_closed', `account ${state.id} is closed`);
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
  }
}

function mustCover(state: ExistingAccount, amount: Dec): void {
  if (available(state).lt(amount)) {
    throw new DomainError('insufficient_funds', `account ${state.id} has ${formatAmount(available(state), state.currency)} ${state.currency} available`);
  }
}

/** decide(command, state) → events, or a DomainError. Pure: no I/O, no clock. */
export function decide(command: AccountCommand, state: AccountState): Decided[] {
  switch (command.type) {
    case 'OpenAccount': {
      if (state.status !== 'none') throw new DomainError('account_exists', `account ${command.accountId} already exists`);
      if (!isSupportedCurrency(command.currency)) throw new DomainError('validation_failed', `unsupported currency ${command.currency}`, 'currency');
      const limit = parseNonNegative(command.overdraftLimit, command.currency);
      if (!limit.ok) throw new DomainError('validation_failed', 'overdraftLimit must be a non-negative decimal string in the currency\'s scale', 'overdraftLimit');
      return [
        {
          streamId: command.accountId,
          event: {
            type: 'AccountOpened',
            data: {
              accountId: command.accountId,
              currency: command.currency,
              overdraftLimit: formatAmount(limit.value, command.currency),
              ownerId: command.ownerId,
              metadata: command.metadata,
            },
          },
        },
      ];
    }
    case 'Deposit': {
      const account = mustExist(state, command.accountId);
      const amount = amountIn(command.amount, account.currency, 'amount');
      mustBeOpen(account);
      return [
        {
          streamId: account.id,
          event: {
            type: 'FundsDeposited',
            data: {
              accountId: account.id,
              transactionId: command.transactionId,
              amount: formatAmount(amount, account.currency),
              currency: account.currency,
              balanceAfter: formatAmount(account.balance.plus(amount), account.currency),
              reference: command.reference,
              channel: command.channel,
              metadata: command.metadata,
            },
          },
        },
      ];
    }
    case 'Withdraw': {
      const account = mustExist(state, command.accountId);
      const amount = amountIn(command.amount, account.currency, 'amount');
      mustBeOpen(account);
      mustCover(account, amount);
      return [
        {
          streamId: account.id,
          event: {
            type: 'FundsWithdrawn',
            data: {
              accountId: account.id,
              transactionId: command.transactionId,
              amount: formatAmount(amount, account.currency),
              currency: account.currency,
              balanceAfter: formatAmount(account.balance.minus(amount), account.currency),
              reference: command.reference,
              channel: command.channel,
              metadata: command.metadata,
            },
          },
        },
      ];
    }
    case 'FreezeAccount': {
      const account = mustExist(state, command.accountId);
      if (account.status === 'closed') throw new DomainError('account_closed', `account ${account.id} is closed`);
      if (account.status === 'frozen') throw new DomainError('account_frozen', `account ${account.id} is already frozen`);
      return [{ streamId: account.id, event: { type: 'AccountFrozen', data: { accountId: account.id, reason: command.reason } } }];
    }
    case 'UnfreezeAccount': {
      const account = mustExist(state, command.accountId);
      if (account.status === 'closed') throw new DomainError('account_closed', `account ${account.id} is closed`);
      if (account.status !== 'frozen') throw new DomainError('account_not_frozen', `account ${account.id} is not frozen`);
      return [{ streamId: account.id, event: { type: 'AccountUnfrozen', data: { accountId: account.id, reason: command.reason } } }];
    }
    case 'CloseAccount': {
      const account = mustExist(state, command.accountId);
      if (account.status === 'closed') throw new DomainError('account_closed', `account ${account.id} is already closed`);
      if (!account.balance.isZero()) {
        throw new DomainError('balance_not_zero', `account ${account.id} holds ${formatAmount(account.balance, account.currency)} ${account.currency}; only an account at zero balance can be closed`);
      }
      return [{ streamId: account.id, event: { type: 'AccountClosed', data: { accountId: account.id, reason: command.reason } } }];
    }
    default: {
      const never: never = command;
      return never;
    }
  }
}

/** A transfer is decided against both accounts: the debit and the credit are produced together or not at all. */
export function decideTransfer(command: TransferCommand, from: AccountState, to: AccountState): Decided[] {
  if (command.fromAccountId === command.toAccountId) throw new DomainError('same_account', 'a transfer needs two different accounts', 'toAccountId');
  const source = mustExist(from, command.fromAccountId);
  const target = mustExist(to, command.toAccountId);
  const amount = amountIn(command.amount, source.currency, 'amount');
  if (source.currency !== target.currency) {
    throw new DomainError('currency_mismatch', `account ${source.id} is in ${source.currency}, account ${target.id} in ${target.currency}`);
  }
  mustBeOpen(source);
  mustBeOpen(target);
  mustCover(source, amount);
  const formatted = formatAmount(amount, source.currency);
  const debit: TransferDebited = {
    type: 'TransferDebited',
    data: {
      accountId: source.id,
      transactionId: command.transactionId,
      amount: formatted,
      currency: source.currency,
      balanceAfter: formatAmount(source.balance.minus(amount), source.currency),
      counterpartyAccountId: target.id,
      reference: command.reference,
      metadata: command.metadata,
    },
  };
  const credit: TransferCredited = {
    type: 'TransferCredited',
    data: {
      accountId: target.id,
      transactionId: command.transactionId,
      amount: formatted,
      currency: target.currency,
      balanceAfter: formatAmount(target.balance.plus(amount), target.currency),
      counterpartyAccountId: source.id,
      reference: command.reference,
      metadata: command.metadata,
    },
  };
  return [
    { streamId: source.id, event: debit },
    { streamId: target.id, event: credit },
  ];
}
