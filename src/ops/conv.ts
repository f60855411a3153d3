/**
 * Convolution (vanilla, grouped, 1×1 and dilated are all this op), one N-d core for 1-D, 2-D and 3-D:
 *
 *   y[n, k, o] = bias[k] + Σ_{c ∈ group(k), r} x[n, c, o·stride − padding + r·dilation] · w[k, c mod C/g, r]
 *   out = ⌊(in + 2·padding − dilation·(kernel − 1) − 1) / stride⌋ + 1
 *
 *   const x = randn([1, 3, 32, 32]);
 *   const w = randn([16, 3, 3, 3]);
 *   conv2d(x, w, { padding: 1 }).shape;  // [1, 16, 32, 32]
 *
 * Padding modes other than zeros (and the uneven split of padding='same') pad the input explicitly first.
 */
import { getBackend } from '../backend/index.js';
import type { ConvGeometry } from '../backend/contract.js';
import { ArgumentError, fmtShape, ShapeError } from '../errors.js';
import { sum } from '../tensor/reduce.js';
import { pad } from '../tensor/shape.js';
import { uninitialized } from '../tensor/storage.js';
import { fromOp, numel, Tensor } from '../tensor/tensor.js';
import {
  checkElements,
  checkGroups,
  checkIndexRange,
  checkInput,
  checkPaddingMode,
  checkTensor,
  convOutSize,
  ntuple,
  type IntOrTuple,
  type Padding,
  type PaddingMode,
  resolvePadding,
  to3d,
} from './args.js';

export interface ConvOptions {
  bias?: Tensor | null;
  stride?: IntOrTuple;
  padding?: Padding;
  dilation?: IntOrTuple;
  groups?: number;
  paddingMode?: PaddingMode;
}

/** What a convolution costs: parameters, multiply-adds and FLOPs (= 2 · multiply-adds), and its output shape. */
export interface Cost {
  outShape: number[];
  params: number;
  macs: number;
  flops: number;
}

interface ConvPlan {
  nd: number;
  unbatched: boolean;
  /** explicit padding applied before the backend sees the input (non-zero modes, uneven 'same') */
  prePad: number[] | null;
  mode: PaddingMode;
  geometry: ConvGeometry;
  outShape: number[];
}

/** Checks every argument of an N-d convolution and works out its geometry. */
export function planConv(
  op: string,
  nd: number,
  xShape: number[],
  wShape: number[],
  opts: ConvOptions,
  biasShape?: number[],
): ConvPlan {
  const unbatched = xShape.length === nd + 1;
  const full = unbatched ? [1, ...xShape] : xShape;
  const [n, c] = full as [number, number];
  const spatial = full.slice(2);
  if (wShape.length !== nd + 2) {
    throw new ShapeError(
      `${op}: weight must be [out_channels, in_channels/groups, ${'k'.repeat(1)}…] with ${nd + 2} dims, got ${fmtShape(wShape)}`,
    );
  }
  if (wShape.some((d) => d === 0))
    throw new ShapeError(`${op}: weight has an empty dim: ${fmtShape(wShape)}`);
  const k = wShape[0]!;
  const groups = checkGroups(op, opts.groups, c, k, "weight's output channels");
  if (wShape[1]! * groups !== c) {
    throw new ShapeError(
      `${op}: input has ${c} channels but weight expects ${wShape[1]! * groups} (groups=${groups}); weight is ${fmtShape(wShape)}`,
    );
  }
  const kernel = wShape.slice(2);
  const stride = ntuple(op, 'stride', opts.stride, nd, 1, 1);
  const dilation = ntuple(op, 'dilation', opts.dilation, nd, 1, 1);
  const pads = resolvePadding(op, opts.padding, nd, kernel, dilation, stride);
  const mode = checkPaddingMode(op, opts.paddingMode);
  if (biasShape !== undefined && (biasShape.length !== 1 || biasShape[0] !== k)) {
    throw new ShapeError(`${op}: bias must be [${k}] (one per output channel), got ${fmtShape(biasShape)}`);
  }
  const uneven = pads.some(([a, b]) => a !== b);
  const explicit = uneven || (mode !== 'zeros' && pads.some(([a]) => a > 0));
  if (explicit && mode === 'reflect') {
    pads.forEach(([a, b], i) => {
      if (a >= spatial[i]! || b >= spatial[i]!) {
        throw new ArgumentError(
          `${op}: reflect padding ${Math.max(a, b)} must be smaller than the input size ${spatial[i]} in spatial dim ${i}`,
        );
      }
    });
  }
  if (explicit && mode === 'circular') {
    pads.forEach(([a, b], i) => {
      if (a > spatial[i]! || b > spatial[i]!) {
        throw new ArgumentError(
          `${op}: circular padding ${Math.max(a, b)} must not exceed the input size ${spatial[i]} in spatial dim ${i}`,
        );
      }
    });
  }
  checkIndexRange(
    op,
    spatial.map((s, i) => s + pads[i]![0] + pads[i]![1]),
    stride,
    dilation,
  );
  const outSpatial = spatial.map((s, i) =>
    convOutSize(s, kernel[i]!, stride[i]!, pads[i]![0], pads[i]![1], dilation[i]!),
  );
  if (outSpatial.some((o) => o <= 0)) {
    const eff = kernel.map((kk, i) => dilation[i]! * (kk - 1) + 1);
    throw new ShapeError(
      `${op}: output would be empty: input ${fmtShape(spatial)} padded by ${fmtShape(pads.map(([a, b]) => a + b))} is smaller than the dilated kernel ${fmtShape(eff)}`,
    );
  }
  checkElements(op, 'output', [n, k, ...outSpatial]);
  const inSize = explicit ? spatial.map((s, i) => s + pads[i]![0] + pads[i]![1]) : spatial;
  if (explicit) checkElements(op, 'padded input', [n, c, ...inSize]);
  const prePad = explicit ? pads.flatMap((_, i) => pads[pads.length - 1 - i]!) : null;
  return {
    nd,
    unbatched,
    prePad,
    mode,
    geometry: {
      n,
      c,
      k,
      groups,
      inSize: to3d(inSize, 1),
      outSize: to3d(outSpatial, 1),
      kernel: to3d(kernel, 1),
      // A stride over a single output position, or a dilation of a one-tap kernel, changes nothing: the backends
      // get 1 there, so a huge value costs nothing (a native kernel's work can grow with the stride).
      stride: to3d(
        stride.map((st, i) => (outSpatial[i] === 1 ? 1 : st)),
        1,
      ),
      padding: to3d(explicit ? pads.map(() => 0) : pads.map(([a]) => a), 0),
      dilation: to3d(
        dilation.map((d, i) => (kernel[i] === 1 ? 1 : d)),
        1,
      ),
    },
    outShape: unbatched ? [k, ...outSpatial] : [n, k, ...outSpatial],
  };
}

/** The cost of a convolution on an input shape: weight (+ bias) parameters and multiply-adds. */
export function convCost(
  nd: number,
  inputShape: number[],
  weightShape: number[],
  opts: Omit<ConvOptions, 'bias'> & { bias?: boolean } = {},
): Cost {
  const plan = planConv(`conv${nd}d`, nd, inputShape, weightShape, { ...opts, bias: null });
  const g = plan.geometry;
  const macs = g.n * g.k * numel(g.outSize) * (g.c / g.groups) * numel(g.kernel);
  const params = numel(weightShape) + (opts.bias === false ? 0 : g.k);
  return { outShape: plan.outShape, params, macs, flops: 2 * macs };
}

function convNd(op: string, nd: number, input: Tensor, weight: Tensor, opts: ConvOptions = {}): Tensor {
  checkInput(op, input, nd);
  checkTensor(op, 'weight', weight);
  const bias = opts.bias ?? null;
  if (bias !== null) checkTensor(op, 'bias', bias);
  const plan = planConv(op, nd, input.shape, weight.shape, opts, bias?.shape);
  let x = plan.unbatched ? input.reshape([1, ...input.shape]) : input;
  if (plan.prePad !== null) x = pad(x, plan.prePad, plan.mode === 'zeros' ? 'constant' : plan.mode);
  const g = plan.geometry;
  const fullOut = [g.n, g.k, ...plan.outShape.slice(plan.unbatched ? 1 : 2)];
  const y = uninitialized(numel(fullOut));
  getBackend().convForward(g, x.data, weight.data, bias?.data ?? null, y);
  const xs = x;
  const parents = bias === null ? [xs, weight] : [xs, weight, bias];
  const out = fromOp(y, fullOut, op, parents, (gy) => {
    const backend = getBackend();
    let gx: Tensor | null = null;
    let gw: Tensor | null = null;
    if (xs.requiresGrad) {
      gx = new Tensor(uninitialized(xs.size), xs.shape);
      backend.convBackwardData(g, gy.data, weight.data, gx.data);
    }
    if (weight.requiresGrad) {
      gw = new Tensor(uninitialized(weight.size), weight.shape);
      backend.convBackwardFilter(g, xs.data, gy.data, gw.data);
    }
    const grads: (Tensor | null)[] = [gx, gw];
    if (bias !== null) grads.push(bias.requiresGrad ? biasGrad(gy, g.k) : null);
    return grads;
  });
  return plan.unbatched ? out.reshape(plan.outShape) : out;
}

/** Σ over batch and positions of the upstream gradient, per output channel: one backend pass per row of H·W. */
export function biasGrad(gy: Tensor, k: number): Tensor {
  const n = gy.shape[0]!;
  return sum(gy.reshape([n, k, gy.size / (n * k)]), [0, 2]);
}

/** 1-D convolution: input [N, C, L], weight [K, C/groups, kL]. */
export function conv1d(input: Tensor, weight: Tensor, opts: ConvOptions = {}): Tensor {
  return convNd('conv1d', 1, input, weight, opts);
}

/** 2-D convolution: input [N, C, H, W], weight [K, C/groups, kH, kW]. */
export function conv2d(input: Tensor, weight: Tensor, opts: ConvOptions = {}): Tensor {
  return convNd('conv2d', 2, input, weight, opts);
}

/** 3-D convolution: input [N, C, D, H, W], weight [K, C/groups, kD, kH, kW]. */
export function conv3d(input: Tensor, weight: Tensor, opts: ConvOptions = {}): Tensor {
  return convNd('conv3d', 3, input, weight, opts);
}
