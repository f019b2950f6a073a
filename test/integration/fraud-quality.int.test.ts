import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RuleQuality, SimulatedClock, drivePopulation, fetchAllAlerts, measureQuality, qualityTable } from '../../src/demo/fraud-population-driver.ts';
import { generatePopulation } from '../../src/demo/fraud-population.ts';
import { ADMIN_TOKEN, type TestLedger, startTestLedger } from '../support/harness.ts';

/**
 * Detection quality: a seeded population (ordinary accounts with noise, plus planted patterns of
 * every rule) goes through the HTTP API on a simulated clock; the alerts come back through the API
 * and are scored per rule. The figures are in BENCHMARKS.md ("Fraud detection quality").
 */
describe('fraud detection quality (seed 42, 1,000 ordinary accounts, 12 planted per rule)', () => {
  let ledger: TestLedger;
  let quality: RuleQuality[];
  let failed = 0;

  beforeAll(async () => {
    const pop = generatePopulation({ seed: 42, accounts: 1000, perRule: 12 });
    const clock = new SimulatedClock(pop.start);
    ledger = await startTestLedger('pglite', {}, { clock: clock.now });
    for (const r of ledger.system.projectors) await r.stop();
    const run = await drivePopulation(ledger.system.app, ADMIN_TOKEN, clock, pop);
    failed = run.failed;
    await ledger.catchUp();
    const alerts = await fetchAllAlerts(ledger.system.app, ADMIN_TOKEN);
    quality = measureQuality(pop, run.ids, alerts);
    console.log(`${run.ops} operations, ${run.failed} refused ${JSON.stringify(run.refusals)}, ${run.waves} waves, ${run.ms} ms\n${qualityTable(quality)}`);
  }, 900_000);

  afterAll(async () => {
    await ledger?.close();
  });

  it('replays the population without refusals', () => {
    expect(failed).toBe(0);
  });

  it('finds every planted pattern and keeps false alarms rare', () => {
    for (const q of quality.filter((r) => r.planted > 0)) {
      expect(q.recall, q.rule).toBeGreaterThanOrEqual(0.9);
      expect(q.precision, q.rule).toBeGreaterThanOrEqual(0.5);
    }
  });

  it('keeps the takeover rules (measured on the mobile-money simulator, not planted here) quiet on ordinary accounts', () => {
    for (const q of quality.filter((r) => r.planted === 0)) expect(q.alerts, q.rule).toBeLessThanOrEqual(10);
  });
});
