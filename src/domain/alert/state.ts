import { assert, unreachable } from '../../assert.ts';
import { ALERT_STATUSES, type AlertEvent, type AlertStatus } from './events.ts';

/**
 * An alert's lifecycle state. Every alert starts open; `raised` says its AlertRaised is in the log
 * (alerts of before the detector raised them as events have only status changes).
 */
export interface AlertState {
  status: AlertStatus;
  raised: boolean;
}

export const initialAlertState = (): AlertState => ({ status: 'open', raised: false });

export function evolveAlert(state: AlertState, event: AlertEvent): AlertState {
  switch (event.type) {
    case 'AlertStatusChanged':
      assert(event.data.from === state.status, () => `alert ${event.data.alertId} changed from ${event.data.from} while ${state.status}`);
      return { ...state, status: event.data.to };
    case 'AlertRaised':
      assert(!state.raised, () => `alert ${event.data.alertId} raised twice`);
      return { ...state, raised: true };
    default:
      return unreachable(event, 'alert event');
  }
}

/** A status string (as snapshots always were) for an alert not raised as an event, else { status, raised }. */
export const encodeAlert = (state: AlertState): unknown => (state.raised ? { status: state.status, raised: true } : state.status);

export function decodeAlert(json: unknown): AlertState {
  const status = typeof json === 'object' && json !== null ? (json as { status: unknown }).status : json;
  assert((ALERT_STATUSES as readonly unknown[]).includes(status), () => `unknown alert status ${String(status)} in snapshot`);
  return { status: status as AlertStatus, raised: typeof json === 'object' && json !== null };
}
