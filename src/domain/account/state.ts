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
      /** Number of events in the account's stream. */
      version: number;
    };

export type ExistingAccount = Exclude<AccountState, { status: 'none' }>;

export const initialState = (): AccountState => ({ status: 'none' });

export function evolve(state: AccountState, event: AccountEvent): AccountState {
  switch (event.type) {
    case 'AccountOpened':
      return {
        status: 'open',
        id: event.data.accountId,
        currency: event.data.currency,
        balance: new Dec(0),
        overdraftLimit: new Dec(event.data.overdraftLimit),
        ownerId: event.data.ownerId,
        version: 1,
      };
    case 'FundsDeposited':
    case 'FundsWithdrawn':
    case 'TransferDebited':
    case 'TransferCredited':
      if (state.status === 'none') return state;
      return { ...state, balance: new Dec(event.data.balanceAfter), version: state.version + 1 };
    case 'AccountFrozen':
      if (state.status === 'none') return state;
      return { ...state, status: 'frozen', version: state.version + 1 };
    case 'AccountUnfrozen':
      if (state.status === 'none') return state;
      return { ...state, status: 'open', version: state.version + 1 };
    case 'AccountClosed':
      if (state.status === 'none') return state;
      return { ...state, status: 'closed', version: state.version + 1 };
    default: {
      const never: never = event;
      return never;
    }
  }
}

/**
 * Money the account may still spend now: balance plus overdraft limit on an open account, nothing
 * on a frozen or closed one. The one definition: the decider, the read model and every response use it.
 */
export function availableBalance(a: { status: AccountStatus; balance: Dec; overdraftLimit: Dec }): Dec {
  return a.status === 'open' ? a.balance.plus(a.overdraftLimit) : new Dec(0);
}

/** @deprecated use availableBalance */
export function available(state: ExistingAccount): Dec {
  return availableBalance(state);
}
