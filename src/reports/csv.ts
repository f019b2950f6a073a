import type { Writable } from 'node:stream';
import { stringify } from 'csv-stringify/sync';
import type { Column, Row } from './columns.ts';
import { writeWithBackpressure } from './streams.ts';

/** RFC 4180: CRLF line ends, fields quoted when they hold a comma, a quote, CR or LF. */
const OPTIONS = { record_delimiter: '\r\n', quoted_match: /[\r\n]/ } as const;

const NUMBER = /^-?[0-9]+(\.[0-9]+)?$/;
const FORMULA_START = /^[=+\-@\t\r]/;
/** What a spreadsheet skips before it looks for a formula: whitespace, control and format characters (zero-width space, BOM, …). */
const IGNORED_LEAD = /^[\s\p{Cc}\p{Cf}]+/u;

/**
 * Spreadsheet formula injection: a text cell that starts with = + - @ (or tab / CR) — after leading
 * whitespace, control and invisible format characters, and after Unicode NFKC normalisation, so
 * fullwidth ＝ and small ﹦ count as = — is prefixed with a single quote so a spreadsheet shows it as
 * text. Numbers in amount and integer columns stay exact numbers ("-10.50" is not touched); a value
 * in such a column that is not a number is treated as text.
 */
export function csvCell(kind: Column['kind'], value: string | null): string {
  if (value === null) return '';
  if ((kind === 'amount' || kind === 'integer') && NUMBER.test(value)) return value;
  return looksLikeFormula(value) ? `'${value}` : value;
}

function looksLikeFormula(value: string): boolean {
  if (FORMULA_START.test(value)) return true;
  const normalized = value.normalize('NFKC');
  return FORMULA_START.test(normalized.replace(IGNORED_LEAD, ''));
}

export function csvHeader(columns: readonly Column[]): string {
  return stringify([columns.map((c) => c.key)], OPTIONS);
}

/** The CSV text of data rows, exactly as written to the file and as hashed for the data hash. */
export function csvRows(columns: readonly Column[], rows: readonly Row[]): string {
  if (rows.length === 0) return '';
  return stringify(
    rows.map((r) => columns.map((c, i) => csvCell(c.kind, r[i] ?? null))),
    OPTIONS,
  );
}

/** Writes a header row, then pages of data rows, honouring backpressure. */
export class CsvWriter {
  constructor(
    private readonly out: Writable,
    private readonly columns: readonly Column[],
  ) {}

  async begin(): Promise<void> {
    await writeWithBackpressure(this.out, csvHeader(this.columns));
  }

  async writeEncoded(text: string): Promise<void> {
    if (text) await writeWithBackpressure(this.out, text);
  }

  async end(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.out.once('error', reject);
      this.out.end(() => resolve());
    });
  }
}
