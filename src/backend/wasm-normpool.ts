/**
 * The wasm backend's batch norm, pooling and resampling primitives: operands are staged into the module's memory,
 * the C routine (native/src/{norm,pool,copy}.c) runs there on the worker threads, and outputs are copied back.
 *
 * stridedCopy runs in C only when its last dim is strided on either side (permute, slice with a step): there the
 * blocked C loop beats JavaScript's element loop even with the staging (64×16×28×28, one thread: NCHW→NHWC 2.1 ms
 * against 2.6, a step-2 slice 0.74 against 1.34). A last dim contiguous on both sides (cat, constant pad, plain
 * slices) stays in JavaScript, where each run is one TypedArray.set: 0.09 ms against 0.50 for half of that tensor,
 * since staging copies every float in and out once more than the copy itself.
 */
import type { NormPoolOps } from './contract.js';
import { copyDims, POOL_FIELDS, poolFields, resampleFields } from './native-normpool.js';
import { stridedCopy } from './ts-normpool.js';

export interface NormPoolExports {
  cl_batch_norm_forward(...args: number[]): void;
  cl_batch_norm_backward(...args: number[]): void;
  cl_max_pool2d_forward(g: number, x: number, y: number, idx: number): void;
  cl_max_pool2d_backward(g: number, x: number, gy: number, gx: number): void;
  cl_avg_pool2d_forward(g: number, includePad: number, divisor: number, x: number, y: number): void;
  cl_avg_pool2d_backward(g: number, includePad: number, divisor: number, gy: number, gx: number): void;
  cl_adaptive_avg_pool2d_forward(g: number, x: number, y: number): void;
  cl_adaptive_avg_pool2d_backward(g: number, gy: number, gx: number): void;
  cl_interpolate2d_forward(...args: number[]): void;
  cl_interpolate2d_backward(...args: number[]): void;
  cl_strided_copy(
    nd: number,
    shape: number,
    src: number,
    srcStrides: number,
    dst: number,
    dstStrides: number,
  ): void;
}

/** What these primitives need of wasm.ts's Core. */
interface Staging {
  readonly ex: NormPoolExports;
  stage(arrays: (Float32Array | number | null)[]): number[];
  geometry(fields: Int32Array): number;
  unstage(ptr: number, out: Float32Array): void;
}

/** An Int32Array's bytes seen as floats: TypedArray.set between arrays of one type copies bytes unchanged. */
const bits = (a: Int32Array) => new Float32Array(a.buffer, a.byteOffset, a.length);

/** An output's length to stage, or null (address 0) when it is not wanted. */
const len = (a: { length: number } | null) => (a === null ? null : a.length);

export function wasmNormPool(core: Staging): NormPoolOps {
  const ex = core.ex;
  const pg = new Int32Array(POOL_FIELDS);
  return {
    batchNormForward(g, x, w, b, rm, rv, training, momentum, eps, y, sm, si) {
      const p = core.stage([x, w, b, rm, rv, y.length, sm.length, si.length]);
      ex.cl_batch_norm_forward(
        g.n,
        g.c,
        g.inner,
        p[0]!,
        p[1]!,
        p[2]!,
        p[3]!,
        p[4]!,
        training ? 1 : 0,
        momentum,
        eps,
        p[5]!,
        p[6]!,
        p[7]!,
      );
      core.unstage(p[5]!, y);
      core.unstage(p[6]!, sm);
      core.unstage(p[7]!, si);
      if (training && rm !== null) core.unstage(p[3]!, rm);
      if (training && rv !== null) core.unstage(p[4]!, rv);
    },
    batchNormBackward(g, x, gy, w, sm, si, training, gx, gw, gb) {
      const p = core.stage([x, gy, w, sm, si, len(gx), len(gw), len(gb)]);
      ex.cl_batch_norm_backward(
        g.n,
        g.c,
        g.inner,
        p[0]!,
        p[1]!,
        p[2]!,
        p[3]!,
        p[4]!,
        training ? 1 : 0,
        p[5]!,
        p[6]!,
        p[7]!,
      );
      if (gx !== null) core.unstage(p[5]!, gx);
      if (gw !== null) core.unstage(p[6]!, gw);
      if (gb !== null) core.unstage(p[7]!, gb);
    },
    maxPool2dForward(g, x, y, idx) {
      const [px, py, pi] = core.stage([x, y.length, len(idx)]);
      ex.cl_max_pool2d_forward(core.geometry(poolFields(g, pg)), px!, py!, pi!);
      core.unstage(py!, y);
      if (idx !== null) core.unstage(pi!, bits(idx));
    },
    maxPool2dBackward(g, x, gy, gx) {
      const [px, pgy, pgx] = core.stage([x, gy, gx.length]);
      ex.cl_max_pool2d_backward(core.geometry(poolFields(g, pg)), px!, pgy!, pgx!);
      core.unstage(pgx!, gx);
    },
    avgPool2dForward(g, cip, div, x, y) {
      const [px, py] = core.stage([x, y.length]);
      ex.cl_avg_pool2d_forward(core.geometry(poolFields(g, pg)), cip ? 1 : 0, div, px!, py!);
      core.unstage(py!, y);
    },
    avgPool2dBackward(g, cip, div, gy, gx) {
      const [pgy, pgx] = core.stage([gy, gx.length]);
      ex.cl_avg_pool2d_backward(core.geometry(poolFields(g, pg)), cip ? 1 : 0, div, pgy!, pgx!);
      core.unstage(pgx!, gx);
    },
    adaptiveAvgPool2dForward(g, x, y) {
      const [px, py] = core.stage([x, y.length]);
      ex.cl_adaptive_avg_pool2d_forward(core.geometry(poolFields(g, pg)), px!, py!);
      core.unstage(py!, y);
    },
    adaptiveAvgPool2dBackward(g, gy, gx) {
      const [pgy, pgx] = core.stage([gy, gx.length]);
      ex.cl_adaptive_avg_pool2d_backward(core.geometry(poolFields(g, pg)), pgy!, pgx!);
      core.unstage(pgx!, gx);
    },
    interpolate2dForward(g, x, y) {
      const [px, py] = core.stage([x, y.length]);
      const mode = g.mode === 'bilinear' ? 1 : 0;
      ex.cl_interpolate2d_forward(
        core.geometry(resampleFields(g, pg)),
        mode,
        g.alignCorners ? 1 : 0,
        g.scaleH,
        g.scaleW,
        px!,
        py!,
      );
      core.unstage(py!, y);
    },
    interpolate2dBackward(g, gy, gx) {
      const [pgy, pgx] = core.stage([gy, gx.length]);
      const mode = g.mode === 'bilinear' ? 1 : 0;
      ex.cl_interpolate2d_backward(
        core.geometry(resampleFields(g, pg)),
        mode,
        g.alignCorners ? 1 : 0,
        g.scaleH,
        g.scaleW,
        pgy!,
        pgx!,
      );
      core.unstage(pgx!, gx);
    },
    stridedCopy(shape, src, so, ss, dst, dOff, ds) {
      const nd = shape.length;
      if (nd === 0 || (ss[nd - 1] === 1 && ds[nd - 1] === 1) || shape.some((n) => n === 0)) {
        stridedCopy(shape, src, so, ss, dst, dOff, ds);
        return;
      }
      const dims = copyDims('stridedCopy', shape, ss, ds);
      let sEnd = so + 1;
      let dEnd = dOff + 1;
      let count = 1;
      shape.forEach((n, k) => {
        sEnd += (n - 1) * ss[k]!;
        dEnd += (n - 1) * ds[k]!;
        count *= n;
      });
      if (so < 0 || dOff < 0 || sEnd > src.length || dEnd > dst.length)
        throw new RangeError(
          `convlab wasm: stridedCopy reaches floats [${so}, ${sEnd}) of src (${src.length}) and [${dOff}, ${dEnd}) of dst (${dst.length})`,
        );
      const out = dst.subarray(dOff, dEnd);
      // A copy that writes every float of its span needs no copy-in; a sparse one (a gradient scattered into a
      // stepped slice) keeps what lies between.
      const [pd, ps, pt] = core.stage([
        bits(dims),
        src.subarray(so, sEnd),
        count === out.length ? out.length : out,
      ]);
      ex.cl_strided_copy(nd, pd! + 4, ps!, pd! + 4 + 4 * nd, pt!, pd! + 4 + 8 * nd);
      core.unstage(pt!, out);
    },
  };
}
