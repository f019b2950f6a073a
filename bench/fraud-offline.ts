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
 * `--population demo` replays the demo population (`ledger demo --fraud`) and prints its planted
 * patterns' precision and recall per rule, as test/integration/fraud-quality.int.test.ts does.
 */
import { parseArgs } from 'node:util';
import { type AlertLite, measureQuality } from '../src/demo/fraud-population-driver.ts';
import { type Op, type Population, generatePopulation } from '../src/demo/fraud-population.ts';
import { FraudConfig, emptyRiskFactors, maxFactors, riskScore } from '../src/domain/fraud/index.ts';
import { Dec } from '../src/domain/money.ts';
import type { EventMetadata, StoredEvent } from '../src/log/envelope.ts';
import { evaluateBatch } from '../src/read-models/anomaly/evaluate.ts';
import type { Windows } from '../src/read-models/anomaly/windows.ts';
import { type SimPopulation, simulateMobileMoney } from '../src/simulation/mobile-money.ts';
import { simulateOneShot } from '../src/simulation/one-shot.ts';
import { type Labeled, aucOf, precisionAt, qualityOf } from '../src/simulation/scoring.ts';

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
  },
});

const META: EventMetadata = { commandId: 'c', requestHash: 'h', correlationId: 'c', causationId: null, actor: 'bench', actorRole: 'admin', origin: { ip: null, userAgent: null, requestId: null } };

/** The account events the engine would write for the operations (ids are the logical keys); refused operations are skipped. */
export function eventsOf(ops: readonly Op[]): StoredEvent[] {
  const events: StoredEvent[] = [];
  const balance = new Map<string, Dec>();
  let n = 0;
  const push = (type: string, data: Record<string, unknown>, at: number) => {
    const accountId = data['accountId'] as string;
    events.push({ eventId: `e${n}`, streamId: accountId, streamVersion: 0, partition: 0, occurredAt: new Date(at).toISOString(), metadata: META, prevHash: '', hash: '', position: n++, type, data } as unknown as StoredEvent);
  };
  const move = (accountId: string, delta: Dec): string => {
    const after = (balance.get(accountId) ?? new Dec(0)).plus(delta);
    balance.set(accountId, after);
    return after.toFixed(2);
  };
  ops.forEach((op, i) => {
    const transactionId = `t${i}`;
    if (op.kind === 'open') {
      balance.set(op.account, new Dec(0));
      push('AccountOpened', { accountId: op.account, currency: 'USD', overdraftLimit: '0.00', ownerId: op.ownerId, metadata: {} }, op.at);
      return;
    }
    const amount = new Dec(op.amount);
    const common = { transactionId, amount: op.amount, currency: 'USD' };
    if (op.kind === 'deposit') return push('FundsDeposited', { ...common, accountId: op.account, channel: op.channel, balanceAfter: move(op.account, amount) }, op.at);
    if (amount.gt(balance.get(op.account) ?? 0)) return;
    if (op.kind === 'withdraw') return push('FundsWithdrawn', { ...common, accountId: op.account, channel: op.channel, balanceAfter: move(op.account, amount.neg()) }, op.at);
    push('TransferDebited', { ...common, accountId: op.account, counterpartyAccountId: op.to, balanceAfter: move(op.account, amount.neg()) }, op.at);
    push('TransferCredited', { ...common, accountId: op.to, counterpartyAccountId: op.account, balanceAfter: move(op.to, amount) }, op.at);
  });
  return events;
}

interface OfflineAlert extends AlertLite {
  evidence: Array<{ accountId: string; kind: string; amount: string; occurredAt: string }>;
}

/** Every event through the projector's evaluation in one batch, from empty windows. */
export function replay(pop: Population): { alerts: OfflineAlert[]; windows: Windows } {
  const config = new FraudConfig();
  const windows: Windows = { profiles: new Map(), recent: new Map(), ownerCash: new Map(), paid: new Set(), tags: new Map(), population: new Map(), openAlerts: new Map(), risk: new Map(), firstContact: new Map() };
  const events = eventsOf(pop.ops);
  for (const op of pop.ops) if (op.kind === 'open') windows.ownerCash.set(op.ownerId, []);
  const changes = evaluateBatch(events, windows, config, { lookBackMs: config.maxWindowMs(), takeoverWindowMs: config.takeoverWindowMs() }, events[0]!.occurredAt);
  const alerts = [...changes.newAlerts.values()].map((a) => ({ id: a.id, rule: a.rule, accountIds: a.accountIds, evidence: a.evidence ?? [] }));
  return { alerts, windows };
}

const pct = (x: number) => (x * 100).toFixed(1);
const identity = (pop: Population) => new Map(pop.ops.filter((op) => op.kind === 'open').map((op) => [op.account, op.account]));

function runSim(pop: SimPopulation, seed: number): void {
  const t = performance.now();
  const { alerts, windows } = replay(pop);
  const q = qualityOf(pop, identity(pop), alerts);
  const senders = new Set(pop.ops.filter((op) => op.kind === 'transfer' || op.kind === 'withdraw').map((op) => op.account));
  const labeled: Labeled[] = [...senders].map((key) => ({ score: riskScore(maxFactors(windows.risk.get(key)?.factors ?? null, emptyRiskFactors())), positive: pop.fraudSenders.has(key) }));
  const positives = labeled.filter((l) => l.positive).length;
  console.log(`\n${values.population} seed ${seed}: ${q.transactions} transactions (${q.outflows} outflows, ${q.fraudOutflows} fraudulent), ${labeled.length} senders (${positives} fraudulent); ${((performance.now() - t) / 1000).toFixed(1)} s`);
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
  const { alerts } = replay(pop);
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
