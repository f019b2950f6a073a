import type { Metadata } from './events.ts';

/** Commands as the write side receives them. Amounts are strings in plain decimal notation. */
export type AccountCommand =
  | { type: 'OpenAccount'; accountId: string; currency: string; overdraftLimit: string; ownerId: string | null; metadata: Metadata }
  | { type: 'Deposit'; accountId: string; transactionId: string; amount: string; reference: string | null; channel: string | null; metadata: Metadata }
  | { type: 'Withdraw'; accountId: string; transactionId: string; amount: string; reference: string | null; channel: string | null; metadata: Metadata }
  | { type: 'FreezeAccount'; accountId: string; reason: string | null }
  | { type: 'UnfreezeAccount'; accountId: string; reason: string | null }
  | { type: 'CloseAccount'; accountId: string; reason: string | null }
  | TransferCommand;

/** A transfer touches two accounts; it is decided against both states at once. */
export interface TransferCommand {
  type: 'Transfer';
  transactionId: string;
  fromAccountId: string;
  toAccountId: string;
  amount: string;
  reference: string | null;
  metadata: Metadata;
}

export const ACCOUNT_COMMAND_TYPES = ['OpenAccount', 'Deposit', 'Withdraw', 'FreezeAccount', 'UnfreezeAccount', 'CloseAccount', 'Transfer'] as const satisfies readonly AccountCommand['type'][];
