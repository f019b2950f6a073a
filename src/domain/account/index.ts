import type { Decider } from '../decider.ts';
import { ACCOUNT_COMMAND_TYPES, type AccountCommand } from './commands.ts';
import { decide } from './decide.ts';
import { ACCOUNT_EVENT_TYPES, type AccountEvent } from './events.ts';
import { decodeAccount, encodeAccount, evolve, initialState } from './state.ts';

export * from './commands.ts';
export * from './events.ts';
export { type AccountState, type AccountStatus, type ExistingAccount, availableBalance } from './state.ts';
export * from './rules.ts';

/** Accounts: open, move money (deposit, withdraw, transfer between two accounts), freeze, unfreeze, close. */
export const accountDecider: Decider<'account', AccountCommand, AccountEvent> = {
  name: 'account',
  commandTypes: ACCOUNT_COMMAND_TYPES,
  eventTypes: ACCOUNT_EVENT_TYPES,
  initialState,
  decide,
  evolve,
  encode: encodeAccount,
  decode: decodeAccount,
};
