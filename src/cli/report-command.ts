import { createWriteStream, mkdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
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
import { remoteReport } from './remote-report.ts';
import { toolReadModels, withStorage } from './tool-storage.ts';

export const REPORT_USAGE = `usage: ledger report <${REPORT_NAMES.join('|')}> [options]
  --from DATE|DATETIME   start of the period (inclusive)
  --to DATE|DATETIME     end of the period (a date includes the whole day)
  --account ID           account (required for account-statement; a filter for audit-trail)
  --actor NAME --type EVENT   audit-trail filters
  --threshold LIST       large-transactions: 10000.00 and/or CUR:amount, comma-separated
  --as-at DATE|DATETIME  trial-balance: as at this date or instant
  --gl-account CODE      general-ledger-detail: the GL account (customer:ID, settlement:wire:USD, suspense:USD ...)
  --owner ID             owner-activity: the owner whose accounts to report
  --position N           reproduce the report at an earlier log position
  --format pdf|csv|manifest   default pdf; manifest: JSON with parameters, position, row count, data SHA-256, version
  --out DIR              default reports/
  --url URL --key KEY    ask a running service's API instead of opening the storage (needed while a
                         service runs on the embedded default: its data directory is locked); KEY is
                         an API key with the auditor or admin role (or LEDGER_URL / LEDGER_API_KEY)`;

/** `ledger report <name> ...`: writes the report to a file and prints its name, rows, position and data hash. */
export async function reportCommand(argv: string[], env: Env): Promise<number> {
  const name = argv[0] as ReportName | undefined;
  if (!name || argv.includes('--help') || argv.includes('-h')) {
    if (!name) console.error(`which report? one of ${REPORT_NAMES.join(', ')}\n\n${REPORT_USAGE}`);
    else console.log(REPORT_USAGE);
    return name ? 0 : 2;
  }
  if (!REPORT_NAMES.includes(name)) {
    console.error(`unknown report "${name}": one of ${REPORT_NAMES.join(', ')}`);
    return 2;
  }
  const { values } = parseArgs({
    args: argv.slice(1),
    options: {
      from: { type: 'string' },
      to: { type: 'string' },
      account: { type: 'string' },
      actor: { type: 'string' },
      type: { type: 'string' },
      threshold: { type: 'string' },
      'as-at': { type: 'string' },
      'gl-account': { type: 'string' },
      owner: { type: 'string' },
      position: { type: 'string' },
      format: { type: 'string', default: 'pdf' },
      out: { type: 'string', default: 'reports' },
      url: { type: 'string' },
      key: { type: 'string' },
    },
    strict: true,
  });
  if (values.format !== 'pdf' && values.format !== 'csv' && values.format !== 'manifest') {
    console.error(`--format must be pdf, csv or manifest, not "${values.format}"`);
    return 2;
  }
  if (values.position !== undefined && !/^-?[0-9]+$/.test(values.position)) {
    console.error('--position must be a whole number');
    return 2;
  }
  const format: ReportFormat | 'manifest' = values.format;
  const position = values.position === undefined ? undefined : Number(values.position);
  const url = values.url ?? env.LEDGER_URL;
  if (url !== undefined) {
    const key = values.key ?? env.LEDGER_API_KEY;
    if (!key) {
      console.error('--url needs --key (or LEDGER_API_KEY): an API key with the auditor or admin role');
      return 2;
    }
    return remoteReport({ url, key, name, format, values, out: values.out });
  }

  try {
    return await withStorage(env, async (storage) => {
      // Bring every read model up to the log first (the same exactly-once step as a running
      // projector, so a service running beside this is not disturbed): a report reflects the whole log.
      const models = toolReadModels(env, storage);
      await storage.catchUp(projections(models));
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
  const result = await renderReport(plan, format, createWriteStream(file), new Date(), { ...values, position });
  console.log(JSON.stringify({ report: name, file, format, rows: result.rows, position: result.position, dataSha256: result.dataSha256, bytes: statSync(file).size, ms: Date.now() - started }));
  return 0;
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
