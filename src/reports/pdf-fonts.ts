import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { inflateSync } from 'node:zlib';
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
  /** The font as pdfkit is given it: laid out glyph by glyph (see simpleLayout). */
  pdfFont: fontkit.Font;
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
    const data = sfntOf(readFileSync(path()));
    const font = fontkit.create(data);
    if (!('glyphForCodePoint' in font)) throw new Error(`${name}: a font collection, not a font`);
    fonts.set(name, { data, font, pdfFont: simpleLayout(font) });
  }
  loaded = fonts;
  return fonts;
}

/**
 * A WOFF file as the plain TrueType/OpenType font it wraps (a TTF as is). fontkit reads a WOFF table
 * by inflating it on every access, the glyph table once per glyph: unwrapped once here instead.
 */
export function sfntOf(data: Buffer): Buffer {
  if (data.toString('latin1', 0, 4) !== 'wOFF') return data;
  const flavor = data.readUInt32BE(4);
  const numTables = data.readUInt16BE(12);
  const tables: Array<{ tag: Buffer; checksum: number; body: Buffer }> = [];
  for (let i = 0; i < numTables; i++) {
    const e = 44 + i * 20;
    const offset = data.readUInt32BE(e + 4);
    const compLength = data.readUInt32BE(e + 8);
    const origLength = data.readUInt32BE(e + 12);
    const raw = data.subarray(offset, offset + compLength);
    tables.push({ tag: data.subarray(e, e + 4), checksum: data.readUInt32BE(e + 16), body: compLength < origLength ? inflateSync(raw) : raw });
  }
  const head = Buffer.alloc(12 + 16 * numTables);
  const maxPow2 = 2 ** Math.floor(Math.log2(numTables));
  head.writeUInt32BE(flavor, 0);
  head.writeUInt16BE(numTables, 4);
  head.writeUInt16BE(maxPow2 * 16, 6);
  head.writeUInt16BE(Math.log2(maxPow2), 8);
  head.writeUInt16BE(numTables * 16 - maxPow2 * 16, 10);
  const bodies: Buffer[] = [];
  let offset = head.length;
  tables.forEach((t, i) => {
    const r = 12 + i * 16;
    t.tag.copy(head, r);
    head.writeUInt32BE(t.checksum, r + 4);
    head.writeUInt32BE(offset, r + 8);
    head.writeUInt32BE(t.body.length, r + 12);
    const padded = Buffer.alloc(Math.ceil(t.body.length / 4) * 4);
    t.body.copy(padded);
    bodies.push(padded);
    offset += padded.length;
  });
  return Buffer.concat([head, ...bodies]);
}

/**
 * Registers the fonts with a pdfkit document under their role names. pdfkit keeps every distinct
 * word it lays out in a per-font cache; reports write millions of distinct ids, so the cache is
 * turned off (the layout below is cheap enough not to need it): memory stays constant.
 */
export function registerReportFonts(doc: PDFKit.PDFDocument): void {
  for (const [name, f] of reportFonts()) {
    doc.registerFont(name, f.pdfFont as unknown as string);
    doc.font(name);
    (doc as unknown as { _font: { layoutCache: unknown } })._font.layoutCache = null;
  }
}

/**
 * The font with a layout that maps each character to its glyph and advances by its width: no
 * kerning, ligatures or shaping. Enough for Latin, Greek, Cyrillic and CJK, ten times faster than
 * full OpenType layout, and exactly the widths textWidth() measures. Everything else (subsetting,
 * metrics) is the font's own.
 */
function simpleLayout(font: fontkit.Font): fontkit.Font {
  // pdfkit reads a glyph's id, advance and code points (for the text layer). fontkit caches one glyph
  // object per glyph id with the code points of whoever asked first (none when the subsetter did), so
  // each code point gets its own record here: copied text always comes out as it went in.
  const glyphs = new Map<number, { id: number; advanceWidth: number; codePoints: number[] }>();
  const layout = (text: string) => {
    const run: Array<{ id: number; advanceWidth: number; codePoints: number[] }> = [];
    const positions: Array<{ xAdvance: number; yAdvance: number; xOffset: number; yOffset: number }> = [];
    let advanceWidth = 0;
    for (const ch of text) {
      const cp = ch.codePointAt(0)!;
      let glyph = glyphs.get(cp);
      if (!glyph) {
        const g = font.glyphForCodePoint(cp);
        glyph = { id: g.id, advanceWidth: g.advanceWidth, codePoints: [cp] };
        glyphs.set(cp, glyph);
      }
      run.push(glyph);
      positions.push({ xAdvance: glyph.advanceWidth, yAdvance: 0, xOffset: 0, yOffset: 0 });
      advanceWidth += glyph.advanceWidth;
    }
    return { glyphs: run, positions, advanceWidth };
  };
  return Object.assign(Object.create(font) as fontkit.Font, { layout });
}

/** Per role and code point: the font that draws it and its advance at 1 pt. */
const runCache = new Map<string, Map<number, { font: string; width: number }>>();

export interface TextRun {
  font: string;
  text: string;
  /** Width in points at 1 pt. */
  width: number;
}

/** Splits text into runs: the role's font where it has the glyph, else the CJK fallback where that has it. */
export function textRuns(text: string, role: FontRole): TextRun[] {
  let cache = runCache.get(role);
  if (!cache) runCache.set(role, (cache = new Map()));
  const runs: TextRun[] = [];
  let last: TextRun | undefined;
  for (const ch of text) {
    const cp = ch.codePointAt(0)!;
    let glyph = cache.get(cp);
    if (!glyph) {
      glyph = glyphFor(cp, role);
      cache.set(cp, glyph);
    }
    if (last && last.font === glyph.font) {
      last.text += ch;
      last.width += glyph.width;
    } else runs.push((last = { font: glyph.font, text: ch, width: glyph.width }));
  }
  return runs;
}

function glyphFor(cp: number, role: FontRole): { font: string; width: number } {
  const fonts = reportFonts();
  const main = fonts.get(role)!.font;
  const cjk = fonts.get(CJK_FONT)!.font;
  const font = !main.hasGlyphForCodePoint(cp) && cjk.hasGlyphForCodePoint(cp) ? cjk : main;
  return { font: font === cjk ? CJK_FONT : role, width: font.glyphForCodePoint(cp).advanceWidth / font.unitsPerEm };
}

/** Width of text in points at a size (advance widths, no kerning: what simpleLayout draws). */
export function textWidth(text: string, role: FontRole, size: number): number {
  let cache = runCache.get(role);
  if (!cache) runCache.set(role, (cache = new Map()));
  let w = 0;
  for (let i = 0; i < text.length; i++) {
    let cp = text.charCodeAt(i);
    if (cp >= 0xd800 && cp < 0xdc00 && i + 1 < text.length) cp = text.codePointAt(i++)!;
    let glyph = cache.get(cp);
    if (!glyph) {
      glyph = glyphFor(cp, role);
      cache.set(cp, glyph);
    }
    w += glyph.width;
  }
  return w * size;
}

/** The widest advance of the monospace font, per 1 pt (every glyph has it). */
export function monoAdvance(): number {
  return textWidth('0', 'mono', 1);
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
