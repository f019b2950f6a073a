/**
 * Events of the account aggregate. These are the system of record: amounts are decimal strings,
 * every movement carries the balance after it, so statements and verification need no arithmetic
 * over floats and no other source.
 */
export type Metadata = Record<string, string>;

export interface AccountOpened {
  type: 'AccountOpened';
  data: {
    accountId: string;
    currency: string;
    overdraftLimit: string;
    ownerId: string | null;
    metadata: Metadata;
  };
}

export type MovementKind = 'deposit' | 'withdrawal' | 'transfer_out' | 'transfer_in';

interface MovementData {
  accountId: string;
  transactionId: string;
  amount: string;
  currency: string;
  balanceAfter: string;
  reference: string | null;
  metadata: Metadata;
}

export interface FundsDeposited {
  type: 'FundsDeposited';
  data: MovementData & { channel: string | null };
}
export interface FundsWithdrawn {
  type: 'FundsWithdrawn';
  data: MovementData & { channel: string | null };
}
export interface TransferDebited {
  type: 'TransferDebited';
  data: MovementData & { counterpartyAccountId: string };
}
export interface TransferCredited {
  type: 'TransferCredited';
  data: MovementData & { counterpartyAccountId: string };
}
export interface AccountFrozen {
  type: 'AccountFrozen';
  data: { accountId: string; reason: string | null };
}
export interface AccountUnfrozen {
  type: 'AccountUnfrozen';
  data: { accountId: string; reason: string | null };
}
export interface AccountClosed {
  type: 'AccountClosed';
  data: { accountId: string; reason: string | null };
}

export type AccountEvent =
  | AccountOpened
  | FundsDeposited
  | FundsWithdrawn
  | TransferDebited
  | TransferCredited
  | AccountFrozen
  | AccountUnfrozen
  | AccountClosed;

export type AccountEventType = AccountEvent['type'];

export const ACCOUNT_EVENT_TYPES: readonly AccountEventType[] = [
  'AccountOpened',
  'FundsDeposited',
  'FundsWithdrawn',
  'TransferDebited',
  'TransferCredited',
  'AccountFrozen',
  'AccountUnfrozen',
  'AccountClosed',
];

export type MovementEvent = FundsDeposited | FundsWithdrawn | TransferDebited | TransferCredited;

export function isMovement(e: AccountEvent): e is MovementEvent {
  return e.type === 'FundsDeposited' || e.type === 'FundsWithdrawn' || e.type === 'TransferDebited' || e.type === 'TransferCredited';
}

export function movementKind(e: MovementEvent): MovementKind {
  switch (e.type) {
    case 'FundsDeposited':
      return 'deposit';
    case 'FundsWithdrawn':
      return 'withdrawal';
    case 'TransferDebited':
      return 'transfer_out';
    case 'TransferCredited':
      return 'transfer_in';
    default: {
      const never: never = e;
      return never;
    }
  }
}
