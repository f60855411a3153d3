export { loadNpy, saveNpy } from './npy.js';
export { loadSafetensors, saveSafetensors } from './safetensors.js';
export { SAMPLE_IMAGES, type SampleImage, sampleImage } from './samples.js';
export { type Digits, loadDigits } from './digits.js';
export { type LoadCheckpointOptions, loadCheckpoint, UnpicklingError } from './checkpoint.js';
export { exportOnnx } from './onnx.js';
