import { Dec } from '../money.ts';
import type { MovementKind } from '../account/events.ts';

/**
 * What an account usually does, kept by the projector movement by movement: how many movements and
 * outflows, the mean and spread of its outflows' log amounts (their percentiles, assuming a
 * log-normal shape), and how often an outflow took (nearly) the whole balance. Statistics are
 * floating point: they rank and compare, they never become money.
 */
export interface Baseline {
  movements: number;
  outs: number;
  outLogSum: number;
  outLogSq: number;
  /** Outflows that left at most a tenth of the balance: an account that always sweeps is not drained. */
  drains: number;
  /** occurredAt of the first movement (an account's funding), null before it. */
  firstAt: string | null;
}

export const emptyBaseline = (): Baseline => ({ movements: 0, outs: 0, outLogSum: 0, outLogSq: 0, drains: 0, firstAt: null });

/** Outflows before an account's own amounts mean anything; until then the population's stand in. */
export const WARM_UP_OUTS = 8;

export const isOutflow = (kind: MovementKind): boolean => kind === 'withdrawal' || kind === 'transfer_out';

export function updateBaseline(b: Baseline, m: { kind: MovementKind; amount: Dec; balanceAfter: Dec; occurredAt: string }): Baseline {
  const next = { ...b, movements: b.movements + 1, firstAt: b.firstAt ?? m.occurredAt };
  if (!isOutflow(m.kind) || m.amount.lte(0)) return next;
  const log = Math.log(m.amount.toNumber());
  const before = m.balanceAfter.plus(m.amount);
  return { ...next, outs: b.outs + 1, outLogSum: b.outLogSum + log, outLogSq: b.outLogSq + log * log, drains: b.drains + (m.balanceAfter.lte(before.times('0.1')) ? 1 : 0) };
}

/** How many standard deviations above the account's usual outflow (log scale); 0 during the warm-up. */
export function outflowDeviation(b: Baseline, amount: Dec): number {
  if (b.outs < WARM_UP_OUTS || amount.lte(0)) return 0;
  const mean = b.outLogSum / b.outs;
  const sd = Math.max(0.25, Math.sqrt(Math.max(0, b.outLogSq / b.outs - mean * mean)));
  return (Math.log(amount.toNumber()) - mean) / sd;
}

/** The account's own outflow percentile `z` standard deviations up (z 2.33 ≈ p99), null during the warm-up. */
export function outflowPercentile(b: Baseline, z: number): Dec | null {
  if (b.outs < WARM_UP_OUTS) return null;
  const mean = b.outLogSum / b.outs;
  const sd = Math.max(0.25, Math.sqrt(Math.max(0, b.outLogSq / b.outs - mean * mean)));
  return new Dec(Math.exp(mean + z * sd)).toDecimalPlaces(2);
}

/** The account has emptied itself before (merchants sweeping the till, people who cash out their pay): doing it again is its habit. */
export const usuallyDrains = (b: Baseline): boolean => b.drains >= 1;
