export {
  Checkerboard,
  type CheckerboardOptions,
  Coverage,
  type CoverageOptions,
  checkerboard,
  coverage,
} from './coverage.js';
export { EffectiveReceptiveField, type ErfOptions, effectiveReceptiveField, type Forward } from './erf.js';
export {
  type LayerGeometry,
  type LayerSpec,
  type ModuleLike,
  PARALLEL_BRANCHES,
  type Pair,
} from './layers.js';
export {
  type Box,
  type FieldRow,
  ReceptiveField,
  type ReceptiveFieldOptions,
  receptiveField,
} from './receptive-field.js';
