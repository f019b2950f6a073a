import { Dec } from '../money.ts';
import type { MovementKind } from '../account/events.ts';

/**
 * Amounts seen in the whole population, per currency and kind of movement, as a log histogram (20
 * buckets a decade, about 12% wide): its percentiles are what "large" means in that currency, and
 * they adapt as the population grows. Additive (counts), so the projector stores per-batch deltas.
 */
export const BUCKETS_PER_DECADE = 20;
/** Below this many movements of a kind, the population says nothing and the floors apply alone. */
export const MIN_POPULATION = 300;

export function bucketOf(amount: Dec): number {
  return Math.floor(Math.log10(Math.max(amount.toNumber(), 1e-6)) * BUCKETS_PER_DECADE);
}

/** The upper edge of a bucket (10^((bucket+1)/20), to the cent), computed once per bucket. */
const edges = new Map<number, Dec>();
function upperEdge(bucket: number): Dec {
  let edge = edges.get(bucket);
  if (!edge) {
    edge = new Dec(10).pow((bucket + 1) / BUCKETS_PER_DECADE).toDecimalPlaces(2);
    edges.set(bucket, edge);
  }
  return edge;
}

export class AmountDistribution {
  /** kind → bucket → count. */
  readonly counts = new Map<MovementKind, Map<number, number>>();
  /** kind → movements of that kind, and its buckets in order (kept as movements are added: a quantile per movement sorts nothing). */
  private readonly totals = new Map<MovementKind, number>();
  private readonly sorted = new Map<MovementKind, number[]>();

  add(kind: MovementKind, bucket: number, n = 1): void {
    const byBucket = this.counts.get(kind) ?? new Map<number, number>();
    const before = byBucket.get(bucket);
    byBucket.set(bucket, (before ?? 0) + n);
    this.counts.set(kind, byBucket);
    this.totals.set(kind, (this.totals.get(kind) ?? 0) + n);
    if (before === undefined) this.sorted.delete(kind);
  }

  total(kind: MovementKind): number {
    return this.totals.get(kind) ?? 0;
  }

  private buckets(kind: MovementKind): number[] {
    let keys = this.sorted.get(kind);
    if (!keys) {
      keys = [...(this.counts.get(kind)?.keys() ?? [])].sort((a, b) => a - b);
      this.sorted.set(kind, keys);
    }
    return keys;
  }

  /** The upper edge of the bucket holding the q-quantile; null while the population is small. */
  quantile(kind: MovementKind, q: number): Dec | null {
    const total = this.total(kind);
    if (total < MIN_POPULATION) return null;
    const counts = this.counts.get(kind)!;
    let seen = 0;
    for (const bucket of this.buckets(kind)) {
      seen += counts.get(bucket)!;
      if (seen >= q * total) return upperEdge(bucket);
    }
    return null;
  }

  /** Share of the population's movements of that kind below this amount (0.5 while the population is small). */
  rank(kind: MovementKind, amount: Dec): number {
    const total = this.total(kind);
    if (total < MIN_POPULATION) return 0.5;
    const b = bucketOf(amount);
    let below = 0;
    for (const [bucket, n] of this.counts.get(kind)!) if (bucket < b) below += n;
    return below / total;
  }
}
