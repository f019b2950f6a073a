/**
 * The HTTP path's own CPU: the service's app (every middleware, validation, auth, metrics, access
 * log, response) on @hono/node-server as `ledger serve` runs it, with the command bus answering a
 * transfer's recorded result at once (no engine, no database on the path). A load generator in
 * another process sends the same transfer over keep-alive connections; the figure is this
 * process's CPU time per request (user + system) while the load runs, which depends much less
 * on how busy the machine is than requests/s.
 *
 *   npm run build && npx tsx bench/http-path.ts [--seconds 5] [--rounds 3] [--concurrency 32] [--root DIR ...]
 *
 * --root (repeatable): measure the dist/ build of another checkout too (e.g. main's), rounds
 * interleaved across the roots, each root in its own process.
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { ROOT, freePort } from '../test/support/process.ts';
import type { LoadResult } from './lib/http-load.ts';
import { runMain } from './lib/scratch.ts';
import type * as SystemModule from '../src/app/system.ts';
import type * as EnvModule from '../src/config/env.ts';
import type * as ClientModule from '../src/db/client.ts';
import type * as LoggerModule from '../src/app/logger.ts';
import type * as ServerModule from '../src/http/server.ts';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '5' },
    rounds: { type: 'string', default: '3' },
    concurrency: { type: 'string', default: '32' },
    root: { type: 'string', multiple: true },
    /** Write a CPU profile of each measured process into this directory. */
    profile: { type: 'string' },
    /** Internal: serve one root's app in this process and measure it. */
    serve: { type: 'string' },
  },
});
const TOKEN = 'bench-admin-token-0123456789abcdef';

interface Measured {
  load: LoadResult;
  cpuUsPerRequest: number;
}

/** One root's app in this process; every round drives load from a child process and measures this process's CPU. */
async function serve(root: string): Promise<void> {
  const dist = (p: string) => import(path.join(root, 'dist', p));
  const { startSystem } = (await dist('app/system.js')) as typeof SystemModule;
  const { loadEnv } = (await dist('config/env.js')) as typeof EnvModule;
  const { openDatabase } = (await dist('db/client.js')) as typeof ClientModule;
  const { createLogger } = (await dist('app/logger.js')) as typeof LoggerModule;
  const { startHttpServer } = (await dist('http/server.js')) as typeof ServerModule;
  const database = await openDatabase({ url: null, dataDir: null });
  const env = loadEnv({ LEDGER_BOOTSTRAP_TOKEN: TOKEN, LEDGER_RATE_LIMIT_RPS: '1000000', LEDGER_RATE_LIMIT_BURST: '1000000' });
  const system = await startSystem(env, { database, logger: createLogger('error'), roles: new Set(['engine', 'api']) });
  const engine = system.engine!;
  const call = async (p: string, body: unknown) => {
    const res = await system.app.request(p, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return (await res.json()) as Record<string, string>;
  };
  const a = (await call('/v1/accounts', { currency: 'USD' })).id!;
  const b = (await call('/v1/accounts', { currency: 'USD' })).id!;
  await call(`/v1/accounts/${a}/deposits`, { amount: '1000.00' });
  // A real transfer's result, then every transfer answers it: only the HTTP path is left to measure.
  let recorded: Awaited<ReturnType<typeof engine.execute>> | null = null;
  const execute = engine.execute.bind(engine);
  engine.execute = async (command, ctx) => (recorded ??= await execute(command, ctx));
  await call('/v1/transfers', { fromAccountId: a, toAccountId: b, amount: '1.25' });
  const port = await freePort();
  const server = await startHttpServer(system.app, { port, hostname: '127.0.0.1', requestTimeoutMs: 30_000, headersTimeoutMs: 10_000 });
  const request = { path: '/v1/transfers', body: { fromAccountId: a, toAccountId: b, amount: '1.25' } };
  const round = async (seconds: number): Promise<Measured> => {
    const child = fork(fileURLToPath(new URL('./lib/load-child.ts', import.meta.url)), { execArgv: ['--import', 'tsx'] });
    const cpu0 = process.cpuUsage();
    const result = new Promise<LoadResult>((resolve) => child.once('message', (m) => resolve(m as LoadResult)));
    child.send({ port, concurrency: Number(values.concurrency), seconds, headers: { authorization: `Bearer ${TOKEN}` }, request });
    const load = await result;
    const cpu = process.cpuUsage(cpu0);
    return { load, cpuUsPerRequest: (cpu.user + cpu.system) / Math.max(1, load.requests) };
  };
  await round(2); // warm-up
  process.on('message', (msg: { seconds: number }) => void round(msg.seconds).then((m) => process.send?.(m)));
  process.send?.('ready');
  process.once('disconnect', () => {
    server.close();
    void system.close().then(() => database.close()).then(() => process.exit(0));
  });
}

async function main(): Promise<void> {
  const roots = [ROOT, ...(values.root ?? []).map((r) => path.resolve(r))];
  const servers = await Promise.all(
    roots.map(async (root) => {
      const prof = values.profile ? ['--cpu-prof', `--cpu-prof-dir=${path.resolve(values.profile)}`] : [];
      const child = fork(fileURLToPath(import.meta.url), ['--serve', root], { execArgv: [...prof, '--import', 'tsx'] });
      await new Promise((r) => child.once('message', r));
      return { root, child, runs: [] as Measured[] };
    }),
  );
  for (let i = 0; i < Number(values.rounds); i++) {
    for (const s of servers) {
      const m = await new Promise<Measured>((resolve) => {
        s.child.once('message', (msg) => resolve(msg as Measured));
        s.child.send({ seconds: Number(values.seconds) });
      });
      s.runs.push(m);
      console.log(`round ${i + 1} ${s.root}: ${m.load.rate} requests/s (${m.load.errors} errors), p99 ${m.load.p99} ms, ${m.cpuUsPerRequest.toFixed(1)} µs CPU per request`);
    }
  }
  for (const s of servers) {
    const cpu = s.runs.map((r) => r.cpuUsPerRequest).sort((x, y) => x - y);
    console.log(`${s.root}: median ${cpu[Math.floor(cpu.length / 2)]!.toFixed(1)} µs CPU per request (min ${cpu[0]!.toFixed(1)}), ${Math.round(s.runs.reduce((n, r) => n + r.load.rate, 0) / s.runs.length)} requests/s mean`);
    s.child.disconnect();
  }
}

if (values.serve) void serve(values.serve);
else runMain(main);
