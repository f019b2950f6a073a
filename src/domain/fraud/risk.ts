import type { Activity, Detection, RuleInput } from './activity.ts';
import { isOutflow, outflowDeviation, usuallyDrains } from './baseline.ts';
import { days } from './config.ts';
import { runOf } from './takeover.ts';
import { indexOf } from './window.ts';
import { Dec } from '../money.ts';

/**
 * The risk of an account: signals that rank (how much of the balance left at once, whether money just
 * received left again, whether a whole balance went to a new payee, how unusual the amounts are, how
 * new the account is, which rules fired, whether it took part in a takeover), each the highest any of
 * its movements showed, combined by a logistic model into a 0-100 score meant as a probability in
 * percent. The weights are fitted by `npx tsx bench/fraud-fit.ts` (a logistic regression on the
 * simulator's training seeds 1 and 2 of both populations) and checked on others (BENCHMARKS.md, "Fraud:
 * detection quality on simulated populations").
 */

export interface RiskFactors {
  /** Share of the balance taken by the run of outflows ending with this one (0-1). */
  drain: number;
  /** The run took at least 90% of the balance. */
  nearlyAll: number;
  /** Outflows since money arrived by transfer in the last hour, over what arrived (0-1). */
  passThrough: number;
  /** A transfer to an account this one never paid. */
  newCounterparty: number;
  /** The drain share of a transfer to an account this one never paid (0-1). */
  newPayeeDrain: number;
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
  /** The account was the mule or a drained victim of an account takeover (the rule fired). */
  takeover: number;
}

const SEVERITY: Record<string, number> = { low: 0.25, medium: 0.5, high: 0.75, critical: 1 };

/** Printed by `npx tsx bench/fraud-fit.ts` (training seeds 1, 2 of both simulated populations). */
export const RISK_WEIGHTS: Readonly<Record<keyof RiskFactors | 'intercept', number>> = {
  intercept: -5.8,
  drain: 1.34,
  nearlyAll: 2.13,
  passThrough: -0.16,
  newCounterparty: -0.27,
  newPayeeDrain: 0.22,
  fanIn: -0.86,
  amountRank: 0.13,
  deviation: 0.11,
  newAccount: 0.05,
  habitualDrain: -0.94,
  rules: 0.83,
  takeover: 5.09,
};

export const emptyRiskFactors = (): RiskFactors => ({
  drain: 0,
  nearlyAll: 0,
  passThrough: 0,
  newCounterparty: 0,
  newPayeeDrain: 0,
  fanIn: 0,
  amountRank: 0,
  deviation: 0,
  newAccount: 0,
  habitualDrain: 0,
  rules: 0,
  takeover: 0,
});

/** The signals' names, in the order riskFactors gives them. */
export const RISK_FACTOR_KEYS: ReadonlyArray<keyof RiskFactors> = Object.keys(emptyRiskFactors()) as Array<keyof RiskFactors>;

/** Each signal at the higher of what the account showed so far (`current`, as stored) and this movement. */
export function maxFactors(current: Readonly<Record<string, number>> | null, f: RiskFactors): RiskFactors {
  const out = { ...f };
  for (const k of RISK_FACTOR_KEYS) out[k] = Math.max(current?.[k] ?? 0, f[k]);
  return out;
}

export function riskFactors(input: RuleInput, detections: readonly Detection[]): RiskFactors {
  const m = input.movement;
  const t = Date.parse(m.occurredAt);
  const out = isOutflow(m.kind);
  const { received, sent, senders } = windowSignals(input, t);
  const age = input.profile.openedAt === null ? Infinity : t - Date.parse(input.profile.openedAt);
  const drain = out ? Math.min(1, runOf(m, input.recent, 60).share.toNumber()) : 0;
  const newCounterparty = m.kind === 'transfer_out' && !input.paidBefore ? 1 : 0;
  return {
    drain,
    nearlyAll: drain >= 0.9 ? 1 : 0,
    passThrough: out && received > 0 ? Math.min(1, sent / received) : 0,
    newCounterparty,
    newPayeeDrain: newCounterparty * drain,
    fanIn: age <= days(30) ? Math.min(1, Math.log2(Math.max(1, senders)) / 3) : 0,
    amountRank: input.population.rank(m.kind, m.amount),
    deviation: out ? Math.max(0, Math.min(4, outflowDeviation(input.profile.baseline, m.amount))) : 0,
    newAccount: age <= days(7) ? 1 : 0,
    habitualDrain: usuallyDrains(input.profile.baseline) ? 1 : 0,
    rules: Math.min(2, detections.reduce((s, d) => s + (SEVERITY[d.severity] ?? 0.5), 0)),
    takeover: detections.some((d) => d.rule === 'account_takeover') ? 1 : 0,
  };
}

/** What arrived by transfer and what left in the last hour (exact sums), and how many accounts sent money in the last day. */
function windowSignals(input: RuleInput, t: number): { received: number; sent: number; senders: number } {
  const m = input.movement;
  const out = isOutflow(m.kind);
  const ix = indexOf(input.recent);
  if (ix.ordered) {
    const hour = ix.since(t - 3_600_000);
    return {
      received: ix.transferInTotal(hour).toNumber(),
      sent: out ? ix.outTotal(hour).plus(m.amount).toNumber() : 0,
      senders: ix.sendersSince(ix.since(t - days(1)), m.kind === 'transfer_in' ? m.counterpartyId : null),
    };
  }
  const lastHour = input.recent.filter((a) => Date.parse(a.occurredAt) >= t - 3_600_000);
  const total = (xs: readonly Activity[]): number => xs.reduce((s, a) => s.plus(a.amount), new Dec(0)).toNumber();
  return {
    received: total(lastHour.filter((a) => a.kind === 'transfer_in')),
    sent: out ? total([...lastHour.filter((a) => isOutflow(a.kind)), m]) : 0,
    senders: new Set([...input.recent.filter((a) => a.kind === 'transfer_in' && Date.parse(a.occurredAt) >= t - days(1)), ...(m.kind === 'transfer_in' ? [m] : [])].map((a) => a.counterpartyId)).size,
  };
}

/** The model's logit for a set of signals. */
export function riskLogit(f: RiskFactors, w: Readonly<Record<keyof RiskFactors | 'intercept', number>> = RISK_WEIGHTS): number {
  let z = w.intercept;
  for (const k of Object.keys(f) as Array<keyof RiskFactors>) z += w[k] * f[k];
  return z;
}

export function riskScore(f: RiskFactors): number {
  return Math.round(100 / (1 + Math.exp(-riskLogit(f))));
}
