/**
 * npx tsx bench/fraud-fit.ts [-- --backend pglite|postgres --save data.json | --load data.json]
 *
 * Fits the risk model's weights (RISK_WEIGHTS in src/domain/fraud/risk.ts): a logistic regression of
 * "the account sent fraudulent money" on its risk signals (the factors of GET /v1/fraud/accounts/{id}/risk),
 * over every sender of the TRAINING seeds 1 and 2 of both simulated populations (mobile-money, 400
 * customers; one-shot, 2,000 senders at a fraud rate of 0.15), each population weighing the same.
 * Each seed runs through bench/fraud-quality.ts (the engine and the projector, as in the benchmark).
 * The evaluation seeds (101-103) are never read here. Prints the weights to paste into risk.ts.
 * The signals do not depend on the weights, so refitting after pasting gives the same weights.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { type RiskFactors, emptyRiskFactors } from '../src/domain/fraud/risk.ts';
import { type Labeled, aucOf } from '../src/simulation/scoring.ts';

const { values } = parseArgs({ options: { backend: { type: 'string', default: 'pglite' }, save: { type: 'string' }, load: { type: 'string' }, l2: { type: 'string', default: '0.001' } } });

const RUNS = [
  ['mobile-money', ['--customers', '400']],
  ['one-shot', ['--senders', '2000', '--fraud-rate', '0.15']],
] as const;
const TRAIN_SEEDS = [1, 2];
const FEATURES = Object.keys(emptyRiskFactors()) as Array<keyof RiskFactors>;

interface Sample {
  population: string;
  x: number[];
  y: number;
}

function collect(): Sample[] {
  const quality = fileURLToPath(new URL('./fraud-quality.ts', import.meta.url));
  const out: Sample[] = [];
  for (const [population, args] of RUNS) {
    for (const seed of TRAIN_SEEDS) {
      const r = spawnSync(process.execPath, [...process.execArgv, quality, '--json', '--population', population, '--seeds', String(seed), '--backend', values.backend, ...args], { encoding: 'utf8', maxBuffer: 1 << 28, stdio: ['ignore', 'pipe', 'inherit'] });
      if (r.status !== 0) throw new Error(`${population} seed ${seed} failed (${r.status})`);
      const lines = r.stdout.trim().split('\n');
      const { labeled } = JSON.parse(lines[lines.length - 1]!) as { labeled: Labeled[] };
      for (const l of labeled) out.push({ population, x: FEATURES.map((f) => l.factors?.[f] ?? 0), y: l.positive ? 1 : 0 });
      console.error(`${population} seed ${seed}: ${labeled.length} senders, ${labeled.filter((l) => l.positive).length} fraudulent`);
    }
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

const samples: Sample[] = values.load ? (JSON.parse(readFileSync(values.load, 'utf8')) as Sample[]) : collect();
if (values.save) writeFileSync(values.save, JSON.stringify(samples));
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
