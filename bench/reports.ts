/**
 * Report generation benchmark: time and peak RSS to write an account statement of S entries and an
 * audit trail of N events, as PDF and as CSV, on a real PostgreSQL server.
 *
 *   npx tsx bench/reports.ts --events 100000 --statement 10000 [--url postgres://postgres@127.0.0.1:5432/postgres] [--keep]
 *
 * The data is seeded straight into the tables with COPY (events with a valid hash chain, audit_log,
 * journal_entries, accounts, balances, checkpoints), then each report is generated in a fresh child
 * process so its peak RSS (getrusage maxrss) is its own.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, mkdirSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import postgres from 'postgres';
import { openStorage } from '../src/app/storage.ts';
import { loadEnv } from '../src/config/env.ts';
import { accounts as accountsTable, balances as balancesTable } from '../src/db/schema.ts';
import { Dec } from '../src/domain/money.ts';
import { type EventMetadata, GENESIS_HASH, type StoredEvent, chainHash, storedEvent } from '../src/log/envelope.ts';
import { auditRow } from '../src/read-models/audit/projection.ts';
import { planAccountStatement } from '../src/reports/account-statement.ts';
import { planAuditTrail } from '../src/reports/audit-trail.ts';
import { FraudConfig } from '../src/domain/fraud/config.ts';
import { readModels } from '../src/read-models/registry.ts';
import { type ReportFormat, renderReport, reportContext } from '../src/reports/report.ts';

const { values } = parseArgs({
  options: {
    events: { type: 'string', default: '100000' },
    statement: { type: 'string', default: '10000' },
    accounts: { type: 'string', default: '1000' },
    url: { type: 'string', default: 'postgres://postgres@127.0.0.1:5432/postgres' },
    keep: { type: 'boolean', default: false },
    out: { type: 'string', default: '/tmp/ledger-bench-reports' },
    // Child mode: generate one report and print its figures.
    measure: { type: 'string' },
    db: { type: 'string' },
    account: { type: 'string' },
  },
});

const STATEMENT_ACCOUNT = 'acct-statement';

if (values.measure) {
  await measure(values.measure, values.db!, values.account ?? STATEMENT_ACCOUNT, values.out);
  process.exit(0);
}

const events = Number(values.events);
const statementRows = Number(values.statement);
const accounts = Number(values.accounts);
const name = `ledger_bench_${randomBytes(4).toString('hex')}`;
const admin = postgres(values.url, { max: 1, onnotice: () => {} });
await admin.unsafe(`create database ${name}`);
await admin.end();
const dbUrl = new URL(values.url);
dbUrl.pathname = `/${name}`;

try {
  const seeded = await seed(dbUrl.toString(), events, statementRows, accounts);
  console.log(`seeded ${events} events (${seeded.statement} on the statement account) in ${seeded.ms} ms`);
  mkdirSync(values.out, { recursive: true });
  const results: Array<Record<string, unknown>> = [];
  for (const kase of ['statement:pdf', 'statement:csv', 'audit:csv', 'audit:pdf']) {
    const out = execFileSync(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--measure', kase, '--db', dbUrl.toString(), '--out', values.out], {
      encoding: 'utf8',
      maxBuffer: 1 << 24,
    });
    const result = JSON.parse(out.trim().split('\n').pop()!) as Record<string, unknown>;
    results.push(result);
    console.log(JSON.stringify(result));
  }
  console.log('\n| report | format | rows | time (s) | peak RSS (MB) | RSS before (MB) | file (MB) | pages |');
  console.log('| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const r of results) console.log(`| ${String(r.report)} | ${String(r.format)} | ${String(r.rows)} | ${String(r.seconds)} | ${String(r.peakRssMb)} | ${String(r.baseRssMb)} | ${String(r.fileMb)} | ${String(r.pages ?? '')} |`);
} finally {
  if (!values.keep) {
    const a = postgres(values.url, { max: 1, onnotice: () => {} });
    await a.unsafe(`drop database if exists ${name} with (force)`);
    await a.end();
  } else console.log(`kept database ${dbUrl.toString()}`);
}

async function measure(kase: string, url: string, account: string, outDir: string): Promise<void> {
  const [report, format] = kase.split(':') as ['statement' | 'audit', ReportFormat];
  const { database, log, close } = await openStorage(loadEnv({ DATABASE_URL: url }));
  const baseRss = process.memoryUsage.rss();
  const started = performance.now();
  const { ledger } = readModels(database.db, { partitions: log.partitions, fraud: new FraudConfig() });
  const ctx = reportContext(database.db, log, ledger, 2000);
  const period = { from: null, to: null };
  const plan = report === 'statement' ? await planAccountStatement(ctx, { accountId: account, period }) : await planAuditTrail(ctx, { period });
  const planned = performance.now();
  const file = `${outDir}/${plan.fileStem}.${format}`;
  const result = await renderReport(plan, format, createWriteStream(file));
  const seconds = (performance.now() - started) / 1000;
  const pages = format === 'pdf' ? Number(/Pages:\s+(\d+)/.exec(execFileSync('pdfinfo', [file], { encoding: 'utf8' }))![1]) : undefined;
  console.log(
    JSON.stringify({
      report: plan.name,
      format,
      rows: result.rows,
      seconds: Number(seconds.toFixed(1)),
      planSeconds: Number(((planned - started) / 1000).toFixed(1)),
      peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
      baseRssMb: Math.round(baseRss / 2 ** 20),
      fileMb: Number((statSync(file).size / 2 ** 20).toFixed(1)),
      pages,
      dataSha256: result.dataSha256,
    }),
  );
  await close();
}

/** COPY text format: tab-separated, \N for null, backslash escapes. */
function copyField(v: string | number | null): string {
  if (v === null) return '\\N';
  return String(v).replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n').replace(/\r/g, '\\r');
}

function cents(c: bigint): string {
  const neg = c < 0n;
  const a = neg ? -c : c;
  return `${neg ? '-' : ''}${a / 100n}.${(a % 100n).toString().padStart(2, '0')}`;
}

async function seed(url: string, total: number, statementTarget: number, accountCount: number): Promise<{ ms: number; statement: number }> {
  const started = Date.now();
  const { database, close } = await openStorage(loadEnv({ DATABASE_URL: url }));
  const sql = database.sql!;
  const ids = Array.from({ length: accountCount }, (_, i) => (i === 0 ? STATEMENT_ACCOUNT : `acct-${String(i).padStart(6, '0')}`));
  const balance = new Map<string, bigint>(ids.map((id) => [id, 0n]));
  const version = new Map<string, number>(ids.map((id) => [id, 0]));
  const base = Date.parse('2026-01-01T00:00:00.000Z');
  const movements = total - accountCount;
  const every = Math.max(1, Math.floor(movements / statementTarget));
  let prev = GENESIS_HASH;
  let statement = 0;

  const evCols = 'partition, position, event_id, type, stream_id, stream_version, occurred_at, data, metadata, prev_hash, hash';
  const auCols =
    'partition, position, event_id, occurred_at, type, account_id, stream_version, transaction_id, amount, currency, counterparty_account_id, actor, origin_ip, origin_user_agent, origin_request_id, command_id, correlation_id, prev_hash, hash';
  const jeCols = 'event_id, partition, position, account_id, transaction_id, kind, amount, currency, balance_after, counterparty_account_id, reference, occurred_at, stream_version';
  const evCopy = await sql.unsafe(`copy events (${evCols}) from stdin`).writable();
  const auCopy = await sql.unsafe(`copy audit_log (${auCols}) from stdin`).writable();
  const jeCopy = await sql.unsafe(`copy journal_entries (${jeCols}) from stdin`).writable();
  const write = (w: NodeJS.WritableStream, fields: Array<string | number | null>) => w.write(`${fields.map(copyField).join('\t')}\n`);
  const drain = (w: NodeJS.WritableStream) => new Promise<void>((r) => w.once('drain', () => r()));

  for (let p = 0; p < total; p++) {
    const hex = p.toString(16).padStart(12, '0');
    const eventId = `00000000-0000-7000-8000-${hex}`;
    const occurredAt = new Date(base + p * 10).toISOString();
    let account: string;
    let type: StoredEvent['type'];
    let data: Record<string, unknown>;
    if (p < accountCount) {
      account = ids[p]!;
      type = 'AccountOpened';
      data = { accountId: account, currency: 'USD', overdraftLimit: '0.00', ownerId: null, metadata: {} };
    } else {
      const m = p - accountCount;
      account = m % every === 0 && statement < statementTarget ? ids[0]! : ids[1 + (m % (accountCount - 1))]!;
      if (account === ids[0]) statement++;
      const bal = balance.get(account)!;
      const amount = BigInt(100 + ((p * 7919) % 500000));
      const withdraw = version.get(account)! % 3 === 0 && bal >= amount;
      const after = withdraw ? bal - amount : bal + amount;
      balance.set(account, after);
      type = withdraw ? 'FundsWithdrawn' : 'FundsDeposited';
      data = { accountId: account, transactionId: `tx-${hex}`, amount: cents(amount), currency: 'USD', balanceAfter: cents(after), reference: `ref ${p}`, metadata: {}, channel: 'wire' };
    }
    const streamVersion = version.get(account)! + 1;
    version.set(account, streamVersion);
    const metadata: EventMetadata = {
      commandId: `cmd-${hex}`,
      requestHash: '0'.repeat(64),
      correlationId: `req-${hex}`,
      causationId: null,
      actor: p % 5 === 0 ? 'key:teller-1' : 'key:api-client',
      actorRole: 'teller',
      origin: { ip: '127.0.0.1', userAgent: 'bench/1.0', requestId: `req-${hex}` },
    };
    const body = { eventId, type, streamId: account, streamVersion, partition: 0, position: p, occurredAt, data, metadata, prevHash: prev };
    const event = storedEvent({ ...body, hash: chainHash(prev, body) });
    prev = event.hash;
    let ok = write(evCopy, [0, p, eventId, type, account, streamVersion, occurredAt, JSON.stringify(data), JSON.stringify(metadata), event.prevHash, event.hash]);
    const a = auditRow(event);
    ok =
      write(auCopy, [0, p, eventId, occurredAt, type, account, streamVersion, a.transactionId ?? null, a.amount ? a.amount.toFixed() : null, a.currency ?? null, null, a.actor, a.originIp ?? null, a.originUserAgent ?? null, a.originRequestId ?? null, a.commandId, a.correlationId, a.prevHash, a.hash]) && ok;
    if (type !== 'AccountOpened') {
      const signed = type === 'FundsWithdrawn' ? `-${String(data.amount)}` : String(data.amount);
      ok = write(jeCopy, [eventId, 0, p, account, String(data.transactionId), type === 'FundsWithdrawn' ? 'withdrawal' : 'deposit', signed, 'USD', String(data.balanceAfter), null, String(data.reference), occurredAt, streamVersion]) && ok;
    }
    if (!ok) await Promise.all([evCopy, auCopy, jeCopy].filter((w) => w.writableNeedDrain).map(drain));
  }
  await Promise.all([evCopy, auCopy, jeCopy].map((w) => new Promise<void>((resolve, reject) => w.end(() => resolve()).once('error', reject))));
  const now = new Date(base + total * 10).toISOString();
  for (let i = 0; i < ids.length; i += 500) {
    const chunk = ids.slice(i, i + 500);
    await database.db.insert(accountsTable).values(chunk.map((id) => ({ id, currency: 'USD', status: 'open' as const, ownerId: null, overdraftLimit: new Dec('0.00'), metadata: {}, openedAt: new Date(base).toISOString(), updatedAt: now })));
    await database.db.insert(balancesTable).values(chunk.map((id) => ({ accountId: id, currency: 'USD', balance: new Dec(cents(balance.get(id)!)), version: version.get(id)!, lastPosition: total - 1, updatedAt: now })));
  }
  await sql`insert into projection_checkpoints (projection, partition, position) values ('ledger', 0, ${total - 1}), ('audit', 0, ${total - 1})`;
  await sql`analyze`;
  await close();
  return { ms: Date.now() - started, statement };
}
