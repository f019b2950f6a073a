import { describe, expect, it } from 'vitest';
import type { AccountCommand } from '../../src/domain/account/index.ts';
import { IdempotencyIndex, type IndexedEvent, type LogPosition } from '../../src/engine/idempotency-index.ts';
import type { Submitted } from '../../src/engine/state-machine.ts';
import type { StoredEvent } from '../../src/log/envelope.ts';
import { partitionOf } from '../../src/log/event-log.ts';
import { type Machine, ctx, newMachine, runBatch } from '../support/state-machine.ts';

// The idempotency index bounded in memory: what leaves memory is in the idempotency table (the shell
// looks it up per batch and hands the rows to learn()), and nothing leaves before the table holds it.

const open = (accountId: string): AccountCommand => ({ type: 'OpenAccount', accountId, currency: 'USD', overdraftLimit: '0', ownerId: null, metadata: {} });
const deposit = (accountId: string, amount = '1.00'): AccountCommand => ({ type: 'Deposit', accountId, transactionId: `t-${amount}`, amount, reference: null, channel: null, metadata: {} });
const withdraw = (accountId: string): AccountCommand => ({ type: 'Withdraw', accountId, transactionId: 'w', amount: '1000.00', reference: null, channel: null, metadata: {} });
const transfer = (from: string, to: string): AccountCommand => ({ type: 'Transfer', transactionId: 'tx', fromAccountId: from, toAccountId: to, amount: '1.00', reference: null, metadata: {} });

/** What the idempotency projection would hold for these events. */
const rows = (events: readonly StoredEvent[]): IndexedEvent[] =>
  events.map((e) => ({
    commandId: e.metadata.commandId,
    requestHash: e.metadata.requestHash,
    partition: e.partition,
    position: e.position,
    refusal: e.type === 'CommandRefused' ? { code: e.data.code, message: e.data.message, field: e.data.field } : null,
  }));

/** A machine of one partition with memory for 3 keys: k-0 … k-9 deposited at positions 1…10 (the account opened at 0). */
function tenKeys(): { m: Machine; log: StoredEvent[] } {
  const m = newMachine(1, 3);
  const log: StoredEvent[] = [];
  const exec = (command: AccountCommand, key: string, body = 'same') => {
    const result = runBatch(m, [{ command, ctx: ctx(key, body) }]);
    log.push(...result.appended);
    return result;
  };
  exec(open('a'), 'open-a');
  for (let i = 0; i < 10; i++) exec(deposit('a', `${i + 1}.00`), `k-${i}`);
  return { m, log };
}

const one = (command: AccountCommand, key: string, body = 'same'): Submitted[] => [{ command, ctx: ctx(key, body) }];

describe('bounded idempotency index', () => {
  it('keeps every key while the idempotency projection has not reached it, and lets go of the oldest only at or below its checkpoint', () => {
    const { m } = tenKeys();
    expect(m.remembered).toBe(11);
    expect(m.lookupKeys(one(deposit('a'), 'new'))).toEqual(['new']); // above its bound: the shell reads the checkpoints
    m.projectedTo([4]);
    // open-a, k-0 … k-3 are at positions 0 … 4: those may go; k-4 (position 5) may not.
    expect(m.remembered).toBe(6);
    m.projectedTo([100]);
    expect(m.remembered).toBe(3);
    expect(m.snapshot()).toMatchObject({ commands: [['k-7', 'hash-of-same', [[0, 8]]], ['k-8', 'hash-of-same', [[0, 9]]], ['k-9', 'hash-of-same', [[0, 10]]]], evicted: [7] });
  });

  it('asks the shell for nothing while memory knows every key: a miss is a new command', () => {
    const m = newMachine(1, 3);
    runBatch(m, one(open('a'), 'open-a'));
    expect(m.lookupKeys(one(deposit('a'), 'k'))).toEqual([]);
  });

  it('once keys left memory, a miss goes to the table: a found key replays its first result, conflicts on another body; a key in neither is new', () => {
    const { m, log } = tenKeys();
    m.projectedTo([10]);
    const batch = [...one(deposit('a', '1.00'), 'k-0'), ...one(deposit('a', '9.00'), 'k-1', 'other'), ...one(deposit('a', '5.00'), 'fresh')];
    expect(m.lookupKeys(batch)).toEqual(['k-0', 'k-1', 'fresh']);
    expect(m.learn({ checkpoints: [10], rows: rows(log.filter((e) => ['k-0', 'k-1'].includes(e.metadata.commandId))) })).toBe(true);
    const { outcomes } = runBatch(m, batch);
    expect(outcomes[0]).toEqual({ kind: 'replay', at: [[0, 1]] });
    expect(outcomes[1]).toMatchObject({ kind: 'refused', error: { code: 'idempotency_conflict' } });
    expect(outcomes[2]!.kind).toBe('accepted');
    // What was looked up answered that batch only: it does not stay in memory.
    expect(m.remembered).toBeLessThanOrEqual(4);
  });

  it('answers a refusal found in the table with the same refusal', () => {
    const m = newMachine(1, 1);
    const first = runBatch(m, one(open('a'), 'open-a'));
    const refused = runBatch(m, one(withdraw('a'), 'w'));
    expect(refused.outcomes[0]).toMatchObject({ kind: 'refused', error: { code: 'insufficient_funds' } });
    runBatch(m, one(deposit('a', '5000.00'), 'd'));
    m.projectedTo([2]);
    expect(m.remembered).toBe(1);
    expect(m.learn({ checkpoints: [2], rows: rows([...first.appended, ...refused.appended]) })).toBe(true);
    expect(runBatch(m, one(withdraw('a'), 'w')).outcomes[0]).toMatchObject({ kind: 'refused', error: { code: 'insufficient_funds' } });
    expect(m.learn({ checkpoints: [2], rows: rows(refused.appended) })).toBe(true);
    expect(runBatch(m, one(withdraw('a'), 'w', 'other')).outcomes[0]).toMatchObject({ kind: 'refused', error: { code: 'idempotency_conflict' } });
  });

  it('refuses to decide while the table is behind what memory let go (a rebuild catching up)', () => {
    const { m } = tenKeys();
    m.projectedTo([10]);
    expect(m.learn({ checkpoints: [-1], rows: [] })).toBe(false);
    expect(m.learn({ checkpoints: [9], rows: [] })).toBe(true);
  });

  it('a replay evicts as it goes, and the table completes a command whose events in another partition already left memory', () => {
    const source = newMachine(3);
    const log: StoredEvent[] = [];
    // Two accounts in different partitions: a transfer between them has an event in each.
    const [a, b] = ['a', ...['b', 'c', 'd', 'e', 'f'].filter((id) => partitionOf(id, 3) !== partitionOf('a', 3))];
    for (const [command, key] of [[open(a!), 'o1'], [open(b!), 'o2'], [deposit(a!, '9.00'), 'd1'], [transfer(a!, b!), 't1']] as const) log.push(...runBatch(source, one(command, key)).appended);
    const [debit, credit] = log.filter((e) => e.metadata.commandId === 't1');
    expect(debit!.partition).not.toBe(credit!.partition);

    const replica = newMachine(3, 1);
    replica.projectedTo([100, 100, 100]);
    for (const p of [0, 1, 2]) for (const e of log.filter((x) => x.partition === p)) replica.apply(e);
    expect(replica.remembered).toBe(1);
    const batch = one(transfer(a!, b!), 't1');
    expect(replica.learn({ checkpoints: [100, 100, 100], rows: rows(log.filter((e) => e.metadata.commandId === 't1')) })).toBe(true);
    const replay = runBatch(replica, batch).outcomes[0]!;
    expect(replay.kind).toBe('replay');
    expect((replay as { at: unknown[] }).at).toHaveLength(2);
  });

  it('a snapshot holds only what is in memory, and how far evictions reached', () => {
    const { m } = tenKeys();
    m.projectedTo([6]);
    const copy = newMachine(1, 3);
    copy.restore(JSON.parse(JSON.stringify(m.snapshot())));
    expect(copy.remembered).toBe(m.remembered);
    expect(copy.learn({ checkpoints: [5], rows: [] })).toBe(false);
    expect(copy.lookupKeys(one(deposit('a'), 'k-0'))).toEqual(['k-0']);
  });

  it('absorbs the events of one large command (a batch of 8,190 transfers) in linear work, each position once', () => {
    const events = 2 * 8190;
    // The command's positions, counted as they are read: a scan of them per event would read ~n²/2.
    let reads = 0;
    const at = new Proxy<LogPosition[]>([[0, 0]], {
      get(target, key, receiver) {
        if (typeof key === 'string' && /^\d+$/.test(key)) reads++;
        return Reflect.get(target, key, receiver) as unknown;
      },
    });
    const index = new IdempotencyIndex(2, 1000);
    index.set('batch', { requestHash: 'h', at, refusal: null });
    const event = (i: number): IndexedEvent => ({ commandId: 'batch', requestHash: 'h', partition: i % 2, position: i, refusal: null });
    // Read from the log (a replay), then found again in the table (every row already known).
    for (let i = 1; i < events; i++) index.add(event(i));
    index.learn(Array.from({ length: events }, (_, i) => event(i)));
    expect(index.get('batch')!.at).toHaveLength(events);
    expect(reads).toBeLessThan(3 * events);

    // A command only in the table: its rows, interleaved with another's, join once each.
    index.learn(Array.from({ length: 2 * events }, (_, i) => ({ ...event(i >> 1), commandId: i % 2 ? 'other' : 'found' })));
    expect(index.get('found')!.at).toHaveLength(events);
    expect(new Set(index.get('other')!.at.map(([p, pos]) => `${p}:${pos}`)).size).toBe(events);
  });
});
