import { assert } from '../../assert.ts';
import { Dec } from '../../domain/money.ts';
import type { StoredEvent } from '../../log/envelope.ts';
import { type GlAccount, type Side, customerAccount, settlementAccount, systemAccount } from './chart.ts';

/** One line of a journal entry: an amount (positive) on one side of one GL account. */
export interface Posting {
  account: GlAccount;
  side: Side;
  amount: Dec;
  currency: string;
}

/** The postings of one event, with what traces them back to the log. */
export interface JournalEntry {
  eventId: string;
  eventType: string;
  transactionId: string;
  partition: number;
  position: number;
  occurredAt: string;
  postings: Posting[];
}

const pair = (debit: GlAccount, credit: GlAccount, amount: string, currency: string): Posting[] => {
  const value = new Dec(amount);
  return [
    { account: debit, side: 'debit', amount: value, currency },
    { account: credit, side: 'credit', amount: value, currency },
  ];
};

/**
 * The posting rules: the balanced postings an event projects into (none for events that move no money).
 *
 *   FundsDeposited    Dr settlement(channel)  Cr customer
 *   FundsWithdrawn    Dr customer             Cr settlement(channel)
 *   TransferDebited   Dr payer                Cr transit
 *   TransferCredited  Dr transit              Cr payee
 *   HoldCaptureDebited / ReversalDebited    Dr customer  Cr transit (to a counterparty) or suspense (out of the bank)
 *   HoldCaptureCredited / ReversalCredited  Dr transit (from a counterparty) or suspense  Cr customer
 *   holds placed, released, voided, expired: nothing (a reservation moves no money)
 *
 * A transfer is Dr payer / Cr payee; its two halves are separate events (in separate partitions when
 * the accounts are), so each half balances on its own through `transit`, which is zero once both are posted.
 * Pure: the projection and the property tests run the same function.
 */
export function postingsOf(event: StoredEvent): JournalEntry | null {
  const lines = linesOf(event);
  if (lines === null) return null;
  assert(isBalanced(lines), `postings of ${event.eventId} do not balance`);
  const data = event.data as { transactionId: string };
  return { eventId: event.eventId, eventType: event.type, transactionId: data.transactionId, partition: event.partition, position: event.position, occurredAt: event.occurredAt, postings: lines };
}

function linesOf(event: StoredEvent): Posting[] | null {
  switch (event.type) {
    case 'FundsDeposited': {
      const d = event.data;
      return pair(settlementAccount(d.channel, d.currency), customerAccount(d.accountId, d.currency), d.amount, d.currency);
    }
    case 'FundsWithdrawn': {
      const d = event.data;
      return pair(customerAccount(d.accountId, d.currency), settlementAccount(d.channel, d.currency), d.amount, d.currency);
    }
    case 'TransferDebited': {
      const d = event.data;
      return pair(customerAccount(d.accountId, d.currency), systemAccount('transit', d.currency), d.amount, d.currency);
    }
    case 'TransferCredited': {
      const d = event.data;
      return pair(systemAccount('transit', d.currency), customerAccount(d.accountId, d.currency), d.amount, d.currency);
    }
    case 'HoldCaptureDebited':
    case 'ReversalDebited': {
      // Money leaves the customer: to the counterparty through transit, or out of the bank through suspense (no channel is known).
      const d = event.data;
      return pair(customerAccount(d.accountId, d.currency), d.counterpartyAccountId ? systemAccount('transit', d.currency) : settlementAccount(null, d.currency), d.amount, d.currency);
    }
    case 'HoldCaptureCredited':
    case 'ReversalCredited': {
      const d = event.data;
      return pair(d.counterpartyAccountId ? systemAccount('transit', d.currency) : settlementAccount(null, d.currency), customerAccount(d.accountId, d.currency), d.amount, d.currency);
    }
    // A hold reserves money without moving it: the customer's balance (and so its GL account) does not change.
    case 'FundsHeld':
    case 'HoldReleased':
    case 'HoldPlaced':
    case 'HoldCaptured':
    case 'HoldVoided':
    case 'HoldExpired':
    case 'BatchExecuted':
    case 'AccountOpened':
    case 'AccountFrozen':
    case 'AccountUnfrozen':
    case 'AccountClosed':
    case 'AlertStatusChanged':
    case 'AlertRaised':
    case 'CaseOpened':
    case 'CaseAlertsAdded':
    case 'CaseAssigned':
    case 'CaseNoteAdded':
    case 'CaseDueDateSet':
    case 'CaseDecided':
    case 'CaseAccountFrozen':
    case 'CaseAccountUnfrozen':
    case 'CommandRefused':
      return null;
    default: {
      // A new event type must say how it posts (holds: Dr customer / Cr holds; reversals: the mirror of the original).
      const never: never = event;
      throw new Error(`no posting rule for ${(never as { type: string }).type}`);
    }
  }
}

/** Debits equal credits in every currency. */
export function isBalanced(postings: readonly Posting[]): boolean {
  const net = new Map<string, Dec>();
  for (const p of postings) net.set(p.currency, (net.get(p.currency) ?? new Dec(0)).plus(p.side === 'debit' ? p.amount : p.amount.neg()));
  return [...net.values()].every((v) => v.isZero());
}
