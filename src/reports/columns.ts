/**
 * What a report is made of: columns with a kind, and rows of cells. The kind decides how a cell is
 * written: amounts and integers are exact numbers (never escaped), everything else is text that may
 * have come from a user and is neutralised against spreadsheet formula injection in CSV.
 */
export type CellKind = 'text' | 'id' | 'timestamp' | 'amount' | 'integer';

export interface Column {
  /** CSV header (snake_case, stable). */
  key: string;
  /** PDF column heading. */
  label: string;
  kind: CellKind;
  /** Relative width in the PDF table; 0 leaves the column out of the PDF (CSV keeps it). */
  width: number;
}

export type Cell = string | null;
export type Row = readonly Cell[];

/** A label and its value: header lines, summary and totals. */
export type Line = readonly [string, string];

/** Plain-decimal amount → "-12,345.67" for people; the CSV keeps the exact plain decimal. */
export function groupThousands(amount: string): string {
  const m = /^(-?)(\d+)(\.\d+)?$/.exec(amount);
  if (!m) return amount;
  return `${m[1]}${m[2]!.replace(/\B(?=(\d{3})+(?!\d))/g, ',')}${m[3] ?? ''}`;
}
