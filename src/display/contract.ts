/**
 * The display contract between the convlab library and the JupyterLab extension: the payload of the vendor MIME
 * type `application/vnd.convlab.v1+json`. Types only, no imports, so the extension imports this file by a relative
 * path and never depends on the library. `contract.schema.json` beside it is the JSON Schema of the same payloads;
 * a change here is a change there (the display tests validate every payload the library emits against it).
 * `codec.ts` beside it encodes and decodes the arrays.
 *
 * Conventions shared by every kind:
 * - `version` is the revision of the payload inside the MIME type, `kind` names the payload; a renderer switches on
 *   `kind`. Version 1 carried arrays as raw base64 float32; version 2 (this one) carries them compact: `dtype`
 *   `uint8` (quantised, with `quant`), `float16` or `float32`, deflated (see codec.ts). A renderer of version 2
 *   still reads version 1.
 * - Numeric arrays travel as `data` with their `dtype` and `shape`, row-major. The library sends large maps as
 *   `uint8` (the colours are exact, a read-out within half a step) and small arrays whose values are read, such as
 *   kernels, as `float32`; `show.*`'s `dtype` option chooses.
 * - `stats` describe the whole tensor as the user holds it, before any down-sampling for display; when the data
 *   were down-sampled, `sourceShape` is the shape before and `note` says so in words the renderer shows.
 * - Spatial positions are `[row, col]` (that is `[i, j]`, y before x), in cells of the grid they refer to.
 */

export const MIME_TYPE = 'application/vnd.convlab.v1+json';
export const CONTRACT_VERSION = 2;

/** Colour maps the library renders and the extension must offer: `diverging` is centred on 0 for signed data. */
export type Colormap = 'viridis' | 'gray' | 'diverging';

/** How a tensor's axes are meant: scalar, vector, one map (HW), a stack of maps (CHW), a batch (NCHW), weights. */
export type Layout = 'scalar' | 'vector' | 'HW' | 'CHW' | 'NCHW' | 'OIHW';

export interface Stats {
  min: number;
  max: number;
  mean: number;
  /** Population standard deviation (divides by n). */
  std: number;
}

/** How an array's values travel (codec.ts): quantised to 8 bits, IEEE half, or IEEE single precision. */
export type ArrayDType = 'uint8' | 'float16' | 'float32';

/**
 * The codes of a `uint8` array mean `offset + scale·code`; one pair per map (every axis but the last two) or one
 * for all. Code 255 marks a non-finite value.
 */
export interface Quantization {
  scale: number[];
  offset: number[];
}

/** Fields of every array-carrying payload. */
export interface ArrayFields {
  name?: string;
  /** Shape of `data` (after down-sampling, if any). */
  shape: number[];
  dtype: ArrayDType;
  /** Base64 of the zlib-deflated values, row-major (version 1: raw little-endian float32). */
  data: string;
  /** Present when dtype is `uint8`. */
  quant?: Quantization;
  /** Statistics of the full tensor, before down-sampling. */
  stats: Stats;
  cmap?: Colormap;
  /** Colour-scale limits [lo, hi] the library used; diverging scales are symmetric about 0. */
  range?: [number, number];
  /** Shape of the tensor before down-sampling for display; absent when `data` holds every value. */
  sourceShape?: number[];
  /** A sentence the renderer shows as is (down-sampling, "first item of a batch of 8", …). */
  note?: string;
}

export interface TensorView extends ArrayFields {
  version: 2;
  kind: 'tensor';
  layout?: Layout;
}

/** A CHW stack drawn as a grid of channels. */
export interface FeatureMapsView extends ArrayFields {
  version: 2;
  kind: 'feature-maps';
  layout: 'CHW';
  /** Columns of the grid; the renderer chooses when absent. */
  cols?: number;
  /** One colour scale for all maps, or each map scaled to its own min/max. */
  scale: 'shared' | 'per-map';
  /** Index in the source tensor of each channel carried, when only some were kept. */
  channels?: number[];
}

/** Convolution weights [out, in, kH, kW] drawn as a grid of filters: one row per output channel. */
export interface KernelsView extends ArrayFields {
  version: 2;
  kind: 'kernels';
  layout: 'OIHW';
  scale: 'shared' | 'per-map';
}

/**
 * A picture to draw under an overlay (version 1 only: version 2 sends an RGB image as a [3, H, W] tensor, whose
 * uint8 codes deflate as well as a PNG).
 */
export interface ImageView {
  version: 1;
  kind: 'image';
  mime: 'image/png';
  /** Base64 of the encoded image. */
  data: string;
  width: number;
  height: number;
}

/** The geometry of one layer of a receptive-field stack; pairs are [rows, cols]. */
export interface LayerGeometry {
  name: string;
  kernel: [number, number];
  stride: [number, number];
  padding: [number, number];
  dilation: [number, number];
  /**
   * Derived by the library from the layers above (informative; a renderer may recompute): the distance in input
   * cells between neighbouring units of this layer's output (`jump`), the size of one unit's field (`size`), and
   * the input coordinate of the centre of output unit 0 (`start`, may be negative or fractional).
   */
  jump?: [number, number];
  size?: [number, number];
  start?: [number, number];
}

/**
 * Row-major integer counts. Version 2 sends them encoded (codec.ts) as exact float32, since a notebook writes a
 * JSON array one number per line; version 1 sent a JSON array.
 */
export type Counts = number[] | { dtype: 'float32'; data: string };

/** Path counts of one output unit relative to its field's top-left cell: which cells it really reaches. */
export interface ReachGrid {
  /** [rows, cols], equal to the receptive-field size of the last layer. */
  shape: [number, number];
  /** Row-major counts of paths from the unit to each cell (0: never reached — the gridding holes). */
  counts: Counts;
}

export interface ReceptiveFieldView {
  version: 2;
  kind: 'receptive-field';
  name?: string;
  /** The input the field is drawn on: [H, W] gray or [3, H, W] RGB in [0, 1] (version 1: also an image). */
  input: TensorView | ImageView;
  /** Spatial size [H, W] of the input grid the boxes refer to. */
  inputShape: [number, number];
  /** Spatial size [H, W] of the last layer's output: the units the pointer can pick. */
  output: { shape: [number, number] };
  layers: LayerGeometry[];
  /** Effective receptive field: |∂ output unit / ∂ input| on the input grid, shape [H, W]. */
  erf?: TensorView;
  /** The output unit the ERF was computed for. */
  erfUnit?: [number, number];
  /** Output units pinned for display, [row, col]. */
  units?: [number, number][];
  /** The paths of one interior unit (same for every unit up to translation); present for dilated stacks. */
  reach?: ReachGrid;
  note?: string;
}

/** Per-cell counts: how many paths reach each input cell (gridding) or how many kernel taps write each output
 * cell (checkerboard overlap of a transposed convolution). */
export interface CoverageView {
  version: 2;
  kind: 'coverage';
  name?: string;
  mode: 'gridding' | 'checkerboard';
  /** [rows, cols] of the grid. */
  shape: [number, number];
  /** Row-major non-negative integer counts. */
  counts: Counts;
  /** Cells with a count above 0, and all cells. */
  reached: number;
  total: number;
  cmap?: Colormap;
  note?: string;
}

/** Every payload of `application/vnd.convlab.v1+json`. */
export type ConvlabPayload = TensorView | FeatureMapsView | KernelsView | ReceptiveFieldView | CoverageView;

/** A Jupyter MIME bundle as convlab emits it (other keys, like Vega-Lite, may appear beside these). */
export interface MimeBundle {
  'text/plain': string;
  'image/png'?: string;
  'application/vnd.convlab.v1+json'?: ConvlabPayload;
  'application/vnd.vegalite.v5+json'?: Record<string, unknown>;
  [mime: string]: unknown;
}
