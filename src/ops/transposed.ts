/**
 * Transposed convolution ("deconvolution"): the gradient of a convolution with respect to its input, used as a
 * forward op. Each input value scatters a copy of the kernel, scaled by itself, into the output at stride steps:
 *
 *   out = (in − 1)·stride − 2·padding + dilation·(kernel − 1) + outputPadding + 1
 *
 *   const x = randn([1, 64, 32, 32]);
 *   const w = randn([64, 32, 4, 4]);             // [in_channels, out_channels/groups, kH, kW]
 *   convTranspose2d(x, w, { stride: 2, padding: 1 }).shape;  // [1, 32, 64, 64]
 *
 * It reuses the convolution backend with the roles of input and output swapped: forward is the convolution's
 * backward-data, its input gradient is the convolution's forward, its weight gradient the convolution's
 * backward-filter with input and upstream gradient exchanged.
 */
import { getBackend } from '../backend/index.js';
import type { ConvGeometry } from '../backend/contract.js';
import { ArgumentError, fmtShape, ShapeError } from '../errors.js';
import { uninitialized } from '../tensor/storage.js';
import { fromOp, numel, Tensor } from '../tensor/tensor.js';
import {
  checkElements,
  checkGroups,
  checkIndexRange,
  checkInput,
  checkTensor,
  type IntOrTuple,
  ntuple,
  to3d,
} from './args.js';
import { biasGrad, type Cost } from './conv.js';

export interface ConvTransposeOptions {
  bias?: Tensor | null;
  stride?: IntOrTuple;
  padding?: IntOrTuple;
  outputPadding?: IntOrTuple;
  groups?: number;
  dilation?: IntOrTuple;
}

interface TransposePlan {
  unbatched: boolean;
  /** the geometry of the convolution this op is the transpose of: its input is our output */
  geometry: ConvGeometry;
  outShape: number[];
}

export function planConvTranspose(
  op: string,
  nd: number,
  xShape: number[],
  wShape: number[],
  opts: ConvTransposeOptions,
  biasShape?: number[],
): TransposePlan {
  const unbatched = xShape.length === nd + 1;
  const full = unbatched ? [1, ...xShape] : xShape;
  const [n, cIn] = full as [number, number];
  const spatial = full.slice(2);
  if (wShape.length !== nd + 2) {
    throw new ShapeError(
      `${op}: weight must be [in_channels, out_channels/groups, kernel…] with ${nd + 2} dims, got ${fmtShape(wShape)}`,
    );
  }
  if (wShape.some((d) => d === 0))
    throw new ShapeError(`${op}: weight has an empty dim: ${fmtShape(wShape)}`);
  if (wShape[0] !== cIn) {
    throw new ShapeError(
      `${op}: input has ${cIn} channels but weight expects ${wShape[0]} (weight is ${fmtShape(wShape)})`,
    );
  }
  const groups = checkGroups(op, opts.groups, cIn, cIn, 'input channels');
  const cOut = wShape[1]! * groups;
  const kernel = wShape.slice(2);
  const stride = ntuple(op, 'stride', opts.stride, nd, 1, 1);
  const padding = ntuple(op, 'padding', opts.padding, nd, 0, 0);
  const dilation = ntuple(op, 'dilation', opts.dilation, nd, 1, 1);
  const outputPadding = ntuple(op, 'outputPadding', opts.outputPadding, nd, 0, 0);
  outputPadding.forEach((p, i) => {
    if (p >= stride[i]! && p >= dilation[i]!) {
      throw new ArgumentError(
        `${op}: outputPadding must be smaller than either stride or dilation, got outputPadding=${fmtShape(outputPadding)}, stride=${fmtShape(stride)}, dilation=${fmtShape(dilation)}`,
      );
    }
  });
  if (biasShape !== undefined && (biasShape.length !== 1 || biasShape[0] !== cOut)) {
    throw new ShapeError(
      `${op}: bias must be [${cOut}] (one per output channel), got ${fmtShape(biasShape)}`,
    );
  }
  const outSpatial = spatial.map(
    (s, i) =>
      (s - 1) * stride[i]! - 2 * padding[i]! + dilation[i]! * (kernel[i]! - 1) + outputPadding[i]! + 1,
  );
  if (outSpatial.some((o) => o <= 0)) {
    throw new ShapeError(
      `${op}: output would be empty (${fmtShape(outSpatial)}): padding ${fmtShape(padding)} is too large for input ${fmtShape(spatial)}`,
    );
  }
  checkElements(op, 'output', [n, cOut, ...outSpatial]);
  // the backends see the convolution whose input is this output, padded by `padding` on both sides
  checkIndexRange(
    op,
    outSpatial.map((o, i) => o + 2 * padding[i]!),
    stride,
    dilation,
  );
  return {
    unbatched,
    geometry: {
      n,
      c: cOut,
      k: cIn,
      groups,
      inSize: to3d(outSpatial, 1),
      outSize: to3d(spatial, 1),
      kernel: to3d(kernel, 1),
      // As in planConv: a stride over a single input position, or a dilation of a one-tap kernel, changes
      // nothing, and the backends get 1 there.
      stride: to3d(
        stride.map((st, i) => (spatial[i] === 1 ? 1 : st)),
        1,
      ),
      padding: to3d(padding, 0),
      dilation: to3d(
        dilation.map((d, i) => (kernel[i] === 1 ? 1 : d)),
        1,
      ),
    },
    outShape: unbatched ? [cOut, ...outSpatial] : [n, cOut, ...outSpatial],
  };
}

/** Parameters and useful multiply-adds (each input value times each kernel tap it scatters). */
export function convTransposeCost(
  nd: number,
  inputShape: number[],
  weightShape: number[],
  opts: Omit<ConvTransposeOptions, 'bias'> & { bias?: boolean } = {},
): Cost {
  const plan = planConvTranspose(`convTranspose${nd}d`, nd, inputShape, weightShape, { ...opts, bias: null });
  const g = plan.geometry;
  const macs = g.n * g.k * numel(g.outSize) * (g.c / g.groups) * numel(g.kernel);
  const params = numel(weightShape) + (opts.bias === false ? 0 : g.c);
  return { outShape: plan.outShape, params, macs, flops: 2 * macs };
}

function convTransposeNd(
  op: string,
  nd: number,
  input: Tensor,
  weight: Tensor,
  opts: ConvTransposeOptions = {},
): Tensor {
  checkInput(op, input, nd);
  checkTensor(op, 'weight', weight);
  const bias = opts.bias ?? null;
  if (bias !== null) checkTensor(op, 'bias', bias);
  const plan = planConvTranspose(op, nd, input.shape, weight.shape, opts, bias?.shape);
  const g = plan.geometry;
  const x = plan.unbatched ? input.reshape([1, ...input.shape]) : input;
  const fullOut = [g.n, g.c, ...plan.outShape.slice(plan.unbatched ? 1 : 2)];
  const y = uninitialized(numel(fullOut));
  const backend = getBackend();
  backend.convBackwardData(g, x.data, weight.data, y);
  if (bias !== null) {
    const plane = y.length / (g.n * g.c);
    for (let b = 0; b < g.n; b++) {
      for (let c = 0; c < g.c; c++) {
        const off = (b * g.c + c) * plane;
        for (let i = 0; i < plane; i++) y[off + i]! += bias.data[c]!;
      }
    }
  }
  const parents = bias === null ? [x, weight] : [x, weight, bias];
  const out = fromOp(y, fullOut, op, parents, (gy) => {
    const be = getBackend();
    let gx: Tensor | null = null;
    let gw: Tensor | null = null;
    if (x.requiresGrad) {
      gx = new Tensor(uninitialized(x.size), x.shape);
      be.convForward(g, gy.data, weight.data, null, gx.data);
    }
    if (weight.requiresGrad) {
      gw = new Tensor(uninitialized(weight.size), weight.shape);
      be.convBackwardFilter(g, gy.data, x.data, gw.data);
    }
    const grads: (Tensor | null)[] = [gx, gw];
    if (bias !== null) grads.push(bias.requiresGrad ? biasGrad(gy, g.c) : null);
    return grads;
  });
  return plan.unbatched ? out.reshape(plan.outShape) : out;
}

/** 1-D transposed convolution: input [N, Cin, L], weight [Cin, Cout/groups, kL]. */
export function convTranspose1d(input: Tensor, weight: Tensor, opts: ConvTransposeOptions = {}): Tensor {
  return convTransposeNd('convTranspose1d', 1, input, weight, opts);
}

/** 2-D transposed convolution: input [N, Cin, H, W], weight [Cin, Cout/groups, kH, kW]. */
export function convTranspose2d(input: Tensor, weight: Tensor, opts: ConvTransposeOptions = {}): Tensor {
  return convTransposeNd('convTranspose2d', 2, input, weight, opts);
}

/** 3-D transposed convolution: input [N, Cin, D, H, W], weight [Cin, Cout/groups, kD, kH, kW]. */
export function convTranspose3d(input: Tensor, weight: Tensor, opts: ConvTransposeOptions = {}): Tensor {
  return convTransposeNd('convTranspose3d', 3, input, weight, opts);
}
