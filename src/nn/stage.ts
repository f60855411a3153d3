/** A layer's convolution (and the norm after it) as a stage of a functional form in src/ops. */
import type { ConvStage } from '../ops/stage.js';
import { getBackend } from '../backend/index.js';
import * as E from '../tensor/elementwise.js';
import { bumpVersion, type Tensor } from '../tensor/tensor.js';
import type { Conv2d } from './conv.js';
import { BatchNorm2d, convBnForward } from './layers.js';
import type { Module } from './module.js';

/**
 * The stage runs the layer's own modules, so hooks, tracing and summaries still see them; a batch norm is folded
 * into the convolution where `convBnForward` may fold it (eval mode, no gradient recorded).
 */
export function stageOf(conv: Conv2d, norm?: Module | null): ConvStage {
  if (norm instanceof BatchNorm2d)
    return {
      weight: conv.weight,
      bias: conv.bias,
      forward: (x: Tensor) => convBnForward(conv, norm, x),
      norm: null,
    };
  return {
    weight: conv.weight,
    bias: conv.bias,
    forward: (x: Tensor) => conv.forward(x),
    norm: norm ? (y: Tensor) => norm.forward(y) : null,
  };
}

/**
 * relu(t) for a tensor the caller has just made and holds the only reference to: in place when no graph records
 * it (nothing can read its old values), so inference pays no second buffer; otherwise the recorded op.
 */
export function reluOfFresh(t: Tensor): Tensor {
  if (t.requiresGrad) return E.relu(t);
  getBackend().unary('relu', t.data, t.data, 0, 0);
  bumpVersion(t);
  return t;
}
