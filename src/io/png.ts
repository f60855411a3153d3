/**
 * PNG to and from tensors. An image tensor is [C, H, W] (or [H, W] for gray) with values in [0, 1], as
 * torchvision's `to_tensor` gives and `save_image` takes; C is 1 (gray), 2 (gray + alpha), 3 (RGB) or 4 (RGBA).
 * 8- and 16-bit files decode; palette files expand to RGB(A). Encoding writes 8 bits, clamping to [0, 1].
 */
import { writeFileSync } from 'node:fs';
import { convertIndexedToRgb, decode, encode } from 'fast-png';
import { ArgumentError, fmtShape, ShapeError } from '../errors.js';
import { readDataFile } from '../provenance.js';
import { Tensor } from '../tensor/tensor.js';

export interface DecodePngOptions {
  /** Average the colour channels to one gray channel (alpha dropped). */
  gray?: boolean;
  /** Keep the alpha channel when the file has one (default true). */
  alpha?: boolean;
}

/** Decodes PNG bytes to a [C, H, W] float32 tensor with values in [0, 1]. */
export function decodePng(bytes: Uint8Array, opts: DecodePngOptions = {}): Tensor {
  const png = decode(bytes);
  const { width, height } = png;
  let pixels: ArrayLike<number> = png.data;
  let channels = png.channels;
  let max = png.depth === 16 ? 65535 : 255;
  if (png.palette) {
    // Indexed files store one palette index per pixel; expand them to the colours they name.
    pixels = convertIndexedToRgb(png);
    channels = png.transparency ? 4 : 3;
    max = 255;
  }
  const hasAlpha = channels === 2 || channels === 4;
  const colour = hasAlpha ? channels - 1 : channels;
  const keepAlpha = hasAlpha && (opts.alpha ?? true) && !opts.gray;
  const outC = opts.gray ? 1 : colour + (keepAlpha ? 1 : 0);
  const plane = width * height;
  const data = new Float32Array(outC * plane);
  for (let i = 0; i < plane; i++) {
    const base = i * channels;
    if (opts.gray) {
      let s = 0;
      for (let c = 0; c < colour; c++) s += pixels[base + c]!;
      data[i] = s / colour / max;
    } else {
      for (let c = 0; c < outC; c++) data[c * plane + i] = pixels[base + c]! / max;
    }
  }
  return new Tensor(data, [outC, height, width]);
}

/** Encodes an image tensor ([H, W] or [C, H, W], C in 1..4, values in [0, 1]) as 8-bit PNG bytes. */
export function encodePng(image: Tensor): Uint8Array {
  const shape = image.shape;
  if (shape.length !== 2 && shape.length !== 3) {
    throw new ShapeError(`encodePng: image must be [H, W] or [C, H, W], got ${fmtShape(shape)}`);
  }
  const [channels, height, width] =
    shape.length === 2 ? [1, shape[0]!, shape[1]!] : (shape as [number, number, number]);
  if (channels < 1 || channels > 4) {
    throw new ShapeError(`encodePng: image must have 1 to 4 channels, got ${channels} in ${fmtShape(shape)}`);
  }
  if (width < 1 || height < 1)
    throw new ShapeError(`encodePng: image must not be empty, got ${fmtShape(shape)}`);
  const plane = width * height;
  const pixels = new Uint8Array(channels * plane);
  const src = image.data;
  for (let i = 0; i < plane; i++) {
    for (let c = 0; c < channels; c++) {
      const v = src[c * plane + i]!;
      // NaN becomes 0 rather than poisoning the byte conversion.
      pixels[i * channels + c] = v > 0 ? (v < 1 ? Math.round(v * 255) : 255) : 0;
    }
  }
  return encode({ width, height, data: pixels, channels, depth: 8 });
}

/** Encodes interleaved 8-bit RGBA pixels (width·height·4 bytes) as PNG bytes. */
export function encodeRgba(
  pixels: Uint8Array | Uint8ClampedArray,
  width: number,
  height: number,
): Uint8Array {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new ArgumentError(`encodeRgba: width and height must be positive integers, got ${width}×${height}`);
  }
  if (pixels.length !== width * height * 4) {
    throw new ArgumentError(
      `encodeRgba: pixels must hold ${width * height * 4} bytes for ${width}×${height} RGBA, got ${pixels.length}`,
    );
  }
  return encode({ width, height, data: pixels, channels: 4, depth: 8 });
}

/** Reads a PNG file as a [C, H, W] tensor in [0, 1]. */
export function readPng(path: string, opts: DecodePngOptions = {}): Tensor {
  return decodePng(readDataFile(path), opts);
}

/** Writes an image tensor ([H, W] or [C, H, W], values in [0, 1]) to a PNG file. */
export function writePng(path: string, image: Tensor): void {
  writeFileSync(path, encodePng(image));
}
