import type { EngineSnapshot } from '../../src/engine/snapshot.ts';
import { describe, expect, it } from 'vitest';
import { BatchItemRefused, MAX_BATCH_ITEMS, batchItemResults } from '../../src/domain/batch/index.ts';
import { DomainError } from '../../src/domain/errors.ts';
import { LedgerEngine } from '../../src/engine/ledger-engine.ts';
import { batch, capture, deposit, open, placeHold, transfer, voidHold, withdraw } from '../support/banking.ts';
import { MemoryLog } from '../support/memory-log.ts';
import { type Machine, ctx, newMachine, run, runBatch } from '../support/state-machine.ts';

const balance = (m: Machine, id: string) => {
  const s = m.state('account', id);
  return s.status === 'none' ? null : `${s.balance.toFixed(2)}/${s.held.toFixed(2)}`;
};

function funded(): Machine {
  const m = newMachine();
  for (const id of ['a', 'b', 'c']) run(m, open(id));
  run(m, deposit('a', '100.00'));
  return m;
}

describe('batches through the state machine', () => {
  it('atomic: every item lands in one accepted command, decided in order against what earlier items staged', () => {
    const m = funded();
    const outcome = run(m, batch('atomic', [transfer('a', 'b', '60'), transfer('b', 'c', '50'), placeHold('h1', 'c', '20', { counterpartyAccountId: 'a' }), capture('h1', '5'), voidHold('h1')]));
    expect(outcome.kind).toBe('accepted');
    expect([balance(m, 'a'), balance(m, 'b'), balance(m, 'c')]).toEqual(['45.00/0.00', '10.00/0.00', '45.00/0.00']);
    expect(m.state('hold', 'h1').status).toBe('voided');
  });

  it('atomic: one refusal refuses all, naming the item, its field and its code; nothing changes but the record of the refusal', () => {
    const m = funded();
    const before = m.snapshot();
    const business = (s: EngineSnapshot) => ({ streams: s.streams.filter(([kind]) => kind !== 'refusal'), commands: s.commands });
    const outcome = run(m, batch('atomic', [transfer('a', 'b', '60'), withdraw('b', '10'), transfer('a', 'c', '50')]));
    expect(outcome.kind).toBe('refused');
    const error = (outcome as { error: unknown }).error;
    expect(error).toBeInstanceOf(BatchItemRefused);
    expect(error).toBeInstanceOf(DomainError);
    expect(error).toMatchObject({ code: 'insufficient_funds', index: 2, field: 'items.2' });
    const bad = run(m, batch('atomic', [deposit('a', '1'), deposit('b', '1.001')]));
    expect((bad as { error: unknown }).error).toMatchObject({ code: 'validation_failed', index: 1, field: 'items.1.amount' });
    expect(business(m.snapshot())).toEqual(business(before));
    expect(m.snapshot().refusals).toHaveLength(1); // the insufficient funds; validation_failed is not remembered
  });

  it('independent: one result per item, refused items leave no trace but their code', () => {
    const m = funded();
    const { outcomes, stored } = runBatch(m, [{ command: batch('independent', [transfer('a', 'b', '60'), transfer('a', 'c', '50'), deposit('zz', '1'), withdraw('a', '40')]), ctx: ctx('batch-1') }]);
    expect(outcomes[0]!.kind).toBe('accepted');
    const items = batchItemResults(stored[0]!);
    expect(items.map((i) => (i.status === 'accepted' ? i.events.map((e) => e.type).join('+') : i.code))).toEqual(['TransferDebited+TransferCredited', 'insufficient_funds', 'account_not_found', 'FundsWithdrawn']);
    expect(balance(m, 'a')).toBe('0.00/0.00');
  });

  it('refuses an empty batch, one over 8,190 items, and an item of a kind a batch cannot hold', () => {
    const m = funded();
    expect(run(m, batch('atomic', []))).toMatchObject({ kind: 'refused', error: { code: 'validation_failed', field: 'items' } });
    const tooMany = Array.from({ length: MAX_BATCH_ITEMS + 1 }, () => deposit('a', '1'));
    expect(run(m, batch('independent', tooMany))).toMatchObject({ kind: 'refused', error: { code: 'validation_failed', field: 'items' } });
    const nested = batch('independent', [open('x') as never]);
    expect(batchItemResults(runBatch(m, [{ command: nested, ctx: ctx() }]).stored[0]!)[0]).toMatchObject({ status: 'refused', code: 'validation_failed', field: 'type' });
  });

  it('takes 8,190 transfers in one command', () => {
    const m = newMachine();
    run(m, open('a'));
    run(m, open('b'));
    run(m, deposit('a', '10000.00'));
    const items = Array.from({ length: MAX_BATCH_ITEMS }, () => transfer('a', 'b', '1'));
    const { stored } = runBatch(m, [{ command: batch('atomic', items), ctx: ctx() }]);
    expect(stored[0]).toHaveLength(MAX_BATCH_ITEMS * 2 + 1);
    expect(balance(m, 'b')).toBe('8190.00/0.00');
  });
});

describe('batches through the engine', () => {
  it('answers one result per item, and the first result again for a replayed key (also after a restart)', async () => {
    const log = new MemoryLog();
    const engine = new LedgerEngine(log, { expiryIntervalMs: 0 });
    await engine.start();
    for (const id of ['a', 'b']) await engine.execute(open(id), ctx());
    await engine.execute(deposit('a', '10.00'), ctx());
    const command = batch('independent', [transfer('a', 'b', '6'), transfer('a', 'b', '6'), withdraw('a', '4')]);
    const first = await engine.executeBatch(command, ctx('batch-key', 'body'));
    expect(first.replayed).toBe(false);
    expect(first.items.map((i) => i.status)).toEqual(['accepted', 'refused', 'accepted']);
    const again = await engine.executeBatch(command, ctx('batch-key', 'body'));
    expect(again.replayed).toBe(true);
    expect(again.items).toEqual(first.items);

    const restarted = new LedgerEngine(log, { expiryIntervalMs: 0 });
    await restarted.start();
    const afterRestart = await restarted.executeBatch(command, ctx('batch-key', 'body'));
    expect(afterRestart.items).toEqual(first.items);
    await expect(restarted.executeBatch(command, ctx('batch-key', 'other'))).rejects.toMatchObject({ code: 'idempotency_conflict' });
  });

  it('rejects an atomic batch with BatchItemRefused, appending only the record of its refusal', async () => {
    const log = new MemoryLog();
    const engine = new LedgerEngine(log, { expiryIntervalMs: 0 });
    await engine.start();
    await engine.execute(open('a'), ctx());
    const events = log.store.partitions[0]!.length;
    await expect(engine.executeBatch(batch('atomic', [deposit('a', '5'), withdraw('a', '6')]), ctx())).rejects.toMatchObject({ code: 'insufficient_funds', index: 1 });
    expect(log.store.partitions[0]!.slice(events).map((e) => e.type)).toEqual(['CommandRefused']);
  });
});
