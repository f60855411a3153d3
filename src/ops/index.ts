export * from './args.js';
export { biasGrad, type ConvOptions, conv1d, conv2d, conv3d, convCost, type Cost, planConv } from './conv.js';
export * from './depthwise.js';
export * from './separable.js';
export * from './shuffle.js';
export * from './transposed.js';
