/**
 * Output comparison that tolerates what differs between convlab's backends and nothing else: the native (FMA)
 * and WASM builds round float sums differently, so printed numbers may differ in their last digit, float data in
 * payloads by a few ulps, and a PNG pixel by a colour step. Text between the numbers, shapes, kinds and every
 * other field must match exactly.
 */
import { convertIndexedToRgb, decode } from 'fast-png';
import { decodeArray, type EncodedArray, precisionOf } from '../src/display/codec.js';

const NUMBER = /-?\d+(?:\.\d+)?(?:e[-+]?\d+)?/gi;
const REL = 2e-3;

function closeNumbers(a: number, b: number, scale = 0): boolean {
  if (a === b || (Number.isNaN(a) && Number.isNaN(b))) return true;
  return Math.abs(a - b) <= REL * Math.max(Math.abs(a), Math.abs(b), scale) + 1e-6;
}

/** Equal text outside numbers; numbers equal within a relative 2e-3 or one unit of their last printed digit. */
export function closeText(a: string, b: string): boolean {
  if (a === b) return true;
  if (a.replace(NUMBER, '#') !== b.replace(NUMBER, '#')) return false;
  const na = a.match(NUMBER) ?? [];
  const nb = b.match(NUMBER) ?? [];
  // A printed number may also differ by one unit of its last printed digit (0.2245 prints as 0.224 or 0.225).
  // Integers (counts, shapes) get no such slack.
  const ulp = (t: string) => {
    const decimals = /\.(\d+)/.exec(t)?.[1]?.length ?? 0;
    return decimals === 0 ? 0 : 10 ** -decimals;
  };
  return na.every((x, i) => {
    const y = nb[i]!;
    const a = Number(x);
    const b = Number(y);
    if (!/[.e]/i.test(x) && !/[.e]/i.test(y)) return a === b;
    return closeNumbers(a, b) || (!/e/i.test(x + y) && Math.abs(a - b) <= Math.max(ulp(x), ulp(y)) * 1.0001);
  });
}

function floats(b64: string): Float32Array {
  const bytes = Buffer.from(b64, 'base64');
  return new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
}

function closePng(a: string, b: string): boolean {
  if (a === b) return true;
  // Indexed pictures compare by colour: one colour a step off renumbers the palette after it.
  const rgb = (b64: string) => {
    const png = decode(Buffer.from(b64, 'base64'));
    return { ...png, data: png.palette ? convertIndexedToRgb(png) : png.data };
  };
  const pa = rgb(a);
  const pb = rgb(b);
  if (pa.width !== pb.width || pa.height !== pb.height || pa.data.length !== pb.data.length) return false;
  let diff = 0;
  for (let i = 0; i < pa.data.length; i++) diff += Math.abs(Number(pa.data[i]) - Number(pb.data[i]));
  return diff / pa.data.length < 1;
}

type Encoded = EncodedArray & { shape?: number[] };

/**
 * Both sides as encoded arrays of display contract version 2 (codec.ts: payloads with `dtype` and `data`, and
 * the counts of coverage payloads), or undefined when they are something else (version 1 stored raw float32).
 */
function encodedArrays(a: object, b: object): [Encoded, Encoded] | undefined {
  const is = (o: Record<string, unknown>) =>
    o.version !== 1 && typeof o.data === 'string' && typeof o.dtype === 'string';
  return is(a as Record<string, unknown>) && is(b as Record<string, unknown>)
    ? [a as Encoded, b as Encoded]
    : undefined;
}

/**
 * Decoded values equal within the float tolerance plus what the encoding rounds away: 8-bit codes may sit one
 * step apart when a value lies on a rounding boundary and the backends' last bits differ.
 */
function closeArrays(path: string, a: Encoded, e: Encoded): string | null {
  if (a.dtype !== e.dtype) return `${path}.dtype: ${a.dtype} vs ${e.dtype}`;
  let va: Float32Array;
  let ve: Float32Array;
  try {
    va = decodeArray(path, a, a.shape);
    ve = decodeArray(path, e, e.shape);
  } catch (err) {
    return (err as Error).message;
  }
  if (va.length !== ve.length) return `${path}: ${va.length} values, expected ${ve.length}`;
  let scale = 0;
  for (const v of ve) if (Number.isFinite(v)) scale = Math.max(scale, Math.abs(v));
  const slack = 2 * (precisionOf(a, scale) + precisionOf(e, scale)) * 1.001;
  for (let i = 0; i < ve.length; i++) {
    if (closeNumbers(va[i]!, ve[i]!, scale) || Math.abs(va[i]! - ve[i]!) <= slack) continue;
    return `${path}.data[${i}]: ${va[i]} vs ${ve[i]}`;
  }
  return null;
}

/** The first path where `actual` and `expected` differ beyond the tolerances, or null when they agree. */
export function firstDifference(actual: unknown, expected: unknown, path = '', key = ''): string | null {
  if (typeof actual === 'string' && typeof expected === 'string') {
    if (key === 'image/png') return closePng(actual, expected) ? null : `${path}: PNG differs`;
    if (
      key === 'data' &&
      /^[A-Za-z0-9+/]+=*$/.test(expected) &&
      expected.length % 4 === 0 &&
      expected.length >= 8
    ) {
      const fa = floats(actual);
      const fe = floats(expected);
      if (fa.length !== fe.length) return `${path}: ${fa.length} values, expected ${fe.length}`;
      let scale = 0;
      for (const v of fe) scale = Math.max(scale, Math.abs(v));
      for (let i = 0; i < fe.length; i++)
        if (!closeNumbers(fa[i]!, fe[i]!, scale)) return `${path}[${i}]: ${fa[i]} vs ${fe[i]}`;
      return null;
    }
    return closeText(actual, expected)
      ? null
      : `${path}: ${JSON.stringify(actual.slice(0, 300))} vs ${JSON.stringify(expected.slice(0, 300))}`;
  }
  if (typeof actual === 'number' && typeof expected === 'number') {
    return closeNumbers(actual, expected) ? null : `${path}: ${actual} vs ${expected}`;
  }
  if (Array.isArray(actual) && Array.isArray(expected)) {
    if (actual.length !== expected.length) return `${path}: length ${actual.length} vs ${expected.length}`;
    for (let i = 0; i < actual.length; i++) {
      const d = firstDifference(actual[i], expected[i], `${path}[${i}]`, key);
      if (d) return d;
    }
    return null;
  }
  if (actual && expected && typeof actual === 'object' && typeof expected === 'object') {
    const arrays = encodedArrays(actual, expected);
    if (arrays) {
      const d = closeArrays(path, ...arrays);
      if (d) return d;
      const rest = (o: object) =>
        Object.fromEntries(Object.entries(o).filter(([k]) => k !== 'data' && k !== 'quant'));
      return firstDifference(rest(actual), rest(expected), path, key);
    }
    const ka = Object.keys(actual).sort();
    const ke = Object.keys(expected).sort();
    if (ka.join() !== ke.join()) return `${path}: keys ${ka.join(',')} vs ${ke.join(',')}`;
    for (const k of ke) {
      const va = (actual as Record<string, unknown>)[k];
      const ve = (expected as Record<string, unknown>)[k];
      // Vendor payloads travel as JSON objects; a string holding JSON (some clients) is parsed first.
      const d = firstDifference(va, ve, `${path}.${k}`, k);
      if (d) return d;
    }
    return null;
  }
  return actual === expected ? null : `${path}: ${JSON.stringify(actual)} vs ${JSON.stringify(expected)}`;
}
