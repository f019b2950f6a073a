/**
 * npm run bench [-- --mode embedded|postgres|kafka|all --seconds 10 --concurrency 64 --accounts 1000 --engine-events 200000 --roles all --skip-engine]
 *
 * HTTP: starts the real service as a separate process (as a user would), opens and funds accounts,
 * then drives concurrent HTTP transfers between random accounts and prints transfers/s and latency.
 * Engine: then runs bench/engine.ts per log (append throughput, raw kafkajs producer ratio on Kafka,
 * projector catch-up, cold start with and without a snapshot). Kafka modes need a broker:
 * KAFKA_BROKERS, or the one `npm run kafka:start` runs on 127.0.0.1:9092.
 */
import { spawn } from 'node:child_process';
import os from 'node:os';
import { mkdtempSync, rmSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createTestDatabase } from '../test/support/pg.ts';
import { ROOT, freePort, killHard, spawnLedger, waitForHttp } from '../test/support/process.ts';
import { runLoad } from './lib/http-load.ts';

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
  },
});
const seconds = Number(values.seconds);
const concurrency = Number(values.concurrency);
const accountCount = Number(values.accounts);
const TOKEN = 'bench-admin-token-0123456789abcdef';

async function post(port: number, p: string, body: unknown): Promise<Record<string, unknown>> {
  const res = await fetch(`http://127.0.0.1:${port}${p}`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` }, body: JSON.stringify(body) });
  return (await res.json()) as Record<string, unknown>;
}

type Mode = 'embedded' | 'postgres' | 'kafka';

async function benchHttp(mode: Mode) {
  const cleanups: Array<() => Promise<void> | void> = [];
  let env: Record<string, string>;
  if (mode === 'postgres' || mode === 'kafka') {
    const db = await createTestDatabase('ledger_bench');
    cleanups.push(db.drop);
    env = { DATABASE_URL: db.url };
    if (mode === 'kafka') env = { ...env, KAFKA_BROKERS: process.env.KAFKA_BROKERS ?? '127.0.0.1:9092', KAFKA_TOPIC: `ledger.bench${Date.now()}.events` };
  } else {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'ledger-bench-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    env = { LEDGER_DATA_DIR: dir };
  }
  const port = await freePort();
  const server = spawnLedger(['serve'], { ...env, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'error', LEDGER_BOOTSTRAP_TOKEN: TOKEN, LEDGER_ROLE: values.roles });
  try {
    await waitForHttp(`http://127.0.0.1:${port}/healthz`);
    const ids: string[] = [];
    for (let i = 0; i < accountCount; i += 50) {
      const batch = await Promise.all(Array.from({ length: Math.min(50, accountCount - i) }, () => post(port, '/v1/accounts', { currency: 'USD' })));
      ids.push(...batch.map((b) => b.id as string));
    }
    for (let i = 0; i < ids.length; i += 50) {
      await Promise.all(ids.slice(i, i + 50).map((id) => post(port, `/v1/accounts/${id}/deposits`, { amount: '1000000.00' })));
    }
    // warm-up
    const pick = (i: number) => {
      const a = (i * 7919) % ids.length;
      let b = (i * 104729 + 13) % ids.length;
      if (b === a) b = (b + 1) % ids.length;
      return { path: '/v1/transfers', body: { fromAccountId: ids[a], toAccountId: ids[b], amount: '1.25' } };
    };
    await runLoad({ port, concurrency, seconds: 2, next: pick, headers: { authorization: `Bearer ${TOKEN}` } });
    const result = await runLoad({ port, concurrency, seconds, next: pick, headers: { authorization: `Bearer ${TOKEN}` } });
    return { mode, concurrency, ...result };
  } finally {
    await killHard(server);
    for (const c of cleanups.reverse()) await c();
  }
}

async function main() {
  console.log(`machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}`);
  const modes: Mode[] = values.mode === 'all' ? ['embedded', 'postgres', 'kafka'] : [values.mode as Mode];
  for (const mode of modes) {
    const r = await benchHttp(mode);
    console.log(
      `HTTP transfers [${r.mode}, roles ${values.roles}] c=${r.concurrency}: ${r.rate} transfers/s over ${r.seconds}s (${r.ok} ok, ${r.errors} errors) latency ms p50 ${r.p50} p90 ${r.p90} p99 ${r.p99} max ${r.max}`,
    );
  }
  for (const mode of values['skip-engine'] ? [] : modes) {
    const log = mode === 'embedded' ? 'pglite' : mode;
    console.log(`\nengine [${log} log]:`);
    const child = spawn(process.execPath, ['--import', 'tsx', 'bench/engine.ts', '--log', log, '--events', values['engine-events']], { cwd: ROOT, stdio: 'inherit' });
    const code = await new Promise<number | null>((r) => child.on('exit', r));
    if (code !== 0) throw new Error(`bench/engine.ts --log ${log} failed`);
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
