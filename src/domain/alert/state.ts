import { assert, unreachable } from '../../assert.ts';
import { ALERT_STATUSES, type AlertEvent, type AlertStatus } from './events.ts';

/** An alert's lifecycle state. Every alert starts open: its raising is not an event of this stream. */
export interface AlertState {
  status: AlertStatus;
}

export const initialAlertState = (): AlertState => ({ status: 'open' });

export function evolveAlert(state: AlertState, event: AlertEvent): AlertState {
  switch (event.type) {
    case 'AlertStatusChanged':
      assert(event.data.from === state.status, () => `alert ${event.data.alertId} changed from ${event.data.from} while ${state.status}`);
      return { status: event.data.to };
    default:
      return unreachable(event.type, 'alert event');
  }
}

export const encodeAlert = (state: AlertState): unknown => state.status;

export function decodeAlert(json: unknown): AlertState {
  assert((ALERT_STATUSES as readonly unknown[]).includes(json), () => `unknown alert status ${String(json)} in snapshot`);
  return { status: json as AlertStatus };
}
