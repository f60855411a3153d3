/** The variant convolution families, one module each. */
export * from './deformable.js';
