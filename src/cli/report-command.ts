import { createWriteStream, mkdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Env } from '../config/env.ts';
import { AppError } from '../errors.ts';
import { projections } from '../read-models/registry.ts';
import { planAccountStatement } from '../reports/account-statement.ts';
import { planAuditTrail } from '../reports/audit-trail.ts';
import { planGeneralLedgerDetail } from '../reports/general-ledger-detail.ts';
import { parseThresholds, planLargeTransactions } from '../reports/large-transactions.ts';
import { reportManifest } from '../reports/manifest.ts';
import { planOwnerActivity } from '../reports/owner-activity.ts';
import { parsePeriod } from '../reports/period.ts';
import { REPORT_NAMES, type ReportContext, type ReportFormat, type ReportName, type ReportPlan, renderReport, reportContext } from '../reports/report.ts';
import { planSuspiciousActivity } from '../reports/suspicious-activity.ts';
import { planTrialBalance } from '../reports/trial-balance.ts';
import { type ParsedCommand, UsageError } from './args.ts';
import { type Progress, progress } from './progress.ts';
import { remoteReport } from './remote-report.ts';
import { catchUpWithProgress, toolReadModels, withStorage } from './tool-storage.ts';

function reportArgs({ values, positionals }: ParsedCommand): { name: ReportName; format: ReportFormat | 'manifest'; position: number | undefined; values: Record<string, string | undefined> & { out: string } } {
  const name = positionals[0];
  if (name === undefined) throw new UsageError(`ledger report: which report? one of ${REPORT_NAMES.join(', ')}`);
  if (!(REPORT_NAMES as readonly string[]).includes(name)) throw new UsageError(`ledger report: unknown report "${name}": one of ${REPORT_NAMES.join(', ')}`);
  const strings = Object.fromEntries(Object.entries(values).filter((e): e is [string, string] => typeof e[1] === 'string'));
  const format = strings.format ?? 'pdf';
  if (format !== 'pdf' && format !== 'csv' && format !== 'manifest') throw new UsageError(`ledger report: --format must be pdf, csv or manifest, not "${format}"`);
  if (strings.position !== undefined && !/^-?[0-9]+$/.test(strings.position)) throw new UsageError(`ledger report: --position must be a whole number, not "${strings.position}"`);
  const position = strings.position === undefined ? undefined : Number(strings.position);
  return { name: name as ReportName, format, position, values: { ...strings, out: strings.out ?? 'reports' } };
}

/** `ledger report <name> ...`: writes the report to a file and prints its name, rows, position and data hash. */
export async function reportCommand(parsed: ParsedCommand, env: Env): Promise<number> {
  const { name, format, position, values } = reportArgs(parsed);
  const url = values.url ?? env.LEDGER_URL;
  if (url !== undefined) {
    const key = values.key ?? env.LEDGER_API_KEY;
    if (!key) throw new UsageError('ledger report: --url needs --key (or LEDGER_API_KEY): an API key with the auditor or admin role');
    return remoteReport({ url, key, name, format, values, out: values.out });
  }
  try {
    return await withStorage(env, async (storage) => {
      // Bring every read model up to the log first (the same exactly-once step as a running
      // projector, so a service running beside this is not disturbed): a report reflects the whole log.
      const models = toolReadModels(env, storage);
      await catchUpWithProgress('report: catching up', storage, projections(models));
      return await writeReport(reportContext(storage.database.db, storage.log, models.ledger), name, format, values, position);
    });
  } catch (err) {
    if (!(err instanceof Error) || !/is in use by process/.test(err.message)) throw err;
    console.error(`${err.message}\na service is running on this data directory: ask it instead, with --url http://HOST:PORT --key API_KEY (see ledger report --help)`);
    return 4;
  }
}

async function writeReport(ctx: ReportContext, name: ReportName, format: ReportFormat | 'manifest', values: Record<string, string | undefined> & { out: string }, position: number | undefined): Promise<number> {
  let plan: ReportPlan;
  try {
    plan = await makePlan(ctx, name, values, position);
  } catch (err) {
    if (err instanceof AppError) {
      console.error(`${err.code}${err.field ? ` (${err.field})` : ''}: ${err.message}`);
      return err.code === 'account_not_found' ? 3 : 2;
    }
    throw err;
  }
  mkdirSync(values.out, { recursive: true });
  if (format === 'manifest') {
    const file = path.join(values.out, `${plan.fileStem}.manifest.json`);
    const manifest = await reportManifest(plan, { ...values, position });
    writeFileSync(file, `${JSON.stringify(manifest, null, 2)}\n`);
    console.log(JSON.stringify({ report: name, file, format, rows: manifest.rowCount, position: manifest.position, dataSha256: manifest.dataSha256 }));
    return 0;
  }
  const file = path.join(values.out, `${plan.fileStem}.${format}`);
  const started = Date.now();
  const bar = progress(`report ${name}`, plan.rowCount);
  const result = await renderReport(withRowProgress(plan, bar), format, createWriteStream(file), new Date(), { ...values, position }).finally(() => bar.done());
  console.log(JSON.stringify({ report: name, file, format, rows: result.rows, position: result.position, dataSha256: result.dataSha256, bytes: statSync(file).size, ms: Date.now() - started }));
  return 0;
}

/** The plan, its pages counted into the progress line as they are read. */
function withRowProgress(plan: ReportPlan, bar: Progress): ReportPlan {
  let rows = 0;
  return {
    ...plan,
    async *pages() {
      for await (const page of plan.pages()) {
        bar.update((rows += page.length));
        yield page;
      }
    },
  };
}

function makePlan(ctx: ReportContext, name: ReportName, v: Record<string, string | undefined>, position: number | undefined): Promise<ReportPlan> {
  const period = () => parsePeriod(v.from, v.to);
  switch (name) {
    case 'account-statement':
      if (!v.account) throw new AppError('validation_failed', 'account-statement needs --account', 'account');
      return planAccountStatement(ctx, { accountId: v.account, period: period(), position });
    case 'audit-trail':
      return planAuditTrail(ctx, { period: period(), accountId: v.account, actor: v.actor, type: v.type, position });
    case 'large-transactions':
      return planLargeTransactions(ctx, { period: period(), thresholds: parseThresholds(v.threshold), position });
    case 'suspicious-activity':
      return planSuspiciousActivity(ctx, { period: period(), position });
    case 'trial-balance':
      return planTrialBalance(ctx, { asAt: parsePeriod(undefined, v['as-at']).to, position });
    case 'general-ledger-detail':
      if (!v['gl-account']) throw new AppError('validation_failed', 'general-ledger-detail needs --gl-account', 'gl-account');
      return planGeneralLedgerDetail(ctx, { glAccount: v['gl-account'], period: period(), position });
    case 'owner-activity':
      if (!v.owner) throw new AppError('validation_failed', 'owner-activity needs --owner', 'owner');
      return planOwnerActivity(ctx, { ownerId: v.owner, period: period(), position });
    default: {
      const never: never = name;
      throw new Error(`unknown report ${String(never)}`);
    }
  }
}
