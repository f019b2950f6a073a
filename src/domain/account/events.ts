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

/** Funds reserved by a hold (its own stream has HoldPlaced): the account's held total goes up. */
export interface FundsHeld {
  type: 'FundsHeld';
  data: { accountId: string; holdId: string; amount: string; currency: string; heldAfter: string };
}
/** What remained of a hold, released by a void or its expiry: the held total goes down, the balance stays. */
export interface HoldReleased {
  type: 'HoldReleased';
  data: { accountId: string; holdId: string; amount: string; currency: string; heldAfter: string; reason: 'voided' | 'expired' };
}
/** A capture of held funds leaves the account: balance and held total both go down (available stays). */
export interface HoldCaptureDebited {
  type: 'HoldCaptureDebited';
  data: MovementData & { holdId: string; heldAfter: string; counterpartyAccountId: string | null };
}
/** The counterparty of a captured hold receives the captured amount. */
export interface HoldCaptureCredited {
  type: 'HoldCaptureCredited';
  data: MovementData & { holdId: string; counterpartyAccountId: string };
}
/**
 * A reversal's compensating movements, linked to the original transaction by `reversalOf`; their own
 * `transactionId` is the reversal's. The payee of the original is debited back, its payer credited back.
 */
export interface ReversalDebited {
  type: 'ReversalDebited';
  data: MovementData & { reversalOf: string; counterpartyAccountId: string | null; reason: string };
}
export interface ReversalCredited {
  type: 'ReversalCredited';
  data: MovementData & { reversalOf: string; counterpartyAccountId: string | null; reason: string };
}

/**
 * The account events the read side projects today. Holds and reversals (BankingAccountEvent) reach
 * it in the second phase of issue 12; until then no route produces them.
 */
export type CoreAccountEvent =
  | AccountOpened
  | FundsDeposited
  | FundsWithdrawn
  | TransferDebited
  | TransferCredited
  | AccountFrozen
  | AccountUnfrozen
  | AccountClosed;

export type BankingAccountEvent = FundsHeld | HoldReleased | HoldCaptureDebited | HoldCaptureCredited | ReversalDebited | ReversalCredited;

/** Every event of an account's stream. */
export type AccountEvent = CoreAccountEvent | BankingAccountEvent;

export type AccountEventType = AccountEvent['type'];

export const CORE_ACCOUNT_EVENT_TYPES: readonly CoreAccountEvent['type'][] = [
  'AccountOpened',
  'FundsDeposited',
  'FundsWithdrawn',
  'TransferDebited',
  'TransferCredited',
  'AccountFrozen',
  'AccountUnfrozen',
  'AccountClosed',
];

export const ACCOUNT_EVENT_TYPES: readonly AccountEventType[] = [
  ...CORE_ACCOUNT_EVENT_TYPES,
  'FundsHeld',
  'HoldReleased',
  'HoldCaptureDebited',
  'HoldCaptureCredited',
  'ReversalDebited',
  'ReversalCredited',
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
