import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/app/logger.ts';
import { type System, startSystem } from '../../src/app/system.ts';
import { loadEnv } from '../../src/config/env.ts';
import { ADMIN_TOKEN } from '../support/system.ts';
import { type RuleQuality, SimulatedClock, drivePopulation, fetchAllAlerts, measureQuality, qualityTable } from '../../src/demo/fraud-population-driver.ts';
import { generatePopulation } from '../../src/demo/fraud-population.ts';
import { openTestDatabase } from '../support/pg.ts';

/**
 * Detection quality: a seeded population (ordinary accounts with noise, plus planted patterns of
 * every rule) goes through the HTTP API on a simulated clock; the alerts come back through the API
 * and are scored per rule. The figures are in BENCHMARKS.md ("Fraud detection quality").
 */
describe('fraud detection quality (seed 42, 1,000 ordinary accounts, 12 planted per rule)', () => {
  let system: System;
  let cleanup: () => Promise<void>;
  let quality: RuleQuality[];
  let failed = 0;

  beforeAll(async () => {
    const pop = generatePopulation({ seed: 42, accounts: 1000, perRule: 12 });
    const opened = await openTestDatabase('pglite');
    cleanup = opened.cleanup;
    const clock = new SimulatedClock(pop.start);
    system = await startSystem(loadEnv({ LEDGER_BOOTSTRAP_TOKEN: ADMIN_TOKEN }), { database: opened.database, logger: silentLogger, clock: clock.now });
    for (const r of system.runners) await r.stop();
    const run = await drivePopulation(system.app, ADMIN_TOKEN, clock, pop);
    failed = run.failed;
    for (const r of system.runners) await r.catchUp();
    const alerts = await fetchAllAlerts(system.app, ADMIN_TOKEN);
    quality = measureQuality(pop, run.ids, alerts);
    console.log(`${run.ops} operations, ${run.failed} refused ${JSON.stringify(run.refusals)}, ${run.waves} waves, ${run.ms} ms\n${qualityTable(quality)}`);
  }, 300_000);

  afterAll(async () => {
    await system?.close();
    await cleanup?.();
  });

  it('replays the population without refusals', () => {
    expect(failed).toBe(0);
  });

  it('finds every planted pattern and keeps false alarms rare', () => {
    for (const q of quality) {
      expect(q.recall, q.rule).toBeGreaterThanOrEqual(0.9);
      expect(q.precision, q.rule).toBeGreaterThanOrEqual(0.5);
    }
  });
});
