/**
 * Events of the alert aggregate: an analyst moving an alert through its lifecycle. The alert
 * itself is derived (the anomaly projector raises it from the log); its lifecycle is recorded here.
 * The stream id is the alert id; the actor is in the envelope's metadata.
 */
export const ALERT_STATUSES = ['open', 'investigating', 'dismissed', 'escalated'] as const;
export type AlertStatus = (typeof ALERT_STATUSES)[number];
export type AlertTargetStatus = Exclude<AlertStatus, 'open'>;

export interface AlertStatusChanged {
  type: 'AlertStatusChanged';
  data: { alertId: string; from: AlertStatus; to: AlertTargetStatus; note: string | null };
}

export type AlertEvent = AlertStatusChanged;
export type AlertEventType = AlertEvent['type'];
export const ALERT_EVENT_TYPES: readonly AlertEventType[] = ['AlertStatusChanged'];

