/**
 * Events of the alert aggregate: the anomaly detector raising an alert (AlertRaised, submitted by
 * the alert reactor with a deterministic command id) and an analyst moving it through its
 * lifecycle. The alert's row is derived by the anomaly projector from the movements; the event
 * records it in the log (audit trail, SSE). The stream id is the alert id; the actor is in the metadata.
 */
export const ALERT_STATUSES = ['open', 'investigating', 'dismissed', 'escalated'] as const;
export type AlertStatus = (typeof ALERT_STATUSES)[number];
export type AlertTargetStatus = Exclude<AlertStatus, 'open'>;

export interface AlertStatusChanged {
  type: 'AlertStatusChanged';
  data: { alertId: string; from: AlertStatus; to: AlertTargetStatus; note: string | null };
}

/** What the detector found: the alert as first raised (later evidence joins the row, not the event). */
export interface AlertRaisedData {
  alertId: string;
  rule: string;
  severity: string;
  score: number;
  accountId: string;
  accountIds: string[];
  ownerId: string | null;
  currency: string;
  amount: string;
  summary: string;
  /** The movement that triggered it, and where it is in the log. */
  triggerEventId: string;
  triggerPartition: number;
  triggerPosition: number;
  raisedAt: string;
}

export interface AlertRaised {
  type: 'AlertRaised';
  data: AlertRaisedData;
}

export type AlertEvent = AlertStatusChanged | AlertRaised;
export type AlertEventType = AlertEvent['type'];
export const ALERT_EVENT_TYPES: readonly AlertEventType[] = ['AlertStatusChanged', 'AlertRaised'];

