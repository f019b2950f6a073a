import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse } from 'csv-parse/sync';

/** Reading reports the way their readers do: PDFs through poppler (pdftotext, pdfinfo), CSVs as RFC 4180. */

export type Csv = Array<Record<string, string>>;

/** The rows of a CSV with a header line and CRLF line ends, as objects keyed by column. */
export function parseCsv(csv: Buffer | string): Csv {
  return parse(csv, { columns: true, record_delimiter: '\r\n' }) as Csv;
}

let scratch: string | null = null;
let counter = 0;

/** Saves bytes to a temporary file and returns its path. */
export function saveTemp(bytes: Buffer, ext: string): string {
  scratch ??= mkdtempSync(path.join(tmpdir(), 'ledger-reports-'));
  const file = path.join(scratch, `r${++counter}.${ext}`);
  writeFileSync(file, bytes);
  return file;
}

/** The text of a PDF (or of one page), laid out as printed. */
export function pdfText(file: string, page?: number): string {
  const range = page ? ['-f', String(page), '-l', String(page)] : [];
  return execFileSync('pdftotext', ['-layout', ...range, file, '-'], { encoding: 'utf8' });
}

export function pdfPages(file: string): number {
  const info = execFileSync('pdfinfo', [file], { encoding: 'utf8' });
  return Number(/Pages:\s+(\d+)/.exec(info)![1]);
}

/** The data hash an auditor computes from a CSV: SHA-256 of everything after the header line. */
export function csvDataHash(csv: Buffer): string {
  const headerEnd = csv.indexOf('\r\n') + 2;
  return createHash('sha256').update(csv.subarray(headerEnd)).digest('hex');
}

/** The data hash a PDF report prints. */
export function printedHash(text: string): string {
  return /Data SHA-256 \(\d+ rows\):\s+([0-9a-f]{64})/.exec(text)![1]!;
}
