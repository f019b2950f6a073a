import type { SimPopulation } from './mobile-money.ts';

/** Scoring of alerts and risk scores against the simulator's labels (pure). */

export interface Labeled {
  score: number;
  positive: boolean;
  /** The risk model's signals for the account (GET /v1/fraud/accounts/{id}/risk), for fitting its weights. */
  factors?: Record<string, number>;
}

/** ROC AUC by the Mann-Whitney statistic; ties count a half. */
export function aucOf(xs: readonly Labeled[]): number {
  const sorted = [...xs].sort((a, b) => a.score - b.score);
  let rankSum = 0;
  let positives = 0;
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j < sorted.length && sorted[j]!.score === sorted[i]!.score) j++;
    const rank = (i + 1 + j) / 2;
    for (let k = i; k < j; k++) {
      if (!sorted[k]!.positive) continue;
      rankSum += rank;
      positives++;
    }
    i = j;
  }
  const negatives = sorted.length - positives;
  if (!positives || !negatives) return NaN;
  return (rankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}

/** Share of positives among the k highest scores (ties broken against the positives, to be fair). */
export function precisionAt(xs: readonly Labeled[], k: number): number {
  const top = [...xs].sort((a, b) => b.score - a.score || Number(a.positive) - Number(b.positive)).slice(0, k);
  return top.length ? top.filter((x) => x.positive).length / top.length : 0;
}

export interface RuleScore {
  rule: string;
  alerts: number;
  /** Outflows named in the evidence of the rule's alerts. */
  flagged: number;
  truePositives: number;
  precision: number;
  recall: number;
  f1: number;
}

export interface Quality {
  transactions: number;
  outflows: number;
  fraudOutflows: number;
  alerts: number;
  rules: RuleScore[];
}

interface AlertEvidence {
  rule: string;
  evidence: ReadonlyArray<{ accountId: string; kind: string; amount: string; occurredAt: string }>;
}

const keyOf = (accountId: string, kind: string, at: string, amount: string) => `${accountId}|${kind}|${at}|${amount}`;

/**
 * Per rule, over outflows (transfers out and withdrawals): an outflow is flagged by a rule when it
 * is in the evidence of one of the rule's alerts. "any" is the union of every rule.
 */
export function qualityOf(pop: SimPopulation, ids: ReadonlyMap<string, string>, alerts: readonly AlertEvidence[]): Quality {
  const outflow = new Map<string, number>();
  pop.ops.forEach((op, i) => {
    if (op.kind !== 'transfer' && op.kind !== 'withdraw') return;
    outflow.set(keyOf(ids.get(op.account)!, op.kind === 'transfer' ? 'transfer_out' : 'withdrawal', new Date(op.at).toISOString(), op.amount), i);
  });
  const flaggedBy = new Map<string, Set<number>>();
  const count = new Map<string, number>();
  for (const a of alerts) {
    count.set(a.rule, (count.get(a.rule) ?? 0) + 1);
    for (const rule of [a.rule, 'any']) {
      const set = flaggedBy.get(rule) ?? new Set<number>();
      for (const e of a.evidence) {
        const i = outflow.get(keyOf(e.accountId, e.kind, e.occurredAt, e.amount));
        if (i !== undefined) set.add(i);
      }
      flaggedBy.set(rule, set);
    }
  }
  const fraud = pop.fraudOps.size;
  const rules = [...flaggedBy].map(([rule, set]): RuleScore => {
    const tp = [...set].filter((i) => pop.fraudOps.has(i)).length;
    const precision = set.size ? tp / set.size : 0;
    const recall = fraud ? tp / fraud : 0;
    return { rule, alerts: rule === 'any' ? alerts.length : (count.get(rule) ?? 0), flagged: set.size, truePositives: tp, precision, recall, f1: precision + recall ? (2 * precision * recall) / (precision + recall) : 0 };
  });
  rules.sort((a, b) => (a.rule === 'any' ? 1 : b.rule === 'any' ? -1 : b.f1 - a.f1));
  return { transactions: pop.ops.filter((op) => op.kind !== 'open').length, outflows: outflow.size, fraudOutflows: fraud, alerts: alerts.length, rules };
}
