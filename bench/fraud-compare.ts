/**
 * The anomaly tables a replay leaves, hashed table by table, so that two builds (or two ways of
 * applying the same log) can be compared: `--root` names the checkout whose projection, runner
 * step and migrations to use (main's worktree for the A side). Each shape's events go through
 * applyOnce (the runner's exactly-once step, checkpoints included) in batches of --batch events
 * into a fresh PostgreSQL database (or PGlite), then every anomaly table is hashed.
 *
 *   npx tsx bench/fraud-compare.ts [--root DIR] [--backend postgres|pglite] [--batch 2000] [--shapes demo,mobile-money,one-shot,pair,ring4,ring5]
 *                                  [--mode plain|small-cache|fail|rebuild]
 *
 * --mode small-cache: a cache of 20 accounts and 500 movements (evictions all along); fail: every
 * third batch is first applied in a transaction that then fails (as a crash after the projector's
 * writes would), then applied for real; rebuild: after the replay the projection is reset and the
 * log replayed again by the same projection object (a rebuild in a running process).
 * The build's own options (cache limits) are passed as a third argument, which main ignores.
 */
import { createHash } from 'node:crypto';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import { sql } from 'drizzle-orm';
import type { Db } from '../src/db/client.ts';
import { generatePopulation } from '../src/demo/fraud-population.ts';
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
  },
});

const root = path.resolve(values.root);
const from = async <T>(file: string): Promise<T> => (await import(pathToFileURL(path.join(root, file)).href)) as T;
const { anomalyProjection } = await from<{ anomalyProjection: (config: FraudConfig, onAlerts?: unknown, limits?: unknown) => Projection }>('src/read-models/anomaly/projection.ts');
const { applyOnce, resetProjection } = await from<{
  applyOnce: (db: Db, p: Projection, partition: number, events: readonly StoredEvent[]) => Promise<unknown>;
  resetProjection: (db: Db, p: Projection) => Promise<void>;
}>('src/projections/checkpoints.ts');
const { openTestDatabase } = await from<{ openTestDatabase: (b: Backend) => Promise<{ database: { db: Db }; cleanup: () => Promise<void> } > }>('test/support/pg.ts');

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

async function replay(db: Db, projection: Projection, events: StoredEvent[], batch: number, fail: boolean): Promise<void> {
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
    await applyOnce(db, projection, 0, slice);
  }
}

async function hashes(db: Db): Promise<string[]> {
  const out: string[] = [];
  for (const t of TABLES) {
    const rows = (await db.execute(sql.raw(`select count(*)::int as n, coalesce(string_agg(x::text, E'\\n' order by x::text), '') as body from "${t}" x`))) as unknown as Array<{ n: number; body: string }>;
    const r = rows[0]!;
    out.push(`${t} ${r.n} ${createHash('sha256').update(r.body).digest('hex').slice(0, 12)}`);
  }
  return out;
}

const batch = Number(values.batch);
const limits = values.mode === 'small-cache' ? { maxAccounts: 20, maxItems: 500 } : undefined;
console.log(`root ${root}, ${values.backend}, batch ${batch}, mode ${values.mode}`);
for (const name of values.shapes.split(',')) {
  const events = shape(name);
  const { database, cleanup } = await openTestDatabase(values.backend as Backend);
  try {
    const projection = anomalyProjection(new FraudConfig(), undefined, limits);
    const cpu0 = process.cpuUsage();
    await replay(database.db, projection, events, batch, values.mode === 'fail');
    if (values.mode === 'rebuild') {
      await resetProjection(database.db, projection);
      await replay(database.db, projection, events, batch, false);
    }
    const cpu = process.cpuUsage(cpu0);
    console.log(`${name}: ${events.length} events, ${(((cpu.user + cpu.system) / 1000 / events.length) * 1000).toFixed(0)} CPU ms per 1,000 events (this process)`);
    for (const line of await hashes(database.db)) console.log(`  ${name} ${line}`);
  } finally {
    await cleanup();
  }
}
process.exit(0);
