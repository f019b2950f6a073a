import type { AlertRaisedData, AlertTargetStatus } from './events.ts';

export interface ChangeAlertStatus {
  type: 'ChangeAlertStatus';
  alertId: string;
  status: AlertTargetStatus;
  note: string | null;
}

export interface RaiseAlert extends AlertRaisedData {
  type: 'RaiseAlert';
}

export type AlertCommand = ChangeAlertStatus | RaiseAlert;

export const ALERT_COMMAND_TYPES = ['ChangeAlertStatus', 'RaiseAlert'] as const satisfies readonly AlertCommand['type'][];
