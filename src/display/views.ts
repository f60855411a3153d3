/**
 * MIME bundles of tensors: the vendor payload, a PNG rendering and a text summary. `toMimeBundle` picks the view
 * by rank — a scalar, a vector (one strip), an HW heatmap, a CHW stack of feature maps, the first item of an
 * NCHW batch — and `featureMapsBundle`/`kernelsBundle` draw stacks and weights explicitly.
 */
import { fmtShape, ShapeError } from '../errors.js';
import { numel, Tensor } from '../tensor/tensor.js';
import type {
  Colormap,
  FeatureMapsView,
  KernelsView,
  Layout,
  MimeBundle,
  Stats,
  TensorView,
} from './contract.js';
import { MIME_TYPE } from './contract.js';
import { cellScale, FRAME, floatsToBase64, MARGIN, Raster } from './raster.js';
import { blockMean, fitMaps, limitsOf, type SampleLimits } from './sample.js';
import { defaultColormap, fmt, fmtStats, type Summary, scaleFor, summarize } from './stats.js';

export interface DisplayOptions extends SampleLimits {
  /** A label shown with the picture. */
  name?: string;
  /** Colour map; default diverging for signed data, viridis otherwise. */
  cmap?: Colormap;
  /** An extra sentence to show. */
  note?: string;
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
const TILE_GAP = 2;

/** A picture of n maps of h×w in a grid, with a colour bar when they share one scale. */
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
  const gap = n > 1 ? TILE_GAP : 0;
  const s = cellScale(cols * (w + gap), rows * (h + gap));
  // A vector is one row of cells: give it height enough to see.
  const sy = vector ? Math.max(s, 24) : s;
  const tileW = w * s;
  const tileH = h * sy;
  const gridW = cols * tileW + (cols - 1) * gap;
  const gridH = rows * tileH + (rows - 1) * gap;
  const barSpace = colorBar ? BAR_GAP + BAR_WIDTH + 2 : 0;
  const r = new Raster(gridW + 2 * MARGIN + barSpace, Math.max(gridH, colorBar ? 48 : 1) + 2 * MARGIN);
  for (let k = 0; k < n; k++) {
    const x = MARGIN + (k % cols) * (tileW + gap);
    const y = MARGIN + Math.floor(k / cols) * (tileH + gap);
    const [lo, hi] = ranges[ranges.length === 1 ? 0 : k]!;
    r.drawMap(data, k * h * w, h, w, x, y, s, sy, cmap, lo, hi);
  }
  if (colorBar)
    r.colorBar(MARGIN + gridW + BAR_GAP + 1, MARGIN + 1, BAR_WIDTH, Math.max(gridH, 48) - 2, cmap);
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

function common(
  opts: DisplayOptions,
  shape: number[],
  data: Float32Array,
  stats: Stats,
  cmap: Colormap,
  range: [number, number] | undefined,
  sourceShape: readonly number[],
  notes: string[],
) {
  const fields = {
    ...(opts.name !== undefined && { name: opts.name }),
    shape,
    dtype: 'float32' as const,
    data: floatsToBase64(data),
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
    version: 1,
    kind: 'tensor',
    layout,
    ...common(opts, shape, data, stats, cmap, range, t.shape, allNotes(opts, notes)),
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
    version: 1,
    kind: 'tensor',
    ...common(
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
    version: 1,
    kind: 'feature-maps',
    layout: 'CHW',
    cols,
    scale,
    ...common(opts, [n, oh, ow], sampled.data, stats, cmap, range, t.shape, allNotes(opts, notes)),
  };
  const drawn = Math.min(n, opts.maxPictureMaps ?? 64);
  if (!Number.isInteger(drawn) || drawn < 1) {
    throw new ShapeError(`${fn}: maxPictureMaps must be a positive integer, got ${opts.maxPictureMaps}`);
  }
  const pictureCols = drawn < n ? Math.ceil(Math.sqrt(drawn)) : Math.min(cols, n);
  const png = renderGrid(sampled.data, drawn, oh, ow, pictureCols, cmap, ranges, scale === 'shared');
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
    version: 1,
    kind: 'kernels',
    layout: 'OIHW',
    scale,
    ...common(opts, [keepO, keepI, kh, kw], data, stats, cmap, range, w0.shape, allNotes(opts, notes)),
  };
  // Depthwise weights have one input channel: wrap their column into a near-square grid.
  const cols = keepI === 1 ? Math.ceil(Math.sqrt(keepO)) : keepI;
  const png = renderGrid(data, n, kh, kw, cols, cmap, ranges, scale === 'shared');
  return bundle(payload, png, summaryText('Kernels', w0.shape, stats, opts, allNotes(opts, notes)));
}
