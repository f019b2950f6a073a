import type { AccountCommand, AccountEvent, AccountState } from './account/index.ts';
import type { AlertCommand, AlertEvent, AlertState } from './alert/index.ts';
import type { BatchCommand, BatchEvent, BatchState } from './batch/index.ts';
import type { CaseCommand, CaseEvent, CaseState } from './case/index.ts';
import type { HoldCommand, HoldEvent, HoldState } from './hold/index.ts';
import type { RefusalEvent, RefusalState } from './refusal/index.ts';
import type { TransactionCommand, TransactionState } from './transaction/index.ts';

/**
 * One shape for every aggregate: `{ initialState, decide, evolve }` plus the names of the commands
 * it decides and the events it evolves on. The engine runs every decider the same way from the
 * registry (src/domain/registry.ts); adding an aggregate is a folder, a line here and a line there.
 */
export interface AggregateStates {
  account: AccountState;
  alert: AlertState;
  hold: HoldState;
  transaction: TransactionState;
  batch: BatchState;
  case: CaseState;
  refusal: RefusalState;
}
export type AggregateName = keyof AggregateStates;

/** Every command and event of the ledger. */
export type DomainCommand = AccountCommand | AlertCommand | HoldCommand | TransactionCommand | BatchCommand | CaseCommand;
export type DomainEvent = AccountEvent | AlertEvent | HoldEvent | BatchEvent | CaseEvent | RefusalEvent;

/** What a decision reads: the current state of any stream of any aggregate, as staged so far in its batch. */
export interface StateView {
  get<K extends AggregateName>(kind: K, streamId: string): AggregateStates[K];
}

/** An event produced by a decision, addressed to its stream. */
export interface Decided<E extends DomainEvent = DomainEvent> {
  streamId: string;
  event: E;
}

/** A view over another that decisions are staged into: how a composite command decides its parts in sequence. */
export interface Staging {
  readonly view: StateView;
  stage(decided: readonly Decided[]): void;
}

/**
 * What comes in with a command besides its state: the clock (never `new Date()` inside decide),
 * and the registry's own pure functions, for a command made of other commands (a batch).
 */
export interface DecisionContext {
  now: string;
  /** The registry's decision for another command (throws its DomainError). */
  decide(command: DomainCommand, view: StateView): Decided[];
  /** A fresh staging area over `view`: what is staged there is seen through its view, and nowhere else. */
  overlay(view: StateView): Staging;
}

/** A deadline on an aggregate's streams: when it passes, the engine itself submits `command` under `commandId` (exactly once). */
export interface Timeout<K extends AggregateName, C extends DomainCommand> {
  dueAt(state: AggregateStates[K]): string | null;
  command(streamId: string, state: AggregateStates[K]): C;
  commandId(streamId: string): string;
}

/**
 * A state derived from other aggregates' events rather than from events of its own (the transaction
 * index reversals read): the stream ids and new states an event gives, given the current ones.
 */
export interface Derivation<K extends AggregateName> {
  readonly from: readonly DomainEvent['type'][];
  derive(event: DomainEvent, get: (streamId: string) => AggregateStates[K]): Array<[streamId: string, state: AggregateStates[K]]>;
}

export interface Decider<K extends AggregateName, C extends DomainCommand, E extends DomainEvent> {
  readonly name: K;
  readonly commandTypes: readonly C['type'][];
  readonly eventTypes: readonly E['type'][];
  initialState(): AggregateStates[K];
  /** Pure: the events the command produces (for its own streams or others'), or a DomainError. */
  decide(command: C, view: StateView, ctx: DecisionContext): Decided[];
  /** Pure: the state after an event. Asserts what must never happen (an event the state cannot take). */
  evolve(state: AggregateStates[K], event: E): AggregateStates[K];
  /** State ⇄ JSON, for engine snapshots. */
  encode(state: AggregateStates[K]): unknown;
  decode(json: unknown): AggregateStates[K];
  readonly timeout?: Timeout<K, C>;
  readonly derived?: Derivation<K>;
}
