/**
 * Deformable convolution v1 and v2 (Dai et al. 2017, Zhu et al. 2019) with torchvision.ops.deform_conv2d's
 * semantics: every kernel tap samples the input bilinearly at its regular position plus a learned offset,
 *
 *   y[n, k, p] = bias[k] + Σ_{c ∈ group(k), r} w[k, c, r] · m[n, r, p] · x̃[n, c, p·stride − padding + r·dilation + Δ[n, r, p]]
 *
 * with x̃ zero outside the input. offset is [N, 2·offsetGroups·kH·kW, Ho, Wo], (Δy, Δx) pairs per tap; the
 * optional mask (v2) is [N, offsetGroups·kH·kW, Ho, Wo]; channel c uses offset group ⌊c / (C/offsetGroups)⌋.
 *
 *   const y = deformConv2d(x, offset, weight, { padding: 1, mask });
 *
 * One autograd node: the backend's deformIm2col builds the sampled columns, a GEMM per weight group applies the
 * kernel; backward runs the transposed GEMMs and the backend's deformCol2im for input, offset and mask.
 */
import { getBackend } from '../backend/index.js';
import type { DeformGeometry } from '../backend/contract.js';
import { ArgumentError, fmtShape, ShapeError } from '../errors.js';
import { fromOp, numel, Tensor } from '../tensor/tensor.js';
import { checkTensor, convOutSize, type IntOrTuple, ntuple } from './args.js';
import { biasGrad } from './conv.js';

export interface DeformConv2dOptions {
  bias?: Tensor | null;
  mask?: Tensor | null;
  stride?: IntOrTuple;
  padding?: IntOrTuple;
  dilation?: IntOrTuple;
}

const OP = 'deformConv2d';

interface DeformPlan {
  geometry: DeformGeometry;
  groups: number;
  k: number;
}

/** Checks every argument and works out the geometry (output size, weight and offset groups). */
export function planDeformConv2d(
  xShape: number[],
  offsetShape: number[] | null,
  wShape: number[],
  opts: Omit<DeformConv2dOptions, 'bias' | 'mask'> & {
    maskShape?: number[] | null;
    biasShape?: number[] | null;
    /** used when offsetShape is null (cost without tensors) */
    offsetGroups?: number;
  },
): DeformPlan {
  if (xShape.length !== 4) throw new ShapeError(`${OP}: input must be [N, C, H, W], got ${fmtShape(xShape)}`);
  if (wShape.length !== 4)
    throw new ShapeError(
      `${OP}: weight must be [out_channels, in_channels/groups, kH, kW], got ${fmtShape(wShape)}`,
    );
  const [n, c, inH, inW] = xShape as [number, number, number, number];
  const [k, cg, kH, kW] = wShape as [number, number, number, number];
  if (c % cg !== 0)
    throw new ShapeError(
      `${OP}: input has ${c} channels, not a multiple of weight's ${cg} channels per group`,
    );
  const groups = c / cg;
  if (k % groups !== 0)
    throw new ArgumentError(
      `${OP}: groups=${groups} (from input and weight) must divide out_channels (${k})`,
    );
  const stride = ntuple(OP, 'stride', opts.stride, 2, 1, 1) as [number, number];
  const padding = ntuple(OP, 'padding', opts.padding, 2, 0, 0) as [number, number];
  const dilation = ntuple(OP, 'dilation', opts.dilation, 2, 1, 1) as [number, number];
  const outH = convOutSize(inH, kH, stride[0], padding[0], padding[0], dilation[0]);
  const outW = convOutSize(inW, kW, stride[1], padding[1], padding[1], dilation[1]);
  if (outH <= 0 || outW <= 0)
    throw new ShapeError(
      `${OP}: output would be empty for input ${fmtShape(xShape)} and kernel [${kH}, ${kW}]`,
    );
  const taps = kH * kW;
  const og = offsetShape === null ? (opts.offsetGroups ?? 1) : offsetShape[1]! / (2 * taps);
  if (
    offsetShape !== null &&
    (offsetShape.length !== 4 ||
      offsetShape[0] !== n ||
      !Number.isInteger(og) ||
      og < 1 ||
      offsetShape[2] !== outH ||
      offsetShape[3] !== outW)
  ) {
    throw new ShapeError(
      `${OP}: offset must be [${n}, 2·offsetGroups·${taps}, ${outH}, ${outW}], got ${fmtShape(offsetShape)}`,
    );
  }
  if (!Number.isInteger(og) || og < 1 || c % og !== 0)
    throw new ArgumentError(
      `${OP}: offset groups (${og}) must be a positive integer dividing the input channels (${c})`,
    );
  const ms = opts.maskShape;
  if (
    ms != null &&
    (ms.length !== 4 || ms[0] !== n || ms[1] !== og * taps || ms[2] !== outH || ms[3] !== outW)
  ) {
    throw new ShapeError(`${OP}: mask must be [${n}, ${og * taps}, ${outH}, ${outW}], got ${fmtShape(ms)}`);
  }
  const bs = opts.biasShape;
  if (bs != null && (bs.length !== 1 || bs[0] !== k))
    throw new ShapeError(`${OP}: bias must be [${k}], got ${fmtShape(bs)}`);
  return {
    geometry: { n, c, inH, inW, outH, outW, kernel: [kH, kW], stride, padding, dilation, offsetGroups: og },
    groups,
    k,
  };
}

export function deformConv2d(
  input: Tensor,
  offset: Tensor,
  weight: Tensor,
  opts: DeformConv2dOptions = {},
): Tensor {
  checkTensor(OP, 'input', input);
  checkTensor(OP, 'offset', offset);
  checkTensor(OP, 'weight', weight);
  const mask = opts.mask ?? null;
  const bias = opts.bias ?? null;
  if (mask !== null) checkTensor(OP, 'mask', mask);
  if (bias !== null) checkTensor(OP, 'bias', bias);
  const {
    geometry: g,
    groups,
    k,
  } = planDeformConv2d(input.shape, offset.shape, weight.shape, {
    ...opts,
    maskShape: mask?.shape ?? null,
    biasShape: bias?.shape ?? null,
  });
  const backend = getBackend();
  const plane = g.outH * g.outW;
  const cols = g.n * plane;
  const rowsPerGroup = (g.c / groups) * g.kernel[0] * g.kernel[1];
  const kg = k / groups;
  const columns = new Float32Array(g.c * g.kernel[0] * g.kernel[1] * cols);
  backend.deformIm2col(g, input.data, offset.data, mask?.data ?? null, columns);
  // [K, N·Ho·Wo] from one GEMM per group, then to [N, K, Ho, Wo] with the bias.
  const yk = new Float32Array(k * cols);
  for (let grp = 0; grp < groups; grp++) {
    backend.gemm(
      false,
      false,
      kg,
      cols,
      rowsPerGroup,
      1,
      weight.data,
      grp * kg * rowsPerGroup,
      rowsPerGroup,
      columns,
      grp * rowsPerGroup * cols,
      cols,
      0,
      yk,
      grp * kg * cols,
      cols,
    );
  }
  const y = new Float32Array(g.n * k * plane);
  for (let n = 0; n < g.n; n++) {
    for (let o = 0; o < k; o++) {
      const b = bias === null ? 0 : bias.data[o]!;
      const src = o * cols + n * plane;
      const dst = (n * k + o) * plane;
      for (let p = 0; p < plane; p++) y[dst + p] = yk[src + p]! + b;
    }
  }
  const parents = [input, offset, weight];
  if (mask !== null) parents.push(mask);
  if (bias !== null) parents.push(bias);
  return fromOp(y, [g.n, k, g.outH, g.outW], OP, parents, (gy) => {
    const gyk = new Float32Array(k * cols);
    for (let n = 0; n < g.n; n++) {
      for (let o = 0; o < k; o++)
        gyk.set(gy.data.subarray((n * k + o) * plane, (n * k + o + 1) * plane), o * cols + n * plane);
    }
    let gw: Tensor | null = null;
    if (weight.requiresGrad) {
      gw = new Tensor(new Float32Array(weight.size), weight.shape);
      for (let grp = 0; grp < groups; grp++) {
        backend.gemm(
          false,
          true,
          kg,
          rowsPerGroup,
          cols,
          1,
          gyk,
          grp * kg * cols,
          cols,
          columns,
          grp * rowsPerGroup * cols,
          cols,
          0,
          gw.data,
          grp * kg * rowsPerGroup,
          rowsPerGroup,
        );
      }
    }
    let gx: Tensor | null = null;
    let gOffset: Tensor | null = null;
    let gMask: Tensor | null = null;
    if (input.requiresGrad || offset.requiresGrad || mask?.requiresGrad) {
      const gColumns = new Float32Array(columns.length);
      for (let grp = 0; grp < groups; grp++) {
        backend.gemm(
          true,
          false,
          rowsPerGroup,
          cols,
          kg,
          1,
          weight.data,
          grp * kg * rowsPerGroup,
          rowsPerGroup,
          gyk,
          grp * kg * cols,
          cols,
          0,
          gColumns,
          grp * rowsPerGroup * cols,
          cols,
        );
      }
      gx = new Tensor(new Float32Array(input.size), input.shape);
      gOffset = new Tensor(new Float32Array(offset.size), offset.shape);
      gMask = mask === null ? null : new Tensor(new Float32Array(mask.size), mask.shape);
      backend.deformCol2im(
        g,
        input.data,
        offset.data,
        mask?.data ?? null,
        gColumns,
        gx.data,
        gOffset.data,
        gMask?.data ?? null,
      );
    }
    const grads: (Tensor | null)[] = [gx, gOffset, gw];
    if (mask !== null) grads.push(gMask);
    if (bias !== null) grads.push(bias.requiresGrad ? biasGrad(gy, k) : null);
    return grads;
  });
}

/**
 * Cost of a deformable convolution: the GEMM's multiply-adds (as a plain convolution of the same shape) plus the
 * bilinear sampling, 4 multiply-adds per sample (and one more per sample for the mask).
 */
export function deformConv2dCost(
  inputShape: number[],
  weightShape: number[],
  opts: Omit<DeformConv2dOptions, 'bias' | 'mask'> & {
    offsetGroups?: number;
    mask?: boolean;
    bias?: boolean;
  } = {},
): { outShape: number[]; params: number; macs: number; samplingMacs: number; flops: number } {
  const taps = weightShape[2]! * weightShape[3]!;
  const og = opts.offsetGroups ?? 1;
  const [n] = inputShape as [number];
  const probe = planDeformConv2d(inputShape, null, weightShape, { ...opts, offsetGroups: og });
  const g = probe.geometry;
  const plane = g.outH * g.outW;
  const gemm = n * probe.k * plane * numel(weightShape.slice(1));
  const samples = n * g.c * taps * plane;
  const samplingMacs = samples * (opts.mask ? 5 : 4);
  const macs = gemm + samplingMacs;
  return {
    outShape: [n, probe.k, g.outH, g.outW],
    params: numel(weightShape) + (opts.bias === false ? 0 : probe.k),
    macs,
    samplingMacs,
    flops: 2 * macs,
  };
}
