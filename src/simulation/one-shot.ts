import { Dec } from '../domain/money.ts';
import { DAY, MIN } from '../demo/population-planner.ts';
import { type SimPopulation, World, cashOut } from './mobile-money.ts';

/**
 * The second population shape of the fraud benchmark (`npm run bench:fraud -- --population one-shot`),
 * planned apart from the mobile-money one (own planner, own random stream): every sender is a NEW
 * account, opened and funded with its opening balance, that then makes one to three movements —
 * payments to merchants, transfers to people, cash-outs — some of them legitimately emptying the
 * account. So most senders are one-shot, and rules that learn from an account's history see little.
 *
 * Injected takeovers, a configurable share of the senders: the victim (funded like the others, a
 * third of them after a small payment of their own) loses its whole balance (15%: nearly all, 92-99%)
 * to a mule, one step or two; a third of the mules collect from 2-4 victims; mules are new accounts
 * (half funded with a small opening balance of their own) that cash out within minutes of the last
 * victim, one or two withdrawals, 15% after passing the money to a second mule.
 *
 * Hard negatives: a person receiving a transfer cashes out at once (10% of the transfers to people),
 * which with a sender that sends everything is a takeover to one event; merchants sweep their till.
 */

export interface OneShotOptions {
  seed: number;
  senders: number;
  /** Share of the senders that are takeover victims (0.05-0.25). */
  fraudRate?: number;
  days?: number;
  start?: string;
}

/** Offset from the mobile-money simulator's seeds: the same seed number gives an unrelated stream. */
const STREAM = 1_000_003;

export function simulateOneShot(o: OneShotOptions): SimPopulation {
  const w = new World(o.seed + STREAM);
  const days = o.days ?? 14;
  const start = Date.parse(o.start ?? '2025-06-01T00:00:00.000Z');
  const end = start + (days + 1) * DAY;
  const when = () => start + w.int(0, days * 24 * 60 - 1) * MIN;

  const merchants = Array.from({ length: Math.max(5, Math.round(o.senders / 40)) }, () => w.open('mer', start));
  for (const m of merchants) sweepTill(w, m, start, days);
  const people = Array.from({ length: Math.max(10, Math.round(o.senders / 10)) }, () => {
    const key = w.open('per', start);
    w.later(start + MIN, (t) => w.deposit(key, t, w.lognormal(300, 1), 'cash'));
    return key;
  });
  const victims = Math.round(o.senders * (o.fraudRate ?? 0.15));
  for (let i = 0; i < o.senders - victims; i++) planSender(w, merchants, people, when());
  let takeovers = 0;
  for (let left = victims; left > 0; takeovers++) {
    const n = Math.min(left, w.chance(0.3) ? w.int(2, 4) : 1);
    planTakeover(w, merchants, n, when());
    left -= n;
  }
  w.runUntil(end);
  return { ...w.labeled(), start, days, takeovers };
}

/** A new account with its opening balance, then its movements: usually part of it, sometimes all (12% of last movements). */
function planSender(w: World, merchants: string[], people: string[], t: number): void {
  const key = w.open('one', t);
  w.later(t + MIN, (at) => w.deposit(key, at, w.lognormal(300, 1.1), 'cash'));
  const moves = w.chance(0.6) ? 1 : w.chance(0.6) ? 2 : 3;
  let at = t + 2 * MIN;
  for (let k = 0; k < moves; k++) {
    at += w.int(2, 240) * MIN;
    const last = k === moves - 1;
    w.later(at, (now) => {
      const b = w.balance.get(key)!;
      const amount = last && w.chance(0.12) ? b : b.times(0.05 + w.r() * 0.8).toDecimalPlaces(2, Dec.ROUND_DOWN);
      const roll = w.r();
      if (roll < 0.5) w.transfer(key, w.pick(merchants), now, amount);
      else if (roll < 0.75) sendToPerson(w, key, w.pick(people), now, amount);
      else w.withdraw(key, now, amount, 'cash');
    });
  }
}

/** A transfer to a person, who now and then cashes out everything at once (a remittance collected at an agent). */
function sendToPerson(w: World, from: string, to: string, at: number, amount: Dec): void {
  if (!w.transfer(from, to, at, amount) || !w.chance(0.1)) return;
  w.later(at + w.int(5, 60) * MIN, (t) => w.withdraw(to, t, w.balance.get(to)!, 'cash'));
}

function sweepTill(w: World, m: string, start: number, days: number): void {
  const every = w.int(2, 7);
  for (let d = every; d < days; d += every) {
    w.later(start + d * DAY + w.int(18 * 60, 21 * 60) * MIN, (t) => w.withdraw(m, t, w.balance.get(m)!.times(0.85 + w.r() * 0.15).toDecimalPlaces(2, Dec.ROUND_DOWN), 'wire'));
  }
}

/** `n` victims drained into one new mule within a few hours; the mule (or a second one) cashes out within minutes. */
function planTakeover(w: World, merchants: string[], n: number, t: number): void {
  const mule = w.open('mul', t - w.int(30, 2 * 24 * 60) * MIN);
  if (w.chance(0.5)) w.later(w.openedAt.get(mule)! + MIN, (at) => w.deposit(mule, at, w.lognormal(20, 0.8), 'cash'));
  let at = t;
  for (let i = 0; i < n; i++) {
    const victim = w.open('one', at - w.int(10, 600) * MIN);
    const opened = w.openedAt.get(victim)!;
    w.later(opened + MIN, (now) => w.deposit(victim, now, w.lognormal(400, 1.1), 'cash'));
    if (w.chance(1 / 3)) w.later(opened + 2 * MIN, (now) => w.transfer(victim, w.pick(merchants), now, w.balance.get(victim)!.times(0.05 + w.r() * 0.25).toDecimalPlaces(2, Dec.ROUND_DOWN)));
    w.later(at, (now) => drain(w, victim, mule, now));
    at += w.int(3, 60) * MIN;
  }
  const layer = w.chance(0.15) ? w.open('mul', t - w.int(60, 24 * 60) * MIN) : null;
  w.later(at + w.int(2, 40) * MIN, (now) => {
    if (!layer) return cashOut(w, mule, now);
    w.transfer(mule, layer, now, w.balance.get(mule)!, true);
    w.later(now + w.int(2, 30) * MIN, (later) => cashOut(w, layer, later));
  });
}

/** The whole balance (15%: 92-99% of it) to the mule, in one step or (20%) two. */
function drain(w: World, victim: string, mule: string, at: number): void {
  const b = w.balance.get(victim)!;
  const take = w.chance(0.15) ? b.times(0.92 + w.r() * 0.07).toDecimalPlaces(2, Dec.ROUND_DOWN) : b;
  if (!w.chance(0.2)) {
    w.transfer(victim, mule, at, take, true);
    return;
  }
  const first = take.times(0.4 + w.r() * 0.3).toDecimalPlaces(2, Dec.ROUND_DOWN);
  w.transfer(victim, mule, at, first, true);
  w.later(at + w.int(1, 15) * MIN, (t) => w.transfer(victim, mule, t, take.minus(first), true));
}
