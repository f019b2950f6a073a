import type { AlertEvent, AlertStatus } from './events.ts';

/** An alert's lifecycle state. Every alert starts open (version 0): its raising is not an event of this stream. */
export interface AlertState {
  id: string;
  status: AlertStatus;
  version: number;
}

export const initialAlertState = (id: string): AlertState => ({ id, status: 'open', version: 0 });

export function evolveAlert(state: AlertState, event: AlertEvent): AlertState {
  switch (event.type) {
    case 'AlertStatusChanged':
      return { ...state, status: event.data.to, version: state.version + 1 };
    default: {
      const never: never = event.type;
      return never;
    }
  }
}
