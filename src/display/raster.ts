/**
 * A small RGBA raster for the library's PNG renderings: colour-mapped maps, grids, a colour bar drawn as a
 * gradient strip, rectangle outlines, lines and dots. No fonts: numbers go to the JSON payload and the text
 * summary instead, so the pictures render the same everywhere.
 */
import { encodeRgba } from '../io/png.js';
import { colorAt, colorOf, type RGB } from './colormap.js';
import type { Colormap } from './contract.js';

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

  /** A vertical colour bar: the top of the strip is the high end of the scale. */
  colorBar(x: number, y: number, w: number, h: number, cmap: Colormap): void {
    for (let i = 0; i < h; i++) this.fillRect(x, y + i, w, 1, colorAt(cmap, h > 1 ? 1 - i / (h - 1) : 0.5));
    this.strokeRect(x - 1, y - 1, w + 2, h + 2, FRAME);
  }

  /** The raster as base64 PNG, the form a MIME bundle's `image/png` takes. */
  toPngBase64(): string {
    return bytesToBase64(encodeRgba(this.pixels, this.width, this.height));
  }
}

export function bytesToBase64(bytes: Uint8Array): string {
  if (typeof Buffer !== 'undefined')
    return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
  // Browsers: btoa takes a binary string; build it in chunks to stay within argument-count limits.
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

const littleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Base64 of little-endian float32 values, as the display contract carries arrays. */
export function floatsToBase64(values: Float32Array): string {
  const bytes = new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
  if (littleEndian) return bytesToBase64(bytes);
  const swapped = new Uint8Array(bytes.length);
  const view = new DataView(swapped.buffer);
  for (let i = 0; i < values.length; i++) view.setFloat32(i * 4, values[i]!, true);
  return bytesToBase64(swapped);
}

/** Pixels per cell so that the longer side of a grid is about `target` pixels (at least 1, at most `most`). */
export function cellScale(gridWidth: number, gridHeight: number, target = 384, most = 32): number {
  return Math.max(1, Math.min(most, Math.floor(target / Math.max(gridWidth, gridHeight, 1))));
}
