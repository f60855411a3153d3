/**
 * Spatially separable convolution: a k×k kernel that is the outer product of a k×1 column and a 1×k row is
 * applied as two thin convolutions, kH×1 then 1×kW, which costs (kH + kW)/(kH·kW) of the square kernel
 * (Sobel, Gaussian blur, Inception-v3's factorised 7×7).
 *
 *   const y = spatiallySeparableConv2d(x, col, row, { padding: [1, 1] });  // col [M, C, kH, 1], row [K, M, 1, kW]
 */
import { fmtShape, ShapeError } from '../errors.js';
import type { Tensor } from '../tensor/tensor.js';
import { checkTensor, type IntOrTuple, ntuple, type PaddingMode, step } from './args.js';
import { conv2d, convCost, type Cost } from './conv.js';

export interface SpatiallySeparableOptions {
  bias?: Tensor | null;
  stride?: IntOrTuple;
  padding?: IntOrTuple;
  dilation?: IntOrTuple;
  /** groups of both steps; groups = C gives a per-channel separable filter (as for a Gaussian blur) */
  groups?: number;
  paddingMode?: PaddingMode;
}

/** kH×1 column convolution then 1×kW row convolution; stride, padding and dilation split by axis. */
export function spatiallySeparableConv2d(
  input: Tensor,
  column: Tensor,
  row: Tensor,
  opts: SpatiallySeparableOptions = {},
): Tensor {
  const op = 'spatiallySeparableConv2d';
  checkTensor(op, 'input', input);
  checkTensor(op, 'column', column);
  checkTensor(op, 'row', row);
  if (column.ndim !== 4 || column.shape[3] !== 1) {
    throw new ShapeError(`${op}: column weight must be [M, C/groups, kH, 1], got ${fmtShape(column.shape)}`);
  }
  if (row.ndim !== 4 || row.shape[2] !== 1) {
    throw new ShapeError(`${op}: row weight must be [K, M/groups, 1, kW], got ${fmtShape(row.shape)}`);
  }
  const [sH, sW] = ntuple(op, 'stride', opts.stride, 2, 1, 1) as [number, number];
  const [pH, pW] = ntuple(op, 'padding', opts.padding, 2, 0, 0) as [number, number];
  const [dH, dW] = ntuple(op, 'dilation', opts.dilation, 2, 1, 1) as [number, number];
  const groups = opts.groups ?? 1;
  const mid = step(op, 'column step', () =>
    conv2d(input, column, {
      stride: [sH, 1],
      padding: [pH, 0],
      dilation: [dH, 1],
      groups,
      paddingMode: opts.paddingMode,
    }),
  );
  return step(op, 'row step', () =>
    conv2d(mid, row, {
      bias: opts.bias ?? null,
      stride: [1, sW],
      padding: [0, pW],
      dilation: [1, dW],
      groups,
      paddingMode: opts.paddingMode,
    }),
  );
}

export function spatiallySeparableCost(
  inputShape: number[],
  columnShape: number[],
  rowShape: number[],
  opts: Omit<SpatiallySeparableOptions, 'bias'> & { bias?: boolean } = {},
): Cost {
  const [sH, sW] = ntuple('spatiallySeparableCost', 'stride', opts.stride, 2, 1, 1) as [number, number];
  const [pH, pW] = ntuple('spatiallySeparableCost', 'padding', opts.padding, 2, 0, 0) as [number, number];
  const [dH, dW] = ntuple('spatiallySeparableCost', 'dilation', opts.dilation, 2, 1, 1) as [number, number];
  const groups = opts.groups ?? 1;
  const a = convCost(2, inputShape, columnShape, {
    stride: [sH, 1],
    padding: [pH, 0],
    dilation: [dH, 1],
    groups,
    bias: false,
  });
  const b = convCost(2, a.outShape, rowShape, {
    stride: [1, sW],
    padding: [0, pW],
    dilation: [1, dW],
    groups,
    bias: opts.bias,
  });
  return {
    outShape: b.outShape,
    params: a.params + b.params,
    macs: a.macs + b.macs,
    flops: a.flops + b.flops,
  };
}
