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

export class AmountDistribution {
  /** kind → bucket → count. */
  readonly counts = new Map<MovementKind, Map<number, number>>();

  add(kind: MovementKind, bucket: number, n = 1): void {
    const byBucket = this.counts.get(kind) ?? new Map<number, number>();
    byBucket.set(bucket, (byBucket.get(bucket) ?? 0) + n);
    this.counts.set(kind, byBucket);
  }

  total(kind: MovementKind): number {
    let n = 0;
    for (const c of this.counts.get(kind)?.values() ?? []) n += c;
    return n;
  }

  /** The upper edge of the bucket holding the q-quantile; null while the population is small. */
  quantile(kind: MovementKind, q: number): Dec | null {
    const total = this.total(kind);
    if (total < MIN_POPULATION) return null;
    const sorted = [...this.counts.get(kind)!].sort((a, b) => a[0] - b[0]);
    let seen = 0;
    for (const [bucket, n] of sorted) {
      seen += n;
      if (seen >= q * total) return new Dec(10).pow((bucket + 1) / BUCKETS_PER_DECADE).toDecimalPlaces(2);
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
