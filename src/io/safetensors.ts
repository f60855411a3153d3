/**
 * safetensors (the Hugging Face weights format): an 8-byte little-endian header length, a JSON header mapping
 * each name to {dtype, shape, data_offsets}, then the raw little-endian bytes. convlab writes F32 and reads F32,
 * F64, F16, BF16, I64, I32, I16, I8, U8 and BOOL, converting to float32.
 * No maintained npm package reads and writes this format, so the few lines are here.
 */
import { ArgumentError, fmtShape } from '../errors.js';
import { numel, Tensor } from '../tensor/tensor.js';

interface Entry {
  dtype: string;
  shape: number[];
  data_offsets: [number, number];
}

const BYTES: Record<string, number> = {
  F64: 8,
  F32: 4,
  F16: 2,
  BF16: 2,
  I64: 8,
  I32: 4,
  I16: 2,
  I8: 1,
  U8: 1,
  BOOL: 1,
};

/** Serialises named tensors (a Map keeps its order; a plain object is sorted by name) with optional string metadata. */
export function saveSafetensors(
  tensors: Map<string, Tensor> | Record<string, Tensor>,
  metadata?: Record<string, string>,
): Uint8Array {
  const entries =
    tensors instanceof Map ? [...tensors] : Object.entries(tensors).sort(([a], [b]) => a.localeCompare(b));
  const header: Record<string, unknown> = {};
  if (metadata !== undefined) {
    for (const [k, v] of Object.entries(metadata)) {
      if (typeof v !== 'string')
        throw new ArgumentError(`saveSafetensors: metadata value for ${JSON.stringify(k)} must be a string`);
    }
    header.__metadata__ = metadata;
  }
  let offset = 0;
  for (const [name, t] of entries) {
    if (!(t instanceof Tensor))
      throw new ArgumentError(`saveSafetensors: ${JSON.stringify(name)} is not a Tensor`);
    header[name] = { dtype: 'F32', shape: t.shape, data_offsets: [offset, offset + t.size * 4] };
    offset += t.size * 4;
  }
  let json = JSON.stringify(header);
  // Pad the header with spaces so the data starts 8-byte aligned, as the reference writer does.
  json += ' '.repeat((8 - ((8 + new TextEncoder().encode(json).length) % 8)) % 8);
  const headerBytes = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + headerBytes.length + offset);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(headerBytes.length), true);
  out.set(headerBytes, 8);
  let at = 8 + headerBytes.length;
  for (const [, t] of entries) {
    for (let i = 0; i < t.size; i++) view.setFloat32(at + i * 4, t.data[i]!, true);
    at += t.size * 4;
  }
  return out;
}

/** Reads every tensor of a safetensors file's bytes, as float32, with the file's metadata. */
export function loadSafetensors(bytes: Uint8Array): {
  tensors: Map<string, Tensor>;
  metadata: Record<string, string>;
} {
  const op = 'loadSafetensors';
  if (bytes.length < 8) throw new ArgumentError(`${op}: expected at least 8 bytes, got ${bytes.length}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = Number(view.getBigUint64(0, true));
  if (n > bytes.length - 8)
    throw new ArgumentError(`${op}: header length ${n} runs past the end of the ${bytes.length}-byte file`);
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n)));
  } catch (e) {
    throw new ArgumentError(`${op}: header is not valid JSON (${(e as Error).message})`);
  }
  const base = 8 + n;
  const tensors = new Map<string, Tensor>();
  let metadata: Record<string, string> = {};
  for (const [name, raw] of Object.entries(header)) {
    if (name === '__metadata__') {
      metadata = raw as Record<string, string>;
      continue;
    }
    const e = raw as Entry;
    const size = BYTES[e.dtype];
    if (size === undefined)
      throw new ArgumentError(
        `${op}: tensor ${JSON.stringify(name)} has unsupported dtype ${JSON.stringify(e.dtype)}`,
      );
    const [begin, end] = e.data_offsets;
    const count = numel(e.shape);
    if (end - begin !== count * size || base + end > bytes.length || begin < 0) {
      throw new ArgumentError(
        `${op}: tensor ${JSON.stringify(name)} of shape ${fmtShape(e.shape)} and dtype ${e.dtype} has bad data_offsets [${begin}, ${end}]`,
      );
    }
    const at = base + begin;
    let data: Float32Array;
    if (e.dtype === 'F32' && LITTLE_ENDIAN) {
      // One copy instead of a DataView read per element.
      data = new Float32Array(count);
      new Uint8Array(data.buffer).set(bytes.subarray(at, at + count * 4));
    } else {
      data = new Float32Array(count);
      for (let i = 0; i < count; i++) data[i] = readValue(view, at + i * size, e.dtype);
    }
    tensors.set(name, new Tensor(data, e.shape));
  }
  return { tensors, metadata };
}

function readValue(view: DataView, at: number, dtype: string): number {
  switch (dtype) {
    case 'F32':
      return view.getFloat32(at, true);
    case 'F64':
      return view.getFloat64(at, true);
    case 'F16':
      return halfToFloat(view.getUint16(at, true));
    case 'BF16': {
      const scratch = new DataView(new ArrayBuffer(4));
      scratch.setUint32(0, view.getUint16(at, true) << 16, true);
      return scratch.getFloat32(0, true);
    }
    case 'I64':
      return Number(view.getBigInt64(at, true));
    case 'I32':
      return view.getInt32(at, true);
    case 'I16':
      return view.getInt16(at, true);
    case 'I8':
      return view.getInt8(at);
    default:
      return view.getUint8(at);
  }
}

/** Typed arrays use the host's byte order; the format is little-endian. */
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

export function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * 2 ** -14 * (frac / 1024);
  if (exp === 31) return frac ? Number.NaN : sign * Infinity;
  return sign * 2 ** (exp - 15) * (1 + frac / 1024);
}
