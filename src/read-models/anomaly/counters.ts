import type { fraudAccountCounters } from '../../db/schema.ts';
import { type AccountProfile, type RiskFactors, emptyRiskFactors } from '../../domain/fraud/index.ts';
import type { AccountRisk } from './windows.ts';

type CountersRow = typeof fraudAccountCounters.$inferSelect;

/** The risk factors, each a column of fraud_account_counters named as its key (this line does not compile if one is missing). */
const RISK_FACTORS: ReadonlyArray<keyof RiskFactors & keyof CountersRow> = Object.keys(emptyRiskFactors()) as Array<keyof RiskFactors>;

/** An account's fraud_account_counters row: what its movements changed (the profile's last movement and baseline, its risk). */
export function countersRow(profile: AccountProfile, risk: AccountRisk): typeof fraudAccountCounters.$inferInsert {
  const b = profile.baseline;
  // Factors null (never scored) leave the factor columns null.
  return { accountId: profile.accountId, lastActivityAt: profile.lastActivityAt, movements: b.movements, outs: b.outs, outLogSum: b.outLogSum, outLogSq: b.outLogSq, drains: b.drains, firstAt: b.firstAt, riskScore: risk.score, riskAt: risk.at, ...risk.factors };
}

/** The risk factors a row holds (RiskFactors' keys), null when the account was never scored. */
export function riskFactorsOf(row: CountersRow): Record<string, number> | null {
  if (row.drain === null) return null;
  const factors: Record<string, number> = {};
  for (const k of RISK_FACTORS) factors[k] = row[k]!;
  return factors;
}
