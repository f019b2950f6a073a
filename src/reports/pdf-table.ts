import type { Writable } from 'node:stream';
import PDFDocument from 'pdfkit';
import type { Column, Line, Row } from './columns.ts';
import { ReportAbortedError, waitForReader } from './streams.ts';

/**
 * The PDF layout shared by every report: a running header (report name, period, log position,
 * generated-at) on every page, a details/summary box on the first page, a table whose column
 * headings repeat on every page, right-aligned amounts, "Page x of y" in the footer, totals and the
 * data hash at the end.
 *
 * Streaming in constant memory: every row is exactly one line high (long text is cut with an
 * ellipsis; ids and hashes never are: they shrink into a monospace font or take two half-height lines), so the number of pages is known from the row count before the first row is drawn, and
 * each finished page is flushed to the output (pdfkit without bufferPages) instead of being kept.
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
/** Courier's advance: every glyph is 0.6 em wide. */
const COURIER_ADVANCE = 0.6;
/** The smallest size an id is set in on one line before it takes two. */
const ID_SIZE_MIN = 4.5;

/** A summary or totals value that is an amount (optionally with its currency): grouped by thousands in the PDF. */
const AMOUNT_VALUE = /^-?\d+(\.\d+)?( [A-Z]{3})?$/;

const NAVY = '#1f3a5f';
const ZEBRA = '#f1f4f8';
const GREY = '#5b6573';
const RULE = '#c5ccd6';

/** Plain-decimal amount → "-12,345.67" for people; the CSV keeps the exact plain decimal. */
export function groupThousands(amount: string): string {
  const m = /^(-?)(\d+)(\.\d+)?$/.exec(amount);
  if (!m) return amount;
  return `${m[1]}${m[2]!.replace(/\B(?=(\d{3})+(?!\d))/g, ',')}${m[3] ?? ''}`;
}

/** The standard PDF fonts speak WinAnsi (Latin-1 here); anything else is shown as "?". */
function printable(text: string): string {
  return text.replace(/[\r\n\t]+/g, ' ').replace(/[^\x20-\x7e\u00a0-\u00ff]/g, '?');
}

export interface PageGeometry {
  firstCapacity: number;
  capacity: number;
  pages: number;
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
  /** Glyph advance widths at 1 pt, per font, for the Latin-1 range: measuring without pdfkit's per-call kerning work. */
  private readonly advance = new Map<string, Float64Array>();
  private currentFont = 'Helvetica';

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
    for (const font of ['Helvetica', 'Helvetica-Bold']) {
      this.doc.font(font).fontSize(1);
      const table = new Float64Array(256);
      for (let code = 32; code < 256; code++) table[code] = this.doc.widthOfString(String.fromCharCode(code));
      this.advance.set(font, table);
    }
    this.geometry = this.plan();
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

  begin(): void {
    this.runningHeader();
    this.firstPageBox();
    this.y = this.firstTableTop;
    this.tableHeader();
  }

  async writeRows(rows: readonly Row[]): Promise<void> {
    const doc = this.doc;
    for (const row of rows) {
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
        else this.cell(display(c.column, raw), c.x, c.w, this.y + 2.5, alignOf(c.column));
      }
      this.y += ROW_H;
      this.rowsOnPage++;
      this.rowsDrawn++;
    }
    await waitForReader(this.doc, this.out, READER_LIMIT);
  }

  /** Totals, the data hash and the end mark; then closes the document and waits for the output to finish. */
  async finish(totals: readonly Line[], dataSha256: string, rows: number): Promise<void> {
    const doc = this.doc;
    if (this.spec.rowCount === 0) {
      doc.font('Helvetica-Oblique').fontSize(FONT_SIZE).fillColor(GREY).text(printable(this.spec.emptyText), MARGIN + PAD, this.y + 2.5, { lineBreak: false });
      this.y += ROW_H;
    }
    if (this.y + this.trailerHeight() > this.bodyBottom) this.newPage();
    // Close the table.
    doc.moveTo(MARGIN, this.y).lineTo(this.width - MARGIN, this.y).lineWidth(0.75).strokeColor(NAVY).stroke();
    let y = this.y + 12;
    const right = this.width - MARGIN;
    const labelX = right - 330;
    doc.font('Helvetica-Bold').fontSize(9).fillColor(NAVY).text('Totals', labelX, y, { lineBreak: false });
    y += 14;
    for (const [label, value] of totals.slice(0, this.spec.totalsLines)) {
      doc.font('Helvetica').fontSize(8).fillColor('black').text(printable(label), labelX, y, { lineBreak: false });
      const labelW = doc.widthOfString(printable(label));
      doc.font('Helvetica-Bold');
      const v = this.fit(printable(AMOUNT_VALUE.test(value) ? groupAmountWithCurrency(value) : value), right - labelX - labelW - 12);
      doc.text(v, right - doc.widthOfString(v), y, { lineBreak: false });
      y += BOX_LINE_H;
    }
    y += 10;
    doc.font('Helvetica-Bold').fontSize(7.5).fillColor('black').text(`Data SHA-256 (${rows} rows):`, MARGIN, y, { lineBreak: false });
    doc.font('Courier').fontSize(7.5).text(dataSha256, MARGIN + 118, y, { lineBreak: false });
    y += 12;
    doc
      .font('Helvetica')
      .fontSize(6.5)
      .fillColor(GREY)
      .text(printable(`SHA-256 over the data rows of the CSV twin of this report (RFC 4180, CRLF line ends, header row excluded) at log position ${this.spec.position}.`), MARGIN, y, { lineBreak: false });
    y += 9;
    doc.text(this.fit(printable(`Reproduce: tail -n +2 ${this.spec.csvName} | sha256sum`), this.width - 2 * MARGIN), MARGIN, y, { lineBreak: false });
    y += 11;
    const m = this.spec.manifest;
    doc.text(this.fit(printable(`Manifest: report ${m.report} · log position ${this.spec.position} · generated ${this.spec.generatedAt} · ${rows} rows · ledger ${m.softwareVersion}`), this.width - 2 * MARGIN), MARGIN, y, { lineBreak: false });
    y += 9;
    doc.text(this.fit(printable(`Parameters: ${m.parameters}`), this.width - 2 * MARGIN), MARGIN, y, { lineBreak: false });
    y += 9;
    doc.font('Helvetica-Oblique').fontSize(7.5).fillColor(GREY);
    const end = '- End of report -';
    doc.text(end, (this.width - doc.widthOfString(end)) / 2, y + 4, { lineBreak: false });
    this.footer();
    if (this.page !== this.geometry.pages) throw new Error(`pdf layout: planned ${this.geometry.pages} pages, drew ${this.page}`);
    doc.end();
    await this.done;
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
    doc.font('Helvetica-Bold').fontSize(7).fillColor(GREY).text('LEDGER  ·  AUDIT AND COMPLIANCE REPORTING', MARGIN, MARGIN, { lineBreak: false, characterSpacing: 0.6 });
    const stamp = `Generated ${printable(this.spec.generatedAt.replace('T', ' ').replace(/\.\d+Z$/, ' UTC').replace(/Z$/, ' UTC'))}`;
    doc.font('Helvetica').fontSize(7).text(stamp, right - doc.widthOfString(stamp), MARGIN, { lineBreak: false });
    doc.font('Helvetica-Bold').fontSize(15).fillColor(NAVY).text(printable(this.spec.reportName), MARGIN, MARGIN + 10, { lineBreak: false });
    const pos = `Log position ${printable(this.spec.position)}`;
    doc.font('Helvetica-Bold').fontSize(8).fillColor(NAVY).text(pos, right - doc.widthOfString(pos), MARGIN + 15, { lineBreak: false });
    doc.font('Helvetica').fontSize(8).fillColor('black').text(`Period: ${printable(this.spec.period)}`, MARGIN, MARGIN + 30, { lineBreak: false });
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
        doc.font('Helvetica').fontSize(8).fillColor(GREY).text(printable(label), x, y, { lineBreak: false });
        doc.font('Helvetica-Bold').fontSize(8).fillColor('black');
        this.fitText(printable(AMOUNT_VALUE.test(value) ? groupAmountWithCurrency(value) : value), x + labelW, y, colW - labelW - 8);
        y += BOX_LINE_H;
      }
    };
    drawLines(this.spec.details, MARGIN + 8, 90, half);
    drawLines(this.spec.summary, MARGIN + half + 8, 120, half);
  }

  private tableHeader(): void {
    const doc = this.doc;
    doc.rect(MARGIN, this.y, this.width - 2 * MARGIN, HEAD_H).fill(NAVY);
    doc.font('Helvetica-Bold').fontSize(FONT_SIZE).fillColor('white');
    this.currentFont = 'Helvetica-Bold';
    for (const c of this.cols) this.cell(c.column.label, c.x, c.w, this.y + 5, alignOf(c.column));
    doc.font('Helvetica').fontSize(FONT_SIZE).fillColor('black');
    this.currentFont = 'Helvetica';
    this.y += HEAD_H;
  }

  private footer(): void {
    const doc = this.doc;
    const y = this.height - MARGIN - 10;
    const right = this.width - MARGIN;
    doc.moveTo(MARGIN, y - 5).lineTo(right, y - 5).lineWidth(0.5).strokeColor(RULE).stroke();
    doc.font('Helvetica').fontSize(7).fillColor(GREY);
    doc.text(printable(`${this.spec.reportName}  ·  ${this.spec.period}  ·  log position ${this.spec.position}`), MARGIN, y, { lineBreak: false });
    const pageText = `Page ${this.page} of ${this.geometry.pages}`;
    doc.font('Helvetica-Bold').text(pageText, right - doc.widthOfString(pageText), y, { lineBreak: false });
    doc.font('Helvetica').fontSize(FONT_SIZE).fillColor('black');
  }

  /** One line in a cell: cut with an ellipsis when too wide, right-aligned for numbers. */
  private cell(text: string, x: number, w: number, y: number, align: 'left' | 'right'): void {
    const max = w - 2 * PAD;
    const table = this.advance.get(this.currentFont)!;
    let fitted = printable(text);
    let width = measure(table, fitted, FONT_SIZE);
    if (width > max) {
      const room = max - measure(table, '...', FONT_SIZE);
      let used = 0;
      let n = 0;
      while (n < fitted.length && used + table[fitted.charCodeAt(n)]! * FONT_SIZE <= room) used += table[fitted.charCodeAt(n++)]! * FONT_SIZE;
      fitted = `${fitted.slice(0, n)}...`;
      width = measure(table, fitted, FONT_SIZE);
    }
    const tx = align === 'right' ? x + w - PAD - width : x + PAD;
    // textWidth/wordCount: pdfkit would otherwise measure the string again (with kerning) for every cell.
    const options = { lineBreak: false, textWidth: width, wordCount: 1 };
    this.doc.text(fitted, tx, y, options);
  }

  /**
   * An id or hash, always in full: in the table font when it fits, else in Courier shrunk to fit one
   * line (down to ID_SIZE_MIN), else on two lines of the row. Never cut: a row must trace to its
   * transaction, and pdftotext finds the whole id (on one line, unless it needs two).
   */
  private idCell(text: string, x: number, w: number, rowTop: number): void {
    const max = w - 2 * PAD;
    const doc = this.doc;
    if (measure(this.advance.get(this.currentFont)!, text, FONT_SIZE) <= max) {
      doc.text(text, x + PAD, rowTop + 2.5, { lineBreak: false });
      return;
    }
    const oneLine = Math.min(FONT_SIZE, max / (COURIER_ADVANCE * text.length));
    if (oneLine >= ID_SIZE_MIN) {
      doc.font('Courier').fontSize(oneLine).text(text, x + PAD, rowTop + (ROW_H - oneLine) / 2, { lineBreak: false });
    } else {
      const half = Math.ceil(text.length / 2);
      const size = Math.min(ROW_H / 2.2, max / (COURIER_ADVANCE * half));
      doc.font('Courier').fontSize(size);
      doc.text(text.slice(0, half), x + PAD, rowTop + 0.5, { lineBreak: false });
      doc.text(text.slice(half), x + PAD, rowTop + 0.5 + ROW_H / 2, { lineBreak: false });
    }
    doc.font(this.currentFont).fontSize(FONT_SIZE);
  }

  private fitText(text: string, x: number, y: number, max: number): void {
    this.doc.text(this.fit(text, max), x, y, { lineBreak: false });
  }

  private fit(text: string, max: number): string {
    const doc = this.doc;
    // Quick accept: no Helvetica glyph is wider than 1 em.
    if (text.length * FONT_SIZE <= max || doc.widthOfString(text) <= max) return text;
    let lo = 0;
    let hi = text.length;
    while (lo < hi) {
      const mid = Math.ceil((lo + hi) / 2);
      if (doc.widthOfString(`${text.slice(0, mid)}...`) <= max) lo = mid;
      else hi = mid - 1;
    }
    return `${text.slice(0, lo)}...`;
  }
}

/** Width in points of Latin-1 text at a size, from a 1 pt advance table (kerning ignored: digits have none). */
function measure(table: Float64Array, text: string, size: number): number {
  let w = 0;
  for (let i = 0; i < text.length; i++) w += table[text.charCodeAt(i)]!;
  return w * size;
}

function alignOf(c: Column): 'left' | 'right' {
  return c.kind === 'amount' || c.kind === 'integer' ? 'right' : 'left';
}

function display(c: Column, value: string): string {
  if (c.kind === 'amount') return groupThousands(value);
  if (c.kind === 'timestamp') return value.replace('T', ' ').replace(/(\.\d+)?Z$/, '');
  return value;
}

function groupAmountWithCurrency(value: string): string {
  const [amount, currency] = value.split(' ');
  return currency ? `${groupThousands(amount!)} ${currency}` : groupThousands(amount!);
}
