import type { AlertTargetStatus } from './events.ts';

export interface ChangeAlertStatus {
  type: 'ChangeAlertStatus';
  alertId: string;
  status: AlertTargetStatus;
  note: string | null;
}

export type AlertCommand = ChangeAlertStatus;

export function isAlertCommand(c: { type: string }): c is AlertCommand {
  return c.type === 'ChangeAlertStatus';
}
