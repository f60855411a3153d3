/**
 * The array encoding of the display contract (version 2), shared by the library, which encodes, and the extension
 * and the notebook comparison, which decode. It depends on nothing of the library (only on fflate's deflate), so
 * the extension bundles it as it bundles contract.ts.
 *
 * An array travels as `dtype` and `data`, the base64 of a zlib stream of its bytes, row-major:
 * - `float32` and `float16`: little-endian IEEE values, exact or to 11 significant bits (3 decimal digits);
 * - `uint8`: codes q with `value = offset + scale·q`, one (scale, offset) per map (every axis but the last two)
 *   or one for all; 255 marks a non-finite value, so finite values get 255 levels (0..254). Rows (the last axis)
 *   are Paeth-filtered before deflate, as PNG filters its rows: neighbouring values of a map are alike, and the
 *   filter turns them into small differences that deflate packs several times better than raw codes.
 * A colour map has 256 colours, so `uint8` draws every map as float32 would; a read-out is within scale/2.
 */
import { unzlibSync, zlibSync } from 'fflate';
import type { ArrayDType, Quantization } from './contract.js';

/** Code of a non-finite value (NaN, ±Infinity) in a `uint8` array. */
export const NON_FINITE_CODE = 255;
/** Levels of finite values in a `uint8` array: codes 0..254. */
const STEPS = 254;

export interface EncodedArray {
  dtype: ArrayDType;
  data: string;
  quant?: Quantization;
}

/** Base64 of bytes with the platform's btoa (browsers and Node alike), in chunks within argument-count limits. */
export function bytesToBase64(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

/** Bytes of base64: the native decoder where there is one (Chromium 140+, Node 25), else atob. */
export function base64ToBytes(field: string, data: string): Uint8Array {
  const native = (Uint8Array as unknown as { fromBase64?: (s: string) => Uint8Array }).fromBase64;
  try {
    if (native) return native(data);
    const bin = atob(data);
    const bytes = new Uint8Array(bin.length);
    for (let i = 0; i < bytes.length; i++) bytes[i] = bin.charCodeAt(i);
    return bytes;
  } catch {
    throw new Error(`${field}: expected valid base64`);
  }
}

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const pa = Math.abs(p - a);
  const pb = Math.abs(p - b);
  const pc = Math.abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

/** PNG's Paeth filter over rows of `width` bytes (in place, last row first so predictors stay unfiltered). */
function filterRows(q: Uint8Array, width: number): void {
  for (let i = q.length - 1; i >= 0; i--) {
    const j = i % width;
    const a = j > 0 ? q[i - 1]! : 0;
    const b = i >= width ? q[i - width]! : 0;
    const c = j > 0 && i >= width ? q[i - width - 1]! : 0;
    q[i] = (q[i]! - paeth(a, b, c)) & 255;
  }
}

function unfilterRows(q: Uint8Array, width: number): void {
  for (let i = 0; i < q.length; i++) {
    const j = i % width;
    const a = j > 0 ? q[i - 1]! : 0;
    const b = i >= width ? q[i - width]! : 0;
    const c = j > 0 && i >= width ? q[i - width - 1]! : 0;
    q[i] = (q[i]! + paeth(a, b, c)) & 255;
  }
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** float32 → IEEE half, rounding to nearest even; overflow goes to ±Infinity, tiny values to subnormals or 0. */
export function toHalf(v: number): number {
  f32[0] = v;
  const x = u32[0]!;
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  const mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  const e = exp - 127 + 15;
  if (e >= 31) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    const m = mant | 0x800000;
    const shift = 14 - e;
    const half = m >>> shift;
    const rest = m & ((1 << shift) - 1);
    const mid = 1 << (shift - 1);
    return sign | (half + (rest > mid || (rest === mid && half & 1) ? 1 : 0));
  }
  const half = (e << 10) | (mant >>> 13);
  const rest = mant & 0x1fff;
  // A carry out of the mantissa rounds into the exponent, which is the correct next half value.
  return sign | (half + (rest > 0x1000 || (rest === 0x1000 && half & 1) ? 1 : 0));
}

export function fromHalf(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 31;
  const m = h & 1023;
  if (e === 0) return sign * 2 ** -14 * (m / 1024);
  if (e === 31) return m ? Number.NaN : sign * Number.POSITIVE_INFINITY;
  return sign * 2 ** (e - 15) * (1 + m / 1024);
}

/** Finite min and max of values[start, end), or undefined when none is finite. */
function finiteRange(values: ArrayLike<number>, start: number, end: number): [number, number] | undefined {
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (let i = start; i < end; i++) {
    const v = values[i]!;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return lo <= hi && Number.isFinite(lo) && Number.isFinite(hi) ? [lo, hi] : undefined;
}

/**
 * Encodes `values` of `shape` as `dtype`. For `uint8`, `maps` > 1 quantises each of that many equal consecutive
 * parts (the maps of a stack) on its own scale, so a map with small values keeps its 255 levels.
 */
export function encodeArray(
  values: Float32Array,
  shape: readonly number[],
  dtype: ArrayDType,
  maps = 1,
): EncodedArray {
  const width = Math.max(1, shape.at(-1) ?? 1);
  let bytes: Uint8Array;
  let quant: Quantization | undefined;
  if (dtype === 'float32') {
    bytes = new Uint8Array(values.length * 4);
    const view = new DataView(bytes.buffer);
    for (let i = 0; i < values.length; i++) view.setFloat32(i * 4, values[i]!, true);
  } else if (dtype === 'float16') {
    bytes = new Uint8Array(values.length * 2);
    const view = new DataView(bytes.buffer);
    for (let i = 0; i < values.length; i++) view.setUint16(i * 2, toHalf(values[i]!), true);
  } else {
    const parts = values.length > 0 && values.length % maps === 0 ? maps : 1;
    const size = values.length / parts;
    quant = { scale: [], offset: [] };
    bytes = new Uint8Array(values.length);
    for (let k = 0; k < parts; k++) {
      const [lo, hi] = finiteRange(values, k * size, (k + 1) * size) ?? [0, 0];
      const scale = hi > lo ? (hi - lo) / STEPS : 0;
      quant.scale.push(scale);
      quant.offset.push(lo);
      for (let i = k * size; i < (k + 1) * size; i++) {
        const v = values[i]!;
        bytes[i] = !Number.isFinite(v) ? NON_FINITE_CODE : scale > 0 ? Math.round((v - lo) / scale) : 0;
      }
    }
    filterRows(bytes, width);
  }
  return { dtype, data: bytesToBase64(zlibSync(bytes, { level: 9 })), ...(quant && { quant }) };
}

/**
 * Decodes an encoded array of `shape` (or of as many values as it holds, as a vector, when no shape is given);
 * errors name `field` and say what was expected.
 */
export function decodeArray(field: string, enc: EncodedArray, shape?: readonly number[]): Float32Array {
  if (typeof enc.data !== 'string') throw new Error(`${field}.data: expected a base64 string`);
  const packed = base64ToBytes(`${field}.data`, enc.data);
  let bytes: Uint8Array;
  try {
    bytes = unzlibSync(packed);
  } catch {
    throw new Error(`${field}.data: expected base64 of a zlib stream; it is truncated or not compressed`);
  }
  const size = { float32: 4, float16: 2, uint8: 1 }[enc.dtype];
  if (size === undefined)
    throw new Error(`${field}.dtype: expected float32, float16 or uint8, got ${enc.dtype}`);
  const count = shape ? shape.reduce((a, b) => a * b, 1) : Math.floor(bytes.length / size);
  const width = Math.max(1, (shape ?? [count]).at(-1) ?? 1);
  if (bytes.length !== count * size) {
    throw new Error(
      `${field}.data: holds ${bytes.length} bytes but the shape needs ${count} ${enc.dtype} values (${count * size} bytes)`,
    );
  }
  const out = new Float32Array(count);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (enc.dtype === 'float32') for (let i = 0; i < count; i++) out[i] = view.getFloat32(i * 4, true);
  else if (enc.dtype === 'float16')
    for (let i = 0; i < count; i++) out[i] = fromHalf(view.getUint16(i * 2, true));
  else {
    const q = enc.quant;
    const parts = q?.scale?.length ?? 0;
    if (
      !q ||
      parts < 1 ||
      q.offset?.length !== parts ||
      count % parts !== 0 ||
      [...q.scale, ...q.offset].some((v) => typeof v !== 'number' || !Number.isFinite(v))
    ) {
      throw new Error(`${field}.quant: expected {scale, offset} of equal length dividing ${count} values`);
    }
    unfilterRows(bytes, width);
    const size1 = count / parts;
    for (let i = 0; i < count; i++) {
      const k = Math.floor(i / size1);
      out[i] = bytes[i] === NON_FINITE_CODE ? Number.NaN : q.offset[k]! + q.scale[k]! * bytes[i]!;
    }
  }
  return out;
}

/** Half the largest quantisation step of an encoded array: how far a decoded value may be from the original. */
export function precisionOf(enc: Pick<EncodedArray, 'dtype' | 'quant'>, value: number): number {
  if (enc.dtype === 'uint8') return Math.max(0, ...(enc.quant?.scale ?? [0])) / 2;
  if (enc.dtype === 'float16') return Math.abs(value) * 2 ** -11;
  return 0;
}
