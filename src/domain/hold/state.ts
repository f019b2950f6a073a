import { assert, unreachable } from '../../assert.ts';
import { Dec } from '../money.ts';
import type { HoldEvent } from './events.ts';

export const HOLD_STATUSES = ['active', 'captured', 'voided', 'expired'] as const;
/** active: something remains to capture; captured: all of it was; voided/expired: the rest was released. */
export type HoldStatus = (typeof HOLD_STATUSES)[number];

export type HoldState =
  | { status: 'none' }
  | {
      status: HoldStatus;
      id: string;
      accountId: string;
      counterpartyAccountId: string | null;
      currency: string;
      amount: Dec;
      captured: Dec;
      expiresAt: string | null;
    };

export type ExistingHold = Exclude<HoldState, { status: 'none' }>;

export const initialHoldState = (): HoldState => ({ status: 'none' });

/** What is still held: the amount less what was captured (zero once the hold is finished). */
export function remainingOf(hold: ExistingHold): Dec {
  return hold.status === 'active' ? hold.amount.minus(hold.captured) : new Dec(0);
}

function active(state: HoldState, event: HoldEvent): ExistingHold {
  assert(state.status === 'active', () => `${event.type} on hold ${event.data.holdId}, which is ${state.status}`);
  return state;
}

export function evolveHold(state: HoldState, event: HoldEvent): HoldState {
  switch (event.type) {
    case 'HoldPlaced': {
      assert(state.status === 'none', () => `hold ${event.data.holdId} placed twice`);
      const { holdId, accountId, counterpartyAccountId, currency, amount, expiresAt } = event.data;
      return { status: 'active', id: holdId, accountId, counterpartyAccountId, currency, amount: new Dec(amount), captured: new Dec(0), expiresAt };
    }
    case 'HoldCaptured': {
      const hold = active(state, event);
      const captured = new Dec(event.data.capturedAfter);
      assert(captured.lte(hold.amount) && captured.gt(hold.captured), () => `hold ${hold.id} captured to ${event.data.capturedAfter} of ${hold.amount.toFixed()}`);
      return { ...hold, captured, status: captured.eq(hold.amount) ? 'captured' : 'active' };
    }
    case 'HoldVoided':
      return { ...active(state, event), status: 'voided' };
    case 'HoldExpired':
      return { ...active(state, event), status: 'expired' };
    default:
      return unreachable(event, 'hold event');
  }
}

/** When the engine must expire the hold: an active hold's deadline, else never. */
export const holdDueAt = (state: HoldState): string | null => (state.status === 'active' ? state.expiresAt : null);

type EncodedHold = [id: string, status: HoldStatus, accountId: string, counterpartyAccountId: string | null, currency: string, amount: string, captured: string, expiresAt: string | null];

export function encodeHold(state: HoldState): EncodedHold {
  assert(state.status !== 'none', 'only placed holds are snapshotted');
  return [state.id, state.status, state.accountId, state.counterpartyAccountId, state.currency, state.amount.toFixed(), state.captured.toFixed(), state.expiresAt];
}

export function decodeHold(json: unknown): HoldState {
  assert(Array.isArray(json) && json.length === 8 && (HOLD_STATUSES as readonly unknown[]).includes(json[1]), 'a hold in a snapshot is an 8-tuple');
  const [id, status, accountId, counterpartyAccountId, currency, amount, captured, expiresAt] = json as EncodedHold;
  return { id, status, accountId, counterpartyAccountId, currency, amount: new Dec(amount), captured: new Dec(captured), expiresAt };
}
