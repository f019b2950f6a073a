import { createRequire } from 'node:module';
import { csvRows } from './csv.ts';
import { DataHash } from './data-hash.ts';
import type { ReportPlan } from './report.ts';
import { describeSnapshot } from './snapshot.ts';

/** This software's version (package.json), printed in manifests and on the PDF's last page. */
export const SOFTWARE_VERSION = (createRequire(import.meta.url)('../../package.json') as { version: string }).version;

/** The parameters that shaped a report: without the output format and the ones not given. */
export function manifestParameters(parameters: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(parameters).filter(([key, value]) => key !== 'format' && key !== 'out' && value !== undefined));
}

/** What a report file is, without its rows: enough for an auditor to check a PDF or CSV against it. */
export interface ReportManifest {
  report: string;
  title: string;
  parameters: Record<string, unknown>;
  /** The log position the report reflects ("1234", or "p0:12, p1:7"), and per partition. */
  position: string;
  positions: Record<string, number>;
  generatedAt: string;
  rowCount: number;
  /** SHA-256 of the CSV encoding of the data rows (RFC 4180, CRLF, header excluded): the hash the PDF prints. */
  dataSha256: string;
  columns: string[];
  softwareVersion: string;
}

/** Reads the plan's rows once, hashing them as the CSV and the PDF do, and describes the report. */
export async function reportManifest(plan: ReportPlan, parameters: Record<string, unknown>, generatedAt: Date = new Date()): Promise<ReportManifest> {
  const hash = new DataHash();
  for await (const page of plan.pages()) hash.update(csvRows(plan.columns, page), page.length);
  if (hash.rows !== plan.rowCount) throw new Error(`${plan.name}: counted ${plan.rowCount} rows, hashed ${hash.rows}`);
  return {
    report: plan.name,
    title: plan.title,
    parameters: manifestParameters(parameters),
    position: describeSnapshot(plan.snapshot),
    positions: Object.fromEntries([...plan.snapshot].map(([p, pos]) => [String(p), pos])),
    generatedAt: generatedAt.toISOString(),
    rowCount: hash.rows,
    dataSha256: hash.hex(),
    columns: plan.columns.map((c) => c.key),
    softwareVersion: SOFTWARE_VERSION,
  };
}
