import type { Writable } from 'node:stream';
import PDFDocument from 'pdfkit';
import type { Column, Line, Row } from './columns.ts';
import { type BlockCell, type BlockLine, LinePager, continuationCosts, expandBlock } from './pdf-blocks.ts';
import { type FontRole, fitText, fontAscent, monoAdvance, registerReportFonts, textRuns, textWidth } from './pdf-fonts.ts';
import { ReportAbortedError, waitForReader } from './streams.ts';
import { groupThousands } from './columns.ts';

/**
 * The PDF layout shared by every report: a running header (report name, period, log position,
 * generated-at) on every page, a details/summary box on the first page, a table whose column
 * headings repeat on every page, right-aligned amounts, "Page x of y" in the footer, totals and the
 * data hash at the end. Text is Unicode: embedded DejaVu fonts with a CJK fallback (pdf-fonts.ts).
 *
 * Streaming in constant memory: every row is exactly one line high (long text is cut with an
 * ellipsis; ids and hashes never are: they shrink into a monospace font or take two half-height lines), so the number of pages is known from the row count before the first row is drawn, and
 * each finished page is flushed to the output (pdfkit without bufferPages) instead of being kept.
 * Block reports (one block of lines per record, see pdf-blocks.ts) give their blocks' line counts
 * from a first pass instead.
 */
export interface PdfTableSpec {
  reportName: string;
  orientation: 'portrait' | 'landscape';
  period: string;
  position: string;
  generatedAt: string;
  /** First page, left: what the report is about (account, thresholds, filters). */
  details: readonly Line[];
  /** First page, right: the headline figures (opening balance, chain verification). */
  summary: readonly Line[];
  columns: readonly Column[];
  rowCount: number;
  /** How many totals lines finish() will be given. */
  totalsLines: number;
  emptyText: string;
  /** Suggested file name of the CSV twin, for the reproduction hint. */
  csvName: string;
  /** The report's manifest fields that the rest of the PDF does not print (?format=manifest gives the same). */
  manifest: { report: string; parameters: string; softwareVersion: string };
  /** Block layout: each row drawn as the block these lines describe, instead of a table row. */
  blocks?: { lines(row: Row): BlockLine[]; costs: ReadonlyArray<readonly number[]> };
}

const MARGIN = 36;
const FONT_SIZE = 7.5;
const ROW_H = 12;
const HEAD_H = 16;
const PAD = 3;
const CONTENT_TOP = MARGIN + 46;
const BOX_LINE_H = 12;
const FOOTER_H = 22;
const READER_LIMIT = 1 << 20;
/** The smallest size an id is set in on one line before it takes two. */
const ID_SIZE_MIN = 4.5;
/** The smallest size free text is set in before it is cut. */
const TEXT_SIZE_MIN = 6;

/** A summary or totals value that is an amount (optionally with its currency): grouped by thousands in the PDF. */
const AMOUNT_VALUE = /^-?\d+(\.\d+)?( [A-Z]{3})?( Dr| Cr)?$/;

const NAVY = '#1f3a5f';
const ZEBRA = '#f1f4f8';
const GREY = '#5b6573';
const RULE = '#c5ccd6';
const BAND = '#dde5ef';

/** One line of text: line breaks and tabs become spaces, other control characters go. */
function printable(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\r\n\t]+/g, ' ').replace(/[\u0000-\u001f\u007f-\u009f]/g, '');
}

/** The usable width of a page in points. */
export function usableWidth(orientation: 'portrait' | 'landscape'): number {
  return (orientation === 'portrait' ? 595.28 : 841.89) - 2 * MARGIN;
}

export interface PageGeometry {
  firstCapacity: number;
  capacity: number;
  pages: number;
}

interface TextOptions {
  characterSpacing?: number;
}

export class PdfTableWriter {
  private readonly doc: PDFKit.PDFDocument;
  private readonly width: number;
  private readonly height: number;
  private readonly cols: Array<{ column: Column; index: number; x: number; w: number }>;
  private readonly boxHeight: number;
  readonly geometry: PageGeometry;
  private page = 1;
  private rowsOnPage = 0;
  private rowsDrawn = 0;
  private y = 0;
  private done: Promise<void>;
  private currentRole: FontRole = 'sans';
  private pager: LinePager | null = null;
  private blockTitle = '';
  /** The sub-table heading to repeat if the next block line starts a page. */
  private repeatHead: BlockLine | null = null;

  constructor(
    private readonly out: Writable,
    private readonly spec: PdfTableSpec,
  ) {
    this.doc = new PDFDocument({
      size: 'A4',
      layout: spec.orientation,
      margins: { top: MARGIN, bottom: MARGIN, left: MARGIN, right: MARGIN },
      bufferPages: false,
      autoFirstPage: true,
      compress: true,
      info: { Title: spec.reportName, Author: 'ledger', Subject: `${spec.reportName}, ${spec.period}, log position ${spec.position}`, CreationDate: new Date(spec.generatedAt) },
    });
    registerReportFonts(this.doc);
    this.width = this.doc.page.width;
    this.height = this.doc.page.height;
    const shown = spec.columns.map((column, index) => ({ column, index })).filter((c) => c.column.width > 0);
    const total = shown.reduce((s, c) => s + c.column.width, 0);
    const usable = this.width - 2 * MARGIN;
    let x = MARGIN;
    this.cols = shown.map((c) => {
      const w = (c.column.width / total) * usable;
      const col = { ...c, x, w };
      x += w;
      return col;
    });
    this.boxHeight = Math.max(spec.details.length, spec.summary.length) * BOX_LINE_H + 14;
    this.geometry = spec.blocks ? this.planBlocks(spec.blocks.costs) : this.plan();
    this.done = new Promise((resolve, reject) => {
      out.once('finish', resolve);
      out.once('close', resolve);
      out.once('error', reject);
    });
    this.doc.pipe(out);
  }

  private get bodyBottom(): number {
    return this.height - MARGIN - FOOTER_H;
  }

  private get firstTableTop(): number {
    return CONTENT_TOP + this.boxHeight + 10;
  }

  private trailerHeight(): number {
    return 12 + 14 + this.spec.totalsLines * BOX_LINE_H + 10 + 12 + 9 + 11 + 2 * 9 + 18;
  }

  /** Pages needed for the row count: rows fill pages; the trailer goes below the last row or on a page of its own. */
  private plan(): PageGeometry {
    const firstCapacity = Math.floor((this.bodyBottom - this.firstTableTop - HEAD_H) / ROW_H);
    const capacity = Math.floor((this.bodyBottom - CONTENT_TOP - HEAD_H) / ROW_H);
    const rows = Math.max(this.spec.rowCount, 1);
    let pages = 1;
    let lastRows = Math.min(rows, firstCapacity);
    let lastTop = this.firstTableTop;
    if (rows > firstCapacity) {
      const rest = rows - firstCapacity;
      pages += Math.ceil(rest / capacity);
      lastRows = rest - (Math.ceil(rest / capacity) - 1) * capacity;
      lastTop = CONTENT_TOP;
    }
    if (lastTop + HEAD_H + lastRows * ROW_H + this.trailerHeight() > this.bodyBottom) pages += 1;
    return { firstCapacity, capacity, pages };
  }

  /** Pages for blocks of lines with the given continuation costs, placed by the same pager that draws them. */
  private planBlocks(blocks: ReadonlyArray<readonly number[]>): PageGeometry {
    const firstCapacity = Math.floor((this.bodyBottom - this.firstTableTop) / ROW_H);
    const capacity = Math.floor((this.bodyBottom - CONTENT_TOP) / ROW_H);
    const pager = new LinePager(firstCapacity, capacity);
    for (const costs of blocks) {
      pager.startBlock(costs.length);
      for (const cost of costs) pager.line(cost);
    }
    const used = blocks.length === 0 ? 1 : pager.used;
    const top = pager.page === 1 ? this.firstTableTop : CONTENT_TOP;
    const pages = pager.page + (top + used * ROW_H + this.trailerHeight() > this.bodyBottom ? 1 : 0);
    return { firstCapacity, capacity, pages };
  }

  begin(): void {
    this.runningHeader();
    this.firstPageBox();
    this.y = this.firstTableTop;
    if (this.spec.blocks) {
      this.pager = new LinePager(this.geometry.firstCapacity, this.geometry.capacity, (continued) => {
        this.newPage();
        if (!continued) return;
        this.blockLine({ style: 'title', cells: [{ text: `${this.blockTitle} (continued)`, at: 0, width: 1, role: 'sans-bold' }] }, 0);
        if (this.repeatHead) this.blockLine(this.repeatHead, 1);
      });
    } else this.tableHeader();
  }

  async writeRows(rows: readonly Row[]): Promise<void> {
    if (this.spec.blocks) {
      for (const row of rows) this.writeBlock(row);
      this.rowsDrawn += rows.length;
    } else for (const row of rows) this.writeRow(row);
    await waitForReader(this.doc, this.out, READER_LIMIT);
  }

  private writeRow(row: Row): void {
    const doc = this.doc;
    const capacity = this.page === 1 ? this.geometry.firstCapacity : this.geometry.capacity;
    if (this.rowsOnPage === capacity) {
      this.newPage();
      this.tableHeader();
    }
    if (this.rowsDrawn % 2 === 1) doc.rect(MARGIN, this.y, this.width - 2 * MARGIN, ROW_H).fill(ZEBRA);
    doc.fillColor('black');
    for (const c of this.cols) {
      const raw = row[c.index] ?? null;
      if (raw === null || raw === '') continue;
      if (c.column.kind === 'id') this.idCell(printable(raw), c.x, c.w, this.y);
      else this.cell(display(c.column.kind, raw), c.x, c.w, this.y + 2.5, alignOf(c.column.kind), c.column.kind);
    }
    this.y += ROW_H;
    this.rowsOnPage++;
    this.rowsDrawn++;
  }

  private writeBlock(row: Row): void {
    const lines = expandBlock(this.spec.blocks!.lines(row), this.width - 2 * MARGIN);
    const pager = this.pager!;
    this.blockTitle = lines[0]?.cells.find((c) => c.kind === 'id')?.text ?? lines[0]?.cells[0]?.text ?? '';
    const costs = continuationCosts(lines);
    let head: BlockLine | null = null;
    pager.startBlock(lines.length);
    lines.forEach((line, i) => {
      this.repeatHead = costs[i] === 2 ? head : null;
      this.blockLine(line, pager.line(costs[i]));
      if (line.style === 'head') head = line;
    });
  }

  private blockLine(line: BlockLine, slot: number): void {
    const doc = this.doc;
    const top = (this.page === 1 ? this.firstTableTop : CONTENT_TOP) + slot * ROW_H;
    const usable = this.width - 2 * MARGIN;
    if (line.style === 'title') doc.rect(MARGIN, top, usable, ROW_H).fill(BAND);
    if (line.style === 'head') doc.moveTo(MARGIN, top + ROW_H - 0.5).lineTo(this.width - MARGIN, top + ROW_H - 0.5).lineWidth(0.4).strokeColor(RULE).stroke();
    for (const c of line.cells) this.blockCell(c, line.style, MARGIN + c.at * usable, c.width * usable, top);
    this.y = top + ROW_H;
  }

  private blockCell(c: BlockCell, style: BlockLine['style'], x: number, w: number, top: number): void {
    if (c.text === '') return;
    const role: FontRole = c.role ?? (style === 'title' ? 'sans-bold' : 'sans');
    this.doc.fillColor(style === 'head' ? GREY : style === 'title' ? NAVY : 'black');
    this.currentRole = style === 'head' ? 'sans-bold' : role;
    if (c.kind === 'id') this.idCell(printable(c.text), x, w, top);
    else this.cell(display(c.kind ?? 'text', c.text), x, w, top + 2.5, alignOf(c.kind ?? 'text'), c.kind ?? 'text');
    this.currentRole = 'sans';
  }

  /** Totals, the data hash and the end mark; then closes the document and waits for the output to finish. */
  async finish(totals: readonly Line[], dataSha256: string, rows: number): Promise<void> {
    if (this.spec.rowCount === 0) {
      this.doc.fillColor(GREY);
      this.text(this.spec.emptyText, MARGIN + PAD, this.y + 2.5, 'sans-oblique', FONT_SIZE);
      this.y += ROW_H;
    }
    if (this.y + this.trailerHeight() > this.bodyBottom) this.newPage();
    // Close the table.
    this.doc.moveTo(MARGIN, this.y).lineTo(this.width - MARGIN, this.y).lineWidth(0.75).strokeColor(NAVY).stroke();
    let y = this.totalsBlock(totals, this.y + 12);
    y = this.hashBlock(dataSha256, rows, y + 10);
    this.doc.fillColor(GREY);
    const end = '- End of report -';
    this.text(end, (this.width - textWidth(end, 'sans-oblique', 7.5)) / 2, y + 4, 'sans-oblique', 7.5);
    this.footer();
    if (this.page !== this.geometry.pages) throw new Error(`pdf layout: planned ${this.geometry.pages} pages, drew ${this.page}`);
    this.doc.end();
    await this.done;
  }

  private totalsBlock(totals: readonly Line[], top: number): number {
    let y = top;
    const right = this.width - MARGIN;
    const labelX = right - 330;
    this.doc.fillColor(NAVY);
    this.text('Totals', labelX, y, 'sans-bold', 9);
    y += 14;
    for (const [label, value] of totals.slice(0, this.spec.totalsLines)) {
      this.doc.fillColor('black');
      this.text(label, labelX, y, 'sans', 8);
      const labelW = textWidth(printable(label), 'sans', 8);
      const v = fitText(printable(AMOUNT_VALUE.test(value) ? groupAmountWithCurrency(value) : value), 'sans-bold', 8, right - labelX - labelW - 12);
      this.text(v, right - textWidth(v, 'sans-bold', 8), y, 'sans-bold', 8);
      y += BOX_LINE_H;
    }
    return y;
  }

  private hashBlock(dataSha256: string, rows: number, top: number): number {
    let y = top;
    const full = this.width - 2 * MARGIN;
    this.doc.fillColor('black');
    this.text(`Data SHA-256 (${rows} rows):`, MARGIN, y, 'sans-bold', 7.5);
    this.text(dataSha256, MARGIN + 118, y, 'mono', 7.5);
    y += 12;
    this.doc.fillColor(GREY);
    const small = (text: string, step: number) => {
      this.text(fitText(printable(text), 'sans', 6.5, full), MARGIN, y, 'sans', 6.5);
      y += step;
    };
    small(`SHA-256 over the data rows of the CSV twin of this report (RFC 4180, CRLF line ends, header row excluded) at log position ${this.spec.position}.`, 9);
    small(`Reproduce: tail -n +2 ${this.spec.csvName} | sha256sum`, 11);
    const m = this.spec.manifest;
    small(`Manifest: report ${m.report} · log position ${this.spec.position} · generated ${this.spec.generatedAt} · ${rows} rows · ledger ${m.softwareVersion}`, 9);
    small(`Parameters: ${m.parameters}`, 9);
    return y;
  }

  /** Stops writing (the reader went away or generation failed). */
  abort(err: Error): void {
    this.doc.unpipe(this.out);
    this.out.destroy(err instanceof ReportAbortedError ? undefined : err);
  }

  private newPage(): void {
    this.footer();
    this.doc.addPage();
    this.page++;
    this.rowsOnPage = 0;
    this.runningHeader();
    this.y = CONTENT_TOP;
  }

  private runningHeader(): void {
    const doc = this.doc;
    const right = this.width - MARGIN;
    doc.fillColor(GREY);
    this.text('LEDGER  ·  AUDIT AND COMPLIANCE REPORTING', MARGIN, MARGIN, 'sans-bold', 7, { characterSpacing: 0.6 });
    const stamp = `Generated ${this.spec.generatedAt.replace('T', ' ').replace(/\.\d+Z$/, ' UTC').replace(/Z$/, ' UTC')}`;
    this.text(stamp, right - textWidth(stamp, 'sans', 7), MARGIN, 'sans', 7);
    doc.fillColor(NAVY);
    const pos = `Log position ${printable(this.spec.position)}`;
    const posW = textWidth(pos, 'sans-bold', 8);
    this.text(fitText(printable(this.spec.reportName), 'sans-bold', 15, right - MARGIN - posW - 12), MARGIN, MARGIN + 10, 'sans-bold', 15);
    this.text(pos, right - posW, MARGIN + 15, 'sans-bold', 8);
    doc.fillColor('black');
    this.text(fitText(`Period: ${printable(this.spec.period)}`, 'sans', 8, right - MARGIN), MARGIN, MARGIN + 30, 'sans', 8);
    doc.moveTo(MARGIN, MARGIN + 41).lineTo(right, MARGIN + 41).lineWidth(1.2).strokeColor(NAVY).stroke();
  }

  private firstPageBox(): void {
    const doc = this.doc;
    const top = CONTENT_TOP;
    const w = this.width - 2 * MARGIN;
    doc.rect(MARGIN, top, w, this.boxHeight).lineWidth(0.5).fillAndStroke('#f7f9fb', RULE);
    const half = w / 2;
    const drawLines = (lines: readonly Line[], x: number, labelW: number, colW: number) => {
      let y = top + 8;
      for (const [label, value] of lines) {
        doc.fillColor(GREY);
        this.text(fitText(printable(label), 'sans', 8, labelW - 4), x, y, 'sans', 8);
        doc.fillColor('black');
        const v = printable(AMOUNT_VALUE.test(value) ? groupAmountWithCurrency(value) : value);
        const room = colW - labelW - 8;
        const size = Math.max(5.5, Math.min(8, (8 * room) / textWidth(v, 'sans-bold', 8)));
        this.text(fitText(v, 'sans-bold', size, room), x + labelW, y + (8 - size) / 2, 'sans-bold', size);
        y += BOX_LINE_H;
      }
    };
    drawLines(this.spec.details, MARGIN + 8, 90, half);
    drawLines(this.spec.summary, MARGIN + half + 8, 120, half);
  }

  private tableHeader(): void {
    const doc = this.doc;
    doc.rect(MARGIN, this.y, this.width - 2 * MARGIN, HEAD_H).fill(NAVY);
    doc.fillColor('white');
    this.currentRole = 'sans-bold';
    for (const c of this.cols) this.cell(c.column.label, c.x, c.w, this.y + 5, alignOf(c.column.kind));
    doc.fillColor('black');
    this.currentRole = 'sans';
    this.y += HEAD_H;
  }

  private footer(): void {
    const y = this.height - MARGIN - 10;
    const right = this.width - MARGIN;
    this.doc.moveTo(MARGIN, y - 5).lineTo(right, y - 5).lineWidth(0.5).strokeColor(RULE).stroke();
    this.doc.fillColor(GREY);
    const pageText = `Page ${this.page} of ${this.geometry.pages}`;
    const pageW = textWidth(pageText, 'sans-bold', 7);
    this.text(fitText(printable(`${this.spec.reportName}  ·  ${this.spec.period}  ·  log position ${this.spec.position}`), 'sans', 7, right - MARGIN - pageW - 12), MARGIN, y, 'sans', 7);
    this.text(pageText, right - pageW, y, 'sans-bold', 7);
    this.doc.fillColor('black');
  }

  /**
   * Draws one line of text at (x, y) as runs, each in the first font that has its characters (the
   * role's DejaVu font, else the CJK fallback), baselines aligned. Widths come from the fonts'
   * advance tables, so pdfkit does not measure every string again.
   */
  private text(text: string, x: number, y: number, role: FontRole, size: number, options: TextOptions = {}): void {
    let cx = x;
    const baseline = fontAscent(role) * size;
    for (const run of textRuns(printable(text), role)) {
      const width = run.width * size + (options.characterSpacing ?? 0) * run.text.length;
      const dy = baseline - fontAscent(run.font) * size;
      // textWidth/wordCount: pdfkit would otherwise lay the string out again to measure it.
      const textOptions = { lineBreak: false, textWidth: width, wordCount: 1, ...options };
      this.doc.font(run.font).fontSize(size).text(run.text, cx, y + dy, textOptions);
      cx += width;
    }
  }

  /**
   * One line in a cell, right-aligned for numbers. Too wide: set smaller (numbers and times are never
   * cut, text down to TEXT_SIZE_MIN), then text is cut with an ellipsis.
   */
  private cell(text: string, x: number, w: number, y: number, align: 'left' | 'right', kind: Column['kind'] = 'text'): void {
    const max = w - 2 * PAD;
    const role = this.currentRole;
    let line = printable(text);
    let size = FONT_SIZE;
    const natural = textWidth(line, role, FONT_SIZE);
    if (natural > max) {
      size = Math.max((FONT_SIZE * max) / natural, kind === 'text' ? TEXT_SIZE_MIN : 0);
      if (kind === 'text') line = fitText(line, role, size, max);
    }
    const width = textWidth(line, role, size);
    const tx = align === 'right' ? x + w - PAD - width : x + PAD;
    this.text(line, tx, y + (FONT_SIZE - size) / 2, role, size);
  }

  /**
   * An id or hash, always in full: in the table font when it fits, else in the monospace font shrunk
   * to fit one line (down to ID_SIZE_MIN), else on two lines of the row. Never cut: a row must trace
   * to its transaction, and pdftotext finds the whole id (on one line, unless it needs two).
   */
  private idCell(text: string, x: number, w: number, rowTop: number): void {
    const max = w - 2 * PAD;
    if (textWidth(text, this.currentRole, FONT_SIZE) <= max) {
      this.text(text, x + PAD, rowTop + 2.5, this.currentRole, FONT_SIZE);
      return;
    }
    const monoWidth = textWidth(text, 'mono', 1);
    const oneLine = Math.min(FONT_SIZE, max / monoWidth);
    if (oneLine >= ID_SIZE_MIN) {
      this.text(text, x + PAD, rowTop + (ROW_H - oneLine) / 2, 'mono', oneLine);
      return;
    }
    const chars = [...text];
    const half = Math.ceil(chars.length / 2);
    const first = chars.slice(0, half).join('');
    const size = Math.min(ROW_H / 2.2, max / Math.max(textWidth(first, 'mono', 1), half * monoAdvance()));
    this.text(first, x + PAD, rowTop + 0.5, 'mono', size);
    this.text(chars.slice(half).join(''), x + PAD, rowTop + 0.5 + ROW_H / 2, 'mono', size);
  }
}

function alignOf(kind: Column['kind']): 'left' | 'right' {
  return kind === 'amount' || kind === 'integer' ? 'right' : 'left';
}

function display(kind: Column['kind'], value: string): string {
  if (kind === 'amount') return groupThousands(value);
  if (kind === 'timestamp') return value.replace('T', ' ').replace(/(\.\d+)?Z$/, '');
  return value;
}

function groupAmountWithCurrency(value: string): string {
  const [amount, ...rest] = value.split(' ');
  return [groupThousands(amount!), ...rest].join(' ');
}
