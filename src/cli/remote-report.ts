import { createHash } from 'node:crypto';
import { createWriteStream, mkdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import type { ReportFormat, ReportName } from '../reports/report.ts';

/** `ledger report` option → the report API's query parameter. */
const QUERY_NAMES: Record<string, string> = {
  from: 'from',
  to: 'to',
  account: 'accountId',
  actor: 'actor',
  type: 'type',
  threshold: 'threshold',
  'as-at': 'asAt',
  'gl-account': 'glAccount',
  owner: 'ownerId',
  position: 'position',
};

export interface RemoteReport {
  url: string;
  key: string;
  name: ReportName;
  format: ReportFormat | 'manifest';
  values: Record<string, string | undefined>;
  out: string;
}

/**
 * `ledger report ... --url URL --key KEY`: the report from a running service's API (what a service
 * on the embedded default needs, since its data directory is locked while it runs). Writes the file
 * the service names, prints the same summary line as a local report; a refusal prints the problem's
 * code, field and detail (exit 3 for a missing account or owner, 2 for other refusals, 1 otherwise).
 */
export async function remoteReport(r: RemoteReport): Promise<number> {
  const query = new URLSearchParams({ format: r.format });
  for (const [option, param] of Object.entries(QUERY_NAMES)) {
    const v = r.values[option];
    if (v !== undefined) query.set(param, v);
  }
  const started = Date.now();
  const res = await fetch(`${r.url.replace(/\/+$/, '')}/v1/reports/${r.name}?${query.toString()}`, { headers: { Authorization: `Bearer ${r.key}` } });
  if (res.status !== 200) return refusal(res);
  const disposition = /filename="([^"]+)"/.exec(res.headers.get('content-disposition') ?? '')?.[1];
  const file = path.join(r.out, path.basename(disposition ?? `${r.name}.${r.format === 'manifest' ? 'manifest.json' : r.format}`));
  mkdirSync(r.out, { recursive: true });
  await pipeline(Readable.fromWeb(res.body as WebReadableStream<Uint8Array>), createWriteStream(file));
  const summary: Record<string, unknown> = { report: r.name, file, format: r.format, position: res.headers.get('ledger-report-position') };
  if (r.format === 'manifest') {
    const manifest = JSON.parse(readFileSync(file, 'utf8')) as { rowCount?: number; dataSha256?: string };
    Object.assign(summary, { rows: manifest.rowCount, dataSha256: manifest.dataSha256 });
  } else {
    summary.rows = Number(res.headers.get('ledger-report-rows'));
    if (r.format === 'csv') summary.dataSha256 = csvDataSha256(readFileSync(file));
  }
  console.log(JSON.stringify({ ...summary, bytes: statSync(file).size, ms: Date.now() - started, from: r.url }));
  return 0;
}

async function refusal(res: Response): Promise<number> {
  const text = await res.text();
  let problem: { code?: string; detail?: string; errors?: Array<{ field?: string }> } = {};
  try {
    problem = JSON.parse(text) as typeof problem;
  } catch {
    // not problem+json: print what came
  }
  const field = problem.errors?.[0]?.field;
  console.error(`${problem.code ?? `HTTP ${res.status}`}${field ? ` (${field})` : ''}: ${problem.detail ?? text.slice(0, 500)}`);
  if (problem.code === 'account_not_found') return 3;
  return res.status >= 400 && res.status < 500 ? 2 : 1;
}

/** SHA-256 of a CSV's data rows (everything after the header line): what the PDF and the manifest print. */
function csvDataSha256(csv: Buffer): string {
  const headerEnd = csv.indexOf('\r\n');
  return createHash('sha256')
    .update(headerEnd < 0 ? Buffer.alloc(0) : csv.subarray(headerEnd + 2))
    .digest('hex');
}
