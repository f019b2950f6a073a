import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import * as fontkit from 'fontkit';

/**
 * The fonts embedded in report PDFs (pdfkit subsets each to the glyphs a document uses):
 * DejaVu Sans (regular, bold, oblique) and DejaVu Sans Mono cover Latin, Greek and Cyrillic;
 * a subset of Noto Sans JP (kana and the commoner CJK ideographs, see assets/fonts/README.md)
 * is the fallback for the characters DejaVu lacks. Text is drawn as runs, each in the first font
 * that has its characters.
 */
export type FontRole = 'sans' | 'sans-bold' | 'sans-oblique' | 'mono';
export const CJK_FONT = 'cjk';

interface LoadedFont {
  data: Buffer;
  font: fontkit.Font;
  /** Advance at 1 pt per code point, filled on first use. */
  advances: Map<number, number>;
}

const require = createRequire(import.meta.url);
const SOURCES: Record<FontRole | typeof CJK_FONT, () => string> = {
  sans: () => require.resolve('@fontsource/dejavu-sans/files/dejavu-sans-latin-400-normal.woff'),
  'sans-bold': () => require.resolve('@fontsource/dejavu-sans/files/dejavu-sans-latin-700-normal.woff'),
  'sans-oblique': () => require.resolve('@fontsource/dejavu-sans/files/dejavu-sans-latin-400-italic.woff'),
  mono: () => require.resolve('@fontsource/dejavu-mono/files/dejavu-mono-latin-400-normal.woff'),
  [CJK_FONT]: () => fileURLToPath(new URL('../../assets/fonts/NotoSansJP-Regular-subset.ttf', import.meta.url)),
};

let loaded: Map<string, LoadedFont> | null = null;

/** The fonts, read once per process. */
export function reportFonts(): Map<string, LoadedFont> {
  if (loaded) return loaded;
  const fonts = new Map<string, LoadedFont>();
  for (const [name, path] of Object.entries(SOURCES)) {
    const data = readFileSync(path());
    const font = fontkit.create(data);
    if (!('glyphForCodePoint' in font)) throw new Error(`${name}: a font collection, not a font`);
    fonts.set(name, { data, font, advances: new Map() });
  }
  loaded = fonts;
  return fonts;
}

/** Registers the fonts with a pdfkit document under their role names. */
export function registerReportFonts(doc: PDFKit.PDFDocument): void {
  for (const [name, f] of reportFonts()) doc.registerFont(name, f.data);
}

export interface TextRun {
  font: string;
  text: string;
  /** Width in points at 1 pt. */
  width: number;
}

/** Splits text into runs: the role's font where it has the glyph, else the CJK fallback where that has it. */
export function textRuns(text: string, role: FontRole): TextRun[] {
  const fonts = reportFonts();
  const main = fonts.get(role)!;
  const cjk = fonts.get(CJK_FONT)!;
  const runs: TextRun[] = [];
  for (const ch of text) {
    const cp = ch.codePointAt(0)!;
    const useCjk = !main.font.hasGlyphForCodePoint(cp) && cjk.font.hasGlyphForCodePoint(cp);
    const name = useCjk ? CJK_FONT : role;
    const w = advance(useCjk ? cjk : main, cp);
    const last = runs[runs.length - 1];
    if (last && last.font === name) {
      last.text += ch;
      last.width += w;
    } else runs.push({ font: name, text: ch, width: w });
  }
  return runs;
}

/** Width of text in points at a size (advance widths, no kerning). */
export function textWidth(text: string, role: FontRole, size: number): number {
  let w = 0;
  for (const r of textRuns(text, role)) w += r.width;
  return w * size;
}

function advance(f: LoadedFont, cp: number): number {
  let w = f.advances.get(cp);
  if (w === undefined) {
    w = f.font.glyphForCodePoint(cp).advanceWidth / f.font.unitsPerEm;
    f.advances.set(cp, w);
  }
  return w;
}

/** The widest advance of the monospace font, per 1 pt (every glyph has it). */
export function monoAdvance(): number {
  return advance(reportFonts().get('mono')!, 0x30);
}

/** Cuts text to fit `max` points with an ellipsis; whole when it fits. */
export function fitText(text: string, role: FontRole, size: number, max: number): string {
  if (textWidth(text, role, size) <= max) return text;
  const room = max - textWidth('...', role, size);
  const chars = [...text];
  let used = 0;
  let n = 0;
  while (n < chars.length) {
    const w = textWidth(chars[n]!, role, size);
    if (used + w > room) break;
    used += w;
    n++;
  }
  return `${chars.slice(0, n).join('')}...`;
}

/** Breaks text into lines of at most `max` points, at spaces where it can, else anywhere. */
export function wrapText(text: string, role: FontRole, size: number, max: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/(\s+)/)) {
    if (word === '') continue;
    const candidate = line + word;
    if (textWidth(candidate, role, size) <= max) {
      line = candidate;
      continue;
    }
    if (line.trim() !== '') lines.push(line.trimEnd());
    line = word.trimStart();
    while (textWidth(line, role, size) > max) {
      const head = fitChars(line, role, size, max);
      lines.push(head);
      line = line.slice(head.length);
    }
  }
  if (line.trim() !== '' || lines.length === 0) lines.push(line.trimEnd());
  return lines;
}

/** The longest prefix (at least one character) that fits. */
function fitChars(text: string, role: FontRole, size: number, max: number): string {
  let n = 0;
  let used = 0;
  for (const ch of text) {
    const w = textWidth(ch, role, size);
    if (n > 0 && used + w > max) break;
    used += w;
    n += ch.length;
  }
  return text.slice(0, n);
}

/** The font's ascent per 1 pt: pdfkit places text by the top of the line box, the baseline falls this far below. */
export function fontAscent(name: string): number {
  const f = reportFonts().get(name)!;
  return f.font.ascent / f.font.unitsPerEm;
}
