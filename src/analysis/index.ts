export {
  Checkerboard,
  type CheckerboardOptions,
  Coverage,
  type CoverageOptions,
  checkerboard,
  coverage,
} from './coverage.js';
export { EffectiveReceptiveField, type ErfOptions, effectiveReceptiveField, type Forward } from './erf.js';
export type { LayerGeometry, LayerSpec, ModuleLike, Pair } from './layers.js';
export {
  type Box,
  type FieldRow,
  ReceptiveField,
  type ReceptiveFieldOptions,
  receptiveField,
} from './receptive-field.js';
