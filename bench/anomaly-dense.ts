/**
 * The anomaly projector on dense windows: thousands of transfers between a handful of accounts
 * within minutes (every movement inside the others' windows), applied in batches of --batch
 * events straight through the projection on a migrated database (PGlite by default), timed per
 * 1,000 events (wall and CPU). Before the windows were indexed this cost grew with the square of
 * the batch; it should now grow linearly: compare --transfers 2000 with 8000.
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

const events = denseMovements({ accounts: Number(values.accounts), transfers: Number(values.transfers), amount: values.amount, deposit: values.deposit, ring: values.ring });
const { database, cleanup } = await openTestDatabase(values.backend as Backend);
const projection = anomalyProjection(new FraudConfig());
const batch = Number(values.batch);
const cpu0 = process.cpuUsage();
const t0 = performance.now();
for (let i = 0; i < events.length; i += batch) await database.db.transaction((tx) => projection.apply(tx, events.slice(i, i + batch)));
const wall = performance.now() - t0;
const cpu = process.cpuUsage(cpu0);
const cpuMs = (cpu.user + cpu.system) / 1000;
console.log(
  `dense ${values.ring ? 'ring' : 'pair'} of ${values.accounts} accounts, ${values.transfers} transfers of ${values.amount} (${events.length} events, batch ${batch}, ${values.backend}): ` +
    `${(wall / 1000).toFixed(2)} s wall, ${(cpuMs / 1000).toFixed(2)} s CPU = ${((cpuMs * 1000) / events.length).toFixed(1)} CPU ms per 1,000 events`,
);
await cleanup();
