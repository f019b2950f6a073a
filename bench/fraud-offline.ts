/**
 * npx tsx bench/fraud-offline.ts [--population mobile-money|one-shot|demo --seeds 1,2 --customers 400 --senders 2000
 *                                 --fraud-rate 0.15 --accounts 1000 --per-rule 12 --debug]
 *
 * The rules' detection quality in seconds rather than minutes, for working on the rules: the
 * population's operations become the account events the engine would write (balances tracked
 * here), and the anomaly projector's evaluation step (`evaluateBatch`, the pure part of the
 * projector: every rule, one open alert per account and rule, the risk signals) runs over all of
 * them in memory, in one batch. No HTTP API, no engine, no database: the figures of record come from
 * `npm run bench:fraud` (bench/fraud-quality.ts), which goes through all of them; this is a faster
 * loop that should agree with it (same-instant operations may be ordered differently).
 * `--save file.json` saves each seed as `npm run bench:fraud -- --save` does (for bench/fraud-fit.ts, or `--load`). `--rules file.json` tries other thresholds (the format LEDGER_FRAUD_RULES reads). `--population demo` replays the demo population (`ledger demo --fraud`) and prints its planted
 * patterns' precision and recall per rule, as test/integration/fraud-quality.int.test.ts does.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { measureQuality } from '../src/demo/fraud-population-driver.ts';
import { type Population, generatePopulation } from '../src/demo/fraud-population.ts';
import { FraudConfig, emptyRiskFactors, maxFactors, riskScore } from '../src/domain/fraud/index.ts';
import { type SimPopulation, simulateMobileMoney } from '../src/simulation/mobile-money.ts';
import { simulateOneShot } from '../src/simulation/one-shot.ts';
import { type OfflineAlert, replay } from './lib/offline-replay.ts';
import { type Labeled, type Quality, aucOf, precisionAt, qualityOf } from '../src/simulation/scoring.ts';

const { values } = parseArgs({
  options: {
    population: { type: 'string', default: 'one-shot' },
    seeds: { type: 'string', default: '1,2' },
    customers: { type: 'string', default: '400' },
    senders: { type: 'string', default: '2000' },
    'fraud-rate': { type: 'string', default: '0.15' },
    accounts: { type: 'string', default: '1000' },
    'per-rule': { type: 'string', default: '12' },
    debug: { type: 'boolean', default: false },
    /** A rules file (as LEDGER_FRAUD_RULES names) to try other thresholds. */
    rules: { type: 'string' },
    /** Write each seed's senders' risk signals to this file, as `npm run bench:fraud -- --save` does (for bench/fraud-fit.ts). */
    save: { type: 'string' },
  },
});

const config = new FraudConfig(values.rules ? JSON.parse(readFileSync(values.rules, 'utf8')) : {});
/** As bench/fraud-quality.ts saves a seed: `npm run bench:fraud -- --load` prints these too. */
const saved: Array<{ population: string; seed: number; ops: number; takeovers: number; q: Quality; labeled: Labeled[]; ms: number }> = [];
const pct = (x: number) => (x * 100).toFixed(1);
const identity = (pop: Population) => new Map(pop.ops.filter((op) => op.kind === 'open').map((op) => [op.account, op.account]));

function runSim(pop: SimPopulation, seed: number): void {
  const t = performance.now();
  const { alerts, windows } = replay(pop, config);
  const q = qualityOf(pop, identity(pop), alerts);
  const senders = new Set(pop.ops.filter((op) => op.kind === 'transfer' || op.kind === 'withdraw').map((op) => op.account));
  const labeled: Labeled[] = [...senders].map((key) => {
    const factors = maxFactors(windows.risk.get(key)?.factors ?? null, emptyRiskFactors());
    return { score: riskScore(factors), positive: pop.fraudSenders.has(key), factors: { ...factors } };
  });
  const ms = performance.now() - t;
  saved.push({ population: values.population, seed, ops: pop.ops.length, takeovers: pop.takeovers, q, labeled, ms });
  const positives = labeled.filter((l) => l.positive).length;
  console.log(`\n${values.population} seed ${seed}: ${q.transactions} transactions (${q.outflows} outflows, ${q.fraudOutflows} fraudulent), ${labeled.length} senders (${positives} fraudulent); ${(ms / 1000).toFixed(1)} s`);
  console.log(`alerts ${q.alerts} = ${((q.alerts / q.transactions) * 1000).toFixed(1)} per 1,000 transactions; risk AUC ${aucOf(labeled).toFixed(3)}, P@${positives} ${pct(precisionAt(labeled, positives))}%`);
  console.log('| rule | alerts | per 1,000 | flagged outflows | precision | recall | F1 |\n|---|---:|---:|---:|---:|---:|---:|');
  for (const x of q.rules) console.log(`| ${x.rule} | ${x.alerts} | ${((x.alerts / q.transactions) * 1000).toFixed(1)} | ${x.flagged} | ${pct(x.precision)}% | ${pct(x.recall)}% | ${x.f1.toFixed(3)} |`);
  if (values.debug) debug(pop, alerts);
}

/** False alerts per rule by kind of account (the simulator's key prefix) and movement, and the fraudulent outflows no rule flagged. */
function debug(pop: SimPopulation, alerts: readonly OfflineAlert[]): void {
  const out: Record<string, number> = {};
  const fraudAccounts = new Set([...pop.fraudOps].map((i) => pop.ops[i]!.account));
  const add = (k: string) => (out[k] = (out[k] ?? 0) + 1);
  for (const a of alerts) {
    const primary = a.evidence.find((e) => e.accountId === a.accountIds[0] && (e.kind === 'withdrawal' || e.kind === 'transfer_out')) ?? a.evidence[0]!;
    add(`${fraudAccounts.has(a.accountIds[0]!) ? 'TRUE ' : 'FALSE'} ${a.rule} ${a.accountIds[0]!.split('-')[0]} ${primary.kind}`);
  }
  const flagged = new Set(alerts.flatMap((a) => a.evidence.map((e) => `${e.accountId}|${e.occurredAt}|${e.amount}`)));
  for (const i of pop.fraudOps) {
    const op = pop.ops[i]!;
    if (op.kind === 'open' || flagged.has(`${op.account}|${new Date(op.at).toISOString()}|${op.amount}`)) continue;
    add(`MISSED ${op.account.split('-')[0]} ${op.kind}`);
  }
  console.log(Object.entries(out).sort((a, b) => a[0].localeCompare(b[0])).map(([k, n]) => `  ${k}: ${n}`).join('\n'));
}

function runDemo(seed: number): void {
  const pop = generatePopulation({ seed, accounts: Number(values.accounts), perRule: Number(values['per-rule']) });
  const { alerts } = replay(pop, config);
  console.log(`\ndemo seed ${seed}, ${values.accounts} accounts, ${values['per-rule']} per rule: ${pop.ops.length} operations, ${alerts.length} alerts`);
  console.log('| rule | planted | detected | alerts | true positives | precision | recall |\n|---|---:|---:|---:|---:|---:|---:|');
  for (const r of measureQuality(pop, identity(pop), alerts)) {
    console.log(`| ${r.rule} | ${r.planted} | ${r.detected} | ${r.alerts} | ${r.truePositives} | ${r.alerts ? `${pct(r.precision)}%` : '–'} | ${r.planted ? `${pct(r.recall)}%` : '–'} |`);
  }
}

for (const seed of values.seeds.split(',').map(Number)) {
  if (values.population === 'demo') runDemo(seed);
  else if (values.population === 'one-shot') runSim(simulateOneShot({ seed, senders: Number(values.senders), fraudRate: Number(values['fraud-rate']) }), seed);
  else runSim(simulateMobileMoney({ seed, customers: Number(values.customers) }), seed);
}
if (values.save) writeFileSync(values.save, JSON.stringify(saved));
