/**
 * A 5×7 pixel font for the numbers and names on the library's PNGs (colour-bar ticks, axis ticks, series and axis
 * names): digits, sign, point, exponent and lower-case letters (capitals are drawn as lower case, other
 * characters are skipped). Bitmaps, not a font file, so a picture renders the same everywhere and the library
 * needs no font stack. Each glyph is 7 rows of its width in bits, 1 is ink.
 */
const GLYPHS: Record<string, string[]> = {
  '0': ['01110', '10001', '10011', '10101', '11001', '10001', '01110'],
  '1': ['00100', '01100', '00100', '00100', '00100', '00100', '01110'],
  '2': ['01110', '10001', '00001', '00010', '00100', '01000', '11111'],
  '3': ['11111', '00010', '00100', '00010', '00001', '10001', '01110'],
  '4': ['00010', '00110', '01010', '10010', '11111', '00010', '00010'],
  '5': ['11111', '10000', '11110', '00001', '00001', '10001', '01110'],
  '6': ['00110', '01000', '10000', '11110', '10001', '10001', '01110'],
  '7': ['11111', '00001', '00010', '00100', '01000', '01000', '01000'],
  '8': ['01110', '10001', '10001', '01110', '10001', '10001', '01110'],
  '9': ['01110', '10001', '10001', '01111', '00001', '00010', '01100'],
  '.': ['00', '00', '00', '00', '00', '11', '11'],
  '-': ['0000', '0000', '0000', '1111', '0000', '0000', '0000'],
  '+': ['00000', '00100', '00100', '11111', '00100', '00100', '00000'],
  e: ['00000', '00000', '01110', '10001', '11111', '10000', '01110'],
  _: ['00000', '00000', '00000', '00000', '00000', '00000', '11111'],
  a: ['00000', '00000', '01110', '00001', '01111', '10001', '01111'],
  b: ['10000', '10000', '10110', '11001', '10001', '10001', '11110'],
  c: ['00000', '00000', '01110', '10000', '10000', '10001', '01110'],
  d: ['00001', '00001', '01101', '10011', '10001', '10001', '01111'],
  f: ['00110', '01001', '01000', '11100', '01000', '01000', '01000'],
  g: ['00000', '01111', '10001', '10001', '01111', '00001', '01110'],
  h: ['10000', '10000', '10110', '11001', '10001', '10001', '10001'],
  i: ['00100', '00000', '01100', '00100', '00100', '00100', '01110'],
  j: ['00010', '00000', '00110', '00010', '00010', '10010', '01100'],
  k: ['10000', '10000', '10010', '10100', '11000', '10100', '10010'],
  l: ['01100', '00100', '00100', '00100', '00100', '00100', '01110'],
  m: ['00000', '00000', '11010', '10101', '10101', '10001', '10001'],
  n: ['00000', '00000', '10110', '11001', '10001', '10001', '10001'],
  o: ['00000', '00000', '01110', '10001', '10001', '10001', '01110'],
  p: ['00000', '00000', '11110', '10001', '11110', '10000', '10000'],
  q: ['00000', '00000', '01101', '10011', '01111', '00001', '00001'],
  r: ['00000', '00000', '10110', '11001', '10000', '10000', '10000'],
  s: ['00000', '00000', '01110', '10000', '01110', '00001', '11110'],
  t: ['01000', '01000', '11100', '01000', '01000', '01001', '00110'],
  u: ['00000', '00000', '10001', '10001', '10001', '10011', '01101'],
  v: ['00000', '00000', '10001', '10001', '10001', '01010', '00100'],
  w: ['00000', '00000', '10001', '10001', '10101', '10101', '01010'],
  x: ['00000', '00000', '10001', '01010', '00100', '01010', '10001'],
  y: ['00000', '00000', '10001', '10001', '01111', '00001', '01110'],
  z: ['00000', '00000', '11111', '00010', '00100', '01000', '11111'],
  ' ': ['000', '000', '000', '000', '000', '000', '000'],
};

export const GLYPH_HEIGHT = 7;
const SPACING = 1;

/** Width in pixels of `text` drawn with `drawText`; characters the font lacks are skipped. */
function glyph(ch: string): string[] | undefined {
  return GLYPHS[ch] ?? GLYPHS[ch.toLowerCase()];
}

export function textWidth(text: string): number {
  let w = 0;
  for (const ch of text) {
    const g = glyph(ch);
    if (g) w += g[0]!.length + SPACING;
  }
  return Math.max(0, w - SPACING);
}

/** Calls `ink(x, y)` for every pixel of `text` with its top-left at (x, y). */
export function drawText(text: string, x: number, y: number, ink: (x: number, y: number) => void): void {
  let cx = x;
  for (const ch of text) {
    const g = glyph(ch);
    if (!g) continue;
    for (let r = 0; r < GLYPH_HEIGHT; r++)
      for (let c = 0; c < g[r]!.length; c++) if (g[r]![c] === '1') ink(cx + c, y + r);
    cx += g[0]!.length + SPACING;
  }
}

/** A tick label: the shortest of up to 6 significant digits, in the glyphs the font has. */
export function tickLabel(v: number): string {
  if (v === 0) return '0';
  return String(Number(v.toPrecision(6)));
}

/**
 * About `count` round tick values (1, 2 or 5 times a power of ten apart) within [lo, hi], as plots choose them;
 * [lo] when the range is flat.
 */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!(hi > lo) || !Number.isFinite(lo) || !Number.isFinite(hi)) return Number.isFinite(lo) ? [lo] : [];
  const raw = (hi - lo) / Math.max(1, count - 1);
  const mag = 10 ** Math.floor(Math.log10(raw));
  // The round step whose number of ticks comes closest to the count asked for.
  const steps = [0.5, 1, 2, 5, 10].map((m) => m * mag);
  const fits = (s: number) => Math.abs(Math.floor(hi / s) - Math.ceil(lo / s) + 1 - count);
  const step = steps.reduce((a, b) => (fits(b) < fits(a) ? b : a));
  const ticks: number[] = [];
  // Integers of steps avoid accumulating float error (0.1 + 0.2 would print as 0.30000000000000004); + 0 turns
  // -0 into 0.
  for (let k = Math.ceil(lo / step - 1e-9); k * step <= hi + step * 1e-9; k++)
    ticks.push(Number((k * step).toPrecision(12)) + 0);
  return ticks;
}
