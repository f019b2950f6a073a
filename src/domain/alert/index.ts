import type { Decider } from '../decider.ts';
import { ALERT_COMMAND_TYPES, type AlertCommand } from './commands.ts';
import { decideAlert } from './decide.ts';
import { ALERT_EVENT_TYPES, type AlertEvent } from './events.ts';
import { decodeAlert, encodeAlert, evolveAlert, initialAlertState } from './state.ts';

export * from './commands.ts';
export * from './events.ts';
export { ALERT_TRANSITIONS } from './decide.ts';
export type { AlertState } from './state.ts';

/** An analyst moving an alert through its lifecycle (stream id = alert id). */
export const alertDecider: Decider<'alert', AlertCommand, AlertEvent> = {
  name: 'alert',
  commandTypes: ALERT_COMMAND_TYPES,
  eventTypes: ALERT_EVENT_TYPES,
  initialState: initialAlertState,
  decide: decideAlert,
  evolve: evolveAlert,
  encode: encodeAlert,
  decode: decodeAlert,
};
