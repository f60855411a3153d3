/** Layers of the variant convolution families, one module each. */
export * from './deformable.js';
export * from './graph.js';
export * from './inception.js';
export * from './acnet.js';
export * from './octave.js';
export * from './hetconv.js';
export * from './condconv.js';
export * from './dynamic.js';
export * from './ghost.js';
export * from './scconv.js';
export * from './doconv.js';
export * from './splat.js';
export * from './involution.js';
export * from './shufflenet.js';
