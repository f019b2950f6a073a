import type { balances, journalEntries, transactions } from '../../db/schema.ts';
import type { AccountEvent } from '../../domain/account/events.ts';
import { movementKind } from '../../domain/account/events.ts';
import { Dec } from '../../domain/money.ts';
import type { StoredEvent } from '../../log/envelope.ts';
import type { JournalKind } from './tables.ts';

type BalanceRow = typeof balances.$inferInsert;
type TxKind = (typeof transactions.$inferInsert)['kind'];

/** What one batch writes to balances, journal and transactions, gathered in memory. */
export interface LedgerRows {
  latestBalance: Map<string, BalanceRow>;
  journal: (typeof journalEntries.$inferInsert)[];
  txRows: Map<string, typeof transactions.$inferInsert>;
}

export type PostingEvent = Extract<
  AccountEvent,
  { type: 'FundsDeposited' | 'FundsWithdrawn' | 'TransferDebited' | 'TransferCredited' | 'HoldCaptureDebited' | 'HoldCaptureCredited' | 'ReversalDebited' | 'ReversalCredited' }
>;

interface Posting {
  kind: JournalKind;
  credit: boolean;
  counterparty: string | null;
  /** The transaction's payer and payee (null: outside the ledger). */
  from: string | null;
  to: string | null;
  txKind: TxKind;
  channel: string | null;
  holdId: string | null;
  reversalOf: string | null;
  /** The held total after the event, when it says. */
  heldAfter: string | null;
}

function postingOf(event: PostingEvent): Posting {
  const d = event.data;
  const base = { channel: null, holdId: null, reversalOf: null, heldAfter: null };
  switch (event.type) {
    case 'FundsDeposited':
    case 'FundsWithdrawn':
    case 'TransferDebited':
    case 'TransferCredited': {
      const kind = movementKind(event);
      const credit = kind === 'deposit' || kind === 'transfer_in';
      const cp = 'counterpartyAccountId' in event.data ? event.data.counterpartyAccountId : null;
      const channel = 'channel' in event.data ? event.data.channel : null;
      const txKind: TxKind = cp !== null ? 'transfer' : kind === 'deposit' ? 'deposit' : 'withdrawal';
      return { ...base, kind, credit, counterparty: cp, from: credit ? cp : d.accountId, to: credit ? d.accountId : cp, txKind, channel };
    }
    case 'HoldCaptureDebited':
      return { ...base, kind: 'hold_capture_out', credit: false, counterparty: event.data.counterpartyAccountId, from: d.accountId, to: event.data.counterpartyAccountId, txKind: 'hold_capture', holdId: event.data.holdId, heldAfter: event.data.heldAfter };
    case 'HoldCaptureCredited':
      return { ...base, kind: 'hold_capture_in', credit: true, counterparty: event.data.counterpartyAccountId, from: event.data.counterpartyAccountId, to: d.accountId, txKind: 'hold_capture', holdId: event.data.holdId };
    case 'ReversalDebited':
      return { ...base, kind: 'reversal_out', credit: false, counterparty: event.data.counterpartyAccountId, from: d.accountId, to: event.data.counterpartyAccountId, txKind: 'reversal', reversalOf: event.data.reversalOf };
    case 'ReversalCredited':
      return { ...base, kind: 'reversal_in', credit: true, counterparty: event.data.counterpartyAccountId, from: event.data.counterpartyAccountId, to: d.accountId, txKind: 'reversal', reversalOf: event.data.reversalOf };
    default: {
      const never: never = event;
      return never;
    }
  }
}

/** The balance row after a movement; the held total from the event if it says, else as this batch knew it (null: as stored). */
function balanceAfter(rows: LedgerRows, stored: StoredEvent, accountId: string, currency: string, balance: string, heldAfter: string | null): void {
  const prevHeld = rows.latestBalance.get(accountId)?.held ?? null;
  rows.latestBalance.set(accountId, {
    accountId,
    currency,
    balance: new Dec(balance),
    held: heldAfter !== null ? new Dec(heldAfter) : (prevHeld as Dec | null),
    version: stored.streamVersion,
    lastPosition: stored.position,
    updatedAt: stored.occurredAt,
  });
}

/** A movement's journal line, balance and (first leg only) transaction row. */
export function addPosting(rows: LedgerRows, stored: StoredEvent, event: PostingEvent): void {
  const d = event.data;
  const p = postingOf(event);
  const amount = new Dec(d.amount);
  rows.journal.push({
    eventId: stored.eventId,
    partition: stored.partition,
    position: stored.position,
    accountId: d.accountId,
    transactionId: d.transactionId,
    kind: p.kind,
    amount: p.credit ? amount : amount.neg(),
    currency: d.currency,
    balanceAfter: new Dec(d.balanceAfter),
    counterpartyAccountId: p.counterparty,
    reference: d.reference,
    occurredAt: stored.occurredAt,
    streamVersion: stored.streamVersion,
  });
  balanceAfter(rows, stored, d.accountId, d.currency, d.balanceAfter, p.heldAfter);
  if (rows.txRows.has(d.transactionId)) return;
  rows.txRows.set(d.transactionId, {
    id: d.transactionId,
    kind: p.txKind,
    fromAccountId: p.from,
    toAccountId: p.to,
    amount,
    currency: d.currency,
    reference: d.reference,
    channel: p.channel,
    reversalOf: p.reversalOf,
    holdId: p.holdId,
    metadata: d.metadata,
    commandId: stored.metadata.commandId,
    actor: stored.metadata.actor,
    partition: stored.partition,
    position: stored.position,
    occurredAt: stored.occurredAt,
  });
}
