import { Dec } from '../domain/money.ts';
import type { Op } from './fraud-population.ts';

export const MIN = 60_000;
export const HOUR = 60 * MIN;
export const DAY = 24 * HOUR;

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

/**
 * The bookkeeping of a population being planned: the seeded random draws, the planned operations,
 * and each account's owner, opening instant and own balance (incoming transfers ignored, so the
 * outflows it plans stay affordable). Every draw goes through `rnd`, in call order: the output of
 * a seed depends on the order in which the generator calls these methods.
 */
export class PopulationPlanner {
  readonly ops: Op[] = [];
  readonly ownerOf = new Map<string, string>();
  readonly openedAtOf = new Map<string, number>();
  private readonly balances = new Map<string, Dec>();
  private readonly rnd: () => number;

  constructor(seed: number) {
    this.rnd = prng(seed);
  }

  get accounts(): number {
    return this.balances.size;
  }

  // The draws are arrow properties so that a step may destructure them: `const { int, amount } = plan`.
  readonly int = (lo: number, hi: number): number => lo + Math.floor(this.rnd() * (hi - lo + 1));

  readonly chance = (p: number): boolean => this.rnd() < p;

  /** A random amount in [lo, hi] in cents, as a decimal string; the draw is an integer of cents. */
  readonly amount = (lo: string, hi: string): string => {
    const l = new Dec(lo).times(100);
    const span = new Dec(hi).times(100).minus(l);
    return l.plus(span.times(Math.floor(this.rnd() * 1_000_000)).div(1_000_000).floor()).div(100).toFixed(2);
  };

  /** One of `list`, uniformly. */
  pick<T>(list: readonly T[]): T | undefined {
    return list[this.int(0, list.length - 1)];
  }

  balance(account: string): Dec {
    return this.balances.get(account)!;
  }

  open(account: string, ownerId: string, at: number): void {
    this.balances.set(account, new Dec(0));
    this.ownerOf.set(account, ownerId);
    this.openedAtOf.set(account, at);
    this.ops.push({ at, kind: 'open', account, ownerId });
  }

  deposit(account: string, at: number, amount: string, channel: string): void {
    this.balances.set(account, this.balance(account).plus(amount));
    this.ops.push({ at, kind: 'deposit', account, amount, channel });
  }

  /** Plans the withdrawal when it leaves at least `keep`; says whether it did. */
  withdraw(account: string, at: number, amount: string, channel: string, keep = '0'): boolean {
    if (!this.debit(account, amount, keep)) return false;
    this.ops.push({ at, kind: 'withdraw', account, amount, channel });
    return true;
  }

  /** Plans the transfer when it leaves at least `keep` on `from`; says whether it did. */
  transfer(from: string, to: string, at: number, amount: string, keep = '0'): boolean {
    if (!this.debit(from, amount, keep)) return false;
    this.ops.push({ at, kind: 'transfer', account: from, to, amount });
    return true;
  }

  private debit(account: string, amount: string, keep: string): boolean {
    const after = this.balance(account).minus(amount);
    if (after.lt(keep)) return false;
    this.balances.set(account, after);
    return true;
  }
}
