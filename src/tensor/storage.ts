/**
 * Storage for `n` floats that the caller overwrites entirely: the outputs of backend primitives and element-wise ops.
 *
 * `new Float32Array(n)` zero-fills, which for a 1.6 MB feature map costs about as much as the depthwise
 * convolution that writes it. In Node, `Buffer.allocUnsafeSlow` gives memory that is not zeroed (and not taken from
 * Node's shared small-buffer pool, so the array owns its whole ArrayBuffer); elsewhere this is `new Float32Array`.
 */
type Allocator = (bytes: number) => { buffer: ArrayBuffer; byteOffset: number };

const unsafe: Allocator | null = (() => {
  const buffer = (globalThis as { Buffer?: { allocUnsafeSlow?: Allocator } }).Buffer;
  return typeof buffer?.allocUnsafeSlow === 'function' ? buffer.allocUnsafeSlow.bind(buffer) : null;
})();

/** Below this many floats zero-filling is cheap and a plain array is as fast. */
const SMALL = 4096;

export function uninitialized(n: number): Float32Array {
  if (unsafe === null || n < SMALL) return new Float32Array(n);
  const b = unsafe(4 * n);
  return new Float32Array(b.buffer, b.byteOffset, n);
}
