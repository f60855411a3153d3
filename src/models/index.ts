export * from './ghostnet.js';
export * from './mobilenet.js';
export * from './resnet.js';
export * from './shufflenet.js';
