export * from './conv.js';
export * from './init.js';
export * from './layers.js';
export { type LayerRecord, Module, ModelSummary, Parameter, type StateDict, stateKey } from './module.js';
export * from './optim.js';
