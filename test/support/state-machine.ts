import { type CommandContext, LedgerStateMachine, type Outcome, type Submitted } from '../../src/engine/state-machine.ts';
import type { DomainCommand } from '../../src/domain/decider.ts';
import type { StoredEvent } from '../../src/log/envelope.ts';

export type Machine = LedgerStateMachine;

/** A state machine with deterministic event ids, for unit tests without a log. */
export function newMachine(partitions = 1, idempotencyMemory?: number): Machine {
  let n = 0;
  return new LedgerStateMachine({ partitions, newId: () => `evt-${String(++n).padStart(8, '0')}`, ...(idempotencyMemory ? { idempotencyMemory } : {}) });
}

let commands = 0;

/** The envelope metadata of a test command; a fresh command id unless a key is given. */
export function ctx(key?: string, body: string = key ?? ''): CommandContext {
  return {
    commandId: key ?? `cmd-${++commands}`,
    requestHash: `hash-of-${body}`,
    correlationId: 'test',
    causationId: null,
    actor: 'key:test',
    actorRole: 'admin',
    origin: { ip: null, userAgent: null, requestId: null },
  };
}

/** What a log would do with a prepared batch: store its events at the next positions of their partitions. */
export function store(machine: Machine, events: ReadonlyArray<Omit<StoredEvent, 'position'>>): StoredEvent[] {
  const next = new Map<number, number>();
  return events.map((e) => {
    const position = (next.get(e.partition) ?? machine.position(e.partition)) + 1;
    next.set(e.partition, position);
    return { ...e, position } as StoredEvent;
  });
}

/**
 * Prepares and commits one batch as a log that always succeeds would; returns the outcomes, the
 * stored events per accepted command, and every event the batch appended (refusals' too).
 */
export function runBatch(machine: Machine, batch: readonly Submitted[], now = '2026-01-01T00:00:00.000Z'): { outcomes: readonly Outcome[]; stored: Array<StoredEvent[] | null>; appended: StoredEvent[] } {
  const prepared = machine.prepare(batch, now);
  const appended = store(machine, prepared.events);
  const stored = machine.commit(prepared, appended);
  return { outcomes: prepared.outcomes, stored, appended };
}

/** One command in a batch of its own. */
export function run(machine: Machine, command: DomainCommand, context: CommandContext = ctx()): Outcome {
  return runBatch(machine, [{ command, ctx: context }]).outcomes[0]!;
}
