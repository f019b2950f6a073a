import { assert } from '../assert.ts';
import { accountDecider } from './account/index.ts';
import { alertDecider } from './alert/index.ts';
import { batchDecider } from './batch/index.ts';
import { caseDecider } from './case/index.ts';
import type { AggregateName, AggregateStates, Decided, Decider, DecisionContext, DomainCommand, DomainEvent, StateView, Staging } from './decider.ts';
import { holdDecider } from './hold/index.ts';
import { refusalDecider } from './refusal/index.ts';
import { transactionDecider } from './transaction/index.ts';

// Each decider is typed for its own commands and events; the registry runs them over the unions,
// having routed each command and event to the decider that names its type.
export type AnyDecider = Decider<AggregateName, DomainCommand, DomainEvent>;

/** Every aggregate of the ledger, in one list the engine iterates. */
export const DECIDERS: readonly AnyDecider[] = [accountDecider, alertDecider, holdDecider, transactionDecider, batchDecider, caseDecider, refusalDecider];

const byName = new Map<AggregateName, AnyDecider>();
const byCommand = new Map<string, AnyDecider>();
const byEvent = new Map<string, AnyDecider>();
const derivedFrom = new Map<string, AnyDecider[]>();
for (const d of DECIDERS) {
  assert(!byName.has(d.name), `aggregate ${d.name} registered twice`);
  byName.set(d.name, d);
  for (const t of d.commandTypes) {
    assert(!byCommand.has(t), `command type ${t} belongs to two aggregates`);
    byCommand.set(t, d);
  }
  for (const t of d.eventTypes) {
    assert(!byEvent.has(t), `event type ${t} belongs to two aggregates`);
    byEvent.set(t, d);
  }
  for (const t of d.derived?.from ?? []) derivedFrom.set(t, [...(derivedFrom.get(t) ?? []), d]);
}

export function deciderNamed(name: AggregateName): AnyDecider {
  const d = byName.get(name);
  assert(d, `no aggregate ${name}`);
  return d;
}

export function initialStateOf<K extends AggregateName>(kind: K): AggregateStates[K] {
  return deciderNamed(kind).initialState() as AggregateStates[K];
}

export function deciderForCommand(type: DomainCommand['type']): AnyDecider {
  const d = byCommand.get(type);
  assert(d, `no aggregate decides ${type}`);
  return d;
}

export function deciderForEvent(type: string): AnyDecider {
  const d = byEvent.get(type);
  assert(d, `no aggregate evolves on ${type}`);
  return d;
}

/** The aggregates that derive state from events of this type (the transaction index from movements). */
export function derivationsOf(type: string): readonly AnyDecider[] {
  return derivedFrom.get(type) ?? [];
}

export function aggregateOfEvent(type: string): AggregateName {
  return deciderForEvent(type).name;
}

export function isEventType(type: string): type is DomainEvent['type'] {
  return byEvent.has(type);
}

/** Reads and writes of stream states, for evolveDecided: the state machine's staging, or an overlay. */
export interface StateAccess {
  get(kind: AggregateName, streamId: string): AggregateStates[AggregateName];
  /** `own`: the event's own stream (its version moves); otherwise a derived state. */
  set(kind: AggregateName, streamId: string, state: AggregateStates[AggregateName], own: boolean): void;
}

/** Evolves an event into its stream's state and into every state derived from it. */
export function evolveDecided(access: StateAccess, { streamId, event }: Decided): void {
  const decider = deciderForEvent(event.type);
  access.set(decider.name, streamId, decider.evolve(access.get(decider.name, streamId), event), true);
  for (const d of derivationsOf(event.type)) {
    assert(d.derived, () => `${d.name} derives nothing`);
    for (const [id, state] of d.derived.derive(event, (id) => access.get(d.name, id))) access.set(d.name, id, state, false);
  }
}

/** A decision through the registry: the command's decider, with the same context. */
function decideCommand(command: DomainCommand, view: StateView, now: string): Decided[] {
  return deciderForCommand(command.type).decide(command, view, decisionContext(now));
}

/** A staging area over a view, kept apart from it (a batch's items staged one after another). */
function overlay(view: StateView): Staging {
  const local = new Map<string, AggregateStates[AggregateName]>();
  const key = (kind: AggregateName, id: string) => `${kind}\u0000${id}`;
  const get = (kind: AggregateName, id: string) => local.get(key(kind, id)) ?? view.get(kind, id);
  const staged: StateView = { get: <K extends AggregateName>(kind: K, id: string) => get(kind, id) as AggregateStates[K] };
  const access: StateAccess = { get, set: (kind, id, state) => void local.set(key(kind, id), state) };
  return { view: staged, stage: (decided) => decided.forEach((d) => evolveDecided(access, d)) };
}

/** The context every decision gets: the batch's clock and the registry's own pure functions. */
export function decisionContext(now: string): DecisionContext {
  return { now, decide: (command, view) => decideCommand(command, view, now), overlay };
}

export type { AggregateName, AggregateStates, DomainCommand, DomainEvent };
