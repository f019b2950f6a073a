import { describe, expect, it } from 'vitest';
import type { MovementKind } from '../../src/domain/account/events.ts';
import { AppError } from '../../src/errors.ts';
import {
  type AccountProfile,
  type Activity,
  AmountDistribution,
  type Detection,
  type FlowTag,
  FraudConfig,
  type RuleId,
  bucketOf,
  emptyBaseline,
  evaluate,
  followFlow,
  updateBaseline,
} from '../../src/domain/fraud/index.ts';
import { Dec } from '../../src/domain/money.ts';

/**
 * Scenarios: given an account's history, when a movement happens, then a rule fires (or, for the
 * near misses, does not). History is replayed through evaluate() exactly as the projector does.
 */

const T0 = Date.parse('2026-03-02T09:00:00.000Z');
const at = (minutes: number) => new Date(T0 + minutes * 60_000).toISOString();
const H = 60;
const D = 24 * H;

let seq = 0;
function mv(kind: MovementKind, amount: string, minutes: number, o: Partial<Activity> = {}): Activity {
  seq++;
  return {
    eventId: `00000000-0000-7000-8000-${String(seq).padStart(12, '0')}`,
    transactionId: `tx-${seq}`,
    accountId: 'A',
    ownerId: 'owner-1',
    kind,
    amount: new Dec(amount),
    currency: 'USD',
    balanceAfter: new Dec('50000'),
    counterpartyId: kind.startsWith('transfer') ? 'B' : null,
    channel: kind === 'deposit' || kind === 'withdrawal' ? 'cash' : null,
    occurredAt: at(minutes),
    position: seq,
    ...o,
  };
}

interface World {
  profiles: Map<string, AccountProfile>;
  recent: Map<string, Activity[]>;
  paid: Set<string>;
  tags: Map<string, FlowTag[]>;
  alerts: Detection[];
  population: Map<string, AmountDistribution>;
  /** `${account}|${counterparty}` → first exchange of money. */
  firstContact: Map<string, string>;
}

/** For an outflow of `m`: who paid its account (with their activity) and when each first dealt with it, as the projector gives them. */
function payersOf(w: World, m: Activity): { payers: Map<string, Activity[]>; firstContact: Map<string, string> } {
  const payers = new Map<string, Activity[]>();
  const firstContact = new Map<string, string>();
  if (m.kind !== 'withdrawal' && m.kind !== 'transfer_out') return { payers, firstContact };
  for (const a of w.recent.get(m.accountId) ?? []) {
    if (a.kind !== 'transfer_in' || a.counterpartyId === null) continue;
    payers.set(a.counterpartyId, w.recent.get(a.counterpartyId) ?? []);
    const first = w.firstContact.get(`${a.counterpartyId}|${m.accountId}`);
    if (first) firstContact.set(a.counterpartyId, first);
  }
  return { payers, firstContact };
}

/** A tiny in-memory projector: the same bookkeeping the anomaly projection does in SQL. */
function given(opened: Record<string, number> = { A: -400 * D, B: -400 * D, C: -400 * D }, config = new FraudConfig()) {
  const w: World = { profiles: new Map(), recent: new Map(), paid: new Set(), tags: new Map(), alerts: [], population: new Map(), firstContact: new Map() };
  for (const [id, minutes] of Object.entries(opened)) {
    w.profiles.set(id, { accountId: id, ownerId: id === 'A2' ? 'owner-1' : id === 'A' ? 'owner-1' : `owner-${id}`, currency: 'USD', openedAt: at(minutes), lastActivityAt: null, lastAlertAt: {}, baseline: emptyBaseline() });
  }
  const api = {
    happened(...moves: Activity[]) {
      for (const m of moves) {
        const p = w.profiles.get(m.accountId)!;
        const all = [...w.recent.values()].flat();
        const population = w.population.get(m.currency) ?? new AmountDistribution();
        w.population.set(m.currency, population);
        const r = evaluate(
          {
            movement: m,
            profile: p,
            recent: w.recent.get(m.accountId) ?? [],
            ownerRecent: all.filter((a) => a.ownerId === p.ownerId && a.accountId !== m.accountId),
            paidBefore: m.counterpartyId !== null && w.paid.has(`${m.accountId}|${m.counterpartyId}`),
            tags: m.kind === 'transfer_out' ? (w.tags.get(m.accountId) ?? []) : [],
            population,
            ...payersOf(w, m),
          },
          config.forCurrency(m.currency),
        );
        population.add(m.kind, bucketOf(m.amount));
        const lastAlertAt = { ...p.lastAlertAt };
        for (const d of r.detections) lastAlertAt[d.rule] = m.occurredAt;
        w.alerts.push(...r.detections);
        if (m.counterpartyId) for (const t of r.forward) w.tags.set(m.counterpartyId, [...(w.tags.get(m.counterpartyId) ?? []), t]);
        if (m.kind === 'transfer_out' && m.counterpartyId) w.paid.add(`${m.accountId}|${m.counterpartyId}`);
        if (m.counterpartyId && !w.firstContact.has(`${m.accountId}|${m.counterpartyId}`)) w.firstContact.set(`${m.accountId}|${m.counterpartyId}`, m.occurredAt);
        w.profiles.set(m.accountId, { ...p, lastActivityAt: m.occurredAt, lastAlertAt, baseline: updateBaseline(p.baseline, m) });
        w.recent.set(m.accountId, [...(w.recent.get(m.accountId) ?? []), { ...m, ownerId: p.ownerId }]);
      }
      return api;
    },
    /** A transfer: the debit on `from` and the credit on `to`, as the engine records it. */
    transfer(from: string, to: string, amount: string, minutes: number, balanceAfter = '50000') {
      const out = mv('transfer_out', amount, minutes, { accountId: from, counterpartyId: to, balanceAfter: new Dec(balanceAfter) });
      const inn = mv('transfer_in', amount, minutes, { accountId: to, counterpartyId: from, transactionId: out.transactionId });
      return api.happened(out, inn);
    },
    fired(rule: RuleId): Detection[] {
      return w.alerts.filter((a) => a.rule === rule);
    },
    world: w,
  };
  return api;
}

describe('large_transaction', () => {
  it('fires at the threshold (10,000.00), once per transfer', () => {
    const g = given().transfer('A', 'B', '10000.00', 0);
    expect(g.fired('large_transaction')).toHaveLength(1);
    expect(g.fired('large_transaction')[0]!.accountIds).toEqual(['A', 'B']);
    expect(g.fired('large_transaction')[0]!.evidence[0]!.amount).toBe('10000.00');
  });
  it('does not fire at 9,999.99', () => {
    expect(given().happened(mv('deposit', '9999.99', 0, { channel: 'wire' })).fired('large_transaction')).toHaveLength(0);
  });
  it('is high severity at five times the threshold', () => {
    expect(given().happened(mv('withdrawal', '50000.00', 0, { channel: 'wire' })).fired('large_transaction')[0]!.severity).toBe('high');
  });
  it('follows per-currency configuration', () => {
    const config = new FraudConfig({ currencies: { EUR: { large_transaction: { threshold: '5000.00' } } } });
    const g = given(undefined, config).happened(mv('deposit', '6000.00', 0, { currency: 'EUR', channel: 'wire' }), mv('deposit', '6000.00', 1, { channel: 'wire' }));
    expect(g.fired('large_transaction').map((d) => d.evidence[0]!.currency)).toEqual(['EUR']);
  });
});

describe('structuring', () => {
  it('fires on three cash deposits of 9,500 within 24 h', () => {
    const g = given().happened(mv('deposit', '9500.00', 0), mv('deposit', '9500.00', 8 * H), mv('deposit', '9500.00', 20 * H));
    const s = g.fired('structuring');
    expect(s).toHaveLength(1);
    expect(s[0]!.evidence.map((e) => e.amount)).toEqual(['9500.00', '9500.00', '9500.00']);
    expect(s[0]!.amount.toFixed(2)).toBe('28500.00');
  });
  it('does not fire on one deposit of 9,999.99', () => {
    expect(given().happened(mv('deposit', '9999.99', 0)).fired('structuring')).toHaveLength(0);
  });
  it('does not fire when the three deposits span more than 24 h', () => {
    expect(given().happened(mv('deposit', '9500.00', 0), mv('deposit', '9500.00', 13 * H), mv('deposit', '9500.00', 25 * H)).fired('structuring')).toHaveLength(0);
  });
  it('does not fire on deposits more than 10% under the threshold, nor on non-cash ones', () => {
    expect(given().happened(mv('deposit', '8999.99', 0), mv('deposit', '8999.99', 1), mv('deposit', '8999.99', 2)).fired('structuring')).toHaveLength(0);
    expect(given().happened(...[0, 1, 2].map((m) => mv('deposit', '9500.00', m, { channel: 'wire' }))).fired('structuring')).toHaveLength(0);
  });
  it('fires on cash withdrawals too', () => {
    expect(given().happened(mv('withdrawal', '9100.00', 0), mv('withdrawal', '9200.00', 60), mv('withdrawal', '9300.00', 120)).fired('structuring')).toHaveLength(1);
  });
  it('fires across the accounts of one owner', () => {
    const g = given({ A: -400 * D, A2: -400 * D }).happened(mv('deposit', '9500.00', 0), mv('deposit', '9600.00', 60, { accountId: 'A2' }), mv('deposit', '9700.00', 120));
    const s = g.fired('structuring');
    expect(s).toHaveLength(1);
    expect(new Set(s[0]!.accountIds)).toEqual(new Set(['A', 'A2']));
  });
});

describe('velocity', () => {
  it('fires on the 11th outgoing movement within an hour', () => {
    const moves = Array.from({ length: 11 }, (_, i) => mv('withdrawal', '20.00', i * 5, { channel: 'card' }));
    const g = given().happened(...moves);
    expect(g.fired('velocity')).toHaveLength(1);
    expect(g.fired('velocity')[0]!.evidence).toHaveLength(11);
  });
  it('does not fire on ten, or on eleven spread over more than an hour', () => {
    expect(given().happened(...Array.from({ length: 10 }, (_, i) => mv('withdrawal', '20.00', i, { channel: 'card' }))).fired('velocity')).toHaveLength(0);
    expect(given().happened(...Array.from({ length: 11 }, (_, i) => mv('withdrawal', '20.00', i * 7, { channel: 'card' }))).fired('velocity')).toHaveLength(0);
  });
  it('fires when more than 25,000 leaves within an hour in several movements', () => {
    expect(given().happened(mv('transfer_out', '9000.00', 0), mv('transfer_out', '9000.00', 10, { counterpartyId: 'C' }), mv('transfer_out', '9000.00', 20)).fired('velocity')).toHaveLength(1);
    expect(given().happened(mv('transfer_out', '9000.00', 0), mv('transfer_out', '9000.00', 10), mv('transfer_out', '6999.99', 20)).fired('velocity')).toHaveLength(0);
  });
});

describe('rapid_pass_through', () => {
  it('fires when 80% of a large incoming amount leaves within 48 h', () => {
    const g = given().happened(mv('transfer_in', '8000.00', 0), mv('transfer_out', '3000.00', 5 * H, { counterpartyId: 'C' }), mv('transfer_out', '3500.00', 30 * H, { counterpartyId: 'D' }));
    const p = g.fired('rapid_pass_through');
    expect(p).toHaveLength(1);
    expect(p[0]!.evidence.map((e) => e.kind)).toEqual(['transfer_in', 'transfer_out', 'transfer_out']);
  });
  it('does not fire when only 75% leaves, or when it leaves after the window', () => {
    expect(given().happened(mv('transfer_in', '8000.00', 0), mv('transfer_out', '6000.00', H)).fired('rapid_pass_through')).toHaveLength(0);
    expect(given().happened(mv('transfer_in', '8000.00', 0), mv('transfer_out', '7000.00', 49 * H)).fired('rapid_pass_through')).toHaveLength(0);
  });
  it('does not fire for small incoming amounts', () => {
    expect(given().happened(mv('deposit', '4999.99', 0, { channel: 'ach' }), mv('withdrawal', '4999.99', H, { channel: 'card' })).fired('rapid_pass_through')).toHaveLength(0);
  });
});

describe('round_trip', () => {
  it('fires when funds go A → B → C → A within 72 h', () => {
    const g = given().transfer('A', 'B', '3000.00', 0).transfer('B', 'C', '2900.00', 10 * H).transfer('C', 'A', '2800.00', 30 * H);
    const r = g.fired('round_trip');
    expect(r).toHaveLength(1);
    expect(r[0]!.accountIds).toEqual(['A', 'B', 'C']);
    expect(r[0]!.evidence).toHaveLength(3);
  });
  it('fires on a direct A → B → A', () => {
    expect(given().transfer('A', 'B', '2000.00', 0).transfer('B', 'A', '1900.00', H).fired('round_trip')).toHaveLength(1);
  });
  it('does not fire when the loop closes after 72 h, or carries too little back', () => {
    expect(given().transfer('A', 'B', '3000.00', 0).transfer('B', 'A', '2900.00', 73 * H).fired('round_trip')).toHaveLength(0);
    expect(given().transfer('A', 'B', '3000.00', 0).transfer('B', 'A', '2000.00', H).fired('round_trip')).toHaveLength(0);
  });
  it('does not start tracking transfers under the minimum', () => {
    const r = followFlow(
      { movement: mv('transfer_out', '999.99', 0), profile: given().world.profiles.get('A')!, recent: [], ownerRecent: [], paidBefore: false, tags: [], population: new AmountDistribution(), payers: new Map(), firstContact: new Map() },
      new FraudConfig().forCurrency('USD').round_trip,
    );
    expect(r.forward).toHaveLength(0);
  });
});

describe('dormant_reactivation', () => {
  it('fires when 5,000 moves after 180 days without activity', () => {
    const g = given().happened(mv('deposit', '100.00', 0, { channel: 'ach' }), mv('withdrawal', '6000.00', 200 * D, { channel: 'wire' }));
    expect(g.fired('dormant_reactivation')).toHaveLength(1);
  });
  it('does not fire after 179 days, or for a small amount', () => {
    expect(given().happened(mv('deposit', '100.00', 0, { channel: 'ach' }), mv('withdrawal', '6000.00', 179 * D, { channel: 'wire' })).fired('dormant_reactivation')).toHaveLength(0);
    expect(given().happened(mv('deposit', '100.00', 0, { channel: 'ach' }), mv('withdrawal', '4999.99', 200 * D, { channel: 'wire' })).fired('dormant_reactivation')).toHaveLength(0);
  });
});

describe('new_account_high_value', () => {
  it('fires when an account 2 days old moves 7,000', () => {
    expect(given({ A: -2 * D, B: -400 * D }).happened(mv('deposit', '7000.00', 0, { channel: 'wire' })).fired('new_account_high_value')).toHaveLength(1);
  });
  it('does not fire at 8 days old, nor under 5,000', () => {
    expect(given({ A: -8 * D, B: -400 * D }).happened(mv('deposit', '7000.00', 0, { channel: 'wire' })).fired('new_account_high_value')).toHaveLength(0);
    expect(given({ A: -2 * D, B: -400 * D }).happened(mv('deposit', '4999.99', 0, { channel: 'wire' })).fired('new_account_high_value')).toHaveLength(0);
  });
  it('stays quiet on the same account during its cool-down', () => {
    const g = given({ A: -1 * D, B: -400 * D }).happened(mv('deposit', '7000.00', 0, { channel: 'wire' }), mv('deposit', '7000.00', 60, { channel: 'wire' }));
    expect(g.fired('new_account_high_value')).toHaveLength(1);
  });
});

describe('balance_drain', () => {
  it('fires when an account is emptied to an account it never paid before', () => {
    expect(given().transfer('A', 'C', '4000.00', 0, '20.00').fired('balance_drain')).toHaveLength(1);
  });
  it('does not fire for a counterparty paid before, or when enough stays behind', () => {
    expect(given().transfer('A', 'C', '10.00', 0, '4000.00').transfer('A', 'C', '4000.00', H, '0.00').fired('balance_drain')).toHaveLength(0);
    expect(given().transfer('A', 'C', '4000.00', 0, '600.00').fired('balance_drain')).toHaveLength(0);
  });
  it('fires on a withdrawal that empties the account (a drain by any means), and on a drain in two steps', () => {
    expect(given().happened(mv('withdrawal', '950.00', 0, { balanceAfter: new Dec('0.00') })).fired('balance_drain')).toHaveLength(1);
    const g = given().transfer('A', 'C', '600.00', 0, '400.00').transfer('A', 'C', '400.00', 5, '0.00');
    expect(g.fired('balance_drain')).toHaveLength(1);
    expect(g.fired('balance_drain')[0]!.evidence).toHaveLength(2);
  });
  it('stays quiet on an account that sweeps its balance as a habit, and under the floor', () => {
    const g = given().happened(mv('withdrawal', '900.00', 0, { balanceAfter: new Dec('0.00') }), mv('deposit', '800.00', 7 * D), mv('withdrawal', '800.00', 7 * D + 60, { balanceAfter: new Dec('0.00') }));
    expect(g.fired('balance_drain')).toHaveLength(1);
    expect(given().happened(mv('withdrawal', '99.00', 0, { balanceAfter: new Dec('0.00') })).fired('balance_drain')).toHaveLength(0);
  });
  it('stays quiet while a new account (< 48 h) spends its opening deposit, its only inflow (warm-up), by transfer or withdrawal', () => {
    const funding = (amount: string) => mv('deposit', amount, -30, { balanceAfter: new Dec(amount) });
    expect(given({ A: -60, C: -400 * D }).happened(funding('500.00')).transfer('A', 'C', '500.00', 0, '0.00').fired('balance_drain')).toHaveLength(0);
    const inSteps = given({ A: -60 }).happened(funding('500.00'), mv('withdrawal', '100.00', 0, { balanceAfter: new Dec('400.00') }), mv('withdrawal', '400.00', 90, { balanceAfter: new Dec('0.00') }));
    expect(inSteps.fired('balance_drain')).toHaveLength(0);
    // An account opened long before its first deposit is not new.
    const old = given({ A: -30 * D }).happened(funding('500.00'), mv('withdrawal', '500.00', 0, { balanceAfter: new Dec('0.00') }));
    expect(old.fired('balance_drain')).toHaveLength(1);
  });
  it('fires again once the account holds other money than its opening deposit', () => {
    const g = given({ A: -60, B: -400 * D, C: -400 * D }).happened(mv('deposit', '500.00', -30, { balanceAfter: new Dec('500.00') }), mv('transfer_in', '300.00', -20, { counterpartyId: 'B', balanceAfter: new Dec('800.00') }));
    expect(g.transfer('A', 'C', '800.00', 0, '0.00').fired('balance_drain')).toHaveLength(1);
    const twice = given({ A: -60 }).happened(mv('deposit', '500.00', -30, { balanceAfter: new Dec('500.00') }), mv('deposit', '300.00', -20, { balanceAfter: new Dec('800.00') }));
    expect(twice.happened(mv('withdrawal', '800.00', 0, { balanceAfter: new Dec('0.00') })).fired('balance_drain')).toHaveLength(1);
  });
  it('subsumes the generic rules on the same movement, but a large amount is still reported as such', () => {
    const g = given({ A: -1 * D, B: -400 * D }).happened(mv('withdrawal', '20000.00', 0, { balanceAfter: new Dec('0.00'), channel: 'wire' }));
    expect(g.fired('balance_drain')).toHaveLength(1);
    expect(g.fired('new_account_high_value')).toHaveLength(0);
    expect(g.fired('large_transaction')).toHaveLength(1);
  });
});

describe('mule_cash_out', () => {
  it('fires when money received by transfer is cashed out within minutes, leaving the account nearly empty', () => {
    const inbound = (minutes: number) => mv('transfer_in', '2000.00', minutes, { accountId: 'C', counterpartyId: 'B', balanceAfter: new Dec('2005.00') });
    const g = given().happened(inbound(0), mv('withdrawal', '2000.00', 12, { accountId: 'C', balanceAfter: new Dec('5.00') }));
    expect(g.fired('mule_cash_out')).toHaveLength(1);
    expect(g.fired('mule_cash_out')[0]!.accountIds).toEqual(['C', 'B']);
  });
  it('does not fire after the window, or when the money received was a small part of the balance', () => {
    const inbound = mv('transfer_in', '2000.00', 0, { accountId: 'C', counterpartyId: 'B', balanceAfter: new Dec('2005.00') });
    expect(given().happened(inbound, mv('withdrawal', '2000.00', 90, { accountId: 'C', balanceAfter: new Dec('5.00') })).fired('mule_cash_out')).toHaveLength(0);
    const till = given().happened(mv('transfer_in', '100.00', 0, { accountId: 'C', counterpartyId: 'B', balanceAfter: new Dec('5100.00') }));
    expect(till.happened(mv('withdrawal', '5050.00', 10, { accountId: 'C', balanceAfter: new Dec('50.00') })).fired('mule_cash_out')).toHaveLength(0);
  });
});

describe('account_takeover', () => {
  const accounts = { V: -2 * H, W: -3 * H, M: -D, N: -D, Q: -400 * D };
  /** `from` sends `amount` to `to`, leaving `fromAfter`; `to` then holds `toAfter`. */
  const send = (from: string, to: string, amount: string, minutes: number, fromAfter: string, toAfter: string): Activity[] => {
    const out = mv('transfer_out', amount, minutes, { accountId: from, counterpartyId: to, balanceAfter: new Dec(fromAfter) });
    return [out, mv('transfer_in', amount, minutes, { accountId: to, counterpartyId: from, transactionId: out.transactionId, balanceAfter: new Dec(toAfter) })];
  };
  const funded = (id: string, amount: string, minutes: number) => mv('deposit', amount, minutes, { accountId: id, balanceAfter: new Dec(amount) });
  const cashOut = (id: string, amount: string, minutes: number, after = '0.00') => mv('withdrawal', amount, minutes, { accountId: id, balanceAfter: new Dec(after) });

  it("fires on the mule's cash-out of a victim's whole balance sent to it, with both sides in the evidence", () => {
    const g = given(accounts).happened(funded('V', '800.00', -60), ...send('V', 'M', '800.00', 0, '0.00', '805.00'), cashOut('M', '805.00', 12));
    const t = g.fired('account_takeover');
    expect(t).toHaveLength(1);
    expect(t[0]!.accountIds).toEqual(['M', 'V']);
    expect(t[0]!.evidence.map((e) => `${e.accountId} ${e.kind}`)).toEqual(['V transfer_out', 'M transfer_in', 'M withdrawal']);
    expect(t[0]!.severity).toBe('critical');
    // The drain and the cash-out of the mule say less: they stay quiet on that movement.
    expect(g.fired('mule_cash_out')).toHaveLength(0);
  });
  it('covers a drain in two steps, several victims, and a cash-out in two withdrawals', () => {
    const g = given(accounts).happened(
      funded('V', '1000.00', -60),
      funded('W', '500.00', -60),
      ...send('V', 'M', '600.00', 0, '400.00', '600.00'),
      ...send('V', 'M', '400.00', 5, '0.00', '1000.00'),
      ...send('W', 'M', '500.00', 50, '0.00', '1500.00'),
      cashOut('M', '750.00', 70, '750.00'),
      cashOut('M', '750.00', 80),
    );
    // The first withdrawal is half of the 1,500.00 stolen (under 80%): the second one fires, with both.
    const t = g.fired('account_takeover');
    expect(t).toHaveLength(1);
    expect(new Set(t[0]!.accountIds)).toEqual(new Set(['M', 'V', 'W']));
    expect(t[0]!.amount.toFixed(2)).toBe('1500.00');
    expect(t[0]!.evidence.filter((e) => e.kind === 'transfer_out').map((e) => `${e.accountId} ${e.amount}`)).toEqual(['V 600.00', 'V 400.00', 'W 500.00']);
    expect(t[0]!.evidence.filter((e) => e.kind === 'withdrawal')).toHaveLength(2);
  });
  it("raises one alert for a takeover of a new account: the victim's drain is in its evidence, not in an alert of its own", () => {
    const g = given(accounts).happened(funded('V', '800.00', -60), ...send('V', 'M', '800.00', 0, '0.00', '800.00'), cashOut('M', '800.00', 12));
    expect(g.fired('balance_drain')).toHaveLength(0);
    expect(g.fired('account_takeover')[0]!.evidence.map((e) => `${e.accountId} ${e.kind}`)).toContain('V transfer_out');
  });
  it('counts a drained balance from 1.00: a small balance taken whole is still taken', () => {
    const small = given(accounts).happened(funded('V', '3.19', -60), ...send('V', 'M', '3.19', 0, '0.00', '3.19'), cashOut('M', '3.19', 12));
    expect(small.fired('account_takeover')).toHaveLength(1);
    const dust = given(accounts).happened(funded('V', '0.90', -60), ...send('V', 'M', '0.90', 0, '0.00', '0.90'), cashOut('M', '0.90', 12));
    expect(dust.fired('account_takeover')).toHaveLength(0);
  });
  it('counts both steps of a drain as the stolen money: the first step is not what the mule held before', () => {
    const g = given(accounts).happened(funded('V', '1000.00', -60), ...send('V', 'M', '700.00', 0, '300.00', '700.00'), ...send('V', 'M', '300.00', 5, '0.00', '1000.00'), cashOut('M', '1000.00', 20));
    const t = g.fired('account_takeover');
    expect(t).toHaveLength(1);
    expect(t[0]!.amount.toFixed(2)).toBe('1000.00');
    expect(t[0]!.evidence.filter((e) => e.kind === 'transfer_in')).toHaveLength(2);
  });
  it('follows the money through a second mule', () => {
    const g = given(accounts).happened(funded('V', '800.00', -60), ...send('V', 'M', '800.00', 0, '0.00', '800.00'), ...send('M', 'N', '800.00', 10, '0.00', '800.00'), cashOut('N', '800.00', 20));
    expect(g.fired('account_takeover').map((d) => d.accountIds[0])).toEqual(['M', 'N']);
  });
  it('does not fire when the payee was paid before, part of the balance stayed, the money stays put, or the payee held more', () => {
    const paidBefore = given({ ...accounts, V: -2 * D }).happened(funded('V', '900.00', -D), ...send('V', 'M', '100.00', -D + 30, '800.00', '100.00'), ...send('V', 'M', '800.00', 0, '0.00', '900.00'), cashOut('M', '900.00', 10));
    expect(paidBefore.fired('account_takeover')).toHaveLength(0);
    const partial = given(accounts).happened(funded('V', '1000.00', -60), ...send('V', 'M', '750.00', 0, '250.00', '750.00'), cashOut('M', '750.00', 10));
    expect(partial.fired('account_takeover')).toHaveLength(0);
    const late = given(accounts).happened(funded('V', '800.00', -60), ...send('V', 'M', '800.00', 0, '0.00', '800.00'), cashOut('M', '800.00', 7 * H));
    expect(late.fired('account_takeover')).toHaveLength(0);
    const till = given(accounts).happened(funded('V', '80.00', -60), ...send('V', 'Q', '80.00', 0, '0.00', '5080.00'), cashOut('Q', '5000.00', 10, '80.00'));
    expect(till.fired('account_takeover')).toHaveLength(0);
  });
});

describe('fan_in', () => {
  it('fires when three senders pay a new account within a day', () => {
    const g = given({ A: -400 * D, B: -400 * D, E: -400 * D, M: -2 * D }).transfer('A', 'M', '300.00', 0).transfer('B', 'M', '300.00', 60).transfer('E', 'M', '300.00', 120);
    expect(g.fired('fan_in')).toHaveLength(1);
    expect(g.fired('fan_in')[0]!.accountIds[0]).toBe('M');
  });
  it('does not fire on an old account, or on small payments', () => {
    expect(given({ A: -400 * D, B: -400 * D, E: -400 * D, M: -60 * D }).transfer('A', 'M', '300.00', 0).transfer('B', 'M', '300.00', 60).transfer('E', 'M', '300.00', 120).fired('fan_in')).toHaveLength(0);
    expect(given({ A: -400 * D, B: -400 * D, E: -400 * D, M: -2 * D }).transfer('A', 'M', '30.00', 0).transfer('B', 'M', '30.00', 60).transfer('E', 'M', '30.00', 120).fired('fan_in')).toHaveLength(0);
  });
});

describe('adaptive thresholds', () => {
  it('raises the large-transaction floor to the population 99.5th percentile where ordinary amounts are large', () => {
    const g = given();
    for (let i = 0; i < 400; i++) g.happened(mv('deposit', String(20000 + i * 100), i, { accountId: 'B', channel: 'wire' }));
    const before = g.fired('large_transaction').length;
    g.happened(mv('deposit', '30000.00', 1000, { channel: 'wire' }), mv('deposit', '200000.00', 1001, { channel: 'wire' }));
    expect(g.fired('large_transaction').length - before).toBe(1);
  });
  it('does not count the deposit funding a new account as money passing through (warm-up)', () => {
    const g = given({ A: -60, B: -400 * D }).happened(mv('deposit', '6000.00', 0, { channel: 'ach' }), mv('transfer_out', '5000.00', 60, { balanceAfter: new Dec('1000.00') }));
    expect(g.fired('rapid_pass_through')).toHaveLength(0);
  });
});

describe('configuration', () => {
  it('disables a rule per currency and refuses unknown fields', () => {
    const config = new FraudConfig({ currencies: { USD: { large_transaction: { enabled: false } } } });
    expect(given(undefined, config).happened(mv('deposit', '20000.00', 0, { channel: 'wire' })).fired('large_transaction')).toHaveLength(0);
    expect(() => new FraudConfig({ defaults: { velocity: { maxCount: '10' as unknown as number } } })).toThrow(AppError);
    expect(() => new FraudConfig({ defaults: { nope: {} } as never })).toThrow(/unknown rule/);
    expect(() => new FraudConfig({ defaults: { large_transaction: { threshold: 10000 as unknown as string } } })).toThrow(/decimal string/);
  });
  it('scales built-in thresholds for JPY', () => {
    expect(new FraudConfig().forCurrency('JPY').large_transaction.threshold).toBe('1000000');
  });
});
