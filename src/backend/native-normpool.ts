/**
 * The native backend's batch norm, pooling, resampling and copy primitives: thin calls into the addon
 * (native/addon/addon.c over native/src/{norm,pool,copy}.c), which reads the Float32Arrays in place.
 */
import type { NormPoolOps, PoolGeometry, ResampleGeometry } from './contract.js';

/** The addon's exports for these primitives. */
export interface NormPoolAddon {
  batchNormForward(...args: (number | Float32Array | null)[]): void;
  batchNormBackward(...args: (number | Float32Array | null)[]): void;
  maxPool2dForward(g: Int32Array, x: Float32Array, y: Float32Array, indices: Int32Array | null): void;
  maxPool2dBackward(g: Int32Array, x: Float32Array, gy: Float32Array, gx: Float32Array): void;
  avgPool2dForward(
    g: Int32Array,
    includePad: number,
    divisor: number,
    x: Float32Array,
    y: Float32Array,
  ): void;
  avgPool2dBackward(
    g: Int32Array,
    includePad: number,
    divisor: number,
    gy: Float32Array,
    gx: Float32Array,
  ): void;
  adaptiveAvgPool2dForward(g: Int32Array, x: Float32Array, y: Float32Array): void;
  adaptiveAvgPool2dBackward(g: Int32Array, gy: Float32Array, gx: Float32Array): void;
  interpolate2dForward(g: Int32Array, ...args: (number | Float32Array)[]): void;
  interpolate2dBackward(g: Int32Array, ...args: (number | Float32Array)[]): void;
  stridedCopy(
    dims: Int32Array,
    src: Float32Array,
    srcOffset: number,
    dst: Float32Array,
    dstOffset: number,
  ): void;
}

/** Fields of cl_pool (native/src/normpool.h), in order. */
export const POOL_FIELDS = 13;

export function poolFields(g: PoolGeometry, out = new Int32Array(POOL_FIELDS)): Int32Array {
  out[0] = g.planes;
  out[1] = g.h;
  out[2] = g.w;
  out[3] = g.oh;
  out[4] = g.ow;
  out[5] = g.kernel[0];
  out[6] = g.kernel[1];
  out[7] = g.stride[0];
  out[8] = g.stride[1];
  out[9] = g.padding[0];
  out[10] = g.padding[1];
  out[11] = g.dilation[0];
  out[12] = g.dilation[1];
  return out;
}

/** A resampling geometry as a pooling one (the kernel fields unused). */
export function resampleFields(g: ResampleGeometry, out = new Int32Array(POOL_FIELDS)): Int32Array {
  out.fill(1);
  out[0] = g.planes;
  out[1] = g.h;
  out[2] = g.w;
  out[3] = g.oh;
  out[4] = g.ow;
  return out;
}

/** [nd, shape…, srcStrides…, dstStrides…] as the addon's stridedCopy reads them. */
export function copyDims(
  op: string,
  shape: readonly number[],
  srcStrides: readonly number[],
  dstStrides: readonly number[],
): Int32Array {
  const nd = shape.length;
  if (nd > 8 || srcStrides.length !== nd || dstStrides.length !== nd)
    throw new RangeError(
      `${op}: stridedCopy takes at most 8 dims with one stride per dim on each side, got shape of ${nd} dims, ${srcStrides.length} and ${dstStrides.length} strides`,
    );
  const d = new Int32Array(1 + 3 * nd);
  d[0] = nd;
  d.set(shape, 1);
  d.set(srcStrides, 1 + nd);
  d.set(dstStrides, 1 + 2 * nd);
  return d;
}

export function nativeNormPool(addon: NormPoolAddon): NormPoolOps {
  const pg = new Int32Array(POOL_FIELDS);
  return {
    batchNormForward(g, x, w, b, rm, rv, training, momentum, eps, y, sm, si) {
      addon.batchNormForward(g.n, g.c, g.inner, x, w, b, rm, rv, training ? 1 : 0, momentum, eps, y, sm, si);
    },
    batchNormBackward(g, x, gy, w, sm, si, training, gx, gw, gb) {
      addon.batchNormBackward(g.n, g.c, g.inner, x, gy, w, sm, si, training ? 1 : 0, gx, gw, gb);
    },
    maxPool2dForward: (g, x, y, idx) => addon.maxPool2dForward(poolFields(g, pg), x, y, idx),
    maxPool2dBackward: (g, x, gy, gx) => addon.maxPool2dBackward(poolFields(g, pg), x, gy, gx),
    avgPool2dForward: (g, cip, div, x, y) =>
      addon.avgPool2dForward(poolFields(g, pg), cip ? 1 : 0, div, x, y),
    avgPool2dBackward: (g, cip, div, gy, gx) =>
      addon.avgPool2dBackward(poolFields(g, pg), cip ? 1 : 0, div, gy, gx),
    adaptiveAvgPool2dForward: (g, x, y) => addon.adaptiveAvgPool2dForward(poolFields(g, pg), x, y),
    adaptiveAvgPool2dBackward: (g, gy, gx) => addon.adaptiveAvgPool2dBackward(poolFields(g, pg), gy, gx),
    interpolate2dForward: (g, x, y) =>
      addon.interpolate2dForward(
        resampleFields(g, pg),
        g.mode === 'bilinear' ? 1 : 0,
        g.alignCorners ? 1 : 0,
        g.scaleH,
        g.scaleW,
        x,
        y,
      ),
    interpolate2dBackward: (g, gy, gx) =>
      addon.interpolate2dBackward(
        resampleFields(g, pg),
        g.mode === 'bilinear' ? 1 : 0,
        g.alignCorners ? 1 : 0,
        g.scaleH,
        g.scaleW,
        gy,
        gx,
      ),
    stridedCopy: (shape, src, so, ss, dst, dOff, ds) =>
      addon.stridedCopy(copyDims('stridedCopy', shape, ss, ds), src, so, dst, dOff),
  };
}
