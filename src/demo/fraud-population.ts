import type { RuleId } from '../domain/fraud/config.ts';
import { Dec } from '../domain/money.ts';

/**
 * A seeded, reproducible population for `ledger demo --fraud` and the detection-quality test:
 * ordinary accounts with realistic noise (salaries, card spending, rent, friends, some cash, near
 * misses) plus planted patterns of every rule. Everything is planned on a simulated timeline; the
 * driver sets the engine's clock to each operation's planned instant.
 */

export type Op =
  | { at: number; kind: 'open'; account: string; ownerId: string }
  | { at: number; kind: 'deposit' | 'withdraw'; account: string; amount: string; channel: string }
  | { at: number; kind: 'transfer'; account: string; to: string; amount: string };

export interface Planted {
  rule: RuleId;
  /** Logical account keys of the pattern; an alert of the rule on any of them detects it. */
  accounts: string[];
}

export interface Population {
  ops: Op[];
  planted: Planted[];
  accounts: number;
  start: number;
  days: number;
}

export interface PopulationOptions {
  seed: number;
  accounts: number;
  /** Planted instances of each rule. */
  perRule: number;
  days?: number;
  start?: string;
}

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

/** mulberry32: a small, well-known seeded PRNG. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function generatePopulation(o: PopulationOptions): Population {
  const rnd = prng(o.seed);
  const days = o.days ?? 240;
  const start = Date.parse(o.start ?? '2025-01-01T00:00:00.000Z');
  const ops: Op[] = [];
  const planted: Planted[] = [];
  const int = (lo: number, hi: number) => lo + Math.floor(rnd() * (hi - lo + 1));
  const chance = (p: number) => rnd() < p;
  /** A random amount in [lo, hi] in cents, as a decimal string; the draw is an integer of cents. */
  const amount = (lo: string, hi: string): string => {
    const l = new Dec(lo).times(100);
    const span = new Dec(hi).times(100).minus(l);
    return l.plus(span.times(Math.floor(rnd() * 1_000_000)).div(1_000_000).floor()).div(100).toFixed(2);
  };
  // Noise is quantised to 6-hour slots, planted patterns to the minute: the driver sends the operations of one
  // instant together (one group commit), so coarse noise keeps the replay fast without touching the patterns.
  const hourOf = (t: number) => Math.floor(t / (6 * HOUR)) * 6 * HOUR;
  const minuteOf = (t: number) => Math.floor(t / MIN) * MIN;
  const end = start + days * DAY;

  /** Own balance as the generator knows it (incoming transfers ignored: outflows stay affordable). */
  const balance = new Map<string, Dec>();
  const ownerOf = new Map<string, string>();
  const openedAtOf = new Map<string, number>();
  const push = (op: Op) => ops.push(op);
  const open = (account: string, ownerId: string, at: number) => {
    balance.set(account, new Dec(0));
    ownerOf.set(account, ownerId);
    openedAtOf.set(account, at);
    push({ at, kind: 'open', account, ownerId });
  };
  const credit = (account: string, amt: string) => balance.set(account, balance.get(account)!.plus(amt));
  const canSpend = (account: string, amt: string, keep = '0') => balance.get(account)!.minus(amt).gte(keep);
  const deposit = (account: string, at: number, amt: string, channel: string) => {
    credit(account, amt);
    push({ at, kind: 'deposit', account, amount: amt, channel });
  };
  const withdraw = (account: string, at: number, amt: string, channel: string, keep = '0') => {
    if (!canSpend(account, amt, keep)) return false;
    balance.set(account, balance.get(account)!.minus(amt));
    push({ at, kind: 'withdraw', account, amount: amt, channel });
    return true;
  };
  const transfer = (from: string, to: string, at: number, amt: string, keep = '0') => {
    if (!canSpend(from, amt, keep)) return false;
    balance.set(from, balance.get(from)!.minus(amt));
    push({ at, kind: 'transfer', account: from, to, amount: amt });
    return true;
  };

  // ── Ordinary population. Per-account events are generated in time order so balances are known. ──
  const ordinary: string[] = [];
  const landlords: string[] = [];
  for (let i = 0; i < o.accounts; i++) {
    const key = `acct-${i}`;
    const owner = i > 0 && chance(0.08) ? `owner-${i - 1}` : `owner-${i}`;
    const late = chance(0.1);
    const openedAt = hourOf(start + (late ? int(20, days - 10) : int(0, 20)) * DAY + int(8, 18) * HOUR);
    open(key, owner, openedAt);
    ordinary.push(key);
    if (i % 40 === 0) landlords.push(key);
  }
  for (const key of ordinary) {
    const openedAt = openedAtOf.get(key)!;
    const friends = Array.from({ length: int(1, 3) }, () => ordinary[int(0, ordinary.length - 1)]!).filter((f) => f !== key);
    const landlord = landlords[int(0, landlords.length - 1)]!;
    const rent = amount('450', '1600');
    const salary = amount('1800', '4600');
    const quietFrom = chance(0.03) ? openedAt + int(10, 30) * DAY : Infinity;
    const returnsAt = quietFrom !== Infinity && chance(0.5) ? quietFrom + int(185, 200) * DAY : Infinity;
    const timeline: Array<{ at: number; f: (at: number) => void }> = [];
    timeline.push({ at: openedAt + HOUR, f: (at) => deposit(key, at, amount('50', '2500'), chance(0.5) ? 'cash' : 'ach') });
    for (let t = openedAt + int(1, 28) * DAY; t < end; t += int(29, 31) * DAY) timeline.push({ at: hourOf(t + 9 * HOUR), f: (at) => deposit(key, at, salary, 'ach') });
    for (let t = openedAt + int(2, 30) * DAY; t < end; t += int(29, 31) * DAY) {
      if (landlord !== key && openedAtOf.get(landlord)! < t) timeline.push({ at: hourOf(t + 10 * HOUR), f: (at) => void transfer(key, landlord, at, rent, '50') });
    }
    for (let t = openedAt + int(1, 5) * DAY; t < end; t += int(6, 16) * DAY) timeline.push({ at: hourOf(t + int(8, 22) * HOUR), f: (at) => void withdraw(key, at, amount('4', '180'), 'card', '20') });
    for (let t = openedAt + int(5, 20) * DAY; t < end; t += int(20, 50) * DAY) {
      const friend = friends[int(0, friends.length - 1)];
      if (friend && openedAtOf.get(friend)! < t) timeline.push({ at: hourOf(t + int(8, 22) * HOUR), f: (at) => void transfer(key, friend, at, amount('10', '300'), '50') });
    }
    for (let t = openedAt + int(10, 60) * DAY; t < end; t += int(30, 90) * DAY) {
      timeline.push({ at: hourOf(t + int(9, 17) * HOUR), f: (at) => (chance(0.6) ? deposit(key, at, amount('40', '3000'), 'cash') : void withdraw(key, at, amount('40', '800'), 'cash', '20')) });
    }
    // Near misses: a single cash deposit just under the reporting threshold; a big but legal purchase.
    if (chance(0.01)) timeline.push({ at: hourOf(openedAt + int(30, 200) * DAY), f: (at) => deposit(key, at, amount('9000', '9999.99'), 'cash') });
    if (chance(0.01)) timeline.push({ at: hourOf(openedAt + int(60, 200) * DAY), f: (at) => void withdraw(key, at, amount('3000', '9500'), 'wire', '100') });
    if (returnsAt < end) timeline.push({ at: hourOf(returnsAt), f: (at) => deposit(key, at, amount('100', '4900'), 'ach') });
    timeline
      .filter((e) => e.at < end && (e.at < quietFrom || e.at >= returnsAt))
      .sort((a, b) => a.at - b.at)
      .forEach((e) => e.f(e.at));
  }

  // ── Planted patterns, each on dedicated accounts whose balances the generator controls. ──
  let n = 0;
  const fresh = (openedAt: number, funding: string[] = []) => {
    const key = `plant-${n++}`;
    open(key, `owner-p${n}`, minuteOf(openedAt));
    funding.forEach((amt, i) => deposit(key, minuteOf(openedAt + (i + 1) * 3 * DAY), amt, 'ach'));
    return key;
  };
  // Patterns other than dormancy happen while their accounts are still fresh from funding (well under 180 days).
  const when = () => minuteOf(start + int(40, 170) * DAY + int(8, 16) * HOUR);
  const old = () => start + int(0, 10) * DAY;
  for (let i = 0; i < o.perRule; i++) {
    {
      const a = fresh(old(), ['3000', '3000']);
      deposit(a, when(), amount('12000', '60000'), 'wire');
      planted.push({ rule: 'large_transaction', accounts: [a] });
    }
    {
      const a = fresh(old(), ['1000']);
      const t = when();
      const count = int(3, 4);
      if (i % 3 === 2) {
        // Across two accounts of one owner.
        const b = `plant-${n++}`;
        open(b, ownerOf.get(a)!, minuteOf(old()));
        for (let k = 0; k < count; k++) deposit(k % 2 ? b : a, minuteOf(t + k * int(2, 6) * HOUR), amount('9050', '9950'), 'cash');
        planted.push({ rule: 'structuring', accounts: [a, b] });
      } else {
        for (let k = 0; k < count; k++) deposit(a, minuteOf(t + k * int(2, 6) * HOUR), amount('9050', '9950'), 'cash');
        planted.push({ rule: 'structuring', accounts: [a] });
      }
    }
    {
      const a = fresh(old(), ['2500', '2500']);
      const t = when();
      for (let k = 0; k < int(12, 16); k++) withdraw(a, t + k * 3 * MIN, amount('20', '250'), 'card');
      planted.push({ rule: 'velocity', accounts: [a] });
    }
    {
      const a = fresh(old(), ['1500', '1500']);
      const outs = [fresh(old(), ['500']), fresh(old(), ['500'])];
      const t = when();
      const inc = amount('6000', '9500');
      deposit(a, t, inc, 'wire');
      const total = new Dec(inc).times(amount('0.85', '0.95'));
      const first = total.times('0.55').toFixed(2);
      transfer(a, outs[0]!, minuteOf(t + int(2, 12) * HOUR), first);
      transfer(a, outs[1]!, minuteOf(t + int(13, 40) * HOUR), total.minus(first).toFixed(2));
      planted.push({ rule: 'rapid_pass_through', accounts: [a] });
    }
    {
      const hops = int(2, 3);
      const ring = Array.from({ length: hops }, () => fresh(old(), ['4900']));
      const t = when();
      let amt = new Dec(amount('1500', '4500'));
      for (let k = 0; k < hops; k++) {
        transfer(ring[k]!, ring[(k + 1) % hops]!, minuteOf(t + k * int(3, 20) * HOUR), amt.toFixed(2));
        amt = amt.times(amount('0.9', '0.99')).toDecimalPlaces(2);
      }
      planted.push({ rule: 'round_trip', accounts: ring });
    }
    {
      const a = fresh(start + int(0, 5) * DAY, ['800']);
      deposit(a, minuteOf(start + int(200, days - 2) * DAY + int(8, 16) * HOUR), amount('6000', '9500'), 'wire');
      planted.push({ rule: 'dormant_reactivation', accounts: [a] });
    }
    {
      const openedAt = start + int(100, days - 10) * DAY;
      const a = fresh(openedAt);
      deposit(a, minuteOf(openedAt + int(6, 100) * HOUR), amount('6000', '9500'), 'wire');
      planted.push({ rule: 'new_account_high_value', accounts: [a] });
    }
    {
      const a = fresh(old(), ['2000', '2500']);
      const t = when();
      let mule = ordinary[int(0, ordinary.length - 1)]!;
      while (openedAtOf.get(mule)! >= t) mule = ordinary[int(0, ordinary.length - 1)]!;
      const all = balance.get(a)!;
      transfer(a, mule, t, all.times(amount('0.96', '1')).toFixed(2));
      planted.push({ rule: 'balance_drain', accounts: [a] });
    }
  }

  ops.sort((a, b) => a.at - b.at);
  return { ops, planted, accounts: balance.size, start, days };
}
