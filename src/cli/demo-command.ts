import { createLogger } from '../app/logger.ts';
import { startSystem } from '../app/system.ts';
import type { Env } from '../config/env.ts';
import { SimulatedClock, drivePopulation, fetchAllAlerts, measureQuality, qualityTable } from '../demo/fraud-population-driver.ts';
import { generatePopulation } from '../demo/fraud-population.ts';
import type { DemoOptions } from './commands.ts';
import { progress } from './progress.ts';

/**
 * `ledger demo --fraud`: a seeded population with planted fraud patterns, replayed through the API
 * on a simulated clock into LEDGER_DATA_DIR (or DATABASE_URL). Quiet by default: a progress line
 * on a terminal, then the summary; `--verbose` keeps the request log.
 */
export async function demoCommand(env: Env, o: DemoOptions): Promise<number> {
  const pop = generatePopulation({ seed: o.seed, accounts: o.accounts, perRule: o.perRule });
  const clock = new SimulatedClock(pop.start);
  const logger = createLogger(o.verbose ? env.LOG_LEVEL : 'warn');
  const system = await startSystem(env, { logger, clock: clock.now });
  // The projectors wait while the population is written, then replay it from the log in large
  // batches (the same path as a rebuild): about twice as fast on PGlite as projecting alongside.
  for (const r of system.projectors) await r.stop();
  // A short-lived admin key drives the API; it is revoked when the demo ends.
  const { key, token } = await system.keys.create({ name: 'ledger demo --fraud', role: 'admin', accounts: null, createdBy: 'demo' });
  try {
    console.log(`replaying ${pop.ops.length} operations on ${pop.accounts} accounts over ${pop.days} simulated days (seed ${o.seed})…`);
    const bar = progress('demo', pop.ops.length);
    const run = await drivePopulation(system.app, token, clock, pop, (done, total) => bar.update(done, total));
    bar.done();
    await system.catchUp();
    const alerts = await fetchAllAlerts(system.app, token);
    console.log(`${run.ops} operations (${run.failed} refused) in ${(run.ms / 1000).toFixed(1)} s; ${alerts.length} alerts\n`);
    console.log(qualityTable(measureQuality(pop, run.ids, alerts)));
    const example = alerts.find((a) => a.rule === 'structuring') ?? alerts[0];
    console.log(`\nNow: npm start, then with an analyst (or admin) key in $ANALYST, for example
  curl -H "Authorization: Bearer $ANALYST" 'localhost:${env.PORT}/v1/fraud/alerts?rule=structuring'
  curl -H "Authorization: Bearer $ANALYST" 'localhost:${env.PORT}/v1/fraud/alerts/${example?.id ?? '<id>'}'
  curl -H "Authorization: Bearer $ANALYST" 'localhost:${env.PORT}/v1/fraud/accounts/${example?.accountIds[0] ?? '<account>'}/risk'`);
    return 0;
  } finally {
    await system.keys.revoke(key.id);
    await system.close();
  }
}
