import type { Writable } from 'node:stream';
import type { Db } from '../db/client.ts';
import type { EventLog } from '../log/event-log.ts';
import { type AlertSource, tableAlertSource } from './alerts-source.ts';
import type { Column, Line, Row } from './columns.ts';
import { CsvWriter, csvRows } from './csv.ts';
import { DataHash } from './data-hash.ts';
import { SOFTWARE_VERSION, manifestParameters } from './manifest.ts';
import type { BlockLine } from './pdf-blocks.ts';
import { describePeriod, type Period } from './period.ts';
import { type Snapshot, describeSnapshot } from './snapshot.ts';

import type { ReportName } from './names.ts';

export { REPORT_NAMES, type ReportName } from './names.ts';
export type ReportFormat = 'pdf' | 'csv';

/** What report generators read from: the read models (never the write side), the log for chain verification, the alerts store. */
export interface ReportContext {
  db: Db;
  log: EventLog;
  alerts: AlertSource;
  /** Whether an account exists (the ledger read model's check). */
  ledger: { exists(accountId: string): Promise<boolean> };
  /** Rows per keyset page read from PostgreSQL. */
  pageSize?: number;
}

export const DEFAULT_PAGE_SIZE = 2000;

/**
 * A report ready to be written: everything known before the first row (counts, summary figures,
 * the snapshot), and the rows as an async sequence of pages read with keyset pagination.
 */
export interface ReportPlan {
  name: ReportName;
  title: string;
  orientation: 'portrait' | 'landscape';
  period: Period;
  /** Period text for the header, when the report is not over a from/to range (trial balance: "as at ..."). */
  periodText?: string;
  snapshot: Snapshot;
  details: Line[];
  summary: Line[];
  columns: Column[];
  rowCount: number;
  totalsLines: number;
  emptyText: string;
  /** File name without extension: report name, parameters and log position. */
  fileStem: string;
  pages(): AsyncIterable<Row[]>;
  /** Totals accumulated while the rows were read; call after pages() is exhausted. */
  totals(): Line[];
  /** PDF as one block of lines per row instead of a table (pages() is then read twice: to count lines, to draw). */
  blocks?: (row: Row) => BlockLine[];
}

export interface ReportResult {
  rows: number;
  dataSha256: string;
  position: string;
}

/**
 * Writes a plan as PDF or CSV to `out`, page by page, in constant memory. The data hash covers the
 * CSV encoding of the data rows in both formats, so the PDF's printed hash can be checked against the CSV.
 */
export async function renderReport(plan: ReportPlan, format: ReportFormat, out: Writable, generatedAt: Date = new Date(), parameters: Record<string, unknown> = {}): Promise<ReportResult> {
  const hash = new DataHash();
  const position = describeSnapshot(plan.snapshot);
  if (format === 'csv') {
    const csv = new CsvWriter(out, plan.columns);
    try {
      await csv.begin();
      for await (const page of plan.pages()) {
        const text = csvRows(plan.columns, page);
        hash.update(text, page.length);
        await csv.writeEncoded(text);
      }
      await csv.end();
    } catch (err) {
      out.destroy(err as Error);
      throw err;
    }
  } else {
    // pdfkit and the fonts (~25 MB of a process's memory) load with the first PDF, not with the service.
    const { PdfTableWriter } = await import('./pdf-table.ts');
    const blocks = plan.blocks ? { lines: plan.blocks, costs: await blockCosts(plan, plan.blocks) } : undefined;
    const pdf = new PdfTableWriter(out, {
      reportName: plan.title,
      orientation: plan.orientation,
      period: plan.periodText ?? describePeriod(plan.period),
      position,
      generatedAt: generatedAt.toISOString(),
      details: plan.details,
      summary: plan.summary,
      columns: plan.columns,
      rowCount: plan.rowCount,
      totalsLines: plan.totalsLines,
      emptyText: plan.emptyText,
      csvName: `${plan.fileStem}.csv`,
      manifest: { report: plan.name, parameters: JSON.stringify(manifestParameters(parameters)), softwareVersion: SOFTWARE_VERSION },
      ...(blocks ? { blocks } : {}),
    });
    try {
      pdf.begin();
      for await (const page of plan.pages()) {
        hash.update(csvRows(plan.columns, page), page.length);
        await pdf.writeRows(page);
      }
      await pdf.finish(plan.totals(), hash.hex(), hash.rows);
    } catch (err) {
      pdf.abort(err as Error);
      throw err;
    }
  }
  if (hash.rows !== plan.rowCount) throw new Error(`${plan.name}: counted ${plan.rowCount} rows, wrote ${hash.rows}`);
  return { rows: hash.rows, dataSha256: hash.hex(), position };
}

/** The first pass of a block report: the lines of each row's block, as their continuation costs. */
async function blockCosts(plan: ReportPlan, lines: (row: Row) => BlockLine[]): Promise<number[][]> {
  const [{ continuationCosts, expandBlock }, { usableWidth }] = await Promise.all([import('./pdf-blocks.ts'), import('./pdf-table.ts')]);
  const costs: number[][] = [];
  const usable = usableWidth(plan.orientation);
  for await (const page of plan.pages()) for (const row of page) costs.push(continuationCosts(expandBlock(lines(row), usable)));
  return costs;
}

/** A file-name-safe stem: 2026-01-01T00:00:00.000Z → 20260101T000000Z. */
export function stemPart(text: string): string {
  return text.replace(/\.\d+Z$/, 'Z').replace(/[-:]/g, '').replace(/[^A-Za-z0-9_.]/g, '_');
}

export function periodStem(period: Period): string {
  return `${period.from ? stemPart(period.from) : 'start'}_${period.to ? stemPart(period.to) : 'open'}`;
}

/** The context every report entry point (API, CLI, benchmarks) builds the same way. */
export function reportContext(db: Db, log: EventLog, ledger: ReportContext['ledger'], pageSize?: number): ReportContext {
  return { db, log, alerts: tableAlertSource(db), ledger, ...(pageSize === undefined ? {} : { pageSize }) };
}
