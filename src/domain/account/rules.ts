import { unreachable } from '../../assert.ts';
import { DomainError } from '../errors.ts';
import { type Dec, formatAmount, parseAmount } from '../money.ts';
import type { Metadata } from './events.ts';
import { type AccountState, type ExistingAccount, availableBalance } from './state.ts';

/**
 * The rules every money command applies to the accounts it touches (deposits, transfers, holds,
 * captures, reversals), each throwing the DomainError of its place in REFUSAL_PRECEDENCE.
 */

export function mustExist(state: AccountState, accountId: string): ExistingAccount {
  if (state.status === 'none') throw new DomainError('account_not_found', `account ${accountId} does not exist`);
  return state;
}

/** Closed outranks frozen (REFUSAL_PRECEDENCE), across every account the command touches. */
export function mustBeOpen(...accounts: ExistingAccount[]): void {
  for (const a of accounts) if (a.status === 'closed') throw new DomainError('account_closed', `account ${a.id} is closed`);
  for (const a of accounts) if (a.status === 'frozen') throw new DomainError('account_frozen', `account ${a.id} is frozen`);
}

export function mustBeSameCurrency(a: ExistingAccount, b: ExistingAccount): void {
  if (a.currency !== b.currency) throw new DomainError('currency_mismatch', `account ${a.id} is in ${a.currency}, account ${b.id} in ${b.currency}`);
}

/** What the account may spend covers the amount (held funds and a frozen account's money are not spendable). */
export function mustCover(account: ExistingAccount, amount: Dec): void {
  const available = availableBalance(account);
  if (available.lt(amount)) {
    throw new DomainError('insufficient_funds', `account ${account.id} has ${formatAmount(available, account.currency)} ${account.currency} available`);
  }
}

/** A positive amount in the currency's scale, or validation_failed on `field`. */
export function amountIn(text: string, currency: string, field: string): Dec {
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

/** The fields every movement event carries. */
export function movement(account: ExistingAccount, command: { transactionId: string; reference: string | null; metadata: Metadata }, amount: Dec, balanceAfter: Dec) {
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
