/**
 * Channel shuffle (ShuffleNet): with g groups of C/g channels, output channel i·g + j comes from input channel
 * j·(C/g) + i, so the next grouped convolution sees channels from every group. A reshape, a transpose and a
 * reshape back, so its gradient is the inverse shuffle for free.
 */
import { ArgumentError, describe, fmtShape, ShapeError } from '../errors.js';
import type { Tensor } from '../tensor/tensor.js';
import { checkTensor } from './args.js';

export function channelShuffle(input: Tensor, groups: number): Tensor {
  checkTensor('channelShuffle', 'input', input);
  if (input.ndim < 3)
    throw new ShapeError(`channelShuffle: input must be [N, C, *], got ${fmtShape(input.shape)}`);
  const [n, c] = input.shape as [number, number];
  if (!Number.isInteger(groups) || groups < 1 || c % groups !== 0) {
    throw new ArgumentError(
      `channelShuffle: groups must be a positive integer dividing the channels (${c}), got ${describe(groups)}`,
    );
  }
  const rest = input.shape.slice(2);
  return input
    .reshape([n, groups, c / groups, ...rest])
    .transpose(1, 2)
    .reshape(input.shape);
}
