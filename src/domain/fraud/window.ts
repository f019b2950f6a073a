import { Dec } from '../money.ts';
import type { Activity } from './activity.ts';

/**
 * An index over an account's window of activity (RuleInput.recent: oldest first, append-only while
 * the projector evaluates a batch), so that a rule asks "since when", "how much went out", "the run
 * of outflows ending here", "how many different senders" in O(log n) instead of scanning the window.
 * Dense windows (thousands of movements between a few accounts within minutes) made every rule scan
 * thousands of movements per movement: quadratic in the batch.
 *
 * indexOf() keeps one index per window array and brings it up to date with the movements appended
 * since it last looked (each movement is indexed once); an array that changed otherwise (a rule
 * test building a new one) gets a new index. Sums are exact (decimal prefix sums). Binary searches
 * need the window in time (and position) order, as the projector keeps it; a window out of order is
 * answered by scanning, as before.
 */

const ZERO = new Dec(0);
const isOut = (a: Activity): boolean => a.kind === 'withdrawal' || a.kind === 'transfer_out';
const isIn = (a: Activity): boolean => a.kind === 'deposit' || a.kind === 'transfer_in';

/** Items of windows read to build or query indexes (the work a dense-window test bounds). */
export const windowWork = { items: 0 };

export class ActivityIndex {
  private readonly items: Activity[] = [];
  private readonly times: number[] = [];
  /** Prefix sums: outSum[k] is the total of the outflows among the first k movements; inSum the same for transfers in. */
  private readonly outSum: Dec[] = [ZERO];
  private readonly transferInSum: Dec[] = [ZERO];
  /** Per movement: the index where the run of outflows ending with it starts (its own index + 1 when it is not an outflow). */
  private readonly runStart: number[] = [];
  /** Indices of the transfers in, and of every inflow (deposits too), in order. */
  private readonly transferIns: number[] = [];
  private readonly inflows: number[] = [];
  /** transactionId → indices of the transfers in of that transaction. */
  private readonly creditsOf = new Map<string, number[]>();
  /** transactionId → index of the first transfer out of that transaction. */
  private readonly debitOf = new Map<string, number>();
  /** counterparty → indices of the transfers to it. */
  private readonly outsTo = new Map<string, number[]>();
  /** Distinct senders: counterparty → index of its last transfer in, marked in a Fenwick tree over the indices. */
  private readonly lastInFrom = new Map<string, number>();
  private readonly senderMarks: number[] = [0];
  private readonly memos = new Map<object, unknown>();
  /** Per minimum amount: the inflows of at least that much, as far as indexed. */
  private readonly largeInflows = new Map<string, { min: Dec; upTo: number; at: number[] }>();
  /** False once a movement came earlier (in time or position) than the one before it: queries scan. */
  ordered = true;

  get length(): number {
    return this.items.length;
  }

  /** Indexes the movements of `window` past those already indexed. */
  extend(window: readonly Activity[]): void {
    for (let i = this.items.length; i < window.length; i++) this.push(window[i]!);
  }

  private push(a: Activity): void {
    windowWork.items++;
    const i = this.items.length;
    const t = Date.parse(a.occurredAt);
    const prev = this.items[i - 1];
    if (prev && (t < this.times[i - 1]! || a.position <= prev.position)) this.ordered = false;
    this.items.push(a);
    this.times.push(t);
    const out = isOut(a);
    this.outSum.push(out ? this.outSum[i]!.plus(a.amount) : this.outSum[i]!);
    this.transferInSum.push(a.kind === 'transfer_in' ? this.transferInSum[i]!.plus(a.amount) : this.transferInSum[i]!);
    this.runStart.push(out ? (i > 0 && isOut(prev!) ? this.runStart[i - 1]! : i) : i + 1);
    if (isIn(a)) this.inflows.push(i);
    this.fenwickAppend();
    if (a.kind === 'transfer_in') {
      this.transferIns.push(i);
      const credits = this.creditsOf.get(a.transactionId);
      if (credits) credits.push(i);
      else this.creditsOf.set(a.transactionId, [i]);
      if (a.counterpartyId !== null) {
        const last = this.lastInFrom.get(a.counterpartyId);
        if (last !== undefined) this.fenwickAdd(last, -1);
        this.fenwickAdd(i, 1);
        this.lastInFrom.set(a.counterpartyId, i);
      }
    }
    if (a.kind === 'transfer_out') {
      if (!this.debitOf.has(a.transactionId)) this.debitOf.set(a.transactionId, i);
      if (a.counterpartyId !== null) {
        const list = this.outsTo.get(a.counterpartyId);
        if (list) list.push(i);
        else this.outsTo.set(a.counterpartyId, [i]);
      }
    }
  }

  // A Fenwick tree (1-based) that grows by one slot per movement.
  private fenwickAppend(): void {
    const k = this.senderMarks.length;
    const low = k & -k;
    this.senderMarks.push(this.prefixMarks(k - 1) - this.prefixMarks(k - low));
  }

  private fenwickAdd(i: number, delta: number): void {
    for (let k = i + 1; k < this.senderMarks.length; k += k & -k) this.senderMarks[k]! += delta;
  }

  /** Marks among the first k movements. */
  private prefixMarks(k: number): number {
    let n = 0;
    for (; k > 0; k -= k & -k) n += this.senderMarks[k]!;
    return n;
  }

  /** The first index whose movement is at or after `fromMs` (`strict`: after it); for an ordered window only (callers scan the others). */
  since(fromMs: number, strict = false): number {
    let lo = 0;
    let hi = this.times.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (strict ? this.times[mid]! > fromMs : this.times[mid]! >= fromMs) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }

  /** The movements with index in [from, to). */
  slice(from: number, to = this.items.length): Activity[] {
    windowWork.items += Math.max(0, to - from);
    return this.items.slice(from, to);
  }

  at(i: number): Activity {
    return this.items[i]!;
  }

  /** Total of the outflows with index in [from, to). */
  outTotal(from: number, to = this.items.length): Dec {
    return this.outSum[to]!.minus(this.outSum[from]!);
  }

  /** Total of the transfers in with index in [from, to). */
  transferInTotal(from: number, to = this.items.length): Dec {
    return this.transferInSum[to]!.minus(this.transferInSum[from]!);
  }

  /**
   * Where the run of outflows ending just before `end` starts, going back no further than the first
   * movement after `afterMs` (the run is [start, end); empty when the movement before `end` is no outflow).
   */
  outflowRunStart(end: number, afterMs: number): number {
    if (end === 0) return 0;
    return Math.max(this.runStart[end - 1]!, this.since(afterMs, true));
  }

  /** The index of the first transfer in at or after `from`, -1 when there is none. */
  firstTransferIn(from: number): number {
    const k = lowerBound(this.transferIns, from);
    return k < this.transferIns.length ? this.transferIns[k]! : -1;
  }

  /** Indices of the transfers in at or after `from`. */
  transferInsFrom(from: number): number[] {
    return this.transferIns.slice(lowerBound(this.transferIns, from));
  }

  /** Indices of the inflows (deposits and transfers in) of at least `min` at or after `from` (each inflow compared once per minimum). */
  inflowsFrom(from: number, min: string): number[] {
    let large = this.largeInflows.get(min);
    if (!large) {
      large = { min: new Dec(min), upTo: 0, at: [] };
      this.largeInflows.set(min, large);
    }
    for (let k = lowerBound(this.inflows, large.upTo); k < this.inflows.length; k++) {
      const i = this.inflows[k]!;
      if (this.items[i]!.amount.gte(large.min)) large.at.push(i);
    }
    large.upTo = this.items.length;
    return large.at.slice(lowerBound(large.at, from));
  }

  /** How many different accounts sent a transfer in at or after `from` (`also`: counting this one too). */
  sendersSince(from: number, also: string | null = null): number {
    const n = this.prefixMarks(this.items.length) - this.prefixMarks(from);
    return also !== null && (this.lastInFrom.get(also) ?? -1) < from ? n + 1 : n;
  }

  /** The accounts whose last transfer in is at or after `from`. */
  sendersFrom(from: number): string[] {
    const out: string[] = [];
    for (const [id, last] of this.lastInFrom) if (last >= from) out.push(id);
    return out;
  }

  /** Whether there is a transfer to `counterpartyId` with index in [from, to). */
  paidBetween(counterpartyId: string, from: number, to: number): boolean {
    const list = this.outsTo.get(counterpartyId) ?? [];
    const k = lowerBound(list, from);
    return k < list.length && list[k]! < to;
  }

  /** State a rule keeps about this window between movements (under a key of its own): what it settled once stays settled. */
  memo<T>(key: object, init: () => T): T {
    let value = this.memos.get(key) as T | undefined;
    if (value === undefined) {
      value = init();
      this.memos.set(key, value);
    }
    return value;
  }

  /** Indices of the transfers in of `transactionId`, in order. */
  creditIndices(transactionId: string): readonly number[] {
    return this.creditsOf.get(transactionId) ?? [];
  }

  /** The index of the first transfer out of `transactionId`, -1 when there is none. */
  debitIndex(transactionId: string): number {
    return this.debitOf.get(transactionId) ?? -1;
  }
}

function lowerBound(xs: readonly number[], x: number): number {
  let lo = 0;
  let hi = xs.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (xs[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

const indexes = new WeakMap<readonly Activity[], ActivityIndex>();

/** The index of a window, up to date with it. */
export function indexOf(window: readonly Activity[]): ActivityIndex {
  let index = indexes.get(window);
  // Append-only: a window that lost or replaced movements since (not the projector's) is indexed anew.
  if (!index || index.length > window.length || (index.length > 0 && index.at(index.length - 1) !== window[index.length - 1])) {
    index = new ActivityIndex();
    indexes.set(window, index);
  }
  index.extend(window);
  return index;
}
