import { assert, unreachable } from '../../assert.ts';
import { Dec } from '../money.ts';
import type { AccountEvent } from './events.ts';

export type AccountStatus = 'open' | 'frozen' | 'closed';

export type AccountState =
  | { status: 'none' }
  | {
      status: AccountStatus;
      id: string;
      currency: string;
      balance: Dec;
      overdraftLimit: Dec;
      ownerId: string | null;
    };

export type ExistingAccount = Exclude<AccountState, { status: 'none' }>;

export const initialState = (): AccountState => ({ status: 'none' });

function existing(state: AccountState, event: AccountEvent): ExistingAccount {
  assert(state.status !== 'none', () => `${event.type} on account ${event.data.accountId}, which was never opened`);
  return state;
}

/** evolve(state, event) → state. Pure; an event the state cannot take means a corrupt log or a bug, and stops. */
export function evolve(state: AccountState, event: AccountEvent): AccountState {
  switch (event.type) {
    case 'AccountOpened':
      assert(state.status === 'none', () => `account ${event.data.accountId} opened twice`);
      return {
        status: 'open',
        id: event.data.accountId,
        currency: event.data.currency,
        balance: new Dec(0),
        overdraftLimit: new Dec(event.data.overdraftLimit),
        ownerId: event.data.ownerId,
      };
    case 'FundsDeposited':
    case 'FundsWithdrawn':
    case 'TransferDebited':
    case 'TransferCredited': {
      const account = existing(state, event);
      assert(account.currency === event.data.currency, () => `${event.type} in ${event.data.currency} on ${account.currency} account ${account.id}`);
      return { ...account, balance: new Dec(event.data.balanceAfter) };
    }
    case 'AccountFrozen':
      return { ...existing(state, event), status: 'frozen' };
    case 'AccountUnfrozen':
      return { ...existing(state, event), status: 'open' };
    case 'AccountClosed':
      return { ...existing(state, event), status: 'closed' };
    default:
      return unreachable(event, 'account event');
  }
}

/**
 * Money the account may still spend now: balance plus overdraft limit on an open account, nothing
 * on a frozen or closed one. The one definition: the decider, the read model and every response use it.
 */
export function availableBalance(a: { status: AccountStatus; balance: Dec; overdraftLimit: Dec }): Dec {
  return a.status === 'open' ? a.balance.plus(a.overdraftLimit) : new Dec(0);
}

type EncodedAccount = [id: string, status: AccountStatus, currency: string, balance: string, overdraftLimit: string, ownerId: string | null];

export function encodeAccount(state: AccountState): EncodedAccount {
  assert(state.status !== 'none', 'only opened accounts are snapshotted');
  return [state.id, state.status, state.currency, state.balance.toFixed(), state.overdraftLimit.toFixed(), state.ownerId];
}

export function decodeAccount(json: unknown): AccountState {
  assert(Array.isArray(json) && json.length === 6, 'an account in a snapshot is a 6-tuple');
  const [id, status, currency, balance, overdraftLimit, ownerId] = json as EncodedAccount;
  return { id, status, currency, balance: new Dec(balance), overdraftLimit: new Dec(overdraftLimit), ownerId };
}
