import { loadFraudConfig } from '../app/fraud-config.ts';
import type { Env } from '../config/env.ts';
import { projections, readModels } from '../read-models/registry.ts';
import { type ProjectionComparison, compareReadModels } from '../verify/compare-read-models.ts';
import { type VerifyReport, verifyLedger } from '../verify/verify-ledger.ts';
import { progress } from './progress.ts';
import { logHeads, toolReadModels, withStorage } from './tool-storage.ts';

export type FullVerifyReport = VerifyReport & { readModels: { ok: boolean; projections: ProjectionComparison[] } };

function describeDifferences(report: FullVerifyReport): string[] {
  const lines: string[] = [];
  if (report.chain.firstBreak) lines.push(`hash chain: ${report.chain.firstBreak.reason} at partition ${report.chain.firstBreak.partition} position ${report.chain.firstBreak.position}: ${report.chain.firstBreak.detail}`);
  for (const m of report.balances.mismatches) lines.push(`balance of ${m.accountId}: the log says ${m.log}, the read model ${m.readModel ?? 'has no row'}`);
  for (const p of report.readModels.projections) {
    for (const d of p.differences) {
      lines.push(`read model ${p.projection}, table ${d.table}: ${d.rows.readModel} rows, ${d.rows.replay} in the replay`);
      for (const r of d.onlyInReadModel) lines.push(`  only in the read model: ${r}`);
      for (const r of d.onlyInReplay) lines.push(`  only in the replay:     ${r}`);
    }
  }
  return lines;
}

/** `ledger verify`: the chain, the balances, then every read model against a replay; the exit code says which failed. */
export async function verifyCommand(env: Env): Promise<number> {
  return withStorage(env, async (storage) => {
    const heads = await logHeads(storage.log);
    const live = projections(toolReadModels(env, storage));
    const bar = progress('verify', heads.reduce((n, h) => n + h + 1, 0) * (1 + live.length));
    let done = 0;
    const tick = (n: number) => bar.update((done += n));
    let report: FullVerifyReport;
    try {
      const ledger = await verifyLedger(storage.log, storage.database.db, tick);
      const fraud = loadFraudConfig(env.LEDGER_FRAUD_RULES);
      const compared = await compareReadModels(storage.database, storage.log, live, (scratch) => projections(readModels(scratch.db, { partitions: storage.log.partitions, fraud })), tick);
      const readModelsOk = compared.every((c) => c.ok);
      report = { ...ledger, ok: ledger.ok && readModelsOk, readModels: { ok: readModelsOk, projections: compared } };
    } finally {
      bar.done();
    }
    console.log(JSON.stringify(report, null, 2));
    for (const line of describeDifferences(report)) console.error(line);
    if (report.ok) return 0;
    return report.chain.ok && report.balances.ok ? 3 : 1;
  });
}
