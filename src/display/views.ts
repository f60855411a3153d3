/**
 * MIME bundles of tensors: the vendor payload, a PNG rendering and a text summary. `toMimeBundle` picks the view
 * by rank — a scalar, a vector (one strip), an HW heatmap, a CHW stack of feature maps, the first item of an
 * NCHW batch — and `featureMapsBundle`/`kernelsBundle` draw stacks and weights explicitly.
 */
import { ArgumentError, fmtShape, ShapeError } from '../errors.js';
import { numel, Tensor } from '../tensor/tensor.js';
import { encodeArray } from './codec.js';
import type {
  ArrayDType,
  Colormap,
  FeatureMapsView,
  KernelsView,
  Layout,
  MimeBundle,
  Stats,
  TensorView,
} from './contract.js';
import { MIME_TYPE } from './contract.js';
import { GLYPH_HEIGHT } from './font.js';
import { barLabelWidth, cellScale, FRAME, MARGIN, Raster } from './raster.js';
import { blockMean, fitMaps, limitsOf, type SampleLimits } from './sample.js';
import { defaultColormap, fmt, fmtStats, type Summary, scaleFor, summarize } from './stats.js';

export interface DisplayOptions extends SampleLimits {
  /** A label shown with the picture. */
  name?: string;
  /** Colour map; default diverging for signed data, viridis otherwise. */
  cmap?: Colormap;
  /** An extra sentence to show. */
  note?: string;
  /**
   * How the payload carries the values: `uint8` (8-bit codes with a scale, the default above 1024 values: the
   * colours are exact and a read-out is within half a step), `float16`, or `float32` (exact, the default for
   * small arrays such as kernels, whose values are read).
   */
  dtype?: ArrayDType;
}

/** Up to this many values, arrays travel as exact float32 by default; a few kilobytes at most. */
const EXACT_UP_TO = 1024;

/** The encoding of `n` values: asked for, else exact for small arrays and 8-bit codes for maps. */
export function dtypeFor(fn: string, n: number, dtype: ArrayDType | undefined): ArrayDType {
  if (dtype !== undefined && dtype !== 'uint8' && dtype !== 'float16' && dtype !== 'float32')
    throw new ArgumentError(
      `${fn}: dtype must be 'uint8', 'float16' or 'float32', got ${JSON.stringify(dtype)}`,
    );
  return dtype ?? (n <= EXACT_UP_TO ? 'float32' : 'uint8');
}

export interface GridOptions extends DisplayOptions {
  /** Columns of the feature-map grid (default: a near-square grid). */
  cols?: number;
  /** One colour scale for every map, or each map on its own (default shared). */
  scale?: 'shared' | 'per-map';
  /**
   * Most maps drawn in the PNG fallback (default 64): the picture is for viewers without the extension, and a
   * picture of hundreds of maps weighs megabytes in a notebook while showing little more.
   */
  maxPictureMaps?: number;
}

const BAR_GAP = 8;
const BAR_WIDTH = 12;
/** Each map's own colour bar, beside it, when maps have their own scales and are few enough to label. */
const MAP_BAR_WIDTH = 6;
const MAP_BARS_UP_TO = 16;
const TILE_GAP = 2;

/**
 * A picture of n maps of h×w in a grid. Maps on one scale get one colour bar with its values; maps on their own
 * scales (several `ranges`) each get a small bar labelled with their own values, when there are few of them.
 */
export function renderGrid(
  data: Float32Array,
  n: number,
  h: number,
  w: number,
  cols: number,
  cmap: Colormap,
  ranges: [number, number][],
  colorBar: boolean,
  vector = false,
): Raster {
  const rows = Math.ceil(n / cols);
  const perMapBars = colorBar && ranges.length > 1 && n <= MAP_BARS_UP_TO;
  const sharedBar = colorBar && ranges.length === 1;
  const tileGap = n > 1 ? TILE_GAP : 0;
  const s = cellScale(cols * (w + tileGap), rows * (h + tileGap));
  // A vector is one row of cells: give it height enough to see.
  const sy = vector ? Math.max(s, 24) : s;
  const tileH = h * sy;
  const mapBar = perMapBars
    ? MAP_BAR_WIDTH + 3 + Math.max(...ranges.map(([lo, hi]) => barLabelWidth(lo, hi, tileH)))
    : 0;
  const gap = tileGap + (perMapBars && n > 1 ? 6 : 0);
  const tileW = w * s;
  const pitchX = tileW + mapBar + gap;
  const gridW = cols * pitchX - gap;
  const gridH = rows * tileH + (rows - 1) * gap;
  const barH = Math.max(gridH, 48) - 2;
  const [lo0, hi0] = ranges[0] ?? [0, 0];
  const barSpace = sharedBar ? BAR_GAP + BAR_WIDTH + 2 + barLabelWidth(lo0, hi0, barH) : 0;
  const r = new Raster(
    gridW + 2 * MARGIN + barSpace,
    Math.max(gridH, sharedBar ? 48 : 1, perMapBars ? GLYPH_HEIGHT : 1) + 2 * MARGIN,
  );
  for (let k = 0; k < n; k++) {
    const x = MARGIN + (k % cols) * pitchX;
    const y = MARGIN + Math.floor(k / cols) * (tileH + gap);
    const [lo, hi] = ranges[ranges.length === 1 ? 0 : k]!;
    r.drawMap(data, k * h * w, h, w, x, y, s, sy, cmap, lo, hi);
    if (perMapBars) r.colorBar(x + tileW + 3, y + 1, MAP_BAR_WIDTH, Math.max(1, tileH - 2), cmap, lo, hi);
  }
  if (sharedBar) r.colorBar(MARGIN + gridW + BAR_GAP + 1, MARGIN + 1, BAR_WIDTH, barH, cmap, lo0, hi0);
  return r;
}

/** Per-map [min, max] (or symmetric about 0 for the diverging map). */
function perMapRanges(data: Float32Array, n: number, plane: number, cmap: Colormap): [number, number][] {
  return Array.from({ length: n }, (_, k) =>
    scaleFor(cmap, summarize(data.subarray(k * plane, (k + 1) * plane))),
  );
}

function summaryText(
  kind: string,
  shape: readonly number[],
  stats: Summary,
  opts: DisplayOptions,
  notes: string[],
): string {
  const head = `${opts.name ? `${opts.name}: ` : ''}${kind} ${fmtShape(shape)} float32`;
  return [head, fmtStats(stats), ...notes].join('\n');
}

/** Up to this many values, the text summary also lists them, so a small tensor reads in plain text too. */
const TEXT_VALUES = 32;

function valuesText(t: Tensor): string[] {
  if (t.size > TEXT_VALUES) return [];
  const nest = (dim: number, offset: number): string => {
    if (dim === t.ndim) return fmt(t.data[offset]!);
    const step = numel(t.shape.slice(dim + 1));
    return `[${Array.from({ length: t.shape[dim]! }, (_, i) => nest(dim + 1, offset + i * step)).join(', ')}]`;
  };
  return [nest(0, 0)];
}

function joinNotes(notes: string[]): string | undefined {
  return notes.length > 0 ? notes.join('; ') : undefined;
}

/**
 * The fields every array payload has. `maps` is how many maps the values hold: 8-bit codes get one scale per
 * map, so a faint map keeps its levels beside a bright one.
 */
function common(
  fn: string,
  opts: DisplayOptions,
  shape: number[],
  data: Float32Array,
  stats: Stats,
  cmap: Colormap,
  range: [number, number] | undefined,
  sourceShape: readonly number[],
  notes: string[],
  maps = 1,
) {
  const fields = {
    ...(opts.name !== undefined && { name: opts.name }),
    shape,
    ...encodeArray(data, shape, dtypeFor(fn, data.length, opts.dtype), maps),
    stats: { min: stats.min, max: stats.max, mean: stats.mean, std: stats.std },
    cmap,
    ...(range && { range }),
    ...(!sameShape(shape, sourceShape) && { sourceShape: [...sourceShape] }),
    ...(joinNotes(notes) !== undefined && { note: joinNotes(notes) }),
  };
  return fields;
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

function bundle(payload: TensorView | FeatureMapsView | KernelsView, png: Raster, text: string): MimeBundle {
  return { 'text/plain': text, 'image/png': png.toPngBase64(), [MIME_TYPE]: payload };
}

function allNotes(opts: DisplayOptions, notes: string[]): string[] {
  return opts.note ? [opts.note, ...notes] : notes;
}

/** A heatmap (HW), a strip (vector) or a swatch (scalar) as a `tensor` payload. */
function plainBundle(t: Tensor, layout: Layout, opts: DisplayOptions): MimeBundle {
  const limits = limitsOf('show.tensor', opts);
  const stats = summarize(t.data);
  const cmap = opts.cmap ?? defaultColormap(stats);
  const range = scaleFor(cmap, stats);
  const [h, w] = layout === 'HW' ? (t.shape as [number, number]) : [1, t.size];
  const notes: string[] = [];
  let f = 1;
  while (Math.ceil(h / f) * Math.ceil(w / f) > limits.maxElements) f++;
  const data = blockMean(t.data, 1, h, w, f);
  const oh = Math.ceil(h / f);
  const ow = Math.ceil(w / f);
  if (f > 1)
    notes.push(
      `down-sampled ${f}× (block mean) from ${h}×${w} to ${oh}×${ow} for display (maxElements ${limits.maxElements})`,
    );
  const shape = layout === 'HW' ? [oh, ow] : layout === 'vector' ? [ow] : [];
  const payload: TensorView = {
    version: 2,
    kind: 'tensor',
    layout,
    ...common('show.tensor', opts, shape, data, stats, cmap, range, t.shape, allNotes(opts, notes)),
  };
  const png = renderGrid(data, 1, oh, ow, 1, cmap, [range], layout !== 'scalar', layout === 'vector');
  const text =
    layout === 'scalar'
      ? `${opts.name ? `${opts.name}: ` : ''}tensor(${fmt(t.data[0]!)}) float32 scalar`
      : [summaryText('Tensor', t.shape, stats, opts, allNotes(opts, notes)), ...valuesText(t)].join('\n');
  return bundle(payload, png, text);
}

function emptyBundle(t: Tensor, opts: DisplayOptions): MimeBundle {
  const stats = summarize(t.data);
  const note = `empty tensor of shape ${fmtShape(t.shape)}`;
  const payload: TensorView = {
    version: 2,
    kind: 'tensor',
    ...common(
      'show.tensor',
      opts,
      [...t.shape],
      t.data,
      stats,
      opts.cmap ?? 'viridis',
      undefined,
      t.shape,
      allNotes(opts, [note]),
    ),
  };
  const png = new Raster(16, 16);
  png.strokeRect(0, 0, 16, 16, FRAME);
  return bundle(payload, png, summaryText('Tensor', t.shape, stats, opts, allNotes(opts, [note])));
}

/** The bundle of a tensor, the view chosen by rank. */
export function toMimeBundle(t: Tensor, opts: GridOptions = {}): MimeBundle {
  if (!(t instanceof Tensor)) throw new ShapeError(`toMimeBundle: expected a Tensor, got ${typeof t}`);
  if (t.size === 0) return emptyBundle(t, opts);
  switch (t.ndim) {
    case 0:
      return plainBundle(t, 'scalar', opts);
    case 1:
      return plainBundle(t, 'vector', opts);
    case 2:
      return plainBundle(t, 'HW', opts);
    default:
      return featureMapsBundle(t, opts);
  }
}

/**
 * A stack of maps as a grid: [C, H, W]; [N, C, H, W] shows its first item; more leading axes are flattened into
 * channels. Statistics describe the whole tensor.
 */
export function featureMapsBundle(t: Tensor, opts: GridOptions = {}): MimeBundle {
  const fn = 'show.featureMaps';
  if (t.ndim < 3) throw new ShapeError(`${fn}: expected [C, H, W] or [N, C, H, W], got ${fmtShape(t.shape)}`);
  const limits = limitsOf(fn, opts);
  const stats = summarize(t.data);
  const cmap = opts.cmap ?? defaultColormap(stats);
  const scale = opts.scale ?? 'shared';
  const notes: string[] = [];
  const [h, w] = t.shape.slice(-2) as [number, number];
  let c: number;
  let maps: Float32Array;
  if (t.ndim === 4) {
    c = t.shape[1]!;
    maps = t.data.subarray(0, c * h * w);
    if (t.shape[0]! > 1) notes.push(`first item of a batch of ${t.shape[0]}`);
  } else {
    c = numel(t.shape.slice(0, -2));
    maps = t.data;
    if (t.ndim > 4) notes.push(`leading axes ${fmtShape(t.shape.slice(0, -2))} flattened into ${c} maps`);
  }
  const sampled = fitMaps(maps, c, h, w, limits);
  notes.push(...sampled.notes);
  const [n, oh, ow] = sampled.shape;
  const cols = opts.cols ?? Math.ceil(Math.sqrt(n));
  if (!Number.isInteger(cols) || cols < 1)
    throw new ShapeError(`${fn}: cols must be a positive integer, got ${cols}`);
  const range = scale === 'shared' ? scaleFor(cmap, stats) : undefined;
  const ranges = range ? [range] : perMapRanges(sampled.data, n, oh * ow, cmap);
  const payload: FeatureMapsView = {
    version: 2,
    kind: 'feature-maps',
    layout: 'CHW',
    cols,
    scale,
    ...common(fn, opts, [n, oh, ow], sampled.data, stats, cmap, range, t.shape, allNotes(opts, notes), n),
  };
  const drawn = Math.min(n, opts.maxPictureMaps ?? 64);
  if (!Number.isInteger(drawn) || drawn < 1) {
    throw new ShapeError(`${fn}: maxPictureMaps must be a positive integer, got ${opts.maxPictureMaps}`);
  }
  const pictureCols = drawn < n ? Math.ceil(Math.sqrt(drawn)) : Math.min(cols, n);
  const png = renderGrid(sampled.data, drawn, oh, ow, pictureCols, cmap, ranges, true);
  const textNotes = drawn < n ? [...notes, `the picture shows the first ${drawn} of ${n} maps`] : notes;
  const text = summaryText('Feature maps', t.shape, stats, opts, allNotes(opts, textNotes));
  return bundle(payload, png, [text, ...valuesText(t)].join('\n'));
}

/** Convolution weights [out, in, kH, kW] (or [out, in, k]) as a grid of filters, one row per output channel. */
export function kernelsBundle(weight: Tensor | { weight: Tensor }, opts: GridOptions = {}): MimeBundle {
  const fn = 'show.kernels';
  const w0 = weight instanceof Tensor ? weight : weight?.weight;
  if (!(w0 instanceof Tensor) || (w0.ndim !== 3 && w0.ndim !== 4)) {
    throw new ShapeError(
      `${fn}: expected weights [out, in, kH, kW] or a layer with them, got ${w0 instanceof Tensor ? fmtShape(w0.shape) : typeof weight}`,
    );
  }
  const w = w0.ndim === 3 ? w0.reshape([w0.shape[0]!, w0.shape[1]!, 1, w0.shape[2]!]) : w0;
  const [o, i, kh, kw] = w.shape as [number, number, number, number];
  const limits = limitsOf(fn, opts);
  const stats = summarize(w.data);
  const cmap = opts.cmap ?? defaultColormap(stats);
  const scale = opts.scale ?? 'shared';
  const notes: string[] = [];
  // Keep at most maxChannels filters along each axis, and within maxElements in all.
  let keepO = Math.min(o, limits.maxChannels);
  const keepI = Math.min(i, limits.maxChannels);
  while (keepO > 1 && keepO * keepI * kh * kw > limits.maxElements) keepO--;
  if (keepO < o || keepI < i)
    notes.push(`showing ${keepO} of ${o} output and ${keepI} of ${i} input channels`);
  const data = new Float32Array(keepO * keepI * kh * kw);
  for (let a = 0; a < keepO; a++) {
    data.set(w.data.subarray(a * i * kh * kw, (a * i + keepI) * kh * kw), a * keepI * kh * kw);
  }
  const range = scale === 'shared' ? scaleFor(cmap, stats) : undefined;
  const n = keepO * keepI;
  const ranges = range ? [range] : perMapRanges(data, n, kh * kw, cmap);
  const payload: KernelsView = {
    version: 2,
    kind: 'kernels',
    layout: 'OIHW',
    scale,
    ...common(fn, opts, [keepO, keepI, kh, kw], data, stats, cmap, range, w0.shape, allNotes(opts, notes)),
  };
  // Depthwise weights have one input channel: wrap their column into a near-square grid.
  const cols = keepI === 1 ? Math.ceil(Math.sqrt(keepO)) : keepI;
  const png = renderGrid(data, n, kh, kw, cols, cmap, ranges, true);
  return bundle(payload, png, summaryText('Kernels', w0.shape, stats, opts, allNotes(opts, notes)));
}
