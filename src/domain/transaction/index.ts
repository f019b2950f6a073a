import { unreachable } from '../../assert.ts';
import type { Decider } from '../decider.ts';
import { TRANSACTION_COMMAND_TYPES, type TransactionCommand } from './commands.ts';
import { decideTransaction } from './decide.ts';
import { TRANSACTION_SOURCES, decodeTransaction, deriveTransaction, encodeTransaction, initialTransactionState } from './state.ts';

export * from './commands.ts';
export { type RecordedTransaction, TRANSACTION_KINDS, type TransactionKind, type TransactionState } from './state.ts';

/**
 * Transactions (stream id = transaction id), as reversals need them. No events of their own: the
 * state is derived from the movements on the accounts' streams (see `derived`), so recording a
 * transaction costs no event and every transaction in the log, old or new, can be reversed.
 */
export const transactionDecider: Decider<'transaction', TransactionCommand, never> = {
  name: 'transaction',
  commandTypes: TRANSACTION_COMMAND_TYPES,
  eventTypes: [],
  initialState: initialTransactionState,
  decide: decideTransaction,
  evolve: (_state, event) => unreachable(event, 'transaction event'),
  encode: encodeTransaction,
  decode: decodeTransaction,
  derived: { from: TRANSACTION_SOURCES, derive: deriveTransaction },
};
