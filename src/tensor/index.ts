export * from './create.js';
export {
  abs,
  add,
  clamp,
  div,
  exp,
  leakyRelu,
  log,
  maximum,
  minimum,
  mul,
  neg,
  pow,
  relu,
  sigmoid,
  sqrt,
  sub,
  tanh,
} from './elementwise.js';
export { linear, matmul } from './linalg.js';
export * from './loss.js';
export { Generator, manualSeed } from './random.js';
export { argmax, logSoftmax, max, mean, min, softmax, sum, variance as var } from './reduce.js';
export {
  cat,
  chunk,
  expand,
  flatten,
  gatherDims,
  narrow,
  type PadMode,
  pad,
  permute,
  reshape,
  slice,
  split,
  squeeze,
  transpose,
  unsqueeze,
} from './shape.js';
export { isGradEnabled, keep, noGrad, scope, type Shape, Tensor } from './tensor.js';
export { memoryStats, setPoolLimit } from './storage.js';
