/**
 * The anomaly projector on dense windows: thousands of transfers between a handful of accounts
 * within minutes (every movement inside the others' windows), applied in batches of --batch
 * events straight through the projection on a migrated database (PGlite by default), CPU per
 * 1,000 events at an eighth of the transfers (the baseline) and at all of them. Before the windows
 * were indexed (main before anomaly-perf) the cost per event grew with the batch: 8,190 transfers
 * cost minutes. Linear, the two figures are alike.
 *
 *   npx tsx bench/anomaly-dense.ts [--backend pglite|postgres] [--transfers 8190] [--accounts 2] [--amount 1.00] [--ring] [--batch 16380]
 */
import { parseArgs } from 'node:util';
import { FraudConfig } from '../src/domain/fraud/config.ts';
import { anomalyProjection } from '../src/read-models/anomaly/projection.ts';
import { denseMovements } from '../test/support/dense-movements.ts';
import { type Backend, openTestDatabase } from '../test/support/pg.ts';

const { values } = parseArgs({
  options: {
    backend: { type: 'string', default: 'pglite' },
    transfers: { type: 'string', default: '8190' },
    accounts: { type: 'string', default: '2' },
    amount: { type: 'string', default: '1.00' },
    deposit: { type: 'string', default: '100000.00' },
    ring: { type: 'boolean', default: false },
    batch: { type: 'string', default: '16380' },
  },
});

const batch = Number(values.batch);
const projection = anomalyProjection(new FraudConfig());

/** Projects the shape with `transfers` transfers into a fresh database: wall and CPU time. */
async function run(transfers: number): Promise<{ events: number; wallS: number; cpuPer1000: number }> {
  const events = denseMovements({ accounts: Number(values.accounts), transfers, amount: values.amount, deposit: values.deposit, ring: values.ring });
  const { database, cleanup } = await openTestDatabase(values.backend as Backend);
  try {
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    for (let i = 0; i < events.length; i += batch) await database.db.transaction((tx) => projection.apply(tx, events.slice(i, i + batch)));
    const wall = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    return { events: events.length, wallS: wall / 1000, cpuPer1000: ((cpu.user + cpu.system) / 1000 / events.length) * 1000 };
  } finally {
    await cleanup();
  }
}

const transfers = Number(values.transfers);
const shape = `dense ${values.ring ? 'ring' : 'pair'} of ${values.accounts} accounts, transfers of ${values.amount}, batch ${batch}, ${values.backend}`;
// The baseline, in the same run: an eighth of the transfers. Linear work costs the same per movement at both sizes.
const small = await run(Math.max(1, Math.round(transfers / 8)));
const large = await run(transfers);
for (const r of [small, large]) console.log(`${shape}: ${r.events} events in ${r.wallS.toFixed(2)} s wall, ${r.cpuPer1000.toFixed(1)} CPU ms per 1,000 events`);
console.log(`per-event cost at ${large.events} events / at ${small.events} events: ${(large.cpuPer1000 / small.cpuPer1000).toFixed(2)} (1 when linear, 8 when quadratic)`);
