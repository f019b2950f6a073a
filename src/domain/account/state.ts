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
      /** What the account's active holds reserve (their amounts less what was captured). */
      held: Dec;
      overdraftLimit: Dec;
      ownerId: string | null;
    };

export type ExistingAccount = Exclude<AccountState, { status: 'none' }>;

export const initialState = (): AccountState => ({ status: 'none' });

function existing(state: AccountState, event: AccountEvent): ExistingAccount {
  assert(state.status !== 'none', () => `${event.type} on account ${event.data.accountId}, which was never opened`);
  return state;
}

function inCurrency(event: AccountEvent & { data: { currency: string } }, state: AccountState): ExistingAccount {
  const account = existing(state, event);
  assert(account.currency === event.data.currency, () => `${event.type} in ${event.data.currency} on ${account.currency} account ${account.id}`);
  return account;
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
        held: new Dec(0),
        overdraftLimit: new Dec(event.data.overdraftLimit),
        ownerId: event.data.ownerId,
      };
    case 'FundsDeposited':
    case 'FundsWithdrawn':
    case 'TransferDebited':
    case 'TransferCredited':
    case 'HoldCaptureCredited':
    case 'ReversalDebited':
    case 'ReversalCredited':
      return { ...inCurrency(event, state), balance: new Dec(event.data.balanceAfter) };
    case 'FundsHeld':
    case 'HoldReleased':
      return withHeld(inCurrency(event, state), event.data.heldAfter);
    case 'HoldCaptureDebited':
      return { ...withHeld(inCurrency(event, state), event.data.heldAfter), balance: new Dec(event.data.balanceAfter) };
    case 'AccountFrozen':
      return { ...existing(state, event), status: 'frozen' };
    case 'AccountUnfrozen':
      return { ...existing(state, event), status: 'open' };
    case 'AccountClosed': {
      const account = existing(state, event);
      assert(account.held.isZero(), () => `account ${account.id} closed with ${account.held.toFixed()} held`);
      return { ...account, status: 'closed' };
    }
    default:
      return unreachable(event, 'account event');
  }
}

function withHeld(account: ExistingAccount, heldAfter: string): ExistingAccount {
  const held = new Dec(heldAfter);
  assert(held.gte(0), () => `account ${account.id} would hold ${heldAfter}`);
  return { ...account, held };
}

/**
 * Money the account may still spend now: balance less what its active holds reserve plus the
 * overdraft limit, on an open account; nothing on a frozen or closed one. The one definition: the
 * decider, the read model and every response use it. (`held` is optional only until the read side
 * stores it, in the second phase of issue 12; absent means no holds.)
 */
export function availableBalance(a: { status: AccountStatus; balance: Dec; overdraftLimit: Dec; held: Dec }): Dec {
  if (a.status !== 'open') return new Dec(0);
  // Most accounts hold nothing and have no overdraft: no Decimal to make then.
  const free = a.held.isZero() ? a.balance : a.balance.minus(a.held);
  return a.overdraftLimit.isZero() ? free : free.plus(a.overdraftLimit);
}

type EncodedAccount = [id: string, status: AccountStatus, currency: string, balance: string, overdraftLimit: string, ownerId: string | null, held: string];

export function encodeAccount(state: AccountState): EncodedAccount {
  assert(state.status !== 'none', 'only opened accounts are snapshotted');
  return [state.id, state.status, state.currency, state.balance.toFixed(), state.overdraftLimit.toFixed(), state.ownerId, state.held.toFixed()];
}

export function decodeAccount(json: unknown): AccountState {
  assert(Array.isArray(json) && json.length === 7, 'an account in a snapshot is a 7-tuple');
  const [id, status, currency, balance, overdraftLimit, ownerId, held] = json as EncodedAccount;
  return { id, status, currency, balance: new Dec(balance), held: new Dec(held), overdraftLimit: new Dec(overdraftLimit), ownerId };
}
