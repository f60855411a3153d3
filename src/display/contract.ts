/**
 * The display contract between the convlab library and the JupyterLab extension: the payload of the vendor MIME
 * type `application/vnd.convlab.v1+json`. Types only, no imports, so the extension imports this file by a relative
 * path and never depends on the library. `contract.schema.json` beside it is the JSON Schema of the same payloads;
 * a change here is a change there (the display tests validate every payload the library emits against it).
 *
 * Conventions shared by every kind:
 * - `version` is 1 and `kind` names the payload; a renderer switches on `kind`.
 * - Numeric arrays travel as base64 of little-endian float32 (`data`), row-major, with their `shape`.
 * - `stats` describe the whole tensor as the user holds it, before any down-sampling for display; when the data
 *   were down-sampled, `sourceShape` is the shape before and `note` says so in words the renderer shows.
 * - Spatial positions are `[row, col]` (that is `[i, j]`, y before x), in cells of the grid they refer to.
 */

export const MIME_TYPE = 'application/vnd.convlab.v1+json';
export const CONTRACT_VERSION = 1;

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

/** Fields of every array-carrying payload. */
export interface ArrayFields {
  name?: string;
  /** Shape of `data` (after down-sampling, if any). */
  shape: number[];
  dtype: 'float32';
  /** Base64 of the little-endian float32 values, row-major. */
  data: string;
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
  version: 1;
  kind: 'tensor';
  layout?: Layout;
}

/** A CHW stack drawn as a grid of channels. */
export interface FeatureMapsView extends ArrayFields {
  version: 1;
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
  version: 1;
  kind: 'kernels';
  layout: 'OIHW';
  scale: 'shared' | 'per-map';
}

/** A picture to draw under an overlay when the input is an image rather than a tensor. */
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

/** Path counts of one output unit relative to its field's top-left cell: which cells it really reaches. */
export interface ReachGrid {
  /** [rows, cols], equal to the receptive-field size of the last layer. */
  shape: [number, number];
  /** Row-major counts of paths from the unit to each cell (0: never reached — the gridding holes). */
  counts: number[];
}

export interface ReceptiveFieldView {
  version: 1;
  kind: 'receptive-field';
  name?: string;
  /** The input the field is drawn on. */
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
  version: 1;
  kind: 'coverage';
  name?: string;
  mode: 'gridding' | 'checkerboard';
  /** [rows, cols] of the grid. */
  shape: [number, number];
  /** Row-major non-negative integer counts. */
  counts: number[];
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
