/**
 * loadCheckpoint: PyTorch state dicts from a safetensors file or a torch.save archive (.pt / .pth), as a Map of
 * float32 tensors by PyTorch's key, ready for `module.loadStateDict`. A torch.save file is a zip (read with
 * fflate) holding `<name>/data.pkl`, a pickle read by the restricted unpickler in ./pickle.ts (it runs nothing),
 * and one `<name>/data/<key>` file of raw little-endian values per storage. Tensors may be views: each is
 * gathered from its storage by offset and strides.
 */
import { unzipSync } from 'fflate';
import { ArgumentError, describe, fmtShape } from '../errors.js';
import { readDataFile } from '../provenance.js';
import { numel, Tensor } from '../tensor/tensor.js';
import { PickleDict, type StorageRef, type TensorRef, UnpicklingError, unpickleStateDict } from './pickle.js';
import { halfToFloat, loadSafetensors } from './safetensors.js';

export { UnpicklingError } from './pickle.js';

const FN = 'loadCheckpoint';
/** Typed arrays use the host's byte order; the files are little-endian. */
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

const BYTES: Record<string, number> = {
  float32: 4,
  float64: 8,
  float16: 2,
  bfloat16: 2,
  int64: 8,
  int32: 4,
  int16: 2,
  int8: 1,
  uint8: 1,
  bool: 1,
};

export interface LoadCheckpointOptions {
  /**
   * For a training checkpoint that nests the state dict (`{'state_dict': …, 'epoch': 3}`): the key of the
   * nested dict to read.
   */
  key?: string;
}

/**
 * Reads a state dict saved by `torch.save(model.state_dict(), path)` or as safetensors, from a path or the
 * file's bytes; every value becomes a float32 Tensor (integer buffers such as num_batches_tracked too).
 * Anything in the pickle that a state dict does not need is refused with an UnpicklingError.
 */
export function loadCheckpoint(
  pathOrBytes: string | Uint8Array,
  opts: LoadCheckpointOptions = {},
): Map<string, Tensor> {
  let bytes: Uint8Array;
  if (typeof pathOrBytes === 'string') bytes = readDataFile(pathOrBytes);
  else if (pathOrBytes instanceof Uint8Array) bytes = pathOrBytes;
  else
    throw new ArgumentError(
      `${FN}: pathOrBytes must be a path or a Uint8Array, got ${describe(pathOrBytes)}`,
    );
  if (bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04)
    return fromTorchZip(bytes, opts);
  if (bytes.length >= 2 && bytes[0] === 0x80 && bytes[1]! <= 5)
    throw new ArgumentError(
      `${FN}: this is a torch.save file in the legacy (pre-1.6) format, which is not read; save it again with a newer PyTorch or as safetensors`,
    );
  if (opts.key !== undefined) throw new ArgumentError(`${FN}: opts.key applies to torch.save files only`);
  return loadSafetensors(bytes).tensors;
}

function fromTorchZip(bytes: Uint8Array, opts: LoadCheckpointOptions): Map<string, Tensor> {
  let files: Record<string, Uint8Array>;
  try {
    files = unzipSync(bytes);
  } catch (e) {
    throw new ArgumentError(`${FN}: the zip archive cannot be read (${(e as Error).message})`);
  }
  const pkl = Object.keys(files).filter((n) => /^[^/]+\/data\.pkl$/.test(n));
  if (pkl.length !== 1)
    throw new ArgumentError(`${FN}: expected one <name>/data.pkl in the archive, found ${pkl.length}`);
  const root = pkl[0]!.slice(0, -'data.pkl'.length);
  const order = files[`${root}byteorder`];
  if (order !== undefined && new TextDecoder().decode(order).trim() !== 'little')
    throw new ArgumentError(`${FN}: only little-endian archives are read`);
  let value = unpickleStateDict(files[pkl[0]!]!);
  if (opts.key !== undefined) {
    if (!(value instanceof PickleDict) || !value.has(opts.key))
      throw new ArgumentError(`${FN}: opts.key ${JSON.stringify(opts.key)} is not a key of the checkpoint`);
    value = value.get(opts.key);
  }
  if (!(value instanceof PickleDict))
    throw new UnpicklingError(`${FN}: the checkpoint is not a dict of tensors`);
  const out = new Map<string, Tensor>();
  const notTensors: string[] = [];
  for (const [k, v] of value) {
    if (typeof k !== 'string') throw new UnpicklingError(`${FN}: a key of the state dict is not a string`);
    if ((v as TensorRef | null)?.kind !== 'tensor') {
      notTensors.push(k);
      continue;
    }
    out.set(k, gather(files, root, k, v as TensorRef));
  }
  if (notTensors.length > 0)
    throw new ArgumentError(
      `${FN}: ${notTensors.length} values are not tensors (${notTensors.slice(0, 5).join(', ')}); for a training checkpoint pass opts.key (e.g. 'state_dict')`,
    );
  return out;
}

/** Copies a tensor out of its storage (through its offset and strides) into float32. */
function gather(files: Record<string, Uint8Array>, root: string, name: string, t: TensorRef): Tensor {
  const s: StorageRef = t.storage;
  const raw = files[`${root}data/${s.key}`];
  if (raw === undefined) throw new ArgumentError(`${FN}: ${name}'s storage data/${s.key} is missing`);
  const size = BYTES[s.dtype]!;
  if (raw.length < s.numel * size)
    throw new ArgumentError(
      `${FN}: ${name}'s storage holds ${raw.length} bytes, fewer than ${s.numel} × ${size}`,
    );
  const count = numel(t.shape);
  // The furthest element the view reads must lie inside the storage.
  const last = t.offset + t.shape.reduce((a, d, i) => a + (d - 1) * t.stride[i]!, 0);
  if (count > 0 && last >= s.numel)
    throw new ArgumentError(
      `${FN}: ${name} (shape ${fmtShape(t.shape)}, offset ${t.offset}, stride ${fmtShape(t.stride)}) reads past its storage of ${s.numel} elements`,
    );
  if (s.dtype === 'float32' && LITTLE_ENDIAN && contiguous(t.shape, t.stride))
    return new Tensor(float32Copy(raw, t.offset * 4, count), t.shape);
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const read = reader(view, s.dtype);
  const data = new Float32Array(count);
  const nd = t.shape.length;
  const index = new Array<number>(nd).fill(0);
  let at = t.offset;
  for (let i = 0; i < count; i++) {
    data[i] = read(at * size);
    // Advance the multi-index like an odometer, keeping the storage position in step.
    for (let d = nd - 1; d >= 0; d--) {
      if (++index[d]! < t.shape[d]!) {
        at += t.stride[d]!;
        break;
      }
      at -= (t.shape[d]! - 1) * t.stride[d]!;
      index[d] = 0;
    }
  }
  return new Tensor(data, t.shape);
}

/** Whether the strides are the row-major ones of the shape (dims of size 1 may have any stride). */
function contiguous(shape: number[], stride: number[]): boolean {
  let expected = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    if (shape[d] !== 1 && stride[d] !== expected) return false;
    expected *= shape[d]!;
  }
  return true;
}

/** `count` little-endian float32 values from byte `at` of `raw`, copied in one pass (no per-element reads). */
function float32Copy(raw: Uint8Array, at: number, count: number): Float32Array {
  const start = raw.byteOffset + at;
  if (start % 4 === 0) return new Float32Array(raw.buffer, start, count).slice();
  const out = new Float32Array(count);
  new Uint8Array(out.buffer).set(raw.subarray(at, at + count * 4));
  return out;
}

function reader(view: DataView, dtype: string): (byte: number) => number {
  switch (dtype) {
    case 'float32':
      return (b) => view.getFloat32(b, true);
    case 'float64':
      return (b) => view.getFloat64(b, true);
    case 'float16':
      return (b) => halfToFloat(view.getUint16(b, true));
    case 'bfloat16': {
      const scratch = new DataView(new ArrayBuffer(4));
      return (b) => {
        scratch.setUint32(0, view.getUint16(b, true) << 16, true);
        return scratch.getFloat32(0, true);
      };
    }
    case 'int64':
      return (b) => Number(view.getBigInt64(b, true));
    case 'int32':
      return (b) => view.getInt32(b, true);
    case 'int16':
      return (b) => view.getInt16(b, true);
    case 'int8':
      return (b) => view.getInt8(b);
    default:
      return (b) => view.getUint8(b);
  }
}
