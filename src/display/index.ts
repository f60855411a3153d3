import './install.js';

export {
  type ArrayDType,
  type Colormap,
  CONTRACT_VERSION,
  type ConvlabPayload,
  type CoverageView,
  type FeatureMapsView,
  type ImageView,
  type KernelsView,
  MIME_TYPE,
  type MimeBundle,
  type ReceptiveFieldView,
  type TensorView,
} from './contract.js';
export { type CurvesOptions, type History, VEGA_LITE_MIME } from './curves.js';
export type { ReceptiveFieldDisplayOptions } from './field-views.js';
export type { SampleLimits } from './sample.js';
export { Display, JUPYTER_DISPLAY, show } from './show.js';
export { type DisplayOptions, type GridOptions, toMimeBundle } from './views.js';
