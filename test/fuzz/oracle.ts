/**
 * An independent statement of what conv{1,2,3}d and convTranspose{1,2,3}d must do with any argument set:
 * either the output shape (and the resolved geometry, for the naive loops below) or "this must be an error".
 * Written from PyTorch's rules, not from convlab's code, so the fuzz suite can catch either side being lax.
 * Integers must be safe integers: beyond 2^53 the size arithmetic is no longer exact.
 */
import { Tensor } from '../../src/index.js';

/** The largest tensor convlab agrees to allocate, in elements (int32 indexing in the backends). */
export const MAX_ELEMENTS = 2 ** 31 - 1;

export interface Geometry {
  nd: number;
  n: number;
  c: number;
  k: number;
  groups: number;
  spatial: number[];
  kernel: number[];
  stride: number[];
  dilation: number[];
  /** (before, after) per spatial dim; for convTranspose the symmetric padding */
  pads: [number, number][];
  outputPadding: number[];
  mode: string;
  outSpatial: number[];
  unbatched: boolean;
  bias: Tensor | null;
}
export type Verdict = { ok: true; shape: number[]; geometry: Geometry } | { ok: false; why: string };

const fail = (why: string): Verdict => ({ ok: false, why });
const numel = (s: number[]) => s.reduce((a, b) => a * b, 1);

/** An int or an nd-tuple of safe integers >= min, with `fallback` when absent; null when invalid. */
function tuple(v: unknown, nd: number, fallback: number, min: number): number[] | null {
  const value = v ?? fallback;
  const t =
    typeof value === 'number' ? new Array<number>(nd).fill(value) : Array.isArray(value) ? value : null;
  if (t === null || t.length !== nd) return null;
  return t.every((e) => typeof e === 'number' && Number.isSafeInteger(e) && e >= min)
    ? (t as number[])
    : null;
}

function tensorArgs(nd: number, x: unknown, w: unknown, bias: unknown): string | null {
  if (!(x instanceof Tensor)) return 'input is not a tensor';
  if (!(w instanceof Tensor)) return 'weight is not a tensor';
  if (bias !== null && bias !== undefined && !(bias instanceof Tensor)) return 'bias is not a tensor';
  if (x.ndim !== nd + 1 && x.ndim !== nd + 2) return 'input rank';
  if (w.ndim !== nd + 2) return 'weight rank';
  if (x.shape.includes(0) || w.shape.includes(0)) return 'empty dim';
  return null;
}

function positiveInt(v: unknown, fallback: number): number | null {
  const g = v ?? fallback;
  return typeof g === 'number' && Number.isSafeInteger(g) && g >= 1 ? g : null;
}

export function convVerdict(nd: number, x: unknown, w: unknown, opts: Record<string, unknown>): Verdict {
  const why = tensorArgs(nd, x, w, opts.bias);
  if (why !== null) return fail(why);
  const xt = x as Tensor;
  const wt = w as Tensor;
  const unbatched = xt.ndim === nd + 1;
  const full = unbatched ? [1, ...xt.shape] : xt.shape;
  const [n, c] = full as [number, number];
  const spatial = full.slice(2);
  const k = wt.shape[0]!;
  const kernel = wt.shape.slice(2);
  const groups = positiveInt(opts.groups, 1);
  if (groups === null || c % groups !== 0 || k % groups !== 0) return fail('groups');
  if (wt.shape[1]! * groups !== c) return fail('channels');
  const stride = tuple(opts.stride, nd, 1, 1);
  const dilation = tuple(opts.dilation, nd, 1, 1);
  if (stride === null || dilation === null) return fail('stride or dilation');
  let pads: [number, number][];
  if (opts.padding === 'valid') pads = kernel.map(() => [0, 0]);
  else if (opts.padding === 'same') {
    if (stride.some((s) => s !== 1)) return fail("'same' with stride");
    pads = kernel.map((kk, i) => {
      const total = dilation[i]! * (kk - 1);
      return [Math.floor(total / 2), total - Math.floor(total / 2)];
    });
  } else {
    const p = tuple(opts.padding, nd, 0, 0);
    if (p === null) return fail('padding');
    pads = p.map((v) => [v, v]);
  }
  const mode = opts.paddingMode ?? 'zeros';
  if (typeof mode !== 'string' || !['zeros', 'reflect', 'replicate', 'circular'].includes(mode)) {
    return fail('paddingMode');
  }
  const bias = (opts.bias as Tensor | null | undefined) ?? null;
  if (bias !== null && (bias.ndim !== 1 || bias.shape[0] !== k)) return fail('bias shape');
  const explicit = pads.some(([a, b]) => a !== b) || (mode !== 'zeros' && pads.some(([a]) => a > 0));
  if (explicit && mode === 'reflect' && pads.some(([a, b], i) => a >= spatial[i]! || b >= spatial[i]!)) {
    return fail('reflect padding too large');
  }
  if (explicit && mode === 'circular' && pads.some(([a, b], i) => a > spatial[i]! || b > spatial[i]!)) {
    return fail('circular padding too large');
  }
  // the backends index with 32-bit integers: strides, dilations and padded extents must fit
  if (
    spatial.some((s, i) => Math.max(s + pads[i]![0] + pads[i]![1], stride[i]!, dilation[i]!) > MAX_ELEMENTS)
  ) {
    return fail('index range');
  }
  const outSpatial = spatial.map(
    (s, i) =>
      Math.floor((s + pads[i]![0] + pads[i]![1] - dilation[i]! * (kernel[i]! - 1) - 1) / stride[i]!) + 1,
  );
  if (outSpatial.some((o) => o <= 0)) return fail('empty output');
  if (numel([n, k, ...outSpatial]) > MAX_ELEMENTS) return fail('output too large');
  if (explicit && numel([n, c, ...spatial.map((s, i) => s + pads[i]![0] + pads[i]![1])]) > MAX_ELEMENTS) {
    return fail('padded input too large');
  }
  return {
    ok: true,
    shape: unbatched ? [k, ...outSpatial] : [n, k, ...outSpatial],
    geometry: {
      nd,
      n,
      c,
      k,
      groups,
      spatial,
      kernel,
      stride,
      dilation,
      pads,
      outputPadding: [],
      mode,
      outSpatial,
      unbatched,
      bias,
    },
  };
}

export function convTransposeVerdict(
  nd: number,
  x: unknown,
  w: unknown,
  opts: Record<string, unknown>,
): Verdict {
  const why = tensorArgs(nd, x, w, opts.bias);
  if (why !== null) return fail(why);
  const xt = x as Tensor;
  const wt = w as Tensor;
  const unbatched = xt.ndim === nd + 1;
  const full = unbatched ? [1, ...xt.shape] : xt.shape;
  const [n, cIn] = full as [number, number];
  const spatial = full.slice(2);
  if (wt.shape[0] !== cIn) return fail('channels');
  const groups = positiveInt(opts.groups, 1);
  if (groups === null || cIn % groups !== 0) return fail('groups');
  const cOut = wt.shape[1]! * groups;
  const kernel = wt.shape.slice(2);
  const stride = tuple(opts.stride, nd, 1, 1);
  const dilation = tuple(opts.dilation, nd, 1, 1);
  const padding = tuple(opts.padding, nd, 0, 0);
  const outputPadding = tuple(opts.outputPadding, nd, 0, 0);
  if (stride === null || dilation === null || padding === null || outputPadding === null)
    return fail('tuple');
  if (outputPadding.some((p, i) => p >= stride[i]! && p >= dilation[i]!)) return fail('outputPadding');
  const bias = (opts.bias as Tensor | null | undefined) ?? null;
  if (bias !== null && (bias.ndim !== 1 || bias.shape[0] !== cOut)) return fail('bias shape');
  const outSpatial = spatial.map(
    (s, i) =>
      (s - 1) * stride[i]! - 2 * padding[i]! + dilation[i]! * (kernel[i]! - 1) + outputPadding[i]! + 1,
  );
  if (outSpatial.some((o) => o <= 0)) return fail('empty output');
  if (numel([n, cOut, ...outSpatial]) > MAX_ELEMENTS) return fail('output too large');
  if (outSpatial.some((o, i) => Math.max(o + 2 * padding[i]!, stride[i]!, dilation[i]!) > MAX_ELEMENTS)) {
    return fail('index range');
  }
  return {
    ok: true,
    shape: unbatched ? [cOut, ...outSpatial] : [n, cOut, ...outSpatial],
    geometry: {
      nd,
      n,
      c: cIn,
      k: cOut,
      groups,
      spatial,
      kernel,
      stride,
      dilation,
      pads: padding.map((p) => [p, p]),
      outputPadding,
      mode: 'zeros',
      outSpatial,
      unbatched,
      bias,
    },
  };
}

/** Row-major offset of an nd spatial index. */
function offsetOf(idx: number[], sizes: number[]): number {
  let o = 0;
  for (let i = 0; i < sizes.length; i++) o = o * sizes[i]! + idx[i]!;
  return o;
}

/** Every index of a box of the given sizes, in row-major order. */
function* indices(sizes: number[]): Generator<number[]> {
  const idx = new Array<number>(sizes.length).fill(0);
  if (sizes.some((s) => s === 0)) return;
  while (true) {
    yield idx;
    let d = sizes.length - 1;
    while (d >= 0 && ++idx[d]! === sizes[d]) idx[d--] = 0;
    if (d < 0) return;
  }
}

/** Where padded coordinate i − before reads from in an input of length n, or -1 for a zero. */
function source(i: number, n: number, mode: string): number {
  if (i >= 0 && i < n) return i;
  if (mode === 'reflect') return i < 0 ? -i : 2 * (n - 1) - i;
  if (mode === 'replicate') return i < 0 ? 0 : n - 1;
  if (mode === 'circular') return ((i % n) + n) % n;
  return -1;
}

/** The convolution by its definition, one output value at a time. */
export function naiveConv(g: Geometry, x: Float32Array, w: Float32Array): Float32Array {
  const out = new Float32Array(g.n * g.k * numel(g.outSpatial));
  const cpg = g.c / g.groups;
  const kpg = g.k / g.groups;
  const inPlane = numel(g.spatial);
  const outPlane = numel(g.outSpatial);
  const kPlane = numel(g.kernel);
  for (let b = 0; b < g.n; b++) {
    for (let k = 0; k < g.k; k++) {
      const grp = Math.floor(k / kpg);
      for (const o of indices(g.outSpatial)) {
        let acc = g.bias === null ? 0 : g.bias.data[k]!;
        for (let ci = 0; ci < cpg; ci++) {
          const c = grp * cpg + ci;
          for (const r of indices(g.kernel)) {
            const at = o.map((oi, d) =>
              source(oi * g.stride[d]! - g.pads[d]![0] + r[d]! * g.dilation[d]!, g.spatial[d]!, g.mode),
            );
            if (at.some((a) => a < 0)) continue;
            acc +=
              x[(b * g.c + c) * inPlane + offsetOf(at, g.spatial)]! *
              w[(k * cpg + ci) * kPlane + offsetOf(r, g.kernel)]!;
          }
        }
        out[(b * g.k + k) * outPlane + offsetOf(o, g.outSpatial)] = acc;
      }
    }
  }
  return out;
}

/** The transposed convolution by its definition: every input value scatters the kernel into the output. */
export function naiveConvTranspose(g: Geometry, x: Float32Array, w: Float32Array): Float32Array {
  const outPlane = numel(g.outSpatial);
  const out = new Float32Array(g.n * g.k * outPlane);
  if (g.bias !== null)
    for (let i = 0; i < out.length; i++) out[i] = g.bias.data[Math.floor(i / outPlane) % g.k]!;
  const cpg = g.c / g.groups;
  const kpg = g.k / g.groups;
  const inPlane = numel(g.spatial);
  const kPlane = numel(g.kernel);
  for (let b = 0; b < g.n; b++) {
    for (let c = 0; c < g.c; c++) {
      const grp = Math.floor(c / cpg);
      for (const i of indices(g.spatial)) {
        const v = x[(b * g.c + c) * inPlane + offsetOf(i, g.spatial)]!;
        for (let kl = 0; kl < kpg; kl++) {
          const k = grp * kpg + kl;
          for (const r of indices(g.kernel)) {
            const o = i.map((ii, d) => ii * g.stride[d]! - g.pads[d]![0] + r[d]! * g.dilation[d]!);
            if (o.some((oi, d) => oi < 0 || oi >= g.outSpatial[d]!)) continue;
            out[(b * g.k + k) * outPlane + offsetOf(o, g.outSpatial)]! +=
              v * w[(c * kpg + kl) * kPlane + offsetOf(r, g.kernel)]!;
          }
        }
      }
    }
  }
  return out;
}
