import type { CellKind } from './columns.ts';
import { type FontRole, wrapText } from './pdf-fonts.ts';

/**
 * Block layout for reports whose records do not fit a table row (suspicious activity: an alert
 * with its evidence and status history). A record is a block of lines, each one table row high;
 * a cell's position and width are fractions of the usable page width. A wrapping cell (a summary,
 * an analyst's note) takes as many lines as it needs, up to MAX_WRAP.
 */
export interface BlockCell {
  text: string;
  /** Left edge, fraction of the usable width. */
  at: number;
  /** Width, fraction of the usable width. */
  width: number;
  kind?: CellKind;
  role?: FontRole;
  wrap?: boolean;
}

export interface BlockLine {
  /** title: the record's heading band; head: sub-table headings; text and row: plain lines. */
  style: 'title' | 'head' | 'text' | 'row';
  cells: BlockCell[];
}

export const BLOCK_FONT_SIZE = 7.5;
const CELL_PAD = 3;
const MAX_WRAP = 24;

/** A block's lines with wrapping cells spread over as many lines as they take. */
export function expandBlock(lines: readonly BlockLine[], usable: number): BlockLine[] {
  const out: BlockLine[] = [];
  for (const line of lines) {
    const wrapping = line.cells.find((c) => c.wrap);
    if (!wrapping) {
      out.push(line);
      continue;
    }
    const role = wrapping.role ?? 'sans';
    const pieces = wrapText(wrapping.text, role, BLOCK_FONT_SIZE, wrapping.width * usable - 2 * CELL_PAD);
    if (pieces.length > MAX_WRAP) pieces.splice(MAX_WRAP - 1, pieces.length, `${pieces[MAX_WRAP - 1]!} ... (cut: the CSV has the whole text)`);
    pieces.forEach((piece, i) => {
      const cells = i === 0 ? line.cells.map((c) => (c === wrapping ? { ...c, text: piece, wrap: false } : c)) : [{ ...wrapping, text: piece, wrap: false }];
      out.push({ style: line.style, cells });
    });
  }
  return out;
}

/** How many block lines keep together at a page break (a heading is not left alone at a page's foot). */
const KEEP_TOGETHER = 5;

/**
 * Where block lines go: one pager both counts pages before anything is drawn (so "Page x of y" is
 * known) and places the lines while drawing. A block that continues on a new page takes one line
 * there for a "continued" heading; blocks are one blank line apart.
 */
export class LinePager {
  page = 1;
  used = 0;

  constructor(
    private readonly firstCapacity: number,
    private readonly capacity: number,
    private readonly onBreak: (continued: boolean) => void = () => {},
  ) {}

  private get room(): number {
    return (this.page === 1 ? this.firstCapacity : this.capacity) - this.used;
  }

  startBlock(lines: number): void {
    if (this.used > 0) this.used += 1;
    if (this.room < Math.min(lines, KEEP_TOGETHER)) this.break(false);
  }

  /** The slot (line index on the current page) for the next line. */
  line(): number {
    if (this.room <= 0) {
      this.break(true);
      this.used += 1;
    }
    return this.used++;
  }

  private break(continued: boolean): void {
    this.page++;
    this.used = 0;
    this.onBreak(continued);
  }
}
