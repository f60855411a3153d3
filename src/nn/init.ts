/**
 * Weight initialisation with PyTorch's defaults, drawn from the seeded generator so models reproduce.
 * Conv and Linear use kaiming_uniform(a=√5) for weights, i.e. U(−1/√fanIn, 1/√fanIn), and the same bound for bias.
 */
import { ArgumentError } from '../errors.js';
import { defaultGenerator, type Generator } from '../tensor/random.js';
import { numel, type Tensor } from '../tensor/tensor.js';
import { Parameter } from './module.js';

/** fanIn and fanOut of a weight [out, in, *kernel] (or [out, in] for Linear). */
export function fans(shape: number[]): [number, number] {
  if (shape.length < 2) throw new ArgumentError(`fans: weight needs at least 2 dims, got ${shape.length}`);
  const receptive = numel(shape.slice(2));
  return [shape[1]! * receptive, shape[0]! * receptive];
}

export function uniformParameter(
  shape: number[],
  bound: number,
  generator: Generator = defaultGenerator,
): Tensor {
  const data = new Float32Array(numel(shape));
  for (let i = 0; i < data.length; i++) data[i] = (generator.uniform() * 2 - 1) * bound;
  return new Parameter(data, shape);
}

/** kaiming_uniform_ with negative slope a (PyTorch's default layers use a = √5). */
export function kaimingUniform(
  shape: number[],
  a = Math.sqrt(5),
  generator?: Generator,
  fanIn?: number,
): Tensor {
  const fan = fanIn ?? fans(shape)[0];
  const gain = Math.sqrt(2 / (1 + a * a));
  return uniformParameter(shape, gain * Math.sqrt(3 / fan), generator);
}

/** kaiming_normal_ (fan_out, relu), as torchvision's ResNets initialise their convolutions. */
export function kaimingNormal(
  shape: number[],
  generator: Generator = defaultGenerator,
  mode: 'fanIn' | 'fanOut' = 'fanOut',
): Tensor {
  const [fanIn, fanOut] = fans(shape);
  const std = Math.sqrt(2 / (mode === 'fanIn' ? fanIn : fanOut));
  const data = new Float32Array(numel(shape));
  for (let i = 0; i < data.length; i++) data[i] = generator.normal() * std;
  return new Parameter(data, shape);
}

export function constantParameter(shape: number[], value: number): Tensor {
  return new Parameter(new Float32Array(numel(shape)).fill(value), shape);
}

/**
 * A convolution's weight of `shape` and its bias of `biasSize` (null when `bias` is false), initialised as
 * PyTorch's _ConvNd.reset_parameters does: kaiming_uniform(a=√5) for the weight, U(±1/√fanIn) for the bias.
 */
export function convParameters(
  shape: number[],
  biasSize: number,
  bias: boolean | undefined,
  generator?: Generator,
): { weight: Tensor; bias: Tensor | null } {
  const weight = kaimingUniform(shape, Math.sqrt(5), generator);
  return {
    weight,
    bias: bias === false ? null : uniformParameter([biasSize], 1 / Math.sqrt(fans(shape)[0]), generator),
  };
}
