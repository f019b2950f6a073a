import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { BatchItem } from '../../src/domain/batch/index.ts';
import type { DomainCommand } from '../../src/domain/decider.ts';
import { Dec } from '../../src/domain/money.ts';
import type { StoredEvent } from '../../src/log/envelope.ts';
import { postingsOf } from '../../src/read-models/general-ledger/postings.ts';
import { T0, at, batch, capture, deposit, open, placeHold, reverse, transfer, voidHold, withdraw } from '../support/banking.ts';
import { type Machine, ctx, newMachine, runBatch } from '../support/state-machine.ts';

// Random sequences of commands (deposits, withdrawals, transfers, holds placed, captured, voided and
// expired by the clock, reversals, batches) in two currencies, on a log of two partitions, posted
// through the general ledger's posting rules. After every step, per currency: debits = credits;
// every customer GL account carries exactly its account's balance (as a liability: credit balance);
// transit is zero (both halves of every transfer, capture and reversal are posted); and what
// settlement and suspense hold is the money that entered less what left.

const USD = ['a', 'b'];
const EUR = ['e'];
const ACCOUNTS = [...USD, ...EUR];
const HOLDS = ['h0', 'h1', 'h2'];
const account = fc.constantFrom(...ACCOUNTS);
const hold = fc.constantFrom(...HOLDS);
const amount = fc.integer({ min: 1, max: 6000 }).map((n) => (n / 100).toFixed(2));
const part = fc.option(fc.integer({ min: 1, max: 1500 }).map((n) => (n / 100).toFixed(2)), { nil: null });

const item: fc.Arbitrary<BatchItem> = fc.oneof(
  fc.tuple(account, amount).map(([a, m]) => deposit(a, m)),
  fc.tuple(account, amount).map(([a, m]) => withdraw(a, m)),
  fc.tuple(account, account, amount).map(([f, t, m]) => transfer(f, t, m)),
  fc.tuple(hold, account, amount, fc.option(account, { nil: null }), fc.option(fc.integer({ min: 1, max: 60 }), { nil: null })).map(([h, a, m, to, timeout]) =>
    placeHold(h, a, m, { counterpartyAccountId: to, timeoutSeconds: timeout }),
  ),
  fc.tuple(hold, part).map(([h, m]) => capture(h, m)),
  fc.tuple(hold, part).map(([h, m]) => capture(h, m)),
  hold.map((h) => voidHold(h)),
);

type Step = { kind: 'command'; command: DomainCommand } | { kind: 'reverse'; pick: number; amount: string | null } | { kind: 'tick'; seconds: number };

const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 6, arbitrary: item.map((command): Step => ({ kind: 'command', command })) },
  { weight: 2, arbitrary: fc.tuple(fc.nat(), part).map(([pick, m]): Step => ({ kind: 'reverse', pick, amount: m })) },
  { weight: 2, arbitrary: fc.integer({ min: 1, max: 45 }).map((seconds): Step => ({ kind: 'tick', seconds })) },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom('atomic' as const, 'independent' as const), fc.array(item, { minLength: 1, maxLength: 5 })).map(([mode, items]): Step => ({ kind: 'command', command: batch(mode, items) })) },
);

/** The trial balance of a log: per GL account code, debits and credits. */
function trialBalance(log: readonly StoredEvent[]): Map<string, { currency: string; debits: Dec; credits: Dec }> {
  const accounts = new Map<string, { currency: string; debits: Dec; credits: Dec }>();
  for (const event of log) {
    for (const p of postingsOf(event)?.postings ?? []) {
      const row = accounts.get(p.account.code) ?? { currency: p.currency, debits: new Dec(0), credits: new Dec(0) };
      if (p.side === 'debit') row.debits = row.debits.plus(p.amount);
      else row.credits = row.credits.plus(p.amount);
      accounts.set(p.account.code, row);
    }
  }
  return accounts;
}

/**
 * Every posting to a customer account is an event of that account's stream, after its AccountOpened in
 * the same partition: what lets the projection take customer GL accounts from AccountOpened alone.
 */
function checkCustomerAccountsOpenedFirst(log: readonly StoredEvent[]): void {
  const opened = new Set<string>();
  for (const event of log) {
    if (event.type === 'AccountOpened') opened.add(`${event.partition}/customer:${event.data.accountId}`);
    for (const p of postingsOf(event)?.postings ?? []) {
      if (p.account.kind === 'customer') expect(opened.has(`${event.partition}/${p.account.code}`), `${event.type} to ${p.account.code}`).toBe(true);
    }
  }
}

function checkGeneralLedger(m: Machine, log: readonly StoredEvent[]): void {
  checkCustomerAccountsOpenedFirst(log);
  const tb = trialBalance(log);
  const perCurrency = new Map<string, { debits: Dec; credits: Dec }>();
  for (const row of tb.values()) {
    const sum = perCurrency.get(row.currency) ?? { debits: new Dec(0), credits: new Dec(0) };
    perCurrency.set(row.currency, { debits: sum.debits.plus(row.debits), credits: sum.credits.plus(row.credits) });
  }
  for (const [currency, sum] of perCurrency) expect(sum.debits.toFixed(), `debits = credits in ${currency}`).toBe(sum.credits.toFixed());
  const net = (code: string) => {
    const row = tb.get(code);
    return row ? row.credits.minus(row.debits) : new Dec(0);
  };
  for (const id of ACCOUNTS) {
    const a = m.state('account', id);
    expect(net(`customer:${id}`).toFixed(), `customer:${id} carries the balance`).toBe(a.status === 'none' ? '0' : a.balance.toFixed());
  }
  for (const currency of ['USD', 'EUR']) {
    expect(net(`transit:${currency}`).toFixed(), `transit:${currency}`).toBe('0');
    // What the bank owes its customers is what it holds in settlement and suspense.
    const customers = ACCOUNTS.filter((id) => (EUR.includes(id) ? 'EUR' : 'USD') === currency).reduce((s, id) => s.plus(net(`customer:${id}`)), new Dec(0));
    const held = [...tb].filter(([code, row]) => row.currency === currency && /^(settlement|suspense):/.test(code)).reduce((s, [, row]) => s.plus(row.debits).minus(row.credits), new Dec(0));
    expect(held.toFixed(), `settlement + suspense in ${currency}`).toBe(customers.toFixed());
  }
}

function setup(): { m: Machine; log: StoredEvent[] } {
  const m = newMachine(2);
  const log: StoredEvent[] = [];
  const commands: DomainCommand[] = [open('a', '40'), open('b'), open('e', '0', 'EUR'), deposit('a', '100.00'), deposit('b', '60.00'), deposit('e', '80.00')];
  for (const command of commands) log.push(...runBatch(m, [{ command, ctx: ctx() }], T0).stored.flatMap((s) => s ?? []));
  return { m, log };
}

function commandOf(s: Step, log: readonly StoredEvent[]): DomainCommand | null {
  if (s.kind === 'command') return s.command;
  if (s.kind === 'tick') return null;
  const moved = log.filter((e) => ['FundsDeposited', 'FundsWithdrawn', 'TransferDebited', 'HoldCaptureDebited'].includes(e.type));
  const ids = [...new Set(moved.map((e) => (e.data as { transactionId: string }).transactionId))];
  return ids.length ? reverse(ids[s.pick % ids.length]!, s.amount) : null;
}

describe('general ledger properties', () => {
  it('debits = credits per currency after any sequence with holds, expiries, reversals and batches; the GL agrees with the balances', () => {
    let kinds = new Set<string>();
    fc.assert(
      fc.property(fc.array(step, { minLength: 1, maxLength: 40 }), (steps) => {
        const { m, log } = setup();
        let seconds = 0;
        for (const s of steps) {
          if (s.kind === 'tick') {
            seconds += s.seconds;
            for (const due of m.due(at(seconds), 100)) log.push(...(runBatch(m, [{ command: due.command, ctx: ctx(due.commandId) }], at(seconds)).stored[0] ?? []));
          }
          const command = commandOf(s, log);
          if (command) log.push(...(runBatch(m, [{ command, ctx: ctx() }], at(seconds)).stored[0] ?? []));
          checkGeneralLedger(m, log);
        }
        kinds = new Set([...kinds, ...log.map((e) => e.type)]);
      }),
      { numRuns: 300 },
    );
    // The sequences did reach what the property is about.
    for (const type of ['HoldCaptureDebited', 'HoldCaptureCredited', 'HoldExpired', 'HoldVoided', 'ReversalDebited', 'ReversalCredited', 'BatchExecuted']) expect(kinds, type).toContain(type);
  });
});
