import { describe, expect, it } from 'vitest';
import { AssertionError } from '../../src/assert.ts';
import type { AccountCommand } from '../../src/domain/account/index.ts';
import { DomainError } from '../../src/domain/errors.ts';
import { AppError } from '../../src/errors.ts';
import type { StoredEvent } from '../../src/log/envelope.ts';
import { type Machine, ctx, newMachine, run, runBatch, store } from '../support/state-machine.ts';

// The engine's core, tested as TigerBeetle tests its state machine: batches in, outcomes and
// events out, no log, no clock, no I/O.

const open = (accountId: string, overdraftLimit = '0'): AccountCommand => ({ type: 'OpenAccount', accountId, currency: 'USD', overdraftLimit, ownerId: null, metadata: {} });
const deposit = (accountId: string, amount: string): AccountCommand => ({ type: 'Deposit', accountId, transactionId: `t-${amount}`, amount, reference: null, channel: null, metadata: {} });
const withdraw = (accountId: string, amount: string): AccountCommand => ({ type: 'Withdraw', accountId, transactionId: `w-${amount}`, amount, reference: null, channel: null, metadata: {} });
const transfer = (from: string, to: string, amount: string): AccountCommand => ({ type: 'Transfer', transactionId: 'tx', fromAccountId: from, toAccountId: to, amount, reference: null, metadata: {} });

function funded(machine: Machine = newMachine(), ...ids: string[]): Machine {
  for (const id of ids.length ? ids : ['a', 'b']) {
    run(machine, open(id));
    run(machine, deposit(id, '100.00'));
  }
  return machine;
}

describe('state machine: decisions', () => {
  it('chains each event to the previous one of its partition and numbers stream versions', () => {
    const m = funded();
    const { stored } = runBatch(m, [{ command: transfer('a', 'b', '10.00'), ctx: ctx() }]);
    const [debit, credit] = stored[0]!;
    expect(credit!.prevHash).toBe(debit!.hash);
    expect([debit!.streamVersion, credit!.streamVersion]).toEqual([3, 3]);
    expect(m.state('account', 'a')).toMatchObject({ balance: expect.objectContaining({}) });
    expect(String((m.state('account', 'a') as { balance: unknown }).balance)).toBe('90');
  });

  it('decides later commands of a batch against what earlier ones staged', () => {
    const m = funded();
    const { outcomes } = runBatch(m, [
      { command: withdraw('a', '60.00'), ctx: ctx() },
      { command: withdraw('a', '60.00'), ctx: ctx() },
    ]);
    expect(outcomes.map((o) => o.kind)).toEqual(['accepted', 'refused']);
    expect(outcomes[1]).toMatchObject({ error: { code: 'insufficient_funds' } });
  });

  it('changes nothing until commit: a dropped batch (failed append) leaves the state as it was', () => {
    const m = funded();
    const before = m.snapshot();
    const prepared = m.prepare([{ command: withdraw('a', '60.00'), ctx: ctx('k1') }], '2026-01-01T00:00:00.000Z');
    expect(prepared.events).toHaveLength(1);
    expect(m.snapshot()).toEqual(before);
    // The same key is decided afresh afterwards, not replayed.
    expect(run(m, withdraw('a', '60.00'), ctx('k1')).kind).toBe('accepted');
  });
});

describe('state machine: a batch decided on top of one in flight (pipelined appends)', () => {
  const now = '2026-01-01T00:00:00.000Z';

  it('sees what the batch in flight staged, chains to its last hash, and commits after it', () => {
    const m = funded();
    const first = m.prepare([{ command: withdraw('a', '60.00'), ctx: ctx() }], now);
    const second = m.prepare([{ command: transfer('a', 'b', '30.00'), ctx: ctx() }, { command: withdraw('a', '20.00'), ctx: ctx() }], now, [first]);
    // 100 - 60 staged by the first: the transfer of 30 fits, the withdrawal of 20 no longer does.
    expect(second.outcomes.map((o) => o.kind)).toEqual(['accepted', 'refused']);
    expect(second.events[0]!.prevHash).toBe(first.events[first.events.length - 1]!.hash);
    expect(second.events[0]!.streamVersion).toBe(first.events[0]!.streamVersion + 1);
    // Nothing committed yet.
    expect(String((m.state('account', 'a') as { balance: unknown }).balance)).toBe('100');
    const storedFirst = store(m, first.events);
    m.commit(first, storedFirst);
    const storedSecond = storedFirst.length > 0 ? second.events.map((e, i) => ({ ...e, position: storedFirst[storedFirst.length - 1]!.position + 1 + i }) as StoredEvent) : [];
    m.commit(second, storedSecond);
    expect(String((m.state('account', 'a') as { balance: unknown }).balance)).toBe('10');
    expect(String((m.state('account', 'b') as { balance: unknown }).balance)).toBe('130');
  });

  it('a batch in flight that is dropped (its append failed) takes the one decided on top of it along: decided again, it sees the true state', () => {
    const m = funded();
    const first = m.prepare([{ command: withdraw('a', '60.00'), ctx: ctx() }], now);
    const onTop = m.prepare([{ command: withdraw('a', '50.00'), ctx: ctx('k2') }], now, [first]);
    expect(onTop.outcomes[0]!.kind).toBe('refused');
    // The first append failed: both are dropped, the second command is decided again on the committed state.
    expect(run(m, withdraw('a', '50.00'), ctx('k2')).kind).toBe('accepted');
    expect(String((m.state('account', 'a') as { balance: unknown }).balance)).toBe('50');
  });
});

describe('state machine: idempotency', () => {
  it('replays an applied key with the same body, refuses it with another', () => {
    const m = funded();
    const first = runBatch(m, [{ command: deposit('a', '5.00'), ctx: ctx('dep-1', 'body-1') }]);
    expect(first.outcomes[0]!.kind).toBe('accepted');
    const at = first.stored[0]!.map((e) => [e.partition, e.position]);
    expect(run(m, deposit('a', '5.00'), ctx('dep-1', 'body-1'))).toEqual({ kind: 'replay', at });
    const conflict = run(m, deposit('a', '6.00'), ctx('dep-1', 'body-2'));
    expect(conflict).toMatchObject({ kind: 'refused' });
    expect((conflict as { error: AppError }).error).toBeInstanceOf(AppError);
    expect((conflict as { error: AppError }).error.code).toBe('idempotency_conflict');
  });

  it('in one batch, a repeated key follows its leader, or conflicts with another body', () => {
    const m = funded();
    const { outcomes } = runBatch(m, [
      { command: deposit('a', '5.00'), ctx: ctx('k', 'x') },
      { command: deposit('a', '5.00'), ctx: ctx('k', 'x') },
      { command: deposit('a', '7.00'), ctx: ctx('k', 'y') },
    ]);
    expect(outcomes[0]!.kind).toBe('accepted');
    expect(outcomes[1]).toEqual({ kind: 'follows', leader: 0 });
    expect(outcomes[2]).toMatchObject({ kind: 'refused', error: { code: 'idempotency_conflict' } });
    expect(String((m.state('account', 'a') as { balance: unknown }).balance)).toBe('105');
  });

  it('remembers a business refusal for its key, but answers malformed input afresh', () => {
    const m = funded();
    expect(run(m, withdraw('a', '500.00'), ctx('w', 'same'))).toMatchObject({ kind: 'refused', error: { code: 'insufficient_funds' } });
    run(m, deposit('a', '1000.00'));
    expect(run(m, withdraw('a', '500.00'), ctx('w', 'same'))).toMatchObject({ kind: 'refused', error: { code: 'insufficient_funds' } });
    expect(run(m, deposit('a', '1.001'), ctx('v', 'same'))).toMatchObject({ kind: 'refused', error: { code: 'validation_failed' } });
    expect(run(m, deposit('a', '1.001'), ctx('v', 'same')).kind).toBe('refused');
  });

  it('records a business refusal in the log, so a machine rebuilt from it (or from a snapshot) answers the same refusal', () => {
    const m = newMachine();
    const log: StoredEvent[] = [];
    const exec = (command: AccountCommand, context = ctx()) => {
      const result = runBatch(m, [{ command, ctx: context }]);
      log.push(...result.appended);
      return result;
    };
    exec(open('a'));
    exec(deposit('a', '100.00'));
    const { outcomes, appended } = exec(withdraw('a', '500.00'), ctx('w', 'same'));
    expect(outcomes[0]).toMatchObject({ kind: 'refused', error: { code: 'insufficient_funds' } });
    expect(appended.map((e) => [e.type, e.streamId, e.metadata.commandId])).toEqual([['CommandRefused', 'refusals', 'w']]);
    expect(appended[0]!.data).toMatchObject({ commandType: 'Withdraw', code: 'insufficient_funds' });
    // Malformed input and conflicts are not recorded: they are answered afresh.
    expect(exec(deposit('a', '1.001'), ctx('v')).appended).toEqual([]);

    const replica = newMachine();
    for (const e of log) replica.apply(e);
    const restored = newMachine();
    restored.restore(JSON.parse(JSON.stringify(m.snapshot())));
    for (const again of [replica, restored]) {
      run(again, deposit('a', '1000.00'));
      expect(run(again, withdraw('a', '500.00'), ctx('w', 'same'))).toMatchObject({ kind: 'refused', error: { code: 'insufficient_funds' } });
      expect(run(again, withdraw('a', '500.00'), ctx('w', 'other body'))).toMatchObject({ kind: 'refused', error: { code: 'idempotency_conflict' } });
    }
  });

  it('rebuilds the index from the log: a replayed state machine replays the same keys', () => {
    const m = newMachine(3);
    const events = [];
    for (const [command, context] of [
      [open('a'), ctx('o1')],
      [open('b'), ctx('o2')],
      [deposit('a', '9.00'), ctx('d1')],
      [transfer('a', 'b', '4.00'), ctx('t1')],
    ] as const) {
      const { stored } = runBatch(m, [{ command, ctx: context }]);
      events.push(...stored[0]!);
    }
    const replica = newMachine(3);
    for (const p of [0, 1, 2]) for (const e of events.filter((x) => x.partition === p)) replica.apply(e);
    expect(replica.snapshot().streams).toEqual(m.snapshot().streams);
    const replay = run(replica, transfer('a', 'b', '4.00'), ctx('t1'));
    expect(replay.kind).toBe('replay');
    expect((replay as { at: unknown[] }).at).toHaveLength(2);
  });
});

describe('state machine: assertions and snapshots', () => {
  it('stops on a log that breaks the chain, skips a version or moves money on an unopened account', () => {
    const m = funded();
    const { outcomes } = runBatch(funded(), [{ command: deposit('a', '1.00'), ctx: ctx() }]);
    expect(outcomes[0]!.kind).toBe('accepted');
    const source = funded();
    const prepared = source.prepare([{ command: deposit('a', '1.00'), ctx: ctx() }], '2026-01-01T00:00:00.000Z');
    const [good] = store(source, prepared.events);
    expect(() => m.apply({ ...good!, prevHash: 'f'.repeat(64) })).toThrow(AssertionError);
    expect(() => m.apply({ ...good!, streamVersion: 9 })).toThrow(AssertionError);
    const ghost = { ...good!, streamId: 'ghost', data: { ...good!.data, accountId: 'ghost' }, streamVersion: 1 } as typeof good;
    expect(() => newMachine().apply({ ...ghost!, position: 0, prevHash: '0'.repeat(64) })).toThrow(/never opened/);
  });

  it('commit asserts that the log stored exactly what was appended', () => {
    const m = funded();
    const prepared = m.prepare([{ command: deposit('a', '1.00'), ctx: ctx() }], '2026-01-01T00:00:00.000Z');
    expect(() => m.commit(prepared, [])).toThrow(AssertionError);
  });

  it('restores from its snapshot to the same state and index', () => {
    const m = funded(newMachine(2), 'a', 'b', 'c');
    run(m, { type: 'FreezeAccount', accountId: 'c', reason: null });
    run(m, { type: 'ChangeAlertStatus', alertId: 'al-1', status: 'investigating', note: null }, ctx('alert-1'));
    const copy = newMachine(2);
    copy.restore(JSON.parse(JSON.stringify(m.snapshot())));
    expect(copy.snapshot()).toEqual(m.snapshot());
    expect(copy.state('account', 'c').status).toBe('frozen');
    expect(copy.state('alert', 'al-1').status).toBe('investigating');
    expect(run(copy, { type: 'ChangeAlertStatus', alertId: 'al-1', status: 'investigating', note: null }, ctx('alert-1')).kind).toBe('replay');
  });

  it('keeps refusals as DomainError', () => {
    const refused = run(funded(), withdraw('a', '1000.00'));
    expect((refused as { error: unknown }).error).toBeInstanceOf(DomainError);
  });
});
