import { Dec } from '../domain/money.ts';
import type { Op, Population } from '../demo/fraud-population.ts';
import { DAY, HOUR, MIN, prng } from '../demo/population-planner.ts';

/**
 * A labeled, agent-based mobile-money population for the fraud benchmark (`npm run bench:fraud`),
 * separate from the demo's generator: its purpose is to measure, not to show every rule once.
 *
 * Agents: employers paying salaries by transfer, customers (salaried or informal earners who cash
 * in at agents), merchants who sweep their till, one-shot users (a new account funded with its
 * opening balance that makes one payment), and cash-in/cash-out agents (cash deposits and
 * withdrawals). Customers pay their usual merchants, send money to family, cash out; some
 * sweep most of their balance after payday (a legitimate drain).
 *
 * Injected fraud (labeled per operation and per account): account takeovers that move the victim's
 * whole balance, by transfer to a mule or by direct cash-out, in one or two steps; mules that are
 * new accounts or recruited customers, that collect from one or several victims, that pass the
 * money on to a second mule or cash it out within minutes. A tenth of takeovers leave 15-30% behind
 * (the rules should not find everything).
 *
 * Every random draw goes through one seeded PRNG, so a seed and a size give the same population.
 */

export interface SimOptions {
  seed: number;
  customers: number;
  days?: number;
  start?: string;
  /** Takeovers per 1,000 customers over the run. */
  takeoversPer1000?: number;
  /** One-shot users per customer. */
  oneShotShare?: number;
}

export interface SimPopulation extends Population {
  /** Op indexes of the fraudulent outflows (transfers and withdrawals). */
  fraudOps: Set<number>;
  /** Logical keys of accounts that sent fraudulent money (victims whose balance was taken, mules). */
  fraudSenders: Set<string>;
  takeovers: number;
}

interface Action {
  at: number;
  run: (at: number) => void;
}

/** The simulated world: balances tracked exactly (incoming transfers included), operations in time order. */
export class World {
  readonly ops: Op[] = [];
  readonly fraudOps = new Set<number>();
  readonly fraudSenders = new Set<string>();
  readonly balance = new Map<string, Dec>();
  readonly openedAt = new Map<string, number>();
  private readonly rnd: () => number;
  /** Pending actions in time order (ties: first queued first); `next` is the first not yet run. */
  private queue: Action[] = [];
  private next = 0;
  private n = 0;

  constructor(seed: number) {
    this.rnd = prng(seed);
  }

  readonly r = (): number => this.rnd();
  readonly int = (lo: number, hi: number): number => lo + Math.floor(this.rnd() * (hi - lo + 1));
  readonly chance = (p: number): boolean => this.rnd() < p;
  pick<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.rnd() * xs.length)]!;
  }
  /** Log-normal amount around `median` (spread sigma), in cents, at least 1.00. */
  readonly lognormal = (median: number, sigma: number): Dec => {
    const u = Math.max(1e-9, this.rnd());
    const z = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.rnd());
    return Dec.max(new Dec(1), new Dec(median * Math.exp(sigma * z)).toDecimalPlaces(2));
  };

  /** Queues `run` for the minute of `at`; it is given that minute. */
  later(at: number, run: (at: number) => void): void {
    const minute = Math.floor(at / MIN) * MIN;
    let lo = this.next;
    let hi = this.queue.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.queue[mid]!.at <= minute) lo = mid + 1;
      else hi = mid;
    }
    this.queue.splice(lo, 0, { at: minute, run });
  }

  /** Runs queued actions in time order (actions may queue further ones, never in the past) until `until`. */
  runUntil(until: number): void {
    while (this.next < this.queue.length && this.queue[this.next]!.at < until) {
      const action = this.queue[this.next++]!;
      action.run(action.at);
    }
  }

  open(prefix: string, at: number, owner?: string): string {
    const key = `${prefix}-${this.n++}`;
    this.balance.set(key, new Dec(0));
    this.openedAt.set(key, at);
    this.ops.push({ at, kind: 'open', account: key, ownerId: owner ?? `own-${key}` });
    return key;
  }

  deposit(key: string, at: number, amount: Dec, channel: string): void {
    this.balance.set(key, this.balance.get(key)!.plus(amount));
    this.ops.push({ at, kind: 'deposit', account: key, amount: amount.toFixed(2), channel });
  }

  /** A withdrawal when affordable; returns the amount, or null. */
  withdraw(key: string, at: number, amount: Dec, channel: string, fraud = false): Dec | null {
    const b = this.balance.get(key)!;
    if (amount.lte(0) || amount.gt(b)) return null;
    this.balance.set(key, b.minus(amount));
    this.mark(fraud, key);
    this.ops.push({ at, kind: 'withdraw', account: key, amount: amount.toFixed(2), channel });
    return amount;
  }

  transfer(from: string, to: string, at: number, amount: Dec, fraud = false): Dec | null {
    const b = this.balance.get(from)!;
    if (from === to || amount.lte(0) || amount.gt(b) || !(this.openedAt.get(to)! < at)) return null;
    this.balance.set(from, b.minus(amount));
    this.balance.set(to, this.balance.get(to)!.plus(amount));
    this.mark(fraud, from);
    this.ops.push({ at, kind: 'transfer', account: from, to, amount: amount.toFixed(2) });
    return amount;
  }

  /** The operations in time order (empty deposits dropped) with their labels. */
  labeled(): Pick<SimPopulation, 'ops' | 'planted' | 'accounts' | 'fraudOps' | 'fraudSenders'> {
    const ops = this.ops.filter((op) => !(op.kind === 'deposit' && op.amount === '0.00'));
    const keep = new Map<Op, number>(ops.map((op, i) => [op, i]));
    const fraudOps = new Set<number>();
    for (const i of this.fraudOps) {
      const j = keep.get(this.ops[i]!);
      if (j !== undefined) fraudOps.add(j);
    }
    const order = ops.map((op, i) => ({ op, i })).sort((a, b) => a.op.at - b.op.at || a.i - b.i);
    const remap = new Map(order.map((x, j) => [x.i, j]));
    return { ops: order.map((x) => x.op), planted: [], accounts: this.balance.size, fraudOps: new Set([...fraudOps].map((i) => remap.get(i)!)), fraudSenders: this.fraudSenders };
  }

  private mark(fraud: boolean, sender: string): void {
    if (!fraud) return;
    this.fraudOps.add(this.ops.length);
    this.fraudSenders.add(sender);
  }
}

interface Customer {
  key: string;
  salaried: boolean;
  /** Typical payment size. */
  spend: number;
  income: number;
  merchants: string[];
  family: string[];
  /** Cashes out most of the balance after being paid (a legitimate drain, every month). */
  sweeper: boolean;
}

export function simulateMobileMoney(o: SimOptions): SimPopulation {
  const w = new World(o.seed);
  const days = o.days ?? 45;
  const start = Date.parse(o.start ?? '2025-03-01T00:00:00.000Z');
  const end = start + days * DAY;
  const dayAt = (d: number, h0: number, h1: number) => start + d * DAY + w.int(h0 * 60, h1 * 60) * MIN;

  const employers = Array.from({ length: Math.max(2, Math.round(o.customers / 80)) }, () => w.open('emp', start));
  const merchants = Array.from({ length: Math.max(5, Math.round(o.customers / 15)) }, () => w.open('mer', start));
  const customers: Customer[] = [];
  for (let i = 0; i < o.customers; i++) {
    const late = w.chance(0.2);
    const openedAt = late ? dayAt(w.int(1, days - 5), 7, 20) : start + w.int(0, 6 * 60) * MIN;
    const key = w.open('cus', openedAt);
    const salaried = w.chance(0.55);
    const income = w.lognormal(salaried ? 900 : 350, 0.6).toNumber();
    customers.push({ key, salaried, income, spend: Math.max(3, income / w.int(15, 40)), merchants: Array.from({ length: w.int(2, 6) }, () => w.pick(merchants)), family: [], sweeper: w.chance(0.12) });
  }
  for (const c of customers) c.family = Array.from({ length: w.int(0, 3) }, () => w.pick(customers).key).filter((k) => k !== c.key);

  planEmployers(w, employers, customers, start, days);
  for (const c of customers) planCustomer(w, c, start, days);
  for (const m of merchants) planMerchant(w, m, start, days);
  const oneShots = Math.round(o.customers * (o.oneShotShare ?? 0.5));
  for (let i = 0; i < oneShots; i++) planOneShot(w, customers, merchants, dayAt(w.int(0, days - 1), 6, 22));
  const takeovers = Math.round((o.customers * (o.takeoversPer1000 ?? 100)) / 1000);
  for (let i = 0; i < takeovers; i++) planTakeover(w, customers, dayAt(w.int(3, days - 1), 0, 23));
  w.runUntil(end);
  return { ...w.labeled(), start, days, takeovers };
}

/** Employers are funded by bank deposits and pay their employees' salaries by transfer, monthly. */
function planEmployers(w: World, employers: string[], customers: Customer[], start: number, days: number): void {
  const staff = new Map<string, Customer[]>(employers.map((e) => [e, []]));
  for (const c of customers) if (c.salaried) staff.get(w.pick(employers))!.push(c);
  for (const [e, people] of staff) {
    const payday = w.int(0, 27);
    for (let d = payday; d < days; d += 30) {
      const at = start + d * DAY + 6 * HOUR;
      const total = people.reduce((acc, c) => acc.plus(new Dec(c.income).toDecimalPlaces(2)), new Dec(0));
      w.later(at, (t) => w.deposit(e, t, total.plus(100), 'wire'));
      for (const c of people) w.later(at + w.int(10, 180) * MIN, (t) => w.transfer(e, c.key, t, new Dec(c.income).toDecimalPlaces(2)));
    }
  }
}

/** A customer's month: income, merchant payments, family transfers, cash-outs (sweepers take most of it). */
function planCustomer(w: World, c: Customer, start: number, days: number): void {
  const opened = w.openedAt.get(c.key)!;
  w.later(opened + w.int(5, 120) * MIN, (t) => w.deposit(c.key, t, w.lognormal(c.income / 3, 0.5), 'cash'));
  for (let d = 0; d < days; d++) {
    const day = start + d * DAY;
    if (day + DAY < opened) continue;
    const at = (h0: number, h1: number) => Math.max(opened + 3 * HOUR, day + w.int(h0 * 60, h1 * 60) * MIN);
    if (!c.salaried && w.chance(0.18)) {
      w.later(at(7, 19), (t) => w.deposit(c.key, t, w.lognormal(c.income / 4, 0.5), 'cash'));
    }
    for (let k = 0; k < 2; k++) {
      if (!w.chance(0.25)) continue;
      w.later(at(7, 22), (t) => w.transfer(c.key, w.pick(c.merchants), t, w.lognormal(c.spend, 0.8)));
    }
    if (c.family.length && w.chance(0.05)) {
      w.later(at(8, 22), (t) => w.transfer(c.key, w.pick(c.family), t, w.lognormal(c.income / 8, 0.7)));
    }
    if (w.chance(c.sweeper ? 0.08 : 0.06)) {
      w.later(at(8, 20), (t) => {
        const b = w.balance.get(c.key)!;
        const share = c.sweeper ? 0.9 + w.r() * 0.1 : 0.2 + w.r() * 0.5;
        w.withdraw(c.key, t, b.times(share).toDecimalPlaces(2, Dec.ROUND_DOWN), 'cash');
      });
    }
  }
}

/** Merchants sweep most of the till to the bank every few days. */
function planMerchant(w: World, m: string, start: number, days: number): void {
  const every = w.int(2, 7);
  for (let d = every; d < days; d += every) {
    w.later(start + d * DAY + w.int(18 * 60, 21 * 60) * MIN, (t) => w.withdraw(m, t, w.balance.get(m)!.times(0.85 + w.r() * 0.15).toDecimalPlaces(2, Dec.ROUND_DOWN), 'wire'));
  }
}

/** A new account funded with its opening balance that makes one payment, transfer or cash-out, usually of part of it. */
function planOneShot(w: World, customers: Customer[], merchants: string[], t: number): void {
  const key = w.open('one', t);
  const opening = w.lognormal(250, 1.1);
  w.later(t + MIN, (at) => w.deposit(key, at, opening, 'cash'));
  w.later(t + w.int(2, 240) * MIN, (when) => {
    const share = w.chance(0.06) ? new Dec(1) : new Dec(0.05 + w.r() * 0.8);
    const amount = opening.times(share).toDecimalPlaces(2, Dec.ROUND_DOWN);
    const roll = w.r();
    if (roll < 0.5) w.transfer(key, w.pick(merchants), when, amount);
    else if (roll < 0.75) w.transfer(key, w.pick(customers).key, when, amount);
    else w.withdraw(key, when, amount, 'cash');
  });
}

type MuleKind = 'new' | 'recruited' | 'direct';

/**
 * An account takeover at `t`: the victim's balance goes, in one or two steps, to a mule (or straight
 * out at an agent); the mule sometimes collects from more victims, sometimes passes it on, then
 * cashes out within minutes.
 */
function planTakeover(w: World, customers: Customer[], t: number): void {
  const kind: MuleKind = w.pick(['new', 'new', 'new', 'recruited', 'direct'] as const);
  const oneShotVictim = w.chance(0.3);
  const victims = Array.from({ length: kind === 'direct' ? 1 : w.chance(0.25) ? w.int(2, 4) : 1 }, () => {
    if (!oneShotVictim) return w.pick(customers).key;
    const v = w.open('one', t - w.int(30, 600) * MIN);
    w.later(w.openedAt.get(v)! + MIN, (at) => w.deposit(v, at, w.lognormal(600, 1), 'cash'));
    return v;
  });
  const mule = kind === 'new' ? w.open('mul', t - w.int(30, 4 * 24 * 60) * MIN) : kind === 'recruited' ? w.pick(customers).key : null;
  if (mule && kind === 'new' && w.chance(0.5)) w.later(w.openedAt.get(mule)! + 5 * MIN, (at) => w.deposit(mule, at, w.lognormal(10, 0.5), 'cash'));
  const partial = w.chance(0.1);
  let at = t;
  for (const v of victims) {
    w.later(at, (when) => steal(w, v, mule, when, partial));
    at += w.int(3, 90) * MIN;
  }
  if (!mule) return;
  const cashAt = at + w.int(2, 40) * MIN;
  const layer = w.chance(0.2) ? w.open('mul', t - w.int(60, 2 * 24 * 60) * MIN) : null;
  w.later(cashAt, (when) => {
    if (layer) {
      w.transfer(mule, layer, when, w.balance.get(mule)!, true);
      w.later(when + w.int(2, 30) * MIN, (t) => cashOut(w, layer, t));
    } else {
      cashOut(w, mule, when);
    }
  });
}

function steal(w: World, victim: string, mule: string | null, at: number, partial: boolean): void {
  const b = w.balance.get(victim)!;
  const take = partial ? b.times(0.7 + w.r() * 0.15).toDecimalPlaces(2, Dec.ROUND_DOWN) : b;
  const split = w.chance(0.2);
  const first = split ? take.times(0.4 + w.r() * 0.3).toDecimalPlaces(2, Dec.ROUND_DOWN) : take;
  const move = (amount: Dec, when: number) => (mule ? w.transfer(victim, mule, when, amount, true) : w.withdraw(victim, when, amount, 'cash', true));
  move(first, at);
  if (split) w.later(at + w.int(1, 20) * MIN, (t) => move(take.minus(first), t));
}

/** The mule cashes out what it holds, in one or two withdrawals minutes apart. */
export function cashOut(w: World, mule: string, at: number): void {
  const b = w.balance.get(mule)!;
  if (w.chance(0.7)) {
    w.withdraw(mule, at, b, 'cash', true);
    return;
  }
  const first = b.times(0.5).toDecimalPlaces(2, Dec.ROUND_DOWN);
  w.withdraw(mule, at, first, 'cash', true);
  w.later(at + w.int(2, 15) * MIN, (t) => w.withdraw(mule, t, w.balance.get(mule)!, 'cash', true));
}
