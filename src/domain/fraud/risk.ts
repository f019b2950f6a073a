import type { Detection, RuleInput } from './activity.ts';
import { isOutflow, outflowDeviation, usuallyDrains } from './baseline.ts';
import { days } from './config.ts';
import { drainedShare, outflowRun } from './takeover.ts';

/**
 * The risk of one movement: signals that rank (how much of the balance left, whether money just
 * received left again, whether the receiver is new to the payer, how unusual the amount is for the
 * population and for the account, how new the account is, how many rules fired) combined by a
 * logistic model into a 0-100 score meant as a probability in percent. The weights were set by hand
 * looking at the simulator's tuning seeds (1, 2) and are checked on others (BENCHMARKS.md, "Fraud: detection
 * quality on the mobile-money simulator"). An account's risk is the highest of its movements'.
 */

export interface RiskFactors {
  /** Share of the balance taken by the run of outflows ending with this one (0-1). */
  drain: number;
  /** Outflows since money arrived by transfer in the last hour, over what arrived (0-1). */
  passThrough: number;
  /** A transfer to an account this one never paid. */
  newCounterparty: number;
  /** Different senders into a new account in a day, log-scaled (0-1). */
  fanIn: number;
  /** Where the amount falls in the population of its kind and currency (0-1). */
  amountRank: number;
  /** Standard deviations above the account's usual outflow, 0-4 (0 during the warm-up). */
  deviation: number;
  /** Opened less than a week before. */
  newAccount: number;
  /** The account sweeps its balance as a habit. */
  habitualDrain: number;
  /** Rules that fired, weighted by severity (0-2). */
  rules: number;
}

const SEVERITY: Record<string, number> = { low: 0.25, medium: 0.5, high: 0.75, critical: 1 };

export const RISK_WEIGHTS = {
  intercept: -6,
  nearlyAll: 3,
  drain: 1.5,
  passThrough: 2,
  newCounterpartyDrain: 1,
  fanIn: 1,
  amountRank: 1,
  deviation: 0.4,
  newAccount: 0.5,
  habitualDrain: -2.5,
  rules: 1,
} as const;

export function riskFactors(input: RuleInput, detections: readonly Detection[]): RiskFactors {
  const m = input.movement;
  const t = Date.parse(m.occurredAt);
  const out = isOutflow(m.kind);
  const lastHour = input.recent.filter((a) => Date.parse(a.occurredAt) >= t - 3_600_000);
  const received = lastHour.filter((a) => a.kind === 'transfer_in').reduce((s, a) => s + a.amount.toNumber(), 0);
  const sent = out ? lastHour.filter((a) => isOutflow(a.kind)).reduce((s, a) => s + a.amount.toNumber(), m.amount.toNumber()) : 0;
  const senders = new Set([...input.recent.filter((a) => a.kind === 'transfer_in' && Date.parse(a.occurredAt) >= t - days(1)), ...(m.kind === 'transfer_in' ? [m] : [])].map((a) => a.counterpartyId)).size;
  const age = input.profile.openedAt === null ? Infinity : t - Date.parse(input.profile.openedAt);
  return {
    drain: out ? Math.min(1, drainedShare(outflowRun(input, 60)).share.toNumber()) : 0,
    passThrough: out && received > 0 ? Math.min(1, sent / received) : 0,
    newCounterparty: m.kind === 'transfer_out' && !input.paidBefore ? 1 : 0,
    fanIn: age <= days(30) ? Math.min(1, Math.log2(Math.max(1, senders)) / 3) : 0,
    amountRank: input.population.rank(m.kind, m.amount),
    deviation: out ? Math.max(0, Math.min(4, outflowDeviation(input.profile.baseline, m.amount))) : 0,
    newAccount: age <= days(7) ? 1 : 0,
    habitualDrain: usuallyDrains(input.profile.baseline) ? 1 : 0,
    rules: Math.min(2, detections.reduce((s, d) => s + (SEVERITY[d.severity] ?? 0.5), 0)),
  };
}

export function riskScore(f: RiskFactors): number {
  const w = RISK_WEIGHTS;
  const z =
    w.intercept +
    w.nearlyAll * (f.drain >= 0.9 ? 1 : 0) +
    w.drain * f.drain +
    w.passThrough * f.passThrough +
    w.newCounterpartyDrain * f.newCounterparty * f.drain +
    w.fanIn * f.fanIn +
    w.amountRank * f.amountRank +
    w.deviation * f.deviation +
    w.newAccount * f.newAccount +
    w.habitualDrain * f.habitualDrain +
    w.rules * f.rules;
  return Math.round(100 / (1 + Math.exp(-z)));
}
