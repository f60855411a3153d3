/**
 * The functional convolutions (torch.nn.functional style: stateless, weights passed in), pooling, and their
 * cost formulas, listed name by name; argument checks and planning helpers stay internal.
 */
export {
  adaptiveAvgPool2d,
  avgPool2d,
  type AvgPoolOptions,
  interpolate,
  type InterpolateOptions,
  maxPool2d,
  type PoolOptions,
} from './pool.js';
export { batchNorm } from './norm.js';
export {
  conv1d,
  conv2d,
  conv3d,
  convCost,
  type ConvOptions,
  type Cost,
} from './conv.js';
export {
  convOutSize,
  type IntOrTuple,
  type Padding,
  type PaddingMode,
} from './args.js';
export {
  depthwiseSeparableConv2d,
  depthwiseSeparableCost,
  type DepthwiseSeparableOptions,
} from './depthwise.js';
export {
  spatiallySeparableConv2d,
  spatiallySeparableCost,
  type SpatiallySeparableOptions,
} from './separable.js';
export { channelShuffle } from './shuffle.js';
export {
  convTranspose1d,
  convTranspose2d,
  convTranspose3d,
  convTransposeCost,
  type ConvTransposeOptions,
} from './transposed.js';
export {
  deformConv2d,
  deformConv2dCost,
  type DeformConv2dOptions,
} from './deformable.js';
export {
  gcnConv,
  gcnCost,
  normalizeAdjacency,
  type NormalizeOptions,
  sparseCoo,
  SparseCOO,
  spmm,
  toSparse,
} from './graph.js';
export {
  type InceptionChannels,
  inceptionCost,
} from './inception.js';
export {
  acBlockCost,
  type BatchNormState,
  fuseConvBn,
} from './acnet.js';
export {
  octaveCost,
  octaveSplit,
} from './octave.js';
export {
  hetConv2d,
  hetConvCost,
  hetConvFlopsRatio,
  type HetConvOptions,
  hetPointwiseKernel,
} from './hetconv.js';
export {
  condConv2d,
  condConvCost,
  condConvRouting,
  type MixtureConvOptions,
} from './condconv.js';
export {
  annealedTemperature,
  dynamicConv2d,
  kernelAttention,
} from './dynamic.js';
export {
  ghostCost,
  ghostSpeedup,
} from './ghost.js';
export { scConvCost } from './scconv.js';
export {
  doconvCost,
  doconvKernel,
} from './doconv.js';
export {
  rSoftmax,
  splatCost,
} from './splat.js';
export {
  involution2d,
  type Involution2dOptions,
  involutionCost,
  unfold2d,
} from './involution.js';
export { shuffleNetUnitCost } from './shufflenet.js';
export { type ACBlockWeights, acBlock } from './acnet.js';
export { type GhostWeights, ghostModule } from './ghost.js';
export { type InceptionWeights, inceptionBlock } from './inception.js';
export { type OctaveWeights, octaveConv2d } from './octave.js';
export { type SCConvWeights, scConv } from './scconv.js';
export { type ShuffleNetUnitWeights, shuffleNetUnit } from './shufflenet.js';
export { type SplAtWeights, splAtConv2d } from './splat.js';
export type { ConvStage, Norm } from './stage.js';
