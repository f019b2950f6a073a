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
 *
 * Retention: every transaction of the log stays in the engine's memory for good (unbounded, unlike
 * the idempotency index), ~220 bytes each as measured (`bench/idempotency.ts`: 2.3 GiB of heap at 10M
 * transactions; more with 36-character ids and distinct amounts). Bounding it means looking older
 * ones up in the ledger read model's `transactions` table per batch, as the idempotency index does:
 * see BENCHMARKS.md, "Engine memory at 1M and 10M commands".
 */
export type TransactionState =
  | { status: 'none' }
  | { status: 'recorded'; id: string; kind: TransactionKind; payer: string | null; payee: string | null; currency: string; amount: string; reversed: string }
  /**
   * Reversed but not recorded yet: only while a log of several partitions is replayed partition by
   * partition (a reversal's events may sit in an earlier partition than the original's). The
   * original, read later, completes it; deciding never sees this state once the log is read.
   */
  | { status: 'reversed_first'; id: string; reversed: string };

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
 * on the payer's credit when the original had no payee (its counterparty is then null), so the
 * result does not depend on the order partitions are read in. Ids are the API's UUIDv7s; should
 * one repeat (a hand-built command), the first transaction keeps it.
 */
export function deriveTransaction(event: DomainEvent, get: (id: string) => TransactionState): Array<[string, TransactionState]> {
  if (!isSource(event)) return [];
  const d = event.data;
  switch (event.type) {
    case 'FundsDeposited':
      return record(d, get, 'deposit', null, d.accountId);
    case 'FundsWithdrawn':
      return record(d, get, 'withdrawal', d.accountId, null);
    case 'TransferDebited':
      return record(d, get, 'transfer', d.accountId, event.data.counterpartyAccountId);
    case 'HoldCaptureDebited':
      return record(d, get, 'capture', d.accountId, event.data.counterpartyAccountId);
    case 'ReversalDebited':
    case 'ReversalCredited': {
      if (event.type === 'ReversalCredited' && event.data.counterpartyAccountId !== null) return [];
      const id = event.data.reversalOf;
      const original = get(id);
      const reversed = new Dec(original.status === 'none' ? 0 : original.reversed).plus(d.amount).toFixed();
      if (original.status !== 'recorded') return [[id, { status: 'reversed_first', id, reversed }]];
      assert(new Dec(reversed).lte(original.amount), () => `transaction ${id} reversed beyond its amount`);
      return [[id, { ...original, reversed }]];
    }
    default:
      return unreachable(event, 'transaction source');
  }
}

/** The transaction a movement records, unless its id is recorded already (the first keeps it). */
function record(d: Source['data'], get: (id: string) => TransactionState, kind: TransactionKind, payer: string | null, payee: string | null): Array<[string, TransactionState]> {
  const before = get(d.transactionId);
  if (before.status === 'recorded') return [];
  const reversed = before.status === 'reversed_first' ? before.reversed : '0';
  // Nothing reversed yet (every new movement) needs no Decimal: amounts are positive.
  assert(reversed === '0' || new Dec(reversed).lte(d.amount), () => `transaction ${d.transactionId} reversed beyond its amount`);
  return [[d.transactionId, { status: 'recorded', id: d.transactionId, kind, payer, payee, currency: d.currency, amount: d.amount, reversed }]];
}

type Encoded = [id: string, kind: TransactionKind, payer: string | null, payee: string | null, currency: string, amount: string, reversed: string] | [id: string, reversed: string];

export function encodeTransaction(state: TransactionState): Encoded {
  assert(state.status !== 'none', 'only recorded transactions are snapshotted');
  if (state.status === 'reversed_first') return [state.id, state.reversed];
  return [state.id, state.kind, state.payer, state.payee, state.currency, state.amount, state.reversed];
}

export function decodeTransaction(json: unknown): TransactionState {
  assert(Array.isArray(json), 'a transaction in a snapshot is a tuple');
  if (json.length === 2) return { status: 'reversed_first', id: String(json[0]), reversed: String(json[1]) };
  assert(json.length === 7 && (TRANSACTION_KINDS as readonly unknown[]).includes(json[1]), 'a transaction in a snapshot is a 7-tuple');
  const [id, kind, payer, payee, currency, amount, reversed] = json as Extract<Encoded, { length: 7 }>;
  return { status: 'recorded', id, kind, payer, payee, currency, amount, reversed };
}
