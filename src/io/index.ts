export { loadNpy, saveNpy } from './npy.js';
export { loadSafetensors, saveSafetensors } from './safetensors.js';
