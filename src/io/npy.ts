/**
 * NumPy's .npy format (version 1.0/2.0): magic, a Python-dict header with descr, fortran_order and shape, then
 * the raw data. convlab writes '<f4' and reads little-endian floats and integers of any width, converting to
 * float32, so arrays saved with numpy.save load directly.
 */
import { ArgumentError } from '../errors.js';
import { numel, Tensor } from '../tensor/tensor.js';

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

/** Serialises a tensor as a version 1.0 .npy file with dtype float32. */
export function saveNpy(t: Tensor): Uint8Array {
  const shape = t.shape.length === 1 ? `(${t.shape[0]},)` : `(${t.shape.join(', ')})`;
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': ${shape}, }`;
  // Pad so magic + version + length + header is a multiple of 64 bytes, ending with a newline.
  const total = 10 + header.length + 1;
  header += `${' '.repeat((64 - (total % 64)) % 64)}\n`;
  const out = new Uint8Array(10 + header.length + t.size * 4);
  out.set(MAGIC, 0);
  out[6] = 1;
  out[7] = 0;
  const view = new DataView(out.buffer);
  view.setUint16(8, header.length, true);
  out.set(new TextEncoder().encode(header), 10);
  for (let i = 0; i < t.size; i++) view.setFloat32(10 + header.length + i * 4, t.data[i]!, true);
  return out;
}

export function loadNpy(bytes: Uint8Array): Tensor {
  const op = 'loadNpy';
  if (bytes.length < 10 || MAGIC.some((b, i) => bytes[i] !== b))
    throw new ArgumentError(`${op}: not a .npy file (bad magic)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const major = bytes[6]!;
  const headerLen = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const start = major === 1 ? 10 : 12;
  const header = new TextDecoder().decode(bytes.subarray(start, start + headerLen));
  const descr = /'descr':\s*'([^']+)'/.exec(header)?.[1];
  const fortran = /'fortran_order':\s*(True|False)/.exec(header)?.[1] === 'True';
  const shapeText = /'shape':\s*\(([^)]*)\)/.exec(header)?.[1];
  if (descr === undefined || shapeText === undefined)
    throw new ArgumentError(`${op}: header lacks descr or shape: ${header.trim()}`);
  const shape = shapeText
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map(Number);
  const m = /^([<|=])([fiub])(\d+)$/.exec(descr);
  if (m === null)
    throw new ArgumentError(
      `${op}: unsupported dtype ${JSON.stringify(descr)} (expected little-endian numbers)`,
    );
  const [, , kind, widthText] = m;
  const width = Number(widthText);
  const count = numel(shape);
  const at = start + headerLen;
  if (at + count * width > bytes.length)
    throw new ArgumentError(`${op}: data is truncated (${bytes.length - at} of ${count * width} bytes)`);
  const read = reader(kind!, width, descr);
  const data = new Float32Array(count);
  for (let i = 0; i < count; i++) data[i] = read(view, at + i * width);
  const t = new Tensor(data, shape);
  if (!fortran || shape.length < 2) return t;
  // Fortran order stores the reversed shape row-major; permute back.
  return new Tensor(data, [...shape].reverse()).permute(shape.map((_, i) => shape.length - 1 - i)).detach();
}

function reader(kind: string, width: number, descr: string): (v: DataView, at: number) => number {
  const key = `${kind}${width}`;
  const readers: Record<string, (v: DataView, at: number) => number> = {
    f4: (v, a) => v.getFloat32(a, true),
    f8: (v, a) => v.getFloat64(a, true),
    i1: (v, a) => v.getInt8(a),
    i2: (v, a) => v.getInt16(a, true),
    i4: (v, a) => v.getInt32(a, true),
    i8: (v, a) => Number(v.getBigInt64(a, true)),
    u1: (v, a) => v.getUint8(a),
    u2: (v, a) => v.getUint16(a, true),
    u4: (v, a) => v.getUint32(a, true),
    u8: (v, a) => Number(v.getBigUint64(a, true)),
    b1: (v, a) => v.getUint8(a),
  };
  const r = readers[key];
  if (r === undefined) throw new ArgumentError(`loadNpy: unsupported dtype ${JSON.stringify(descr)}`);
  return r;
}
