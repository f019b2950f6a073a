import type { AlertTargetStatus } from './events.ts';

export interface ChangeAlertStatus {
  type: 'ChangeAlertStatus';
  alertId: string;
  status: AlertTargetStatus;
  note: string | null;
}

export type AlertCommand = ChangeAlertStatus;

export const ALERT_COMMAND_TYPES = ['ChangeAlertStatus'] as const satisfies readonly AlertCommand['type'][];
