/**
 * Auth overhead: transfers/s through the in-process app with and without authentication,
 * authorization and rate limiting, under concurrent load, plus the engine alone for reference.
 * Usage: npx tsx bench/auth-overhead.ts [transfersPerRound=500] [concurrency=64] [rounds=16]
 * Short rounds alternate between the setups, because PGlite slows down as its tables grow: both
 * sides then see the same growth. The figure is the total transfers over the total time per setup.
 */
import { newId } from '../src/ids.ts';
import { type System, startSystem } from '../src/app/system.ts';
import { silentLogger } from '../src/app/logger.ts';
import { loadEnv } from '../src/config/env.ts';
import { openDatabase } from '../src/db/client.ts';
import { runMain } from './lib/scratch.ts';

const [perRound = 500, concurrency = 64, rounds = 16] = process.argv.slice(2).map(Number);
const ADMIN = 'bench-bootstrap-admin-token-0123456789';

interface Setup {
  name: string;
  system: System;
  token: string;
  a: string;
  b: string;
}

async function setup(name: string, security: 'on' | 'off'): Promise<Setup> {
  const database = await openDatabase({ url: null, dataDir: null });
  // Rate limit on but far above the load, so the bucket code runs without refusing.
  const env = loadEnv({ LEDGER_BOOTSTRAP_TOKEN: ADMIN, LEDGER_RATE_LIMIT_RPS: '1000000', LEDGER_RATE_LIMIT_BURST: '1000000' });
  const system = await startSystem(env, { database, logger: silentLogger, app: { security } });
  const call = async (token: string, path: string, body: unknown) => {
    const res = await system.app.request(path, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return (await res.json()) as Record<string, string>;
  };
  const key = await call(ADMIN, '/v1/keys', { name: 'bench teller', role: 'teller' });
  const token = security === 'on' ? key.token! : 'unused';
  const a = (await call(ADMIN, '/v1/accounts', { currency: 'USD' })).id!;
  const b = (await call(ADMIN, '/v1/accounts', { currency: 'USD' })).id!;
  await call(ADMIN, `/v1/accounts/${a}/deposits`, { amount: '100000000.00' });
  await call(ADMIN, `/v1/accounts/${b}/deposits`, { amount: '100000000.00' });
  // The write path only: projectors of three systems in one process would compete for the CPU.
  await Promise.all(system.projectors.map((p) => p.stop()));
  return { name, system, token, a, b };
}

async function drive(n: number, one: (i: number) => Promise<void>): Promise<number> {
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < n) await one(next++);
    }),
  );
  return n / ((performance.now() - started) / 1000);
}

function viaHttp(s: Setup) {
  return async (i: number) => {
    const [from, to] = i % 2 ? [s.a, s.b] : [s.b, s.a];
    const res = await s.system.app.request('/v1/transfers', {
      method: 'POST',
      headers: { authorization: `Bearer ${s.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ fromAccountId: from, toAccountId: to, amount: '0.01' }),
    });
    if (res.status !== 201) throw new Error(`${s.name}: transfer answered ${res.status} ${await res.text()}`);
    await res.arrayBuffer();
  };
}

function viaEngine(s: Setup) {
  return async (i: number) => {
    const [from, to] = i % 2 ? [s.a, s.b] : [s.b, s.a];
    await s.system.engine!.execute(
      { type: 'Transfer', transactionId: newId(), fromAccountId: from, toAccountId: to, amount: '0.01', reference: null, metadata: {} },
      { commandId: newId(), requestHash: 'bench', correlationId: 'bench', causationId: null, actor: 'key:bench', actorRole: 'teller', origin: { ip: null, userAgent: null, requestId: null } },
    );
  };
}

const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]!;
/** Transfers over total time: the harmonic mean of the per-round rates. */
const overall = (xs: number[]) => xs.length / xs.reduce((t, x) => t + 1 / x, 0);

async function main(): Promise<void> {
  const secured = await setup('auth on', 'on');
  const open = await setup('auth off', 'off');
  const engineOnly = await setup('engine only', 'off');
  const results: Record<string, number[]> = { 'auth on': [], 'auth off': [], 'engine only': [] };
  await drive(500, viaHttp(secured));
  await drive(500, viaHttp(open));
  await drive(500, viaEngine(engineOnly));
  for (let r = 0; r < rounds; r++) {
    // Alternate the order so warm-up and GC do not favour one side.
    const order = r % 2 ? [open, secured] : [secured, open];
    for (const s of order) results[s.name]!.push(await drive(perRound, viaHttp(s)));
    results['engine only']!.push(await drive(perRound, viaEngine(engineOnly)));
  }
  const on = overall(results['auth on']!);
  const off = overall(results['auth off']!);
  const engine = overall(results['engine only']!);
  const fmt = (x: number) => Math.round(x).toLocaleString('en-US');
  console.log(`transfers per round: ${perRound}, concurrency: ${concurrency}, rounds: ${rounds}, Node ${process.version}, PGlite in memory`);
  for (const [name, xs] of Object.entries(results)) console.log(`${name.padEnd(12)} overall ${fmt(overall(xs))}/s, median round ${fmt(median(xs))}/s  (rounds: ${xs.map(fmt).join(', ')})`);
  console.log(`auth + authorization + rate limit cost: ${(((off - on) / off) * 100).toFixed(1)}% of transfers/s`);
  console.log(`HTTP + validation (auth off) vs engine only: ${(((engine - off) / engine) * 100).toFixed(1)}% of transfers/s`);
  for (const s of [secured, open, engineOnly]) await s.system.close();
}

runMain(main);
