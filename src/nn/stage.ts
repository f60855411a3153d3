/** A layer's convolution (and the norm after it) as a stage of a functional form in src/ops. */
import type { ConvStage } from '../ops/stage.js';
import type { Tensor } from '../tensor/tensor.js';
import type { Conv2d } from './conv.js';
import type { Module } from './module.js';

/** The stage runs the layer's own modules, so hooks, tracing and summaries still see them. */
export function stageOf(conv: Conv2d, norm?: Module | null): ConvStage {
  return {
    weight: conv.weight,
    bias: conv.bias,
    forward: (x: Tensor) => conv.forward(x),
    norm: norm ? (y: Tensor) => norm.forward(y) : null,
  };
}
