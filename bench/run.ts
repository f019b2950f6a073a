/**
 * npm run bench [-- --mode embedded|postgres|kafka|all --seconds 10 --concurrency 64 --accounts 1000 --engine-events 200000 --roles all --skip-engine --profile DIR --root DIR --no-build]
 *
 * HTTP: first a bare node:http server (parse the JSON, answer 201) as its own process, driven the
 * same way: the baseline every HTTP figure is printed against. Then the real service as a separate
 * process (as `npm start` runs it: built first, then dist/): opens and funds accounts, drives concurrent HTTP transfers between
 * random accounts and prints transfers/s, latency, the share of the baseline, and the projector
 * lag (sampled from /metrics every 500 ms during the load; its maximum is printed).
 * --profile DIR runs the service with --cpu-prof (the .cpuprofile lands in DIR on shutdown).
 * --root DIR runs the service of another checkout (its dist/, e.g. main's for an A/B); --no-build uses dist/ as it is.
 * Engine: then runs bench/engine.ts per log (append throughput, raw kafkajs producer ratio on Kafka,
 * projector catch-up, cold start with and without a snapshot). Kafka modes need a broker:
 * KAFKA_BROKERS, or the one `npm run kafka:start` runs on 127.0.0.1:9092.
 */
import { type ChildProcess, fork, spawn, spawnSync } from 'node:child_process';
import os from 'node:os';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createTestDatabase } from '../test/support/pg.ts';
import { ROOT, freePort, killHard, waitForHttp } from '../test/support/process.ts';
import { type LoadResult, runLoad } from './lib/http-load.ts';
import { runMain } from './lib/scratch.ts';

const { values } = parseArgs({
  options: {
    mode: { type: 'string', default: 'all' },
    seconds: { type: 'string', default: '10' },
    concurrency: { type: 'string', default: '64' },
    accounts: { type: 'string', default: '1000' },
    'engine-events': { type: 'string', default: '200000' },
    /** LEDGER_ROLE of the measured process, e.g. engine,api to leave the projectors out. */
    roles: { type: 'string', default: 'all' },
    'skip-engine': { type: 'boolean', default: false },
    profile: { type: 'string' },
    root: { type: 'string' },
    'no-build': { type: 'boolean', default: false },
  },
});
/** The checkout whose service is measured. */
const SERVICE_ROOT = values.root ? path.resolve(values.root) : ROOT;
const seconds = Number(values.seconds);
const concurrency = Number(values.concurrency);
const accountCount = Number(values.accounts);
const TOKEN = 'bench-admin-token-0123456789abcdef';
const METRICS_TOKEN = 'bench-metrics-token-0123456789abcdef';

async function post(port: number, p: string, body: unknown): Promise<Record<string, unknown>> {
  const res = await fetch(`http://127.0.0.1:${port}${p}`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` }, body: JSON.stringify(body) });
  return (await res.json()) as Record<string, unknown>;
}

type Mode = 'embedded' | 'postgres' | 'kafka';

/** Issue 11's aims for an idle service's resident memory (MB = 10^6 bytes), per mode. */
const IDLE_RSS_AIM_MB: Record<Mode, number> = { embedded: 300, postgres: 200, kafka: 200 };
const idleAim = (mode: Mode, mib: number): string => {
  const aim = IDLE_RSS_AIM_MB[mode];
  return `(${Math.round((mib * 2 ** 20) / 1e6)} MB; aim ≤ ${aim} MB: ${mib * 2 ** 20 <= aim * 1e6 ? 'met' : 'NOT met'})`;
};

/**
 * The service as its own process, started by the measured checkout's own `npm start` script (its node
 * flags and NODE_OPTIONS included, so an A/B with --root measures each side as it starts) through
 * `sh -c`, as npm runs it; the script `exec`s node, so the child's pid is the service's. --profile adds
 * --cpu-prof through NODE_OPTIONS.
 */
function spawnService(env: Record<string, string>): ChildProcess {
  const start = (JSON.parse(readFileSync(path.join(SERVICE_ROOT, 'package.json'), 'utf8')) as { scripts: { start: string } }).scripts.start;
  if (!/\bexec node\b/.test(start)) throw new Error(`npm start of ${SERVICE_ROOT} does not exec node: ${start}`);
  const prof = values.profile ? ` --cpu-prof --cpu-prof-dir=${path.resolve(values.profile)}` : '';
  const nodeOptions = `${process.env.NODE_OPTIONS ?? ''}${prof}`.trim();
  const binPath = `${path.join(SERVICE_ROOT, 'node_modules/.bin')}${path.delimiter}${path.dirname(process.execPath)}${path.delimiter}${process.env.PATH ?? ''}`;
  const childEnv = { ...process.env, ...env, PATH: binPath, NODE_OPTIONS: nodeOptions };
  return spawn('sh', ['-c', start], { cwd: SERVICE_ROOT, env: childEnv, stdio: ['ignore', 'ignore', 'inherit'] });
}

/** A profiled service must exit by itself (SIGTERM, a clean shutdown) for its profile to be written. */
async function stopService(child: ChildProcess): Promise<void> {
  if (!values.profile) return killHard(child);
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await Promise.race([exited, new Promise((r) => setTimeout(r, 30_000))]);
  await killHard(child);
}

/** CPU seconds (user + system, every thread) a process has used so far, from /proc (Linux; 0 elsewhere). */
function cpuSeconds(pid: number | undefined): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}

/**
 * CPU seconds used so far per pid, for every process whose command name is `name` and whose command line
 * passes `keep` (postgres: this run's database's backends and the server's own background processes, not
 * other databases' backends; the broker's java).
 */
function cpuByPid(name: string, keep: (cmdline: string) => boolean = () => true): Map<number, number> {
  const seconds = new Map<number, number>();
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      if (stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')) !== name) continue;
      if (keep(readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' '))) seconds.set(Number(pid), cpuSeconds(Number(pid)));
    } catch {
      // the process ended between the listing and the read
    }
  }
  return seconds;
}

/** CPU seconds the processes alive at the end used since `start` (those born meanwhile count whole; those gone are lost). */
function cpuSince(start: Map<number, number>, end: Map<number, number>): number {
  let total = 0;
  for (const [pid, s] of end) total += s - (start.get(pid) ?? 0);
  return total;
}

/** Busy and total CPU seconds of the whole machine so far, from /proc/stat. */
function machineCpu(): { busy: number; total: number } {
  const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const total = fields.reduce((a, b) => a + b, 0);
  return { busy: (total - fields[3]! - (fields[4] ?? 0)) / 100, total: total / 100 };
}

/** Where the CPU went during a load window: ms per transfer of each part, and the machine's busy share. */
function cpuSplit(database: string | null, broker: boolean) {
  // A client backend's command line names its database and client ("postgres: 15/main: user db 127.0.0.1(port) …").
  const ours = (cmdline: string) => (database ? cmdline.includes(` ${database} `) : false) || !/\(\d+\)|\[local\]/.test(cmdline);
  const postgres = () => cpuByPid('postgres', ours);
  const brokers = () => (broker ? cpuByPid('java') : new Map<number, number>());
  const start = { postgres: postgres(), broker: brokers(), load: process.cpuUsage(), machine: machineCpu() };
  return (servicePid: number | undefined, serviceStart: number, transfers: number): string => {
    const per = (seconds: number) => ((seconds * 1000) / Math.max(1, transfers)).toFixed(3);
    const load = process.cpuUsage(start.load);
    const m = machineCpu();
    const parts = [
      `service ${per(cpuSeconds(servicePid) - serviceStart)}`,
      `PostgreSQL ${per(cpuSince(start.postgres, postgres()))}`,
      `load generator ${per((load.user + load.system) / 1e6)}`,
    ];
    if (broker) parts.push(`broker ${per(cpuSince(start.broker, brokers()))}`);
    const busy = ((m.busy - start.machine.busy) / Math.max(0.01, m.total - start.machine.total)) * 100;
    return `CPU ms/transfer: ${parts.join(', ')}; machine ${busy.toFixed(0)}% busy`;
  };
}

/** Resident memory of a process in MiB, from /proc (Linux; 0 elsewhere). */
function rssMiB(pid: number | undefined): number {
  try {
    const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return Math.round(Number(kb) / 1024);
  } catch {
    return 0;
  }
}

/** The largest projector lag (events and seconds, over every projector) seen on /metrics while `during` runs. */
async function sampleLag<T>(port: number, during: Promise<T>): Promise<{ result: T; maxEvents: number; maxSeconds: number }> {
  let maxEvents = 0;
  let maxSeconds = 0;
  let done = false;
  const sampler = (async () => {
    while (!done) {
      await new Promise((r) => setTimeout(r, 500));
      const text = await fetch(`http://127.0.0.1:${port}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } }).then((r) => r.text(), () => '');
      for (const [, name, value] of text.matchAll(/^ledger_projector_lag_(events|seconds)\{[^}]*\} ([0-9.e+-]+)$/gm)) {
        if (name === 'events') maxEvents = Math.max(maxEvents, Number(value));
        else maxSeconds = Math.max(maxSeconds, Number(value));
      }
    }
  })();
  const result = await during;
  done = true;
  await sampler;
  return { result, maxEvents, maxSeconds };
}

const pick = (ids: string[]) => (i: number) => {
  const a = (i * 7919) % ids.length;
  let b = (i * 104729 + 13) % ids.length;
  if (b === a) b = (b + 1) % ids.length;
  return { path: '/v1/transfers', body: { fromAccountId: ids[a], toAccountId: ids[b], amount: '1.25' } };
};

/** The bare node:http baseline: same load generator, same request bodies, as its own process. */
async function benchBare(): Promise<LoadResult> {
  const port = await freePort();
  const child = fork(path.join(ROOT, 'bench/lib/bare-http.mjs'), [String(port)], { stdio: 'inherit' });
  try {
    await new Promise((r) => child.once('message', r));
    const ids = Array.from({ length: accountCount }, (_, i) => `acct-${i}`);
    await runLoad({ port, concurrency, seconds: 2, next: pick(ids) });
    return await runLoad({ port, concurrency, seconds, next: pick(ids) });
  } finally {
    await killHard(child);
  }
}

async function benchHttp(mode: Mode) {
  const cleanups: Array<() => Promise<void> | void> = [];
  let env: Record<string, string>;
  let database: string | null = null;
  if (mode === 'postgres' || mode === 'kafka') {
    const db = await createTestDatabase('ledger_bench');
    database = new URL(db.url).pathname.slice(1);
    cleanups.push(db.drop);
    env = { DATABASE_URL: db.url };
    if (mode === 'kafka') env = { ...env, KAFKA_BROKERS: process.env.KAFKA_BROKERS ?? '127.0.0.1:9092', KAFKA_TOPIC: `ledger.bench${Date.now()}.events` };
  } else {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'ledger-bench-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    env = { LEDGER_DATA_DIR: dir };
  }
  const port = await freePort();
  const server = spawnService({ ...env, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'error', LEDGER_BOOTSTRAP_TOKEN: TOKEN, LEDGER_METRICS_TOKEN: METRICS_TOKEN, LEDGER_ROLE: values.roles });
  try {
    await waitForHttp(`http://127.0.0.1:${port}/healthz`);
    await new Promise((r) => setTimeout(r, 2000));
    const idleRss = rssMiB(server.pid);
    const ids: string[] = [];
    for (let i = 0; i < accountCount; i += 50) {
      const batch = await Promise.all(Array.from({ length: Math.min(50, accountCount - i) }, () => post(port, '/v1/accounts', { currency: 'USD' })));
      ids.push(...batch.map((b) => b.id as string));
    }
    for (let i = 0; i < ids.length; i += 50) {
      await Promise.all(ids.slice(i, i + 50).map((id) => post(port, `/v1/accounts/${id}/deposits`, { amount: '1000000.00' })));
    }
    const headers = { authorization: `Bearer ${TOKEN}` };
    await runLoad({ port, concurrency, seconds: 2, next: pick(ids), headers }); // warm-up
    const cpu0 = cpuSeconds(server.pid);
    const split = cpuSplit(database, mode === 'kafka');
    const { result, maxEvents, maxSeconds } = await sampleLag(port, runLoad({ port, concurrency, seconds, next: pick(ids), headers }));
    const cpuMs = ((cpuSeconds(server.pid) - cpu0) * 1000) / Math.max(1, result.ok);
    const cpu = split(server.pid, cpu0, result.ok);
    return { mode, concurrency, ...result, lagEvents: maxEvents, lagSeconds: maxSeconds, cpuMs, cpu, idleRss, loadedRss: rssMiB(server.pid) };
  } finally {
    await stopService(server);
    for (const c of cleanups.reverse()) await c();
  }
}

async function main() {
  // What `npm start` runs: the sources compiled to dist/.
  if (!values['no-build'] && spawnSync('npm', ['run', 'build'], { cwd: SERVICE_ROOT, stdio: 'inherit' }).status !== 0) throw new Error('npm run build failed');
  console.log(`service: ${SERVICE_ROOT} (${spawnSync('git', ['-C', SERVICE_ROOT, 'describe', '--always', '--dirty'], { encoding: 'utf8' }).stdout.trim() || 'not a git checkout'})`);
  console.log(`machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}`);
  const modes: Mode[] = values.mode === 'all' ? ['embedded', 'postgres', 'kafka'] : [values.mode as Mode];
  const bare = await benchBare();
  console.log(`HTTP baseline [bare node:http, parse JSON and answer] c=${concurrency}: ${bare.rate} requests/s over ${bare.seconds}s, latency ms p50 ${bare.p50} p99 ${bare.p99}`);
  for (const mode of modes) {
    const r = await benchHttp(mode);
    const share = ((r.rate / bare.rate) * 100).toFixed(1);
    console.log(
      `HTTP transfers [${r.mode}, roles ${values.roles}] c=${r.concurrency}: ${r.rate} transfers/s = ${share}% of bare over ${r.seconds}s (${r.ok} ok, ${r.errors} errors) latency ms p50 ${r.p50} p90 ${r.p90} p99 ${r.p99} max ${r.max}; projector lag max ${r.lagEvents} events / ${r.lagSeconds.toFixed(2)} s; service CPU ${r.cpuMs.toFixed(3)} ms/transfer; RSS idle ${r.idleRss} MiB ${idleAim(r.mode, r.idleRss)}, after the load ${r.loadedRss} MiB`,
    );
    console.log(`  ${r.cpu}`);
  }
  for (const mode of values['skip-engine'] ? [] : modes) {
    const log = mode === 'embedded' ? 'pglite' : mode;
    console.log(`\nengine [${log} log]:`);
    const child = spawn(process.execPath, ['--import', 'tsx', 'bench/engine.ts', '--log', log, '--events', values['engine-events']], { cwd: ROOT, stdio: 'inherit' });
    const code = await new Promise<number | null>((r) => child.on('exit', r));
    if (code !== 0) throw new Error(`bench/engine.ts --log ${log} failed`);
  }
}

runMain(main);
