import type { Decider } from '../decider.ts';
import { HOLD_COMMAND_TYPES, type HoldCommand, expiryCommandId } from './commands.ts';
import { decideHold } from './decide.ts';
import { HOLD_EVENT_TYPES, type HoldEvent } from './events.ts';
import { decodeHold, encodeHold, evolveHold, holdDueAt, initialHoldState } from './state.ts';

export * from './commands.ts';
export * from './events.ts';
export { type ExistingHold, HOLD_STATUSES, type HoldState, type HoldStatus, remainingOf } from './state.ts';

/** Holds (stream id = hold id): place, capture (partly, several times), void, and expiry by the engine when the timeout passes. */
export const holdDecider: Decider<'hold', HoldCommand, HoldEvent> = {
  name: 'hold',
  commandTypes: HOLD_COMMAND_TYPES,
  eventTypes: HOLD_EVENT_TYPES,
  initialState: initialHoldState,
  decide: decideHold,
  evolve: evolveHold,
  encode: encodeHold,
  decode: decodeHold,
  timeout: {
    dueAt: holdDueAt,
    command: (holdId) => ({ type: 'ExpireHold', holdId }),
    commandId: expiryCommandId,
  },
};
