import { expect } from 'vitest';
import type { AggregateName, AggregateStates, Decided, DomainCommand, DomainEvent, StateView } from '../../src/domain/decider.ts';
import { DomainError } from '../../src/domain/errors.ts';
import { aggregateOfEvent, decisionContext, deciderForCommand, evolveDecided, initialStateOf } from '../../src/domain/registry.ts';

/** The stream an event belongs to, when a spec gives a bare event: its hold, batch, account or alert. */
function streamOf(event: DomainEvent): string {
  const data = event.data as { accountId?: string; alertId?: string; holdId?: string; batchId?: string; caseId?: string };
  const kind = aggregateOfEvent(event.type);
  const id = kind === 'hold' ? data.holdId : kind === 'batch' ? data.batchId : kind === 'case' ? data.caseId : kind === 'alert' ? data.alertId : data.accountId;
  if (!id) throw new Error(`give ${event.type} as { streamId, event }`);
  return id;
}

/** States built by evolving a history through the registry (derived states, such as transactions, included). */
export function stateViewOf(history: ReadonlyArray<DomainEvent | Decided>): StateView {
  const states = new Map<string, AggregateStates[AggregateName]>();
  const get = (kind: AggregateName, id: string) => states.get(`${kind}:${id}`) ?? initialStateOf(kind);
  for (const item of history) {
    const decided = 'event' in item ? item : { streamId: streamOf(item), event: item };
    evolveDecided({ get, set: (kind, id, state) => void states.set(`${kind}:${id}`, state) }, decided);
  }
  return { get: <K extends AggregateName>(kind: K, id: string) => get(kind, id) as AggregateStates[K] };
}

/**
 * given(events).when(command).then(events) / .thenThrows(code, field?): a decider spec for any
 * aggregate of the registry. Events are bare (their stream is their account or alert) or
 * `{ streamId, event }`.
 */
export function given(...history: ReadonlyArray<DomainEvent | Decided>) {
  const view = stateViewOf(history);
  return {
    when(command: DomainCommand, now = '2026-01-01T00:00:00.000Z') {
      const run = (): Decided[] => deciderForCommand(command.type).decide(command, view, decisionContext(now));
      return {
        decided: run,
        then: (...expected: DomainEvent[]) => expect(run().map((d) => d.event)).toEqual(expected),
        /** The events with their streams, for commands that write to several aggregates. */
        thenDecided: (...expected: Decided[]) => expect(run()).toEqual(expected),
        thenThrows: (code: string, field?: string) => {
          let thrown: unknown = null;
          try {
            run();
          } catch (e) {
            thrown = e;
          }
          expect(thrown, `expected ${code}`).toBeInstanceOf(DomainError);
          expect((thrown as DomainError).code).toBe(code);
          if (field) expect((thrown as DomainError).field).toBe(field);
        },
      };
    },
  };
}
