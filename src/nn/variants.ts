/** Layers of the variant convolution families, one module each. */
export * from './deformable.js';
