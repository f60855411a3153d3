export * from './conv.js';
export * from './init.js';
export * from './layers.js';
export { type LayerRecord, Module, ModelSummary, type StateDict } from './module.js';
export * from './optim.js';
