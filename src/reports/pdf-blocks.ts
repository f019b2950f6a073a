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

/**
 * Lines each line of a block takes at the top of a page when the block continues there with it: the
 * "continued" heading, and the sub-table's column headings again when the line is one of its rows.
 */
export function continuationCosts(lines: readonly BlockLine[]): number[] {
  let underHead = false;
  return lines.map((line) => {
    const cost = underHead && line.style !== 'head' ? 2 : 1;
    if (line.style === 'head') underHead = true;
    return cost;
  });
}

/** A block this short is not split: it starts on a new page if the rest of this one cannot hold it. */
const KEEP_WHOLE = 16;
/** A longer block starts on a new page unless this many of its lines fit (heading, facts, summary, a sub-table heading and a row). */
const KEEP_TOGETHER = 6;

/**
 * Where block lines go: one pager both counts pages before anything is drawn (so "Page x of y" is
 * known) and places the lines while drawing. A block that continues on a new page starts there with
 * a "continued" heading and the column headings of the sub-table it was in (the line's cost, see
 * continuationCosts); blocks are one blank line apart.
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
    if (this.room < (lines <= KEEP_WHOLE ? lines : KEEP_TOGETHER)) this.break(false);
  }

  /** The slot (line index on the current page) for the next line; `cost` lines go before it if it starts a page. */
  line(cost = 1): number {
    if (this.room <= 0) {
      this.break(true);
      this.used += cost;
    }
    return this.used++;
  }

  private break(continued: boolean): void {
    this.page++;
    this.used = 0;
    this.onBreak(continued);
  }
}
