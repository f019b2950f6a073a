import type { EngineSnapshot } from '../../src/engine/snapshot.ts';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type BatchItem, batchItemResults } from '../../src/domain/batch/index.ts';
import type { DomainCommand } from '../../src/domain/decider.ts';
import { Dec } from '../../src/domain/money.ts';
import type { StoredEvent } from '../../src/log/envelope.ts';
import { T0, at, batch, capture, deposit, open, placeHold, reverse, transfer, voidHold, withdraw } from '../support/banking.ts';
import type { Outcome } from '../../src/engine/state-machine.ts';
import { type Machine, ctx, newMachine, runBatch } from '../support/state-machine.ts';

// Random sequences of every command (deposit, withdraw, transfer, hold, capture, void, expiry by the
// clock, reversal, freeze, unfreeze, close, batches atomic and independent, and several of them in
// one group commit) through the state machine, on a log of two partitions. After every step: money
// is conserved, nothing is spendable below -limit, holds add up, a closed account holds nothing, no
// hold is placed or expired twice; an atomic batch is all or nothing, an independent one item by
// item; a group commit decides as the same commands one after the other would; an expiry submitted
// again is a replay; and the log replayed partition by partition, or a snapshot restored, gives the
// same state.

const ACCOUNTS = ['a', 'b', 'c'];
const HOLDS = ['h0', 'h1', 'h2', 'h3'];
const account = fc.constantFrom(...ACCOUNTS);
const hold = fc.constantFrom(...HOLDS);
const amount = fc.integer({ min: 1, max: 80 }).map((n) => `${n}.00`);
const maybeAmount = fc.option(amount, { nil: null });

const item: fc.Arbitrary<BatchItem> = fc.oneof(
  fc.tuple(account, amount).map(([a, m]) => deposit(a, m)),
  fc.tuple(account, amount).map(([a, m]) => withdraw(a, m)),
  fc.tuple(account, account, amount).map(([f, t, m]) => transfer(f, t, m)),
  fc.tuple(hold, account, amount, fc.option(account, { nil: null }), fc.option(fc.integer({ min: 1, max: 120 }), { nil: null })).map(([h, a, m, to, timeout]) =>
    placeHold(h, a, m, { counterpartyAccountId: to, timeoutSeconds: timeout }),
  ),
  fc.tuple(hold, fc.option(fc.integer({ min: 1, max: 15 }).map((n) => `${n}.00`), { nil: null })).map(([h, m]) => capture(h, m)),
  fc.tuple(hold, fc.option(fc.integer({ min: 1, max: 15 }).map((n) => `${n}.00`), { nil: null })).map(([h, m]) => capture(h, m)),
  hold.map((h) => voidHold(h)),
);

type Step =
  | { kind: 'command'; command: DomainCommand }
  | { kind: 'reverse'; pick: number; amount: string | null }
  | { kind: 'tick'; seconds: number }
  | { kind: 'freeze'; account: string; on: boolean }
  | { kind: 'close'; account: string }
  | { kind: 'group'; steps: Step[] };

/** A step that submits one command (everything but the clock's tick and a group). */
const single: fc.Arbitrary<Step> = fc.oneof(
  { weight: 6, arbitrary: item.map((command): Step => ({ kind: 'command', command })) },
  { weight: 2, arbitrary: fc.tuple(fc.nat(), maybeAmount).map(([pick, a]): Step => ({ kind: 'reverse', pick, amount: a })) },
  { weight: 1, arbitrary: fc.tuple(account, fc.constantFrom(true, false, false)).map(([a, on]): Step => ({ kind: 'freeze', account: a, on })) },
  { weight: 1, arbitrary: account.map((a): Step => ({ kind: 'close', account: a })) },
  { weight: 2, arbitrary: fc.tuple(fc.constantFrom('atomic' as const, 'independent' as const), fc.array(item, { minLength: 1, maxLength: 6 })).map(([mode, items]): Step => ({ kind: 'command', command: batch(mode, items) })) },
);

const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 10, arbitrary: single },
  { weight: 2, arbitrary: fc.integer({ min: 1, max: 90 }).map((seconds): Step => ({ kind: 'tick', seconds })) },
  { weight: 2, arbitrary: fc.array(single, { minLength: 2, maxLength: 4 }).map((steps): Step => ({ kind: 'group', steps })) },
);

/** Money that entered or left the ledger, according to the events: the only way the sum of balances may move. */
function externalFlow(events: readonly StoredEvent[]): Dec {
  let flow = new Dec(0);
  for (const e of events) {
    switch (e.type) {
      case 'FundsDeposited':
        flow = flow.plus(e.data.amount);
        break;
      case 'FundsWithdrawn':
        flow = flow.minus(e.data.amount);
        break;
      case 'HoldCaptureDebited':
      case 'ReversalDebited':
        if (e.data.counterpartyAccountId === null) flow = flow.minus(e.data.amount);
        break;
      case 'ReversalCredited':
        if (e.data.counterpartyAccountId === null) flow = flow.plus(e.data.amount);
        break;
      default:
        break;
    }
  }
  return flow;
}

function checkInvariants(m: Machine, log: readonly StoredEvent[]): void {
  let balances = new Dec(0);
  let heldOnAccounts = new Dec(0);
  for (const id of ACCOUNTS) {
    const a = m.state('account', id);
    if (a.status === 'none') continue;
    balances = balances.plus(a.balance);
    heldOnAccounts = heldOnAccounts.plus(a.held);
    expect(a.held.gte(0)).toBe(true);
    // available = balance - held + limit never below zero: nothing spendable below -limit.
    expect(a.balance.minus(a.held).plus(a.overdraftLimit).gte(0), `account ${id}`).toBe(true);
  }
  let heldByHolds = new Dec(0);
  for (const e of log) {
    if (e.type !== 'HoldPlaced') continue;
    const h = m.state('hold', e.data.holdId);
    if (h.status === 'active') heldByHolds = heldByHolds.plus(h.amount.minus(h.captured));
  }
  expect(heldOnAccounts.toFixed()).toBe(heldByHolds.toFixed());
  expect(balances.toFixed()).toBe(externalFlow(log).toFixed());
  for (const id of ACCOUNTS) {
    const a = m.state('account', id);
    if (a.status === 'closed') expect(a.held.isZero() && a.balance.isZero(), `closed account ${id}`).toBe(true);
  }
  for (const type of ['HoldPlaced', 'HoldExpired'] as const) {
    const ids = log.filter((e) => e.type === type).map((e) => (e.data as { holdId: string }).holdId);
    expect(new Set(ids).size, `${type} twice`).toBe(ids.length);
  }
}

/** What decides a step: accepted, or the refusal's code. */
const verdict = (o: Outcome): string => (o.kind === 'refused' ? (o.error as { code: string }).code : o.kind);

/** The state of every account and hold, comparable across machines (event ids differ). */
function states(m: Machine): unknown {
  return [...ACCOUNTS.map((id) => m.state('account', id)), ...HOLDS.map((id) => m.state('hold', id))].map((x) => JSON.stringify(x, Object.keys(x).sort()));
}

function setup(): { m: Machine; log: StoredEvent[] } {
  const m = newMachine(2);
  const log: StoredEvent[] = [];
  const commands: DomainCommand[] = [open('a', '50'), open('b'), open('c', '20'), deposit('a', '100.00'), deposit('b', '60.00')];
  for (const command of commands) log.push(...runBatch(m, [{ command, ctx: ctx() }], T0).appended);
  return { m, log };
}

function commandOf(s: Step, log: readonly StoredEvent[]): DomainCommand | null {
  switch (s.kind) {
    case 'command':
      return s.command;
    case 'reverse': {
      const ids = [...new Set(log.filter((e) => ['FundsDeposited', 'FundsWithdrawn', 'TransferDebited', 'HoldCaptureDebited'].includes(e.type)).map((e) => (e.data as { transactionId: string }).transactionId))];
      return ids.length ? reverse(ids[s.pick % ids.length]!, s.amount) : null;
    }
    case 'freeze':
      return s.on ? { type: 'FreezeAccount', accountId: s.account, reason: null } : { type: 'UnfreezeAccount', accountId: s.account, reason: null };
    case 'close':
      return { type: 'CloseAccount', accountId: s.account, reason: null };
    case 'tick':
    case 'group':
      return null;
    default:
      return null;
  }
}

/** A snapshot's streams and applied commands, without the refusals stream. */
const business = (s: EngineSnapshot) => ({ streams: s.streams.filter(([kind]) => kind !== 'refusal'), commands: s.commands });

/** Checks what one submitted batch of commands did: atomic batches all or nothing, independent ones item by item. */
function checkBatches(commands: readonly DomainCommand[], outcomes: readonly Outcome[], stored: ReadonlyArray<StoredEvent[] | null>): void {
  commands.forEach((command, i) => {
    if (command.type !== 'ExecuteBatch' || outcomes[i]!.kind !== 'accepted') return;
    const events = stored[i]!;
    const results = batchItemResults(events);
    expect(results).toHaveLength(command.items.length);
    if (command.mode === 'atomic') expect(results.every((r) => r.status === 'accepted')).toBe(true);
    // A refused item left nothing behind; an accepted one its own events only.
    for (const r of results) if (r.status === 'refused') expect(r.code).toBeTruthy();
  });
}

/**
 * Several commands in one group commit: decided as they would be one after the other (the same
 * verdicts and the same states as on a copy of the machine that runs them singly).
 */
function runGroup(m: Machine, log: StoredEvent[], commands: DomainCommand[], now: string): void {
  const alone = newMachine(2);
  alone.restore(JSON.parse(JSON.stringify(m.snapshot())));
  const singly = commands.map((command) => verdict(runBatch(alone, [{ command, ctx: ctx() }], now).outcomes[0]!));
  const { outcomes, stored, appended } = runBatch(m, commands.map((command) => ({ command, ctx: ctx() })), now);
  log.push(...appended);
  expect(outcomes.map(verdict)).toEqual(singly);
  expect(states(m)).toEqual(states(alone));
  checkBatches(commands, outcomes, stored);
}

describe('banking properties', () => {
  it('money is conserved, nothing is spent below -limit, holds add up, atomic batches are all or nothing; replay and restore agree', () => {
    fc.assert(
      fc.property(fc.array(step, { minLength: 1, maxLength: 40 }), (steps) => {
        const { m, log } = setup();
        let seconds = 0;
        for (const s of steps) {
          if (s.kind === 'tick') {
            seconds += s.seconds;
            const due = m.due(at(seconds), 100);
            for (const d of due) log.push(...runBatch(m, [{ command: d.command, ctx: ctx(d.commandId) }], at(seconds)).appended);
            expect(m.due(at(seconds), 100)).toEqual([]);
            // Another writer submitting the same expiry (its key is the same everywhere) gets a replay.
            for (const d of due) expect(runBatch(m, [{ command: d.command, ctx: ctx(d.commandId) }], at(seconds)).outcomes[0]!.kind).toBe('replay');
          }
          if (s.kind === 'group') {
            const commands = s.steps.map((x) => commandOf(x, log)).filter((c): c is DomainCommand => c !== null);
            runGroup(m, log, commands, at(seconds));
          }
          const command = commandOf(s, log);
          if (command) {
            const before = m.snapshot();
            const { outcomes, stored, appended } = runBatch(m, [{ command, ctx: ctx() }], at(seconds));
            log.push(...appended);
            // A refused atomic batch changes nothing but the record of its refusal.
            if (command.type === 'ExecuteBatch' && command.mode === 'atomic' && outcomes[0]!.kind === 'refused') expect(business(m.snapshot())).toEqual(business(before));
            if (command.type === 'ExecuteBatch' && command.mode === 'atomic' && outcomes[0]!.kind === 'accepted') {
              const executed = stored[0]!.at(-1)!;
              expect(executed.type === 'BatchExecuted' && executed.data.refusals).toEqual([]);
            }
            checkBatches([command], outcomes, stored);
          }
          checkInvariants(m, log);
        }
        const replica = newMachine(2);
        for (const p of [0, 1]) for (const e of log.filter((x) => x.partition === p)) replica.apply(e);
        const sorted = (x: Machine) => [...x.snapshot().streams].sort((p, q) => `${p[0]}:${p[1]}`.localeCompare(`${q[0]}:${q[1]}`));
        expect(sorted(replica)).toEqual(sorted(m));
        const restored = newMachine(2);
        restored.restore(JSON.parse(JSON.stringify(m.snapshot())));
        expect(restored.snapshot()).toEqual(m.snapshot());
        expect(restored.due(at(seconds + 1000), 100)).toEqual(m.due(at(seconds + 1000), 100));
      }),
      { numRuns: 200 },
    );
  });
});
