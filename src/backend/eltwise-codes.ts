/** The op codes of native/src/eltwise.h, shared by the native and wasm backends: each name's index in its list. */
import type { BinaryOp, ReduceOp, UnaryOp } from './contract.js';

const codes = <T extends string>(names: readonly T[]) => new Map(names.map((n, i) => [n, i] as [T, number]));

/** pow is not in the C core (no libm in the WebAssembly build): the backends run the ts loop for it. */
export const BINARY_CODES = codes<BinaryOp>(['add', 'sub', 'mul', 'div', 'maximum', 'minimum']);
export const UNARY_CODES = codes<UnaryOp>([
  'relu',
  'leakyRelu',
  'sigmoid',
  'tanh',
  'exp',
  'log',
  'sqrt',
  'abs',
  'neg',
  'clamp',
]);
export const REDUCE_CODES = codes<ReduceOp>(['sum', 'max', 'min']);

/** The geometry cl_binary reads: [nd, shape…, aStrides…, bStrides…]. */
export function binaryGeometry(
  shape: readonly number[],
  sa: readonly number[],
  sb: readonly number[],
  out: Int32Array,
): Int32Array {
  const nd = shape.length;
  out[0] = nd;
  for (let d = 0; d < nd; d++) {
    out[1 + d] = shape[d]!;
    out[1 + nd + d] = sa[d]!;
    out[1 + 2 * nd + d] = sb[d]!;
  }
  return out.subarray(0, 1 + 3 * nd);
}
