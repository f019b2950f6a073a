/**
 * Fits the risk model's weights (RISK_WEIGHTS in src/domain/fraud/risk.ts): a logistic regression of
 * "the account sent fraudulent money" on its risk signals (the factors of GET /v1/fraud/accounts/{id}/risk),
 * over every sender of the TRAINING seeds 1 and 2 of both simulated populations, each population
 * weighing the same. The signals come from real runs of the benchmark, saved:
 *
 *   npm run bench:fraud -- --population mobile-money --customers 400 --seeds 1,2 --save mm-train.json
 *   npm run bench:fraud -- --population one-shot --seeds 1,2 --save os-train.json
 *   npx tsx bench/fraud-fit.ts --from mm-train.json,os-train.json
 *
 * (or, the same signals in seconds, `npx tsx bench/fraud-offline.ts --population … --seeds 1,2 --save …`).
 * It refuses evaluation seeds. Prints the weights to paste into risk.ts. The signals do not depend on
 * the weights, so refitting after pasting gives the same weights.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { type RiskFactors, emptyRiskFactors } from '../src/domain/fraud/risk.ts';
import { type Labeled, aucOf } from '../src/simulation/scoring.ts';

const { values } = parseArgs({ options: { from: { type: 'string' }, l2: { type: 'string', default: '0.001' } } });

const TRAIN_SEEDS = [1, 2];
const FEATURES = Object.keys(emptyRiskFactors()) as Array<keyof RiskFactors>;

interface Sample {
  population: string;
  x: number[];
  y: number;
}

function collect(files: string): Sample[] {
  const out: Sample[] = [];
  for (const r of files.split(',').flatMap((f) => JSON.parse(readFileSync(f, 'utf8')) as Array<{ population: string; seed: number; labeled: Labeled[] }>)) {
    if (!TRAIN_SEEDS.includes(r.seed)) throw new Error(`seed ${r.seed} is not a training seed (${TRAIN_SEEDS.join(', ')})`);
    for (const l of r.labeled) out.push({ population: r.population, x: FEATURES.map((f) => l.factors?.[f] ?? 0), y: l.positive ? 1 : 0 });
    console.log(`${r.population} seed ${r.seed}: ${r.labeled.length} senders, ${r.labeled.filter((l) => l.positive).length} fraudulent`);
  }
  return out;
}

const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));

/** Solves A x = b (Gaussian elimination with partial pivoting; A is small and positive definite). */
function solve(a: number[][], b: number[]): number[] {
  const n = b.length;
  const m = a.map((row, i) => [...row, b[i]!]);
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(m[r]![c]!) > Math.abs(m[p]![c]!)) p = r;
    [m[c], m[p]] = [m[p]!, m[c]!];
    for (let r = c + 1; r < n; r++) {
      const f = m[r]![c]! / m[c]![c]!;
      for (let k = c; k <= n; k++) m[r]![k]! -= f * m[c]![k]!;
    }
  }
  const x = new Array<number>(n).fill(0);
  for (let r = n - 1; r >= 0; r--) {
    let s = m[r]![n]!;
    for (let k = r + 1; k < n; k++) s -= m[r]![k]! * x[k]!;
    x[r] = s / m[r]![r]!;
  }
  return x;
}

/** Weighted logistic regression by Newton's method, L2 penalty on every weight but the intercept (first). */
function fit(samples: Sample[], weightOf: (s: Sample) => number, l2: number): number[] {
  const d = FEATURES.length + 1;
  let w = new Array<number>(d).fill(0);
  for (let iter = 0; iter < 50; iter++) {
    const grad = w.map((wi, i) => (i ? l2 * wi : 0));
    const hess = Array.from({ length: d }, (_, i) => Array.from({ length: d }, (_, j) => (i === j && i ? l2 : 0)));
    for (const s of samples) {
      const x = [1, ...s.x];
      const p = sigmoid(x.reduce((z, xi, i) => z + xi * w[i]!, 0));
      const c = weightOf(s);
      for (let i = 0; i < d; i++) {
        grad[i]! += c * (p - s.y) * x[i]!;
        for (let j = 0; j < d; j++) hess[i]![j]! += c * p * (1 - p) * x[i]! * x[j]!;
      }
    }
    const step = solve(hess, grad);
    w = w.map((wi, i) => wi - step[i]!);
    if (Math.max(...step.map(Math.abs)) < 1e-8) break;
  }
  return w;
}

if (!values.from) throw new Error('--from: the saved training runs (see above)');
const samples = collect(values.from);
const total = samples.length;
const perPopulation = new Map<string, number>();
for (const s of samples) perPopulation.set(s.population, (perPopulation.get(s.population) ?? 0) + 1);
// Each population weighs the same, and the weights add up to the number of samples.
const weightOf = (s: Sample) => total / perPopulation.size / perPopulation.get(s.population)!;
const w = fit(samples, weightOf, Number(values.l2) * total);
const logit = (s: Sample) => [1, ...s.x].reduce((z, xi, i) => z + xi * w[i]!, 0);
for (const population of perPopulation.keys()) {
  const mine = samples.filter((s) => s.population === population);
  const auc = aucOf(mine.map((s) => ({ score: logit(s), positive: s.y === 1 })));
  const predicted = mine.reduce((a, s) => a + sigmoid(logit(s)), 0) / mine.length;
  const observed = mine.reduce((a, s) => a + s.y, 0) / mine.length;
  console.log(`training ${population}: ${mine.length} senders, AUC ${auc.toFixed(3)}, mean predicted ${(predicted * 100).toFixed(1)}% vs observed ${(observed * 100).toFixed(1)}%`);
}
const round = (x: number) => Math.round(x * 100) / 100;
console.log(`\nexport const RISK_WEIGHTS = {\n  intercept: ${round(w[0]!)},\n${FEATURES.map((f, i) => `  ${f}: ${round(w[i + 1]!)},`).join('\n')}\n};`);
