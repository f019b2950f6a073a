import { assert } from '../assert.ts';
import { accountDecider } from './account/index.ts';
import { alertDecider } from './alert/index.ts';
import type { AggregateName, AggregateStates, Decider, DomainCommand, DomainEvent } from './decider.ts';

// Each decider is typed for its own commands and events; the registry runs them over the unions,
// having routed each command and event to the decider that names its type.
type AnyDecider = Decider<AggregateName, DomainCommand, DomainEvent>;

/** Every aggregate of the ledger, in one list the engine iterates. */
export const DECIDERS: readonly AnyDecider[] = [accountDecider, alertDecider];

const byCommand = new Map<string, AnyDecider>();
const byEvent = new Map<string, AnyDecider>();
for (const d of DECIDERS) {
  for (const t of d.commandTypes) {
    assert(!byCommand.has(t), `command type ${t} belongs to two aggregates`);
    byCommand.set(t, d);
  }
  for (const t of d.eventTypes) {
    assert(!byEvent.has(t), `event type ${t} belongs to two aggregates`);
    byEvent.set(t, d);
  }
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

export function aggregateOfEvent(type: string): AggregateName {
  return deciderForEvent(type).name;
}

export function isEventType(type: string): type is DomainEvent['type'] {
  return byEvent.has(type);
}

export type { AggregateName, AggregateStates, DomainCommand, DomainEvent };
