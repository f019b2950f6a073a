import type { Metadata } from '../account/events.ts';

/**
 * Events of a hold's own stream (stream id = hold id). The account's side of each step (FundsHeld,
 * HoldCaptureDebited, HoldReleased …) is on the account's stream, decided together with these.
 */
export interface HoldPlaced {
  type: 'HoldPlaced';
  data: {
    holdId: string;
    accountId: string;
    counterpartyAccountId: string | null;
    amount: string;
    currency: string;
    /** ISO instant; null: the hold never expires. */
    expiresAt: string | null;
    reference: string | null;
    metadata: Metadata;
  };
}
export interface HoldCaptured {
  type: 'HoldCaptured';
  data: { holdId: string; transactionId: string; amount: string; currency: string; capturedAfter: string };
}
export interface HoldVoided {
  type: 'HoldVoided';
  data: { holdId: string; released: string; currency: string; reason: string | null };
}
export interface HoldExpired {
  type: 'HoldExpired';
  data: { holdId: string; released: string; currency: string; expiresAt: string };
}

export type HoldEvent = HoldPlaced | HoldCaptured | HoldVoided | HoldExpired;
export const HOLD_EVENT_TYPES: readonly HoldEvent['type'][] = ['HoldPlaced', 'HoldCaptured', 'HoldVoided', 'HoldExpired'];
