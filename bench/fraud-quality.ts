/**
 * npm run bench:fraud [-- --population mobile-money|one-shot --seeds 101,102,103 --customers 600 --days 45
 *                        --senders 2000 --fraud-rate 0.15 --backend pglite|postgres]
 *
 * Detection quality on a labeled simulated population: `mobile-money` (src/simulation/mobile-money.ts,
 * an agent-based population with a history) or `one-shot` (src/simulation/one-shot.ts, every sender a
 * new account funded with its opening balance). Each seed's population goes through the HTTP API into
 * the real engine on a simulated clock, the anomaly projector replays the log, and the alerts and
 * account risk scores come back through the API. Prints per rule precision/recall/F1 over outflows
 * (transfers and withdrawals), alerts per 1,000 ledger transactions, and the risk score's ROC AUC,
 * precision at k and reliability over every account that sent money. In both shapes the training
 * seeds are 1 and 2 (the rules' thresholds and the risk weights, bench/fraud-fit.ts) and the
 * evaluation seeds 101, 102, 103.
 */
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { silentLogger } from '../src/app/logger.ts';
import { startSystem } from '../src/app/system.ts';
import { loadEnv } from '../src/config/env.ts';
import { emptyRiskFactors, maxFactors, riskScore } from '../src/domain/fraud/risk.ts';
import { SimulatedClock, drivePopulation } from '../src/demo/fraud-population-driver.ts';
import { ProjectionRunner } from '../src/projections/runner.ts';
import { type SimPopulation, simulateMobileMoney } from '../src/simulation/mobile-money.ts';
import { simulateOneShot } from '../src/simulation/one-shot.ts';
import { type Labeled, type Quality, aucOf, precisionAt, qualityOf } from '../src/simulation/scoring.ts';
import { type Backend, openTestDatabase } from '../test/support/pg.ts';

const { values } = parseArgs({
  options: {
    population: { type: 'string', default: 'mobile-money' },
    seeds: { type: 'string', default: '101,102,103' },
    customers: { type: 'string', default: '600' },
    days: { type: 'string' },
    senders: { type: 'string', default: '2000' },
    'fraud-rate': { type: 'string', default: '0.15' },
    backend: { type: 'string', default: 'pglite' },
    /** Write every seed's result (alerts scored, each sender's risk signals) to this file. */
    save: { type: 'string' },
    /** Print the results saved in these files (comma-separated) instead of running: the risk scores are recomputed from the saved signals with the current weights. */
    load: { type: 'string' },
    /** Internal: run one seed and print its result as JSON (each seed in its own process). */
    json: { type: 'boolean', default: false },
  },
});
const TOKEN = 'bench-admin-token-0123456789abcdef';
const TRAIN_SEEDS = [1, 2];
const EVAL_SEEDS = [101, 102, 103];

function simulate(seed: number): SimPopulation {
  const days = values.days === undefined ? undefined : Number(values.days);
  if (values.population === 'one-shot') return simulateOneShot({ seed, senders: Number(values.senders), fraudRate: Number(values['fraud-rate']), days });
  if (values.population === 'mobile-money') return simulateMobileMoney({ seed, customers: Number(values.customers), days });
  throw new Error(`unknown population ${values.population} (mobile-money, one-shot)`);
}

interface AlertItem {
  id: string;
  rule: string;
  evidence: Array<{ accountId: string; kind: string; amount: string; occurredAt: string }>;
}

async function runSeed(seed: number): Promise<{ pop: SimPopulation; q: Quality; labeled: Labeled[]; ms: number }> {
  const pop = simulate(seed);
  const { database, cleanup } = await openTestDatabase(values.backend as Backend);
  const clock = new SimulatedClock(pop.start);
  const system = await startSystem(loadEnv({ LEDGER_BOOTSTRAP_TOKEN: TOKEN }), { database, logger: silentLogger, clock: clock.now });
  try {
    for (const p of system.projectors) await p.stop();
    const run = await drivePopulation(system.app, TOKEN, clock, pop);
    if (run.failed) console.warn(`seed ${seed}: ${run.failed} operations refused ${JSON.stringify(run.refusals)}`);
    const t = performance.now();
    await new ProjectionRunner(database.db, system.log, system.readModels.anomaly.projection, { batchSize: 2000 }).catchUp();
    const ms = performance.now() - t;
    const get = async <T>(path: string): Promise<T> => (await system.app.request(path, { headers: { authorization: `Bearer ${TOKEN}` } })).json() as Promise<T>;
    const alerts: AlertItem[] = [];
    let cursor: string | null = null;
    do {
      const page: { items: AlertItem[]; nextCursor: string | null } = await get(`/v1/fraud/alerts?limit=500${cursor ? `&cursor=${cursor}` : ''}`);
      alerts.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor);
    const senders = new Set(pop.ops.filter((op) => op.kind === 'transfer' || op.kind === 'withdraw').map((op) => op.account));
    const labeled: Labeled[] = [];
    for (const key of senders) {
      const risk: { riskScore: number; factors: Record<string, number> | null } = await get(`/v1/fraud/accounts/${run.ids.get(key)}/risk`);
      labeled.push({ score: risk.riskScore, positive: pop.fraudSenders.has(key), factors: risk.factors ?? {} });
    }
    if (process.env.FRAUD_DEBUG) debugFalsePositives(pop, run.ids, alerts);
    return { pop, q: qualityOf(pop, run.ids, alerts), labeled, ms };
  } finally {
    await system.close();
    await cleanup();
  }
}

interface SeedResult {
  population: string;
  seed: number;
  ops: number;
  takeovers: number;
  q: Quality;
  labeled: Labeled[];
  ms: number;
}

/** One seed in a child process (a fresh PGlite per process; several in one process exhaust wasm memory); the seeds run side by side. */
function runChild(seed: number): Promise<SeedResult> {
  const args = [...process.execArgv, fileURLToPath(import.meta.url), '--json', '--seeds', String(seed), ...childArgs()];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  return new Promise((resolve, reject) =>
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`seed ${seed} failed (${code})`));
      const lines = out.trim().split('\n');
      if (lines.length > 1) console.log(lines.slice(0, -1).join('\n'));
      resolve(JSON.parse(lines[lines.length - 1]!) as SeedResult);
    }),
  );
}

/** Saved results, the risk scores recomputed from their signals with the current weights. */
function loadResults(files: string): SeedResult[] {
  const results = files.split(',').flatMap((f) => JSON.parse(readFileSync(f, 'utf8')) as SeedResult[]);
  for (const r of results) for (const l of r.labeled) l.score = riskScore(maxFactors(l.factors ?? null, emptyRiskFactors()));
  return results;
}

const pct = (x: number) => (x * 100).toFixed(1);

function printSeed(r: SeedResult): void {
  const { q, labeled } = r;
  const positives = labeled.filter((l) => l.positive).length;
  console.log(`\nseed ${r.seed}: ${r.ops} operations, ${q.transactions} transactions (${q.outflows} outflows, ${q.fraudOutflows} fraudulent), ${r.takeovers} takeovers, ${labeled.length} senders (${positives} fraudulent); projector ${(r.ms / 1000).toFixed(1)} s`);
  console.log(`alerts ${q.alerts} = ${((q.alerts / q.transactions) * 1000).toFixed(1)} per 1,000 transactions; risk AUC ${aucOf(labeled).toFixed(3)}, P@50 ${pct(precisionAt(labeled, 50))}%, P@${positives} ${pct(precisionAt(labeled, positives))}%`);
  console.log('| rule | alerts | flagged outflows | precision | recall | F1 |\n|---|---:|---:|---:|---:|---:|');
  for (const x of q.rules) console.log(`| ${x.rule} | ${x.alerts} | ${x.flagged} | ${pct(x.precision)}% | ${pct(x.recall)}% | ${x.f1.toFixed(3)} |`);
}

/** Reliability: per band of the score, how many senders, their mean score, and the share that were fraudulent. */
function printCalibration(all: readonly Labeled[]): void {
  console.log('| risk score | senders | mean score | fraudulent |\n|---|---:|---:|---:|');
  for (const [lo, hi] of [[0, 5], [5, 20], [20, 50], [50, 80], [80, 101]] as const) {
    const band = all.filter((l) => l.score >= lo && l.score < hi);
    if (!band.length) continue;
    const mean = band.reduce((s, l) => s + l.score, 0) / band.length;
    console.log(`| ${lo}–${Math.min(hi, 100)} | ${band.length} | ${mean.toFixed(1)} | ${pct(band.filter((l) => l.positive).length / band.length)}% |`);
  }
}

function printAll(results: SeedResult[]): void {
  const all = results.flatMap((r) => r.labeled);
  printCalibration(all);
  const tx = results.reduce((a, r) => a + r.q.transactions, 0);
  const alerts = results.reduce((a, r) => a + r.q.alerts, 0);
  const fraud = results.reduce((a, r) => a + r.q.fraudOutflows, 0);
  const positives = all.filter((l) => l.positive).length;
  console.log(`\nall seeds ${results.map((r) => r.seed).join(',')}: ${alerts} alerts = ${((alerts / tx) * 1000).toFixed(1)} per 1,000 transactions; risk AUC ${aucOf(all).toFixed(3)}; P@100 ${pct(precisionAt(all, 100))}%; P@${positives} ${pct(precisionAt(all, positives))}%`);
  console.log('| rule | alerts | precision | recall | F1 |\n|---|---:|---:|---:|---:|');
  for (const rule of new Set(results.flatMap((r) => r.q.rules.map((x) => x.rule)))) {
    const rs = results.map((r) => r.q.rules.find((x) => x.rule === rule)).filter((x) => x !== undefined);
    const tp = rs.reduce((a, x) => a + x.truePositives, 0);
    const flagged = rs.reduce((a, x) => a + x.flagged, 0);
    const p = flagged ? tp / flagged : 0;
    const rc = tp / fraud;
    console.log(`| ${rule} | ${rs.reduce((a, x) => a + x.alerts, 0)} | ${pct(p)}% | ${pct(rc)}% | ${(p + rc ? (2 * p * rc) / (p + rc) : 0).toFixed(3)} |`);
  }
}

/** The options a seed's child process needs. */
function childArgs(): string[] {
  const days = values.days === undefined ? [] : ['--days', values.days];
  return ['--population', values.population, '--customers', values.customers, '--senders', values.senders, '--fraud-rate', values['fraud-rate'], '--backend', values.backend, ...days];
}

const seeds = values.seeds.split(',').map(Number);
if (values.json) {
  const { pop, q, labeled, ms } = await runSeed(seeds[0]!);
  console.log(JSON.stringify({ population: values.population, seed: seeds[0]!, ops: pop.ops.length, takeovers: pop.takeovers, q, labeled, ms } satisfies SeedResult));
} else {
  const results = values.load ? loadResults(values.load) : await Promise.all(seeds.map(runChild));
  const kind = (s: number) => (TRAIN_SEEDS.includes(s) ? 'training' : EVAL_SEEDS.includes(s) ? 'evaluation' : 'other');
  const size = values.population === 'one-shot' ? `${values.senders} senders, fraud rate ${values['fraud-rate']}` : `${values.customers} customers`;
  const runs = results.map((r) => `${r.population} ${r.seed} (${kind(r.seed)})`).join(', ');
  console.log(`${values.load ? `loaded from ${values.load}, risk rescored with the current weights` : size}; seeds ${runs}; training seeds ${TRAIN_SEEDS.join(', ')} and evaluation seeds ${EVAL_SEEDS.join(', ')} in both populations`);
  if (values.save) writeFileSync(values.save, JSON.stringify(results));
  results.forEach(printSeed);
  if (results.length > 1) printAll(results);
}

/** FRAUD_DEBUG=1: false positives per rule by kind of account (the simulator's key prefix) and kind of movement. */
function debugFalsePositives(pop: SimPopulation, ids: Map<string, string>, alerts: AlertItem[]): void {
  const keyOf = new Map([...ids].map(([k, v]) => [v, k]));
  const out: Record<string, number> = {};
  const fraudAccounts = new Set([...pop.fraudOps].map((i) => ids.get(pop.ops[i]!.account)));
  for (const a of alerts) {
    const primary = a.evidence.find((e) => e.kind === 'withdrawal' || e.kind === 'transfer_out') ?? a.evidence[0]!;
    if (fraudAccounts.has(primary.accountId)) continue;
    const k = `${a.rule} ${keyOf.get(primary.accountId)?.split('-')[0]} ${primary.kind}`;
    out[k] = (out[k] ?? 0) + 1;
  }
  const flagged = new Set(alerts.flatMap((a) => a.evidence.map((e) => `${e.accountId}|${e.occurredAt}|${e.amount}`)));
  for (const i of pop.fraudOps) {
    const op = pop.ops[i]!;
    if (op.kind === 'open') continue;
    if (!flagged.has(`${ids.get(op.account)}|${new Date(op.at).toISOString()}|${op.amount}`)) out[`MISSED ${op.account.split('-')[0]} ${op.kind}`] = (out[`MISSED ${op.account.split('-')[0]} ${op.kind}`] ?? 0) + 1;
  }
  console.log(Object.entries(out).sort((a, b) => b[1] - a[1]).map(([k, n]) => `${k}: ${n}`).join('\n'));
}
