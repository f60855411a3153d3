/**
 * Depthwise separable convolution (MobileNet): a depthwise k×k convolution (groups = C, one filter per input
 * channel, or `depthMultiplier` of them) followed by a pointwise 1×1 convolution that mixes channels.
 *
 *   cost / plain conv = 1/N + 1/k²      (N output channels, k×k kernel, Howard et al. 2017)
 *
 *   const y = depthwiseSeparableConv2d(x, dw, pw, { padding: 1 });  // dw [C·m, 1, k, k], pw [N, C·m, 1, 1]
 */
import { ArgumentError, fmtShape, ShapeError } from '../errors.js';
import type { Tensor } from '../tensor/tensor.js';
import { checkTensor, type IntOrTuple, type Padding, type PaddingMode, step } from './args.js';
import { conv2d, convCost, type Cost } from './conv.js';

export interface DepthwiseSeparableOptions {
  depthwiseBias?: Tensor | null;
  pointwiseBias?: Tensor | null;
  stride?: IntOrTuple;
  padding?: Padding;
  dilation?: IntOrTuple;
  paddingMode?: PaddingMode;
}

function checkWeights(op: string, c: number, dw: Tensor, pw: Tensor): void {
  if (dw.ndim !== 4 || dw.shape[1] !== 1 || dw.shape[0]! % c !== 0) {
    throw new ShapeError(
      `${op}: depthwise weight must be [C·multiplier, 1, kH, kW] with C=${c}, got ${fmtShape(dw.shape)}`,
    );
  }
  if (pw.ndim !== 4 || pw.shape[2] !== 1 || pw.shape[3] !== 1 || pw.shape[1] !== dw.shape[0]) {
    throw new ShapeError(
      `${op}: pointwise weight must be [N, ${dw.shape[0]}, 1, 1], got ${fmtShape(pw.shape)}`,
    );
  }
}

/** Depthwise k×k then pointwise 1×1. input [N, C, H, W]; depthwise [C·m, 1, kH, kW]; pointwise [K, C·m, 1, 1]. */
export function depthwiseSeparableConv2d(
  input: Tensor,
  depthwise: Tensor,
  pointwise: Tensor,
  opts: DepthwiseSeparableOptions = {},
): Tensor {
  const op = 'depthwiseSeparableConv2d';
  checkTensor(op, 'input', input);
  checkTensor(op, 'depthwise', depthwise);
  checkTensor(op, 'pointwise', pointwise);
  if (input.ndim !== 4)
    throw new ShapeError(`${op}: input must be [N, C, H, W], got ${fmtShape(input.shape)}`);
  const c = input.shape[1]!;
  checkWeights(op, c, depthwise, pointwise);
  const mid = step(op, 'depthwise step', () =>
    conv2d(input, depthwise, {
      bias: opts.depthwiseBias ?? null,
      stride: opts.stride,
      padding: opts.padding,
      dilation: opts.dilation,
      groups: c,
      paddingMode: opts.paddingMode,
    }),
  );
  return step(op, 'pointwise step', () => conv2d(mid, pointwise, { bias: opts.pointwiseBias ?? null }));
}

/** Cost of the depthwise and pointwise steps together, for output channels `outChannels` and a k×k kernel. */
export function depthwiseSeparableCost(
  inputShape: number[],
  outChannels: number,
  kernelSize: number,
  opts: {
    stride?: IntOrTuple;
    padding?: Padding;
    dilation?: IntOrTuple;
    depthMultiplier?: number;
    bias?: boolean;
  } = {},
): Cost {
  if (inputShape.length !== 4)
    throw new ShapeError(
      `depthwiseSeparableCost: inputShape must be [N, C, H, W], got ${fmtShape(inputShape)}`,
    );
  const c = inputShape[1]!;
  const m = opts.depthMultiplier ?? 1;
  if (!Number.isInteger(m) || m < 1)
    throw new ArgumentError(`depthwiseSeparableCost: depthMultiplier must be a positive integer, got ${m}`);
  const dw = convCost(2, inputShape, [c * m, 1, kernelSize, kernelSize], { ...opts, groups: c });
  const pw = convCost(2, dw.outShape, [outChannels, c * m, 1, 1], { bias: opts.bias });
  return {
    outShape: pw.outShape,
    params: dw.params + pw.params,
    macs: dw.macs + pw.macs,
    flops: dw.flops + pw.flops,
  };
}
