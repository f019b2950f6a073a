import type { Metadata } from '../account/events.ts';

/**
 * Holds, two-phase like TigerBeetle's pending transfers: place reserves funds on an account (and
 * names who receives them, if anyone); capture moves some or all of them (several times, up to the
 * held amount); void or expiry releases what remains. Ids are assigned by the caller (the API).
 */
export interface PlaceHold {
  type: 'PlaceHold';
  holdId: string;
  accountId: string;
  amount: string;
  /** Who receives what is captured; null: captured funds leave the ledger like a withdrawal. */
  counterpartyAccountId: string | null;
  /** The hold expires this many seconds after it is placed (whole seconds, at most MAX_HOLD_TIMEOUT_SECONDS); null: never. */
  timeoutSeconds: number | null;
  reference: string | null;
  metadata: Metadata;
}

export interface CaptureHold {
  type: 'CaptureHold';
  holdId: string;
  /** The capture's own transaction (what a reversal names). */
  transactionId: string;
  /** null: everything that remains. */
  amount: string | null;
  reference: string | null;
  metadata: Metadata;
}

export interface VoidHold {
  type: 'VoidHold';
  holdId: string;
  reason: string | null;
}

/** Submitted by the engine itself when a hold's timeout passes (command id `expire:<holdId>`). */
export interface ExpireHold {
  type: 'ExpireHold';
  holdId: string;
}

export type HoldCommand = PlaceHold | CaptureHold | VoidHold | ExpireHold;

export const HOLD_COMMAND_TYPES = ['PlaceHold', 'CaptureHold', 'VoidHold', 'ExpireHold'] as const satisfies readonly HoldCommand['type'][];

/** 366 days. */
export const MAX_HOLD_TIMEOUT_SECONDS = 31_622_400;

/** The command id under which the engine expires a hold: the same for every writer, so the idempotency index makes it exactly-once. */
export const expiryCommandId = (holdId: string): string => `expire:${holdId}`;
