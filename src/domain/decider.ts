import type { AccountCommand, AccountEvent, AccountState } from './account/index.ts';
import type { AlertCommand, AlertEvent, AlertState } from './alert/index.ts';

/**
 * One shape for every aggregate: `{ initialState, decide, evolve }` plus the names of the commands
 * it decides and the events it evolves on. The engine runs every decider the same way from the
 * registry (src/domain/registry.ts); adding an aggregate is a folder, a line here and a line there.
 */
export interface AggregateStates {
  account: AccountState;
  alert: AlertState;
}
export type AggregateName = keyof AggregateStates;

/** Every command and event of the ledger. */
export type DomainCommand = AccountCommand | AlertCommand;
export type DomainEvent = AccountEvent | AlertEvent;

/** What a decision reads: the current state of any stream of any aggregate, as staged so far in its batch. */
export interface StateView {
  get<K extends AggregateName>(kind: K, streamId: string): AggregateStates[K];
}

/** An event produced by a decision, addressed to its stream. */
export interface Decided<E extends DomainEvent = DomainEvent> {
  streamId: string;
  event: E;
}

/** What comes in with a command besides its state: the clock (never `new Date()` inside decide). */
export interface DecisionContext {
  now: string;
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
}
