/**
 * Conditionally parameterised convolution (CondConv, Yang et al. 2019, tensorflow/tpu condconv_layers.py): E
 * expert kernels mixed per example by routing weights r[n, e] = sigmoid(FC(GAP(x)))[n, e], then one
 * convolution per example with its own kernel Σ_e r[n, e]·W_e (and bias Σ_e r[n, e]·b_e):
 *
 *   y[n] = conv2d(x[n], Σ_e r[n, e] W_e) + Σ_e r[n, e] b_e
 *
 * `condConv2d` takes the routing weights as an input so the same op serves dynamic convolution (softmax
 * attention). Everything is composed from differentiable ops (matmul, slice, conv2d, cat).
 */
import { ArgumentError, fmtShape, ShapeError } from '../errors.js';
import * as E from '../tensor/elementwise.js';
import { matmul } from '../tensor/linalg.js';
import { cat } from '../tensor/shape.js';
import { numel, type Tensor } from '../tensor/tensor.js';
import { checkTensor, type IntOrTuple, step } from './args.js';
import { conv2d, convCost } from './conv.js';

export interface MixtureConvOptions {
  /** per-expert bias [E, K] */
  bias?: Tensor | null;
  stride?: IntOrTuple;
  padding?: IntOrTuple;
  dilation?: IntOrTuple;
  groups?: number;
}

/** One convolution per example with the kernel Σ_e routing[n, e]·weight[e]; weight [E, K, C/groups, kH, kW]. */
export function condConv2d(
  x: Tensor,
  routing: Tensor,
  weight: Tensor,
  opts: MixtureConvOptions = {},
  op = 'condConv2d',
): Tensor {
  checkTensor(op, 'input', x);
  checkTensor(op, 'routing', routing);
  checkTensor(op, 'weight', weight);
  if (x.ndim !== 4) throw new ShapeError(`${op}: input must be [N, C, H, W], got ${fmtShape(x.shape)}`);
  if (weight.ndim !== 5)
    throw new ShapeError(
      `${op}: weight must be [experts, K, C/groups, kH, kW], got ${fmtShape(weight.shape)}`,
    );
  const [n] = x.shape as [number];
  const [e, k] = weight.shape as [number, number];
  if (routing.ndim !== 2 || routing.shape[0] !== n || routing.shape[1] !== e)
    throw new ShapeError(
      `${op}: routing must be [${n}, ${e}] (batch, experts), got ${fmtShape(routing.shape)}`,
    );
  const bias = opts.bias ?? null;
  if (bias !== null) checkTensor(op, 'bias', bias);
  if (bias !== null && (bias.ndim !== 2 || bias.shape[0] !== e || bias.shape[1] !== k))
    throw new ShapeError(`${op}: bias must be [${e}, ${k}], got ${fmtShape(bias.shape)}`);
  const kernelShape = weight.shape.slice(1);
  const kernels = matmul(routing, weight.reshape([e, numel(kernelShape)]));
  const biases = bias === null ? null : matmul(routing, bias);
  const outs: Tensor[] = [];
  for (let i = 0; i < n; i++) {
    outs.push(
      step(op, `example ${i}`, () =>
        conv2d(x.slice(0, i, i + 1), kernels.slice(0, i, i + 1).reshape(kernelShape), {
          bias: biases === null ? null : biases.slice(0, i, i + 1).reshape([k]),
          stride: opts.stride,
          padding: opts.padding,
          dilation: opts.dilation,
          groups: opts.groups,
        }),
      ),
    );
  }
  return outs.length === 1 ? outs[0]! : cat(outs, 0);
}

/** sigmoid routing from the pooled input: sigmoid(GAP(x) · Wᵀ + b), W [E, C]. */
export function condConvRouting(x: Tensor, weight: Tensor, bias: Tensor | null): Tensor {
  const pooled = x.mean([2, 3]);
  const z = matmul(pooled, weight.t());
  return E.sigmoid(bias === null ? z : E.add(z, bias));
}

/**
 * Multiply-adds of a mixture-of-kernels convolution: the per-example convolution, the kernel mixing (E per
 * kernel element per example) and the routing FC on the pooled input.
 */
export function condConvCost(
  inputShape: number[],
  weightShape: number[],
  opts: Omit<MixtureConvOptions, 'bias'> & { bias?: boolean } = {},
) {
  const [e, ...kernel] = weightShape as [number, ...number[]];
  const [n, c] = inputShape as [number, number];
  if (!Number.isInteger(e) || e < 1)
    throw new ArgumentError(`condConvCost: experts must be a positive integer, got ${e}`);
  const conv = convCost(2, inputShape, kernel, { ...opts, bias: opts.bias ?? true });
  const mixing = n * e * (numel(kernel) + (opts.bias === false ? 0 : kernel[0]!));
  const routing = n * c * e;
  const macs = conv.macs + mixing + routing;
  return {
    outShape: conv.outShape,
    convMacs: conv.macs,
    mixingMacs: mixing,
    routingMacs: routing,
    macs,
    flops: 2 * macs,
  };
}
