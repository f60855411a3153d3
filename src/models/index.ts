export * from './mobilenet.js';
export * from './resnet.js';
