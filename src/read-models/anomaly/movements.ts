import type { AccountEvent, MovementEvent } from '../../domain/account/events.ts';
import { isMovement } from '../../domain/account/events.ts';

/**
 * The movements the fraud rules see. A hold's capture is money really leaving the account (to its
 * counterparty, or out of the ledger): it counts, as the transfer or withdrawal it amounts to, or
 * placing a hold and capturing it would pass every rule by. A reversal does not count: it undoes a
 * movement the rules already saw, and counting it would raise large-transaction and pass-through
 * alerts on every correction. Holds placed, voided or expired move no money.
 */
export function fraudMovement(event: AccountEvent): MovementEvent | null {
  if (isMovement(event)) return event;
  switch (event.type) {
    case 'HoldCaptureDebited': {
      const { holdId: _h, heldAfter: _held, counterpartyAccountId, ...data } = event.data;
      return counterpartyAccountId !== null ? { type: 'TransferDebited', data: { ...data, counterpartyAccountId } } : { type: 'FundsWithdrawn', data: { ...data, channel: null } };
    }
    case 'HoldCaptureCredited': {
      const { holdId: _h, ...data } = event.data;
      return { type: 'TransferCredited', data };
    }
    default:
      return null;
  }
}
