import type { Metadata } from '../account/events.ts';

/**
 * Reverses a transaction (deposit, withdrawal, transfer, captured hold), fully or partly, several
 * times up to its amount: its payee is debited back, its payer credited back.
 */
export interface ReverseTransaction {
  type: 'ReverseTransaction';
  /** The reversal's own transaction id (assigned by the caller). */
  reversalId: string;
  /** The transaction to reverse. */
  transactionId: string;
  /** null: everything not yet reversed. */
  amount: string | null;
  reason: string;
  metadata: Metadata;
}

export type TransactionCommand = ReverseTransaction;
export const TRANSACTION_COMMAND_TYPES = ['ReverseTransaction'] as const satisfies readonly TransactionCommand['type'][];

export const MAX_REASON_LENGTH = 500;
