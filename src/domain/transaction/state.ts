import { assert, unreachable } from '../../assert.ts';
import type { AccountEvent } from '../account/events.ts';
import type { DomainEvent } from '../decider.ts';
import { Dec } from '../money.ts';

export const TRANSACTION_KINDS = ['deposit', 'withdrawal', 'transfer', 'capture'] as const;
export type TransactionKind = (typeof TRANSACTION_KINDS)[number];

/**
 * What a reversal needs of a transaction: who paid (null: the outside), who received (null: the
 * outside), how much, and how much of it is already reversed. Derived from the movement events
 * (no event of its own in the log), keyed by transaction id. Amounts stay strings: a transaction
 * costs a few hundred bytes of memory, not a Decimal pair.
 */
export type TransactionState =
  | { status: 'none' }
  | { status: 'recorded'; id: string; kind: TransactionKind; payer: string | null; payee: string | null; currency: string; amount: string; reversed: string };

export type RecordedTransaction = Exclude<TransactionState, { status: 'none' }>;

export const initialTransactionState = (): TransactionState => ({ status: 'none' });

/** The account events that record or reverse a transaction. */
export const TRANSACTION_SOURCES = ['FundsDeposited', 'FundsWithdrawn', 'TransferDebited', 'HoldCaptureDebited', 'ReversalDebited', 'ReversalCredited'] as const satisfies readonly AccountEvent['type'][];
type Source = Extract<AccountEvent, { type: (typeof TRANSACTION_SOURCES)[number] }>;

function isSource(event: DomainEvent): event is Source {
  return (TRANSACTION_SOURCES as readonly string[]).includes(event.type);
}

/**
 * The transactions an event records or reverses. A transaction is recorded by its payer's event
 * (or its payee's when the payer is the outside). A reversal counts once: on the payee's debit, or
 * on the payer's credit when the original had no payee. Ids are the API's UUIDv7s; should one
 * repeat (a hand-built command), the first transaction keeps it.
 */
export function deriveTransaction(event: DomainEvent, get: (id: string) => TransactionState): Array<[string, TransactionState]> {
  if (!isSource(event)) return [];
  const d = event.data;
  const record = (kind: TransactionKind, payer: string | null, payee: string | null): Array<[string, TransactionState]> =>
    get(d.transactionId).status === 'none' ? [[d.transactionId, { status: 'recorded', id: d.transactionId, kind, payer, payee, currency: d.currency, amount: d.amount, reversed: '0' }]] : [];
  switch (event.type) {
    case 'FundsDeposited':
      return record('deposit', null, d.accountId);
    case 'FundsWithdrawn':
      return record('withdrawal', d.accountId, null);
    case 'TransferDebited':
      return record('transfer', d.accountId, event.data.counterpartyAccountId);
    case 'HoldCaptureDebited':
      return record('capture', d.accountId, event.data.counterpartyAccountId);
    case 'ReversalDebited':
    case 'ReversalCredited': {
      const original = get(event.data.reversalOf);
      assert(original.status === 'recorded', () => `${event.type} reverses unknown transaction ${event.data.reversalOf}`);
      if (event.type === 'ReversalCredited' && original.payee !== null) return [];
      const reversed = new Dec(original.reversed).plus(d.amount);
      assert(reversed.lte(original.amount), () => `transaction ${original.id} reversed beyond its amount`);
      return [[original.id, { ...original, reversed: reversed.toFixed() }]];
    }
    default:
      return unreachable(event, 'transaction source');
  }
}

type Encoded = [id: string, kind: TransactionKind, payer: string | null, payee: string | null, currency: string, amount: string, reversed: string];

export function encodeTransaction(state: TransactionState): Encoded {
  assert(state.status === 'recorded', 'only recorded transactions are snapshotted');
  return [state.id, state.kind, state.payer, state.payee, state.currency, state.amount, state.reversed];
}

export function decodeTransaction(json: unknown): TransactionState {
  assert(Array.isArray(json) && json.length === 7 && (TRANSACTION_KINDS as readonly unknown[]).includes(json[1]), 'a transaction in a snapshot is a 7-tuple');
  const [id, kind, payer, payee, currency, amount, reversed] = json as Encoded;
  return { status: 'recorded', id, kind, payer, payee, currency, amount, reversed };
}
