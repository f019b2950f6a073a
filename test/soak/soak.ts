import type { ChildProcess } from 'node:child_process';
import { openStorage } from '../../src/app/storage.ts';
import { loadEnv } from '../../src/config/env.ts';
import type { StoredEvent } from '../../src/log/envelope.ts';
import { ADMIN_TOKEN, type Client, remoteClient } from '../support/harness.ts';
import { uniqueTopic } from '../support/kafka.ts';
import { createTestDatabase } from '../support/pg.ts';
import { freePort, killHard, startRoles, verifyEventually, waitForHttp } from '../support/process.ts';
import { type Broker, startPrivateBroker } from './broker.ts';

/**
 * The soak: two instances of the service on one PostgreSQL database (a writer and a standby, each
 * with its projectors and its API: the standby forwards its commands to the writer), mixed load from
 * many clients, and kill -9 of the writer or the standby at random moments (each brought back a
 * little later). With `kafka`, the log is a topic on a broker of the soak's own, and that broker is
 * killed with SIGKILL too (restarted 2 to 6 s later). Then every invariant is checked: each
 * acknowledged command is in the log exactly once, each refusal answers the same on retry, each hold
 * expired exactly once, no 5xx other than 503 (log_unavailable / a timeout) was seen, and
 * `ledger verify` (hash chain, balances and read models against a replay of the log) passes.
 */
export interface SoakOptions {
  minutes: number;
  /** Concurrent clients. */
  clients?: number;
  /** Seconds between kills: a random pause in [min, max]. */
  killEvery?: [number, number];
  log?: (line: string) => void;
  /** Go on past `minutes` until this many kills were done (a slow machine restarts processes slowly). */
  minKills?: number;
  /** The log on Kafka (a private broker, killed at random moments too) instead of PostgreSQL. */
  kafka?: boolean;
}

export interface SoakSummary {
  minutes: number;
  requests: number;
  acknowledged: number;
  refused: number;
  unavailable: number;
  lostAnswers: number;
  otherErrors: string[];
  backend: 'postgres' | 'kafka';
  kills: { writer: number; standby: number; broker: number };
  takeoverMs: number[];
  holds: number;
  events: number;
  violations: string[];
}

type Req = { key: string; path: string; body: Record<string, unknown>; kind: 'deposit' | 'withdrawal' | 'transfer' | 'hold'; status?: number; code?: string; id?: string };

interface Node {
  port: number;
  child: (ChildProcess & { output: () => string }) | null;
  api: Client;
}

export async function runSoak(options: SoakOptions): Promise<SoakSummary> {
  const log = options.log ?? ((line: string) => console.log(line));
  const db = await createTestDatabase('ledger_soak');
  const broker = options.kafka ? await startPrivateBroker() : null;
  const kafka: Record<string, string> = broker ? { KAFKA_BROKERS: `127.0.0.1:${broker.port}`, KAFKA_TOPIC: `${uniqueTopic('soak')}.events` } : { KAFKA_BROKERS: '' };
  const env = { DATABASE_URL: db.url, ...kafka, LEDGER_BOOTSTRAP_TOKEN: ADMIN_TOKEN, HOST: '127.0.0.1', LOG_LEVEL: 'warn' };
  const roles = startRoles(env);
  const nodes: Node[] = [];
  for (let i = 0; i < 2; i++) {
    const port = await freePort();
    nodes.push({ port, child: null, api: remoteClient(`http://127.0.0.1:${port}`) });
  }
  const start = async (node: Node) => {
    node.child = (await roles.start(undefined, node.port)).child;
  };
  const summary: SoakSummary = { minutes: options.minutes, backend: broker ? 'kafka' : 'postgres', requests: 0, acknowledged: 0, refused: 0, unavailable: 0, lostAnswers: 0, otherErrors: [], kills: { writer: 0, standby: 0, broker: 0 }, takeoverMs: [], holds: 0, events: 0, violations: [] };
  try {
    await start(nodes[0]!);
    await waitForHttp(`http://127.0.0.1:${nodes[0]!.port}/readyz`);
    await start(nodes[1]!);
    const accounts = await openAccounts(nodes[0]!.api);
    const sent: Req[] = [];
    const deadline = Date.now() + options.minutes * 60_000;
    const chaos = { running: true };
    const kills = killAtRandom(nodes, start, broker, summary, { deadline, minKills: options.minKills ?? 0 }, options.killEvery ?? [8, 20], log).finally(() => (chaos.running = false));
    // The load lasts as long as the kills: the whole run, or longer until minKills were done.
    const load = Array.from({ length: options.clients ?? 12 }, () => client(nodes, accounts, sent, summary, chaos));
    await Promise.all([...load, kills]);
    for (const node of nodes) if (!node.child || node.child.exitCode !== null || node.child.signalCode !== null) await start(node);
    await waitForWriter(nodes, 30_000);
    await settle(nodes, sent, summary);
    // Holds time out within 5 s: wait for the last expiries before counting them.
    await new Promise((r) => setTimeout(r, 7000));
    await check(await eventsOf(env), sent, summary);
    // The projectors keep running until they have read the log's end: then the read models must equal a replay.
    const verify = await verifyEventually(env);
    if (verify.code !== 0) summary.violations.push(`ledger verify failed: ${verify.output.slice(-2000)}`);
    return summary;
  } finally {
    await roles.cleanup();
    await broker?.stop();
    await db.drop();
  }
}

/** Every event of the log (PostgreSQL table or Kafka topic), read as the service reads it. */
async function eventsOf(env: Record<string, string>): Promise<StoredEvent[]> {
  const storage = await openStorage(loadEnv(env));
  try {
    const events: StoredEvent[] = [];
    for (let p = 0; p < storage.log.partitions; p++) {
      for (let after = -1; ; ) {
        const page = await storage.log.read(p, after, 5000);
        if (page.length === 0) break;
        events.push(...page);
        after = page.at(-1)!.position;
      }
    }
    return events;
  } finally {
    await storage.close();
  }
}

async function openAccounts(api: Client): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < 10; i++) {
    const opened = await api.post('/v1/accounts', { currency: 'USD', overdraftLimit: '100.00' }, { 'idempotency-key': `soak-open-${i}` });
    ids.push(opened.body.id as string);
    await api.post(`/v1/accounts/${ids[i]}/deposits`, { amount: '200.00' }, { 'idempotency-key': `soak-fund-${i}` });
  }
  return ids;
}

let counter = 0;
function nextRequest(accounts: readonly string[]): Req {
  const i = counter++;
  const a = accounts[Math.floor(Math.random() * accounts.length)]!;
  let b = accounts[Math.floor(Math.random() * accounts.length)]!;
  if (b === a) b = accounts[(accounts.indexOf(a) + 1) % accounts.length]!;
  const key = `soak-${i}`;
  switch (i % 4) {
    case 0:
      return { key, kind: 'deposit', path: `/v1/accounts/${a}/deposits`, body: { amount: '10.00' } };
    case 1:
      return { key, kind: 'withdrawal', path: `/v1/accounts/${a}/withdrawals`, body: { amount: '17.00' } };
    case 2:
      return { key, kind: 'transfer', path: '/v1/transfers', body: { fromAccountId: a, toAccountId: b, amount: '6.50' } };
    default:
      return { key, kind: 'hold', path: '/v1/holds', body: { accountId: a, amount: '3.00', timeoutSeconds: 1 + (i % 5) } };
  }
}

/** One client: sends to a random node; remembers the first definite answer of each key. */
async function client(nodes: readonly Node[], accounts: readonly string[], sent: Req[], summary: SoakSummary, chaos: { running: boolean }): Promise<void> {
  while (chaos.running) {
    const req = nextRequest(accounts);
    sent.push(req);
    await send(nodes[Math.floor(Math.random() * nodes.length)]!, req, summary);
  }
}

/** Sends a request once; records a definite answer (2xx, 4xx) and counts the rest. */
async function send(node: Node, req: Req, summary: SoakSummary): Promise<void> {
  summary.requests++;
  try {
    const res = await node.api.post(req.path, req.body, { 'idempotency-key': req.key });
    if (res.status === 503) {
      summary.unavailable++;
      if (!['log_unavailable', 'request_timeout'].includes(res.body.code as string)) summary.otherErrors.push(`503 ${String(res.body.code)}`);
      await new Promise((r) => setTimeout(r, 100));
      return;
    }
    if (res.status >= 500) summary.otherErrors.push(`${res.status} ${String(res.body.code)} on ${req.path}`);
    else record(req, res.status, res.body, summary);
  } catch {
    summary.lostAnswers++; // the connection broke (a kill) or was refused (a node down): the outcome is unknown to the client
    await new Promise((r) => setTimeout(r, 100));
  }
}

function record(req: Req, status: number, body: Record<string, unknown>, summary: SoakSummary): void {
  const id = (req.kind === 'hold' ? body.id : body.transactionId) as string | undefined;
  if (req.status === undefined) {
    req.status = status;
    req.code = body.code as string | undefined;
    req.id = id;
    if (status === 201) summary.acknowledged++;
    else summary.refused++;
    return;
  }
  // A retry of an answered key must answer the same: the same transaction, or the same refusal.
  if (status !== req.status || (status === 201 && id !== req.id) || (status !== 201 && body.code !== req.code)) {
    summary.violations.push(`${req.key}: first ${req.status} ${req.code ?? req.id}, then ${status} ${String(body.code ?? id)}`);
  }
}

/** kill -9 of the writer or the standby at random moments, and of the broker (when there is one) every third kill; each comes back a little later. */
async function killAtRandom(nodes: readonly Node[], start: (n: Node) => Promise<void>, broker: Broker | null, summary: SoakSummary, until: { deadline: number; minKills: number }, [min, max]: [number, number], log: (l: string) => void): Promise<void> {
  for (;;) {
    const pause = (min + Math.random() * (max - min)) * 1000;
    const kills = summary.kills.writer + summary.kills.standby + summary.kills.broker;
    if (Date.now() + pause > until.deadline && kills >= until.minKills) return;
    await new Promise((r) => setTimeout(r, pause));
    if (broker && kills % 3 === 1) {
      await outage(broker, summary, log);
      continue;
    }
    const writer = await writerOf(nodes);
    const killWriter = writer !== null && Math.random() < 0.7;
    const victim = killWriter ? writer : nodes.find((n) => n !== writer)!;
    if (!victim.child) continue;
    await killHard(victim.child);
    victim.child = null;
    const killedAt = Date.now();
    if (killWriter) summary.kills.writer++;
    else summary.kills.standby++;
    const back = new Promise((r) => setTimeout(r, 1000 + Math.random() * 3000)).then(() => start(victim));
    if (killWriter) {
      // Whoever is first once the dead writer's lease expired takes the role: usually the standby, but the
      // killed node, restarted 1 to 4 s later, may win the race; either is a takeover.
      const other = nodes.find((n) => n !== victim)!;
      await waitForWriter(nodes, 30_000).then(
        (writer) => {
          summary.takeoverMs.push(Date.now() - killedAt);
          log(`kill -9 of the writer on :${victim.port}; :${writer.port} took over after ${Date.now() - killedAt} ms`);
        },
        () => summary.violations.push(`no instance took over within 30 s; the standby's log ends:\n${outputOf(other).slice(-3000)}`),
      );
    } else {
      log(`kill -9 of the standby on :${victim.port}`);
    }
    await back;
  }
}

/** kill -9 of the broker under load; it comes back 2 to 6 s later (its data kept, as after a crash). */
async function outage(broker: Broker, summary: SoakSummary, log: (l: string) => void): Promise<void> {
  await broker.kill();
  summary.kills.broker++;
  const killedAt = Date.now();
  await new Promise((r) => setTimeout(r, 2000 + Math.random() * 4000));
  await broker.start();
  log(`kill -9 of the broker on :${broker.port}; back after ${Date.now() - killedAt} ms`);
}

/** What a node's process wrote (warnings and errors: the soak runs them at LOG_LEVEL=warn). */
function outputOf(node: Node): string {
  return node.child?.output() ?? '(no process)';
}

async function writerOf(nodes: readonly Node[]): Promise<Node | null> {
  for (const node of nodes) {
    const ready = await fetch(`http://127.0.0.1:${node.port}/readyz`).then((r) => r.status === 200, () => false);
    if (ready) return node;
  }
  return null;
}

async function waitForWriter(nodes: readonly Node[], timeoutMs: number): Promise<Node> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const writer = await writerOf(nodes);
    if (writer) return writer;
    if (Date.now() > until) throw new Error('no writer');
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Retries every key (answered or not) on the writer until each has a definite answer, checking answered ones answer the same. */
async function settle(nodes: readonly Node[], sent: Req[], summary: SoakSummary): Promise<void> {
  const writer = await waitForWriter(nodes, 30_000);
  let next = 0;
  const lane = async () => {
    for (let i = next++; i < sent.length; i = next++) await settleOne(writer, sent[i]!, summary);
  };
  await Promise.all(Array.from({ length: 8 }, lane));
}

async function settleOne(writer: Node, req: Req, summary: SoakSummary): Promise<void> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const res = await writer.api.post(req.path, req.body, { 'idempotency-key': req.key });
    if (res.status === 503) {
      await new Promise((r) => setTimeout(r, 200));
      continue;
    }
    if (res.status >= 500) summary.otherErrors.push(`${res.status} ${String(res.body.code)} on retry of ${req.key}`);
    else record(req, res.status, res.body, summary);
    break;
  }
  if (req.status === undefined) summary.violations.push(`${req.key} never got a definite answer`);
}

/** Each acknowledged command is in the log exactly once; each hold expired exactly once; no command has extra events. */
async function check(events: readonly StoredEvent[], sent: readonly Req[], summary: SoakSummary): Promise<void> {
  const count = new Map<string, number>();
  const perCommand = new Map<string, number>();
  const counted = new Set(['FundsDeposited', 'FundsWithdrawn', 'TransferDebited', 'TransferCredited', 'HoldPlaced', 'HoldExpired']);
  for (const e of events) {
    perCommand.set(e.metadata.commandId, (perCommand.get(e.metadata.commandId) ?? 0) + 1);
    if (!counted.has(e.type)) continue;
    const data = e.data as { transactionId?: string; holdId?: string };
    const key = `${e.type}:${data.transactionId ?? data.holdId}`;
    count.set(key, (count.get(key) ?? 0) + 1);
  }
  const expected: Record<Req['kind'], string[]> = { deposit: ['FundsDeposited'], withdrawal: ['FundsWithdrawn'], transfer: ['TransferDebited', 'TransferCredited'], hold: ['HoldPlaced', 'HoldExpired'] };
  for (const req of sent.filter((r) => r.status === 201)) {
    for (const type of expected[req.kind]) {
      const n = count.get(`${type}:${req.id}`) ?? 0;
      if (n !== 1) summary.violations.push(`${req.key} (${req.kind} ${req.id}): ${n} ${type} events, expected exactly 1`);
    }
  }
  summary.holds = sent.filter((r) => r.kind === 'hold' && r.status === 201).length;
  const doubled = [...perCommand.values()].filter((n) => n > 2).length;
  if (doubled) summary.violations.push(`${doubled} commands with more events than any command makes`);
  summary.events = events.length;
}

export function formatSummary(s: SoakSummary): string {
  const sorted = [...s.takeoverMs].sort((a, b) => a - b);
  const pct = (p: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] : 0);
  return [
    `soak on ${s.backend}: ${s.minutes} min, ${s.requests} requests (${s.acknowledged} acknowledged keys, ${s.refused} refused, ${s.unavailable} answered 503, ${s.lostAnswers} connections broken or refused by a killed node), ${s.events} events`,
    `kills: ${s.kills.writer} of the writer, ${s.kills.standby} of the standby, ${s.kills.broker} of the broker; takeover after the writer's kill: ${sorted.length ? `median ${pct(50)} ms, max ${sorted.at(-1)} ms` : 'none'}`,
    `holds placed: ${s.holds}, each expired exactly once: ${s.violations.some((v) => v.includes('HoldExpired')) ? 'NO' : 'yes'}`,
    `5xx other than 503: ${s.otherErrors.length ? s.otherErrors.slice(0, 10).join('; ') : 'none'}`,
    s.violations.length ? `VIOLATIONS (${s.violations.length}):\n  ${s.violations.slice(0, 30).join('\n  ')}` : 'invariants: all hold (each acknowledged command once, refusals answer the same, holds expire once, ledger verify clean)',
  ].join('\n');
}
