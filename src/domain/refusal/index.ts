import { assert, unreachable } from '../../assert.ts';
import type { Decider } from '../decider.ts';
import type { DomainErrorCode } from '../errors.ts';

/**
 * A command the ledger refused for a business reason (insufficient funds, a frozen account …),
 * recorded in the log in the group commit that decided it: its idempotency key answers the same
 * refusal after a restart or on another writer, and the audit trail shows who tried what. Every
 * refusal goes to one stream, REFUSALS_STREAM; the refused command's id and actor are in the
 * envelope's metadata like any event's.
 */
export interface CommandRefused {
  type: 'CommandRefused';
  data: { commandType: string; code: DomainErrorCode; message: string; field: string | null };
}

export type RefusalEvent = CommandRefused;
export type RefusalEventType = RefusalEvent['type'];
export const REFUSAL_EVENT_TYPES: readonly RefusalEventType[] = ['CommandRefused'];
/** The refusal aggregate takes no command: the engine records refusals itself. */
export type RefusalCommand = never;

export const REFUSALS_STREAM = 'refusals';

/** How many refusals the stream holds (its state is only a count: the index of refused keys lives in the engine). */
export interface RefusalState {
  count: number;
}

function evolveRefusal(state: RefusalState, event: RefusalEvent): RefusalState {
  switch (event.type) {
    case 'CommandRefused':
      return { count: state.count + 1 };
    default:
      return unreachable(event.type, 'refusal event');
  }
}

export const refusalDecider: Decider<'refusal', RefusalCommand, RefusalEvent> = {
  name: 'refusal',
  commandTypes: [],
  eventTypes: REFUSAL_EVENT_TYPES,
  initialState: () => ({ count: 0 }),
  decide: (command) => unreachable(command, 'refusal command'),
  evolve: evolveRefusal,
  encode: (state) => state.count,
  decode: (json) => {
    assert(Number.isInteger(json) && (json as number) >= 0, () => `refusal count ${String(json)} in snapshot`);
    return { count: json as number };
  },
};
