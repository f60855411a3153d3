/**
 * convlab: tensors with autograd, the convolutions of the classic and variant series, layers, analysis and
 * displays, with PyTorch's names and semantics.
 */
export { availableBackends, type BackendName, getBackend, setBackend, withBackend } from './backend/index.js';
export type { Backend, ConvGeometry, DeformGeometry } from './backend/contract.js';
export { ArgumentError, ShapeError } from './errors.js';
export * from './ops/index.js';
export * from './tensor/index.js';
export * from './nn/index.js';
export {
  adaptiveAvgPool2d,
  type AvgPoolOptions,
  avgPool2d,
  type InterpolateOptions,
  interpolate,
  maxPool2d,
  type PoolOptions,
} from './ops/pool.js';
export * from './io/index.js';
export * from './models/index.js';
export * from './analysis/index.js';
export * from './display/index.js';
export { decodePng, type DecodePngOptions, encodePng, readPng, writePng } from './io/png.js';
export * from './ops/variants.js';
export * from './nn/variants.js';
