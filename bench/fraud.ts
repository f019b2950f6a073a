/**
 * bench/fraud.ts: (1) the anomaly projector's events/s with all rules on, replaying the log of a
 * generated population (runners paused while it is written, then the projection timed alone);
 * (2) p50/p99 of GET /v1/fraud/alerts with 100,000 alerts seeded directly into the table.
 * Usage: npx tsx bench/fraud.ts [pglite|postgres]   (postgres uses TEST_DATABASE_URL or 127.0.0.1:5432)
 */
import { sql } from 'drizzle-orm';
import { newId } from '../src/ids.ts';
import { silentLogger } from '../src/app/logger.ts';
import { startSystem } from '../src/app/system.ts';
import { loadEnv } from '../src/config/env.ts';

const TOKEN = 'bench-admin-token-0123456789abcdef';
import { alerts } from '../src/db/schema.ts';
import { SimulatedClock, drivePopulation } from '../src/demo/fraud-population-driver.ts';
import { generatePopulation } from '../src/demo/fraud-population.ts';
import { RULE_IDS, SEVERITIES } from '../src/domain/fraud/config.ts';
import { Dec } from '../src/domain/money.ts';
import { resetProjection } from '../src/projections/checkpoints.ts';
import { ProjectionRunner } from '../src/projections/runner.ts';
import { type Backend, openTestDatabase } from '../test/support/pg.ts';

const backend = (process.argv[2] ?? 'pglite') as Backend;
const accounts = Number(process.argv[3] ?? 600);

const { database, cleanup } = await openTestDatabase(backend);
const pop = generatePopulation({ seed: 7, accounts, perRule: 10 });
const clock = new SimulatedClock(pop.start);
const system = await startSystem(loadEnv({ LEDGER_BOOTSTRAP_TOKEN: TOKEN }), { database, logger: silentLogger, clock: clock.now });
for (const p of system.projectors) await p.stop();
const run = await drivePopulation(system.app, TOKEN, clock, pop);
const events = system.engine!.stats.eventsAppended;
console.log(`[${backend}] population: ${run.ops} commands → ${events} events (${run.failed} refused) in ${(run.ms / 1000).toFixed(1)} s`);

// (1) The anomaly projector alone, from position -1, all rules on.
for (const batchSize of [1000, 5000]) {
  const { projection } = system.readModels.anomaly;
  await resetProjection(database.db, projection);
  const t = performance.now();
  await new ProjectionRunner(database.db, system.log, projection, { batchSize }).catchUp();
  const s = (performance.now() - t) / 1000;
  const n = (await database.db.select({ n: sql<number>`count(*)::int` }).from(alerts))[0]!.n;
  console.log(`[${backend}] anomaly projector, batch ${batchSize}: ${events} events in ${s.toFixed(2)} s = ${Math.round(events / s)} events/s (${n} alerts)`);
}

// (2) 100,000 alerts seeded directly, then the list endpoint under typical filters.
const accountIds = Array.from({ length: 5000 }, () => newId());
const base = Date.parse('2025-01-01T00:00:00Z');
const rows: (typeof alerts.$inferInsert)[] = [];
for (let i = 0; i < 100_000; i++) {
  const eventId = newId();
  const rule = RULE_IDS[i % RULE_IDS.length]!;
  const acct = accountIds[(i * 7919) % accountIds.length]!;
  const at = new Date(base + i * 60_000).toISOString();
  rows.push({
    id: `${rule}-${eventId}`,
    rule,
    severity: SEVERITIES[i % 3]!,
    score: 50 + (i % 50),
    accountId: acct,
    accountIds: [acct, accountIds[(i * 31) % accountIds.length]!],
    currency: 'USD',
    amount: new Dec('10000.00').plus(i % 1000),
    status: (['open', 'investigating', 'dismissed', 'escalated'] as const)[i % 4]!,
    summary: 'seeded',
    evidence: [{ eventId, transactionId: eventId, accountId: acct, kind: 'deposit', amount: '10000.00', currency: 'USD', occurredAt: at, counterpartyId: null }],
    params: {},
    history: [{ status: 'open', at, actor: 'system', note: null, eventId, position: i }],
    triggerEventId: eventId,
    raisedAt: at,
    updatedAt: at,
    partition: 0,
    position: i,
  });
}
for (let i = 0; i < rows.length; i += 1000) await database.db.insert(alerts).values(rows.slice(i, i + 1000)).onConflictDoNothing();
await database.db.execute(sql`analyze alerts`);
const queries = [
  '/v1/fraud/alerts',
  '/v1/fraud/alerts?status=open',
  '/v1/fraud/alerts?rule=structuring&severity=high',
  `/v1/fraud/alerts?accountId=${accountIds[42]}`,
  '/v1/fraud/alerts?from=2025-02-01T00:00:00Z&to=2025-02-08T00:00:00Z&limit=100',
];
for (const q of queries) {
  const times: number[] = [];
  for (let i = 0; i < 300; i++) {
    const t = performance.now();
    const res = await system.app.request(q, { headers: { authorization: `Bearer ${TOKEN}` } });
    await res.arrayBuffer();
    if (res.status !== 200) throw new Error(`${q}: ${res.status}`);
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  const p = (x: number) => times[Math.min(times.length - 1, Math.floor(times.length * x))]!.toFixed(2);
  console.log(`[${backend}] GET ${q} (100,000 alerts, 50 per page unless limit): p50 ${p(0.5)} ms, p99 ${p(0.99)} ms`);
}
await system.close();
await cleanup();
