/**
 * The anomaly tables a replay leaves, hashed table by table, so that two builds (or two ways of
 * applying the same log) can be compared: `--root` names the checkout whose projection, runner
 * step and migrations to use (main's worktree for the A side). Each shape's events go through
 * applyOnce (the runner's exactly-once step, checkpoints included) in batches of --batch events
 * into a fresh PostgreSQL database (or PGlite), then every anomaly table is hashed.
 *
 *   npx tsx bench/fraud-compare.ts [--root DIR] [--backend postgres|pglite] [--batch 2000] [--shapes demo,mobile-money,one-shot,pair,ring4,ring5]
 *                                  [--mode plain|small-cache|fail|rebuild] [--stats] [--upgrade-from DIR] [--spread-events 40000]
 *
 * --mode small-cache: a cache of 20 accounts and 500 movements (evictions all along); no-cache: none; fail: every
 * third batch is first applied in a transaction that then fails (as a crash after the projector's
 * writes would), then applied for real; rebuild: after the replay the projection is reset and the
 * log replayed again by the same projection object (a rebuild in a running process).
 * --upgrade-from DIR: the first half of the log (whole batches) is applied by DIR's build into a database migrated
 * by DIR, then the database is migrated by this root's build, which applies the rest (an upgrade in place, with
 * data migrations): the hashes must be those of a plain replay.
 * The build's own options (cache limits) are passed as a third argument, which main ignores. With
 * `node --expose-gc --import tsx` it also prints the heap used after each replay (the cache's size).
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import { sql } from 'drizzle-orm';
import type { Db } from '../src/db/client.ts';
import { type Op, generatePopulation } from '../src/demo/fraud-population.ts';
import { FraudConfig } from '../src/domain/fraud/config.ts';
import type { StoredEvent } from '../src/log/envelope.ts';
import type { Projection } from '../src/projections/projection.ts';
import { simulateMobileMoney } from '../src/simulation/mobile-money.ts';
import { simulateOneShot } from '../src/simulation/one-shot.ts';
import { denseMovements } from '../test/support/dense-movements.ts';
import type { Backend } from '../test/support/pg.ts';
import { eventsOf } from './lib/offline-replay.ts';

const { values } = parseArgs({
  options: {
    root: { type: 'string', default: process.cwd() },
    backend: { type: 'string', default: 'postgres' },
    batch: { type: 'string', default: '2000' },
    shapes: { type: 'string', default: 'demo,mobile-money,one-shot,pair,ring4,ring5' },
    mode: { type: 'string', default: 'plain' },
    /** PostgreSQL only: the backends' CPU and the top statements (pg_stat_statements of the scratch database). */
    stats: { type: 'boolean', default: false },
    'upgrade-from': { type: 'string' },
    /** Events of the spread shape (10,000 accounts): past ~90,000 its windows outgrow the cache's default limits. */
    'spread-events': { type: 'string', default: '40000' },
  },
});

interface Build {
  anomalyProjection: (config: FraudConfig, onAlerts?: unknown, limits?: unknown) => Projection;
  applyOnce: (db: Db, p: Projection, partition: number, events: readonly StoredEvent[]) => Promise<unknown>;
  resetProjection: (db: Db, p: Projection) => Promise<void>;
  openTestDatabase: (b: Backend) => Promise<{ database: { db: Db }; url: string | null; cleanup: () => Promise<void> }>;
  openDatabase: (o: { url: string; dataDir: null }) => Promise<{ db: Db; migrate: () => Promise<void>; close: () => Promise<void> }>;
}

/** The projection, runner step and migrations of the checkout at `dir`. */
async function build(dir: string): Promise<Build> {
  const from = async <T>(file: string): Promise<T> => (await import(pathToFileURL(path.join(path.resolve(dir), file)).href)) as T;
  return {
    ...(await from<Pick<Build, 'anomalyProjection'>>('src/read-models/anomaly/projection.ts')),
    ...(await from<Pick<Build, 'applyOnce' | 'resetProjection'>>('src/projections/checkpoints.ts')),
    ...(await from<Pick<Build, 'openTestDatabase'>>('test/support/pg.ts')),
    ...(await from<Pick<Build, 'openDatabase'>>('src/db/client.ts')),
  };
}

const root = path.resolve(values.root);
const { anomalyProjection, applyOnce, resetProjection, openTestDatabase, openDatabase } = await build(root);
const older = values['upgrade-from'] ? await build(values['upgrade-from']) : null;

const TABLES = ['alerts', 'fraud_alert_outbox', 'fraud_activity', 'fraud_counterparties', 'fraud_flow_tags', 'fraud_population', 'fraud_accounts', 'fraud_cases'];

/** eventsOf's ids are `e<n>`: fraud_activity wants uuids. */
const withUuids = (events: StoredEvent[]): StoredEvent[] => events.map((e, n) => ({ ...e, eventId: `00000000-0000-7000-8000-${n.toString(16).padStart(12, '0')}` }));

function shape(name: string): StoredEvent[] {
  switch (name) {
    case 'demo':
      return withUuids(eventsOf(generatePopulation({ seed: 7, accounts: 400, perRule: 12 }).ops));
    case 'mobile-money':
      return withUuids(eventsOf(simulateMobileMoney({ seed: 1, customers: 300 }).ops));
    case 'one-shot':
      return withUuids(eventsOf(simulateOneShot({ seed: 1, senders: 1500, fraudRate: 0.15 }).ops));
    case 'spread':
      return spread(10_000, Number(values['spread-events']));
    case 'pair':
      return denseMovements({ accounts: 2, transfers: 2000, amount: '1.00', deposit: '100000.00' });
    case 'ring4':
      return denseMovements({ accounts: 4, transfers: 1500, amount: '1.00', deposit: '100000.00', ring: true });
    case 'ring5':
      return denseMovements({ accounts: 5, transfers: 1500, amount: '60.00', deposit: '60.00', ring: true });
    default:
      throw new Error(`unknown shape ${name}`);
  }
}

/** The log of bench/projectors.ts: accounts opened and funded, then transfers of 0.01 spread over all of them. */
function spread(accounts: number, total: number): StoredEvent[] {
  const ops: Op[] = [];
  const at = Date.parse('2025-01-01T00:00:00.000Z');
  const ids = Array.from({ length: accounts }, (_, i) => `acct-${i}`);
  for (const id of ids) ops.push({ kind: 'open', account: id, ownerId: null, at } as unknown as Op);
  for (const id of ids) ops.push({ kind: 'deposit', account: id, amount: '1000000.00', channel: null, at } as unknown as Op);
  for (let i = 0; i < (total - 2 * accounts) / 2; i++) {
    const a = (i * 7919) % accounts;
    const b = (a + 1 + (i % (accounts - 1))) % accounts;
    ops.push({ kind: 'transfer', account: ids[a]!, to: ids[b]!, amount: '0.01', at: at + 10 * i } as unknown as Op);
  }
  return withUuids(eventsOf(ops));
}

/** CPU of the database's backends (ms, from /proc: PostgreSQL on this machine), by pid. */
async function backendCpu(db: Db): Promise<Map<number, number>> {
  const rows = (await db.execute(sql`select pid from pg_stat_activity where datname = current_database()`)) as unknown as Array<{ pid: number }>;
  const tick = 1000 / 100;
  const out = new Map<number, number>();
  for (const { pid } of rows) {
    try {
      const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
      out.set(pid, (Number(f[11]) + Number(f[12])) * tick);
    } catch {
      // gone
    }
  }
  return out;
}

async function resetStatements(db: Db): Promise<boolean> {
  try {
    await db.execute(sql`create extension if not exists pg_stat_statements`);
    await db.execute(sql`select pg_stat_statements_reset(0, (select oid from pg_database where datname = current_database()), 0)`);
    return true;
  } catch {
    return false;
  }
}

async function topStatements(db: Db): Promise<string[]> {
  const rows = (await db.execute(
    sql`select calls::int, round(total_exec_time)::int as ms, rows::int, (shared_blks_hit + shared_blks_read)::int as blks, round(wal_bytes / 1024)::int as wal,
               left(regexp_replace(query, '[[:space:]]+', ' ', 'g'), 70) as q from pg_stat_statements
        where dbid = (select oid from pg_database where datname = current_database()) order by total_exec_time desc limit 8`,
  )) as unknown as Array<{ calls: number; ms: number; rows: number; blks: number; wal: number; q: string }>;
  return rows.map((r) => `${String(r.calls).padStart(5)} calls ${String(r.ms).padStart(6)} ms ${String(r.rows).padStart(7)} rows ${String(r.blks).padStart(8)} buffers ${String(r.wal).padStart(7)} KiB WAL  ${r.q}`);
}

async function replay(db: Db, projection: Projection, events: StoredEvent[], batch: number, fail: boolean, apply = applyOnce): Promise<void> {
  for (let i = 0, n = 0; i < events.length; i += batch, n++) {
    const slice = events.slice(i, i + batch);
    if (fail && n % 3 === 1) {
      await db
        .transaction(async (tx) => {
          await projection.apply(tx, slice);
          throw new Error('injected');
        })
        .catch((err: unknown) => {
          if (!(err instanceof Error) || err.message !== 'injected') throw err;
        });
    }
    await apply(db, projection, 0, slice);
  }
}

/** --upgrade-from: the first half by the older build, then this build's migrations and the rest; the database this build opened (to close). */
async function upgrade(old: Build, db: Db, url: string, events: StoredEvent[], batch: number): Promise<{ db: Db; close: () => Promise<void> }> {
  const half = Math.floor(events.length / 2 / batch) * batch;
  await replay(db, old.anomalyProjection(new FraudConfig()), events.slice(0, half), batch, false, old.applyOnce);
  const upgraded = await openDatabase({ url, dataDir: null });
  await upgraded.migrate();
  await replay(upgraded.db, anomalyProjection(new FraudConfig(), undefined, limits), events.slice(half), batch, values.mode === 'fail');
  return upgraded;
}

/**
 * fraud_accounts in the layout before migration 0017 (last movement, baseline and risk in the row, the
 * baseline and the risk factors as jsonb), rebuilt from fraud_accounts and fraud_account_counters: builds
 * on either side of that migration hash the same.
 */
const ACCOUNTS_JOINED = `(select a.account_id, a.owner_id, a.currency, a.opened_at, c.last_activity_at, a.last_alert_at,
  jsonb_build_object('movements', c.movements, 'outs', c.outs, 'outLogSum', c.out_log_sum, 'outLogSq', c.out_log_sq, 'drains', c.drains, 'firstAt', c.first_at) as baseline,
  c.risk_score, c.risk_at, case when c.risk_drain is null then null else jsonb_build_object('drain', c.risk_drain, 'nearlyAll', c.risk_nearly_all, 'passThrough', c.risk_pass_through, 'newCounterparty', c.risk_new_counterparty, 'newPayeeDrain', c.risk_new_payee_drain, 'fanIn', c.risk_fan_in, 'amountRank', c.risk_amount_rank, 'deviation', c.risk_deviation, 'newAccount', c.risk_new_account, 'habitualDrain', c.risk_habitual_drain, 'rules', c.risk_rules, 'takeover', c.risk_takeover) end as risk_factors
  from fraud_accounts a left join fraud_account_counters c using (account_id))`;

async function hashes(db: Db): Promise<string[]> {
  const out: string[] = [];
  const split = ((await db.execute(sql`select to_regclass('fraud_account_counters') is not null as split`)) as unknown as Array<{ split: boolean }>)[0]!.split;
  for (const t of TABLES) {
    const from = t === 'fraud_accounts' && split ? ACCOUNTS_JOINED : `"${t}"`;
    const rows = (await db.execute(sql.raw(`select count(*)::int as n, coalesce(string_agg(x::text, E'\\n' order by x::text), '') as body from ${from} x`))) as unknown as Array<{ n: number; body: string }>;
    const r = rows[0]!;
    out.push(`${t} ${r.n} ${createHash('sha256').update(r.body).digest('hex').slice(0, 12)}`);
  }
  return out;
}

const batch = Number(values.batch);
const limits = values.mode === 'small-cache' ? { maxAccounts: 20, maxItems: 500 } : values.mode === 'no-cache' ? { maxAccounts: 0, maxItems: 0 } : undefined;
console.log(`root ${root}, ${values.backend}, batch ${batch}, mode ${values.mode}`);
for (const name of values.shapes.split(',')) {
  const events = shape(name);
  const { database, url, cleanup } = await (older ?? { openTestDatabase }).openTestDatabase(values.backend as Backend);
  let upgraded: { db: Db; close: () => Promise<void> } | null = null;
  try {
    const projection = anomalyProjection(new FraudConfig(), undefined, limits);
    const stats = values.stats && values.backend === 'postgres';
    // pg_stat_statements needs the server's shared_preload_libraries: without it, the backends' CPU only.
    const statements = stats && (await resetStatements(database.db));
    const pg0 = stats ? await backendCpu(database.db) : new Map<number, number>();
    const cpu0 = process.cpuUsage();
    if (older) upgraded = await upgrade(older, database.db, url!, events, batch);
    else await replay(database.db, projection, events, batch, values.mode === 'fail');
    if (values.mode === 'rebuild') {
      await resetProjection(database.db, projection);
      await replay(database.db, projection, events, batch, false);
    }
    const cpu = process.cpuUsage(cpu0);
    console.log(`${name}: ${events.length} events, ${(((cpu.user + cpu.system) / 1000 / events.length) * 1000).toFixed(0)} CPU ms per 1,000 events (this process)`);
    if (stats) {
      let pg = 0;
      for (const [pid, ms] of await backendCpu(database.db)) pg += ms - (pg0.get(pid) ?? 0);
      console.log(`${name}: PostgreSQL backends ${((pg / events.length) * 1000).toFixed(0)} CPU ms per 1,000 events`);
      if (statements) for (const line of await topStatements(database.db)) console.log(`  ${line}`);
    }
    for (const line of await hashes(upgraded?.db ?? database.db)) console.log(`  ${name} ${line}`);
    const gc = (globalThis as { gc?: () => void }).gc;
    if (gc) {
      gc();
      const { cache } = projection as { cache?: { size: unknown } };
      console.log(`${name}: heap used after the replay ${(process.memoryUsage().heapUsed / 2 ** 20).toFixed(1)} MiB (cache ${JSON.stringify(cache?.size ?? null)})`);
    }
  } finally {
    await upgraded?.close();
    await cleanup();
  }
}
process.exit(0);
