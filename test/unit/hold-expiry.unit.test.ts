import { describe, expect, it } from 'vitest';
import { expiryCommandId } from '../../src/domain/hold/index.ts';
import { LedgerEngine } from '../../src/engine/ledger-engine.ts';
import { T0, at, capture, deposit, open, placeHold } from '../support/banking.ts';
import { MemoryLog, MemoryStore } from '../support/memory-log.ts';
import { ctx, newMachine, run, runBatch } from '../support/state-machine.ts';

// Expiry is driven by the engine itself; the clock always comes in from outside (a fake one here).

function withHolds() {
  const m = newMachine();
  run(m, open('a'));
  run(m, deposit('a', '100.00'));
  runBatch(m, [{ command: placeHold('h-late', 'a', '10', { timeoutSeconds: 120 }), ctx: ctx() }], T0);
  runBatch(m, [{ command: placeHold('h-soon', 'a', '10', { timeoutSeconds: 60 }), ctx: ctx() }], T0);
  runBatch(m, [{ command: placeHold('h-never', 'a', '10'), ctx: ctx() }], T0);
  return m;
}

describe('state machine: due holds', () => {
  it('lists the holds due at an instant, earliest first, bounded, each under expire:<holdId>', () => {
    const m = withHolds();
    expect(m.due(at(59), 10)).toEqual([]);
    expect(m.due(at(60), 10)).toEqual([{ command: { type: 'ExpireHold', holdId: 'h-soon' }, commandId: 'expire:h-soon' }]);
    expect(m.due(at(500), 10).map((d) => d.commandId)).toEqual(['expire:h-soon', 'expire:h-late']);
    expect(m.due(at(500), 1)).toHaveLength(1);
    expect(m.pendingDeadlines).toBe(2);
  });

  it('an expiry lands once: the same key replays, a captured hold is no longer due', () => {
    const m = withHolds();
    const [due] = m.due(at(60), 10);
    const first = runBatch(m, [{ command: due!.command, ctx: ctx(due!.commandId) }], at(60));
    expect(first.stored[0]!.map((e) => e.type)).toEqual(['HoldReleased', 'HoldExpired']);
    // A second writer, or a restart, submitting the same expiry: a replay, no new event.
    expect(runBatch(m, [{ command: due!.command, ctx: ctx(due!.commandId) }], at(61)).outcomes[0]!.kind).toBe('replay');
    runBatch(m, [{ command: capture('h-late'), ctx: ctx() }], at(100));
    expect(m.due(at(1000), 10)).toEqual([]);
    const a = m.state('account', 'a');
    expect(a.status !== 'none' && a.held.toFixed(2)).toBe('10.00');
  });

  it('an expiry submitted before its time is refused but not remembered: the same key succeeds once due', () => {
    const m = withHolds();
    const early = runBatch(m, [{ command: { type: 'ExpireHold', holdId: 'h-soon' }, ctx: ctx(expiryCommandId('h-soon')) }], at(30));
    expect(early.outcomes[0]).toMatchObject({ kind: 'refused', error: { code: 'hold_not_due' } });
    const due = runBatch(m, [{ command: { type: 'ExpireHold', holdId: 'h-soon' }, ctx: ctx(expiryCommandId('h-soon')) }], at(60));
    expect(due.outcomes[0]!.kind).toBe('accepted');
  });

  it('keeps its deadlines through snapshot and restore', () => {
    const m = withHolds();
    const copy = newMachine();
    copy.restore(JSON.parse(JSON.stringify(m.snapshot())));
    expect(copy.due(at(500), 10)).toEqual(m.due(at(500), 10));
  });
});

describe('engine: expiry by itself', () => {
  const setup = async (store: MemoryStore, now: { t: number }) => {
    const engine = new LedgerEngine(new MemoryLog(store), { clock: () => new Date(now.t), expiryIntervalMs: 0 });
    await engine.start();
    return engine;
  };

  it('expires a due hold exactly once, across a restart and a change of writer', async () => {
    const store = new MemoryStore();
    const now = { t: Date.parse(T0) };
    const first = await setup(store, now);
    await first.execute(open('a'), ctx());
    await first.execute(deposit('a', '50.00'), ctx());
    await first.execute(placeHold('h1', 'a', '20', { timeoutSeconds: 30 }), ctx());
    expect(await first.expireDue()).toBe(0);
    first.stop();

    now.t += 31_000;
    const second = await setup(store, now);
    const third = await setup(store, now); // fences the second
    await expect(second.expireDue()).resolves.toBe(1); // its expiry fails: fenced
    expect(await third.expireDue()).toBe(1);
    expect(await third.expireDue()).toBe(0);
    const restarted = await setup(store, now);
    expect(await restarted.expireDue()).toBe(0);
    expect(store.count('HoldExpired')).toBe(1);
    expect(restarted.state('hold', 'h1').status).toBe('expired');
    const a = restarted.account('a');
    expect(a.status !== 'none' && a.held.toFixed(2)).toBe('0.00');
  });

  it('runs on its own timer, and stops it', async () => {
    const store = new MemoryStore();
    const now = { t: Date.parse(T0) };
    const engine = new LedgerEngine(new MemoryLog(store), { clock: () => new Date(now.t), expiryIntervalMs: 5 });
    await engine.start();
    await engine.execute(open('a'), ctx());
    await engine.execute(deposit('a', '50.00'), ctx());
    await engine.execute(placeHold('h1', 'a', '20', { timeoutSeconds: 1 }), ctx());
    now.t += 1000;
    await expect.poll(() => engine.state('hold', 'h1').status, { timeout: 2000 }).toBe('expired');
    engine.stop();
    await engine.execute(placeHold('h2', 'a', '20', { timeoutSeconds: 1 }), ctx());
    now.t += 1000;
    await new Promise((r) => setTimeout(r, 50));
    expect(engine.state('hold', 'h2').status).toBe('active');
    expect(engine.pendingExpiries).toBe(1);
  });
});
