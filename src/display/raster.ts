/**
 * A small RGBA raster for the library's PNG renderings: colour-mapped maps, grids, a colour bar with its tick
 * values, rectangle outlines, lines, dots and numbers (a built-in 5×7 font, so pictures render the same
 * everywhere). Its PNG is written compact: a palette when the picture has at most 256 colours (colour-mapped
 * grids do), else RGB with PNG's per-row filters, deflated at the highest level; a notebook stores it.
 * The encoder is written here because fast-png (which decodes the sample photographs) writes every row unfiltered:
 * re-encoding the notebooks' stored PNGs with it, palette kept, made them 19 % larger.
 */
import { zlibSync } from 'fflate';
import { bytesToBase64 } from './codec.js';
import { colorAt, colorOf, type RGB } from './colormap.js';
import type { Colormap } from './contract.js';
import { drawText, GLYPH_HEIGHT, niceTicks, textWidth, tickLabel } from './font.js';

/** Ink of text and ticks. */
export const INK: RGB = [68, 68, 68];
/** Pixels between a tick mark and its label. */
export const TICK = 3;

export const BACKGROUND: RGB = [255, 255, 255];
export const FRAME: RGB = [160, 160, 160];
/** White space around every picture. */
export const MARGIN = 4;

export class Raster {
  readonly pixels: Uint8ClampedArray;

  constructor(
    readonly width: number,
    readonly height: number,
    background: RGB = BACKGROUND,
  ) {
    this.pixels = new Uint8ClampedArray(width * height * 4);
    this.fillRect(0, 0, width, height, background);
  }

  /** Blends colour c over pixel (x, y) with opacity alpha; pixels outside the raster are ignored. */
  set(x: number, y: number, c: RGB, alpha = 1): void {
    if (x < 0 || y < 0 || x >= this.width || y >= this.height) return;
    const k = (y * this.width + x) * 4;
    const p = this.pixels;
    p[k] = p[k]! + (c[0] - p[k]!) * alpha;
    p[k + 1] = p[k + 1]! + (c[1] - p[k + 1]!) * alpha;
    p[k + 2] = p[k + 2]! + (c[2] - p[k + 2]!) * alpha;
    p[k + 3] = 255;
  }

  fillRect(x: number, y: number, w: number, h: number, c: RGB, alpha = 1): void {
    const x0 = Math.max(0, Math.floor(x));
    const y0 = Math.max(0, Math.floor(y));
    const x1 = Math.min(this.width, Math.floor(x + w));
    const y1 = Math.min(this.height, Math.floor(y + h));
    for (let yy = y0; yy < y1; yy++) for (let xx = x0; xx < x1; xx++) this.set(xx, yy, c, alpha);
  }

  /** An outline `thickness` pixels wide just inside the rectangle. */
  strokeRect(x: number, y: number, w: number, h: number, c: RGB, thickness = 1): void {
    this.fillRect(x, y, w, thickness, c);
    this.fillRect(x, y + h - thickness, w, thickness, c);
    this.fillRect(x, y, thickness, h, c);
    this.fillRect(x + w - thickness, y, thickness, h, c);
  }

  /** A straight line from (x0, y0) to (x1, y1), stepping along the longer axis. */
  line(x0: number, y0: number, x1: number, y1: number, c: RGB, thickness = 1): void {
    const steps = Math.max(1, Math.ceil(Math.max(Math.abs(x1 - x0), Math.abs(y1 - y0))));
    const half = Math.floor(thickness / 2);
    for (let s = 0; s <= steps; s++) {
      const x = Math.round(x0 + ((x1 - x0) * s) / steps);
      const y = Math.round(y0 + ((y1 - y0) * s) / steps);
      this.fillRect(x - half, y - half, thickness, thickness, c);
    }
  }

  /**
   * Draws an h×w map (row-major values at `offset`) with its top-left at (x, y), each value an sx×sy block
   * coloured on the scale [lo, hi].
   */
  drawMap(
    values: ArrayLike<number>,
    offset: number,
    h: number,
    w: number,
    x: number,
    y: number,
    sx: number,
    sy: number,
    cmap: Colormap,
    lo: number,
    hi: number,
  ): void {
    for (let i = 0; i < h; i++) {
      for (let j = 0; j < w; j++) {
        this.fillRect(x + j * sx, y + i * sy, sx, sy, colorOf(cmap, values[offset + i * w + j]!, lo, hi));
      }
    }
  }

  /** Text in the 5×7 font with its top-left at (x, y). */
  text(text: string, x: number, y: number, c: RGB = INK): void {
    drawText(text, Math.round(x), Math.round(y), (px, py) => this.set(px, py, c));
  }

  /**
   * A vertical colour bar for the scale [lo, hi] with tick marks and their values to its right: the top of the
   * strip is the high end. `ticks` are the values to label (default: round values within the scale).
   */
  colorBar(
    x: number,
    y: number,
    w: number,
    h: number,
    cmap: Colormap,
    lo: number,
    hi: number,
    ticks?: number[],
  ): void {
    for (let i = 0; i < h; i++) this.fillRect(x, y + i, w, 1, colorAt(cmap, h > 1 ? 1 - i / (h - 1) : 0.5));
    this.strokeRect(x - 1, y - 1, w + 2, h + 2, FRAME);
    for (const t of ticks ?? barTicks(lo, hi, h)) {
      const ty = hi > lo ? Math.round(y + (h - 1) * (1 - (t - lo) / (hi - lo))) : y + Math.floor(h / 2);
      this.fillRect(x + w + 1, ty, TICK, 1, INK);
      this.text(
        tickLabel(t),
        x + w + 1 + TICK + 2,
        Math.min(Math.max(ty - 3, 0), this.height - GLYPH_HEIGHT),
      );
    }
  }

  /** The raster as base64 PNG, the form a MIME bundle's `image/png` takes. */
  toPngBase64(): string {
    return bytesToBase64(this.toPng());
  }

  /**
   * PNG bytes: indexed colour when the picture has at most 256 colours, else 8-bit RGB (every pixel is opaque).
   * The palette is sorted by luminance, so along a colour map neighbouring values get neighbouring indices and
   * PNG's row filters work on indices as they do on intensities; each picture keeps the smaller of filtered and
   * unfiltered rows.
   */
  toPng(): Uint8Array {
    const { width, height, pixels } = this;
    const rgbAt = (i: number) => (pixels[i * 4]! << 16) | (pixels[i * 4 + 1]! << 8) | pixels[i * 4 + 2]!;
    const seen = new Set<number>();
    for (let i = 0; i < width * height && seen.size <= 256; i++) seen.add(rgbAt(i));
    const indexed = seen.size <= 256;
    const luma = (c: number) => 299 * (c >> 16) + 587 * ((c >> 8) & 255) + 114 * (c & 255);
    const palette = indexed ? [...seen].sort((a, b) => luma(a) - luma(b) || a - b) : [];
    const index = new Map(palette.map((c, k) => [c, k]));
    const bpp = indexed ? 1 : 3;
    const stride = width * bpp;
    const raw = new Uint8Array(height * stride);
    for (let i = 0; i < width * height; i++) {
      if (indexed) raw[i] = index.get(rgbAt(i))!;
      else raw.set([pixels[i * 4]!, pixels[i * 4 + 1]!, pixels[i * 4 + 2]!], i * 3);
    }
    const candidates = [filterRows(raw, stride, height, bpp)];
    if (indexed) candidates.push(unfiltered(raw, stride, height));
    const idat = candidates
      .map((rows) => zlibSync(rows, { level: 9 }))
      .reduce((a, b) => (b.length < a.length ? b : a));
    const header = new Uint8Array(13);
    const view = new DataView(header.buffer);
    view.setUint32(0, width);
    view.setUint32(4, height);
    header.set([8, indexed ? 3 : 2, 0, 0, 0], 8);
    const chunks = [chunk('IHDR', header)];
    if (indexed) {
      const plte = new Uint8Array(palette.length * 3);
      for (const [k, c] of palette.entries()) plte.set([c >> 16, (c >> 8) & 255, c & 255], k * 3);
      chunks.push(chunk('PLTE', plte));
    }
    chunks.push(chunk('IDAT', idat), chunk('IEND', new Uint8Array(0)));
    const png = new Uint8Array(8 + chunks.reduce((n, c) => n + c.length, 0));
    png.set([137, 80, 78, 71, 13, 10, 26, 10]);
    let at = 8;
    for (const c of chunks) {
      png.set(c, at);
      at += c.length;
    }
    return png;
  }
}

/** Round tick values for a bar `h` pixels tall: about one per 24 pixels, never fewer than its two ends. */
export function barTicks(lo: number, hi: number, h: number): number[] {
  const ticks = niceTicks(lo, hi, Math.max(2, Math.min(6, Math.floor(h / 24))));
  return ticks.length >= 2 ? ticks : hi > lo ? [lo, hi] : [lo];
}

/** Width of the labels `colorBar` draws for [lo, hi] on a bar `h` pixels tall. */
export function barLabelWidth(lo: number, hi: number, h: number): number {
  return Math.max(0, ...barTicks(lo, hi, h).map((t) => textWidth(tickLabel(t)))) + TICK + 3;
}

function unfiltered(raw: Uint8Array, stride: number, height: number): Uint8Array {
  const out = new Uint8Array(height * (stride + 1));
  for (let y = 0; y < height; y++) out.set(raw.subarray(y * stride, (y + 1) * stride), y * (stride + 1) + 1);
  return out;
}

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const pa = Math.abs(p - a);
  const pb = Math.abs(p - b);
  const pc = Math.abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

/** Each row with the PNG filter whose output has the smallest sum of magnitudes (the specification's heuristic). */
function filterRows(raw: Uint8Array, stride: number, height: number, bpp: number): Uint8Array {
  const out = new Uint8Array(height * (stride + 1));
  const row = new Uint8Array(stride);
  for (let y = 0; y < height; y++) {
    let best = Number.POSITIVE_INFINITY;
    for (let f = 0; f < 5; f++) {
      let cost = 0;
      for (let i = 0; i < stride; i++) {
        const x = raw[y * stride + i]!;
        const a = i >= bpp ? raw[y * stride + i - bpp]! : 0;
        const b = y > 0 ? raw[(y - 1) * stride + i]! : 0;
        const c = i >= bpp && y > 0 ? raw[(y - 1) * stride + i - bpp]! : 0;
        const pred = f === 0 ? 0 : f === 1 ? a : f === 2 ? b : f === 3 ? (a + b) >> 1 : paeth(a, b, c);
        row[i] = (x - pred) & 255;
        cost += row[i]! < 128 ? row[i]! : 256 - row[i]!;
      }
      if (cost < best) {
        best = cost;
        out[y * (stride + 1)] = f;
        out.set(row, y * (stride + 1) + 1);
      }
    }
  }
  return out;
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(data, 8);
  let crc = 0xffffffff;
  for (let i = 4; i < 8 + data.length; i++) crc = CRC_TABLE[(crc ^ out[i]!) & 255]! ^ (crc >>> 8);
  view.setUint32(8 + data.length, (crc ^ 0xffffffff) >>> 0);
  return out;
}

/** Pixels per cell so that the longer side of a grid is about `target` pixels (at least 1, at most `most`). */
export function cellScale(gridWidth: number, gridHeight: number, target = 384, most = 32): number {
  return Math.max(1, Math.min(most, Math.floor(target / Math.max(gridWidth, gridHeight, 1))));
}
