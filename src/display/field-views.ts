/**
 * The bundle of a receptive field: drawn on its input with the theoretical box of the pinned units, the effective
 * receptive field as a heat overlay under it, and, for a dilated stack, marks on the cells a unit really reaches
 * (the gaps between them are the gridding holes). The payload carries the layers; the extension recomputes boxes.
 */
import { type Coverage, coverage } from '../analysis/coverage.js';
import type { EffectiveReceptiveField } from '../analysis/erf.js';
import type { Pair } from '../analysis/layers.js';
import { type FieldRow, type ReceptiveField, resolveSize } from '../analysis/receptive-field.js';
import { ArgumentError, fmtShape } from '../errors.js';
import { Tensor } from '../tensor/tensor.js';
import { colorOf, type RGB } from './colormap.js';
import { encodeArray } from './codec.js';
import type { LayerGeometry, MimeBundle, ReachGrid, ReceptiveFieldView, TensorView } from './contract.js';
import { MIME_TYPE } from './contract.js';
import { cellScale, FRAME, MARGIN, Raster } from './raster.js';
import { blockMean, limitsOf, type SampleLimits } from './sample.js';
import { dtypeFor } from './views.js';
import { fmt, type Summary, summarize } from './stats.js';

export interface ReceptiveFieldDisplayOptions extends SampleLimits {
  name?: string;
  /** The input to draw the field on: an image [3, H, W] in [0, 1], a map [H, W] or [C, H, W], or [N, C, H, W]. */
  input?: Tensor;
  /** The effective receptive field to draw under the boxes: a result or an [H, W] map. */
  erf?: EffectiveReceptiveField | Tensor;
  /** Output units [i, j] whose boxes to outline (default: the ERF's unit, else the centre unit). */
  units?: [number, number][];
  /** Input size [H, W] when no input or ERF gives one (default: the field's own, else twice the field, ≥ 16). */
  inputSize?: number | [number, number];
}

const BOX: RGB = [255, 127, 14];
const ERF: RGB = [214, 39, 40];

/** "3" for a square pair, "3×5" otherwise. */
export const pairText = (p: readonly number[]) => (p[0] === p[1] ? `${p[0]}` : `${p[0]}×${p[1]}`);

function geometry(row: FieldRow): LayerGeometry {
  const { name, kernel, stride, padding, dilation, jump, size, start } = row;
  return { name, kernel, stride, padding, dilation, jump, size, start };
}

/** The input as displayed: RGB in [0, 1] or one mean map, block-averaged by `f` to fit the cap. */
interface SampledInput {
  given: boolean;
  /** [c, ⌈h/f⌉, ⌈w/f⌉] values, c = 3 for RGB, 1 otherwise. */
  maps: Float32Array;
  c: number;
  f: number;
  stats: Summary;
  note?: string;
}

/** An RGB image in [0, 1] stays in colour, anything else becomes an HW map (its mean); both fit the cap. */
function sampleInput(input: Tensor | undefined, shape: Pair, limits: Required<SampleLimits>): SampledInput {
  let x = input;
  if (x && x.ndim === 4) x = new Tensor(x.data.subarray(0, x.size / x.shape[0]!), x.shape.slice(1));
  const [h, w] = shape;
  const range = x && summarize(x.data);
  const rgb = x?.ndim === 3 && x.shape[0] === 3 && range!.min >= 0 && range!.max <= 1;
  let maps: Float32Array;
  let c = 1;
  let note: string | undefined = input ? undefined : 'no input given: a blank grid';
  if (x && rgb) {
    maps = x.data;
    c = 3;
  } else {
    maps = new Float32Array(h * w);
    if (x) {
      const n = x.ndim === 3 ? x.shape[0]! : 1;
      for (let k = 0; k < n; k++) for (let p = 0; p < h * w; p++) maps[p]! += x.data[k * h * w + p]! / n;
      if (n > 1) note = `mean of ${n} channels`;
    }
  }
  const stats = summarize(maps);
  let f = 1;
  while (c * Math.ceil(h / f) * Math.ceil(w / f) > limits.maxElements) f++;
  if (f > 1) {
    maps = blockMean(maps, c, h, w, f);
    note = [note, `down-sampled ${f}× for display`].filter(Boolean).join('; ');
  }
  return { given: x !== undefined, maps, c, f, stats, ...(note && { note }) };
}

/** The input as a payload. */
function inputView({ maps, c, f, stats, note }: SampledInput, [h, w]: Pair): TensorView {
  const plane = [Math.ceil(h / f), Math.ceil(w / f)];
  const outShape = c === 3 ? [3, ...plane] : plane;
  return {
    version: 2,
    kind: 'tensor',
    layout: c === 3 ? 'CHW' : 'HW',
    shape: outShape,
    // One scale for the three channels, so the colours keep their balance.
    ...encodeArray(maps, outShape, dtypeFor('show.receptiveField', maps.length, undefined)),
    stats: { min: stats.min, max: stats.max, mean: stats.mean, std: stats.std },
    cmap: 'gray',
    range: [stats.min, stats.max],
    ...(f > 1 && { sourceShape: c === 3 ? [3, h, w] : [h, w] }),
    ...(note && { note }),
  };
}

function erfView(map: Tensor, limits: Required<SampleLimits>): TensorView {
  const [h, w] = map.shape as Pair;
  const stats = summarize(map.data);
  let f = 1;
  while (Math.ceil(h / f) * Math.ceil(w / f) > limits.maxElements) f++;
  const shape = [Math.ceil(h / f), Math.ceil(w / f)];
  const erf = blockMean(map.data, 1, h, w, f);
  return {
    version: 2,
    kind: 'tensor',
    name: 'effective receptive field',
    layout: 'HW',
    shape,
    ...encodeArray(erf, shape, dtypeFor('show.receptiveField', erf.length, undefined)),
    stats: { min: stats.min, max: stats.max, mean: stats.mean, std: stats.std },
    cmap: 'viridis',
    range: [0, stats.max],
    ...(f > 1 && { sourceShape: [h, w], note: `down-sampled ${f}× for display` }),
  };
}

/**
 * The input picture under the overlay, one input cell per `s` pixels, from the same sampled values the payload
 * carries: the picture shows what the interactive view shows, and a down-sampled photo costs a notebook less.
 */
function drawInput(r: Raster, input: SampledInput, h: number, w: number, s: number): void {
  if (!input.given) return;
  const { maps, c, f, stats } = input;
  const ow = Math.ceil(w / f);
  const plane = Math.ceil(h / f) * ow;
  for (let i = 0; i < h; i++) {
    for (let j = 0; j < w; j++) {
      const p = Math.floor(i / f) * ow + Math.floor(j / f);
      const colour: RGB =
        c === 3
          ? ([0, 1, 2].map((k) => Math.round(maps[k * plane + p]! * 255)) as RGB)
          : colorOf('gray', maps[p]!, stats.min, stats.max);
      r.fillRect(MARGIN + j * s, MARGIN + i * s, s, s, colour);
    }
  }
}

/** What one drawing of a field needs, resolved from the options once. */
interface Scene {
  field: ReceptiveField;
  inputSize: Pair;
  output: Pair;
  input?: Tensor;
  erfMap?: Tensor;
  erf?: EffectiveReceptiveField;
  units: Pair[];
  reach?: Coverage;
}

function resolveScene(fn: string, rf: ReceptiveField, opts: ReceptiveFieldDisplayOptions): Scene {
  if (rf.layers.length === 0)
    throw new ArgumentError(`${fn}: the stack has no sliding-window layers to draw`);
  const erf = opts.erf instanceof Tensor ? undefined : opts.erf;
  const erfMap = opts.erf instanceof Tensor ? opts.erf : erf?.map;
  const input = opts.input ?? erf?.input;
  // The grid the boxes refer to: the input's, else the ERF's, else asked for, else the field's own.
  const inputSize =
    (input?.shape.slice(-2) as Pair | undefined) ??
    (erfMap?.shape as Pair | undefined) ??
    resolveSize(fn, opts.inputSize) ??
    rf.inputSize ??
    (rf.size.map((n) => Math.max(16, 2 * n)) as Pair);
  if (erfMap && (erfMap.ndim !== 2 || erfMap.shape[0] !== inputSize[0] || erfMap.shape[1] !== inputSize[1])) {
    throw new ArgumentError(
      `${fn}: erf must be an [H, W] map of the input's ${inputSize.join('×')}, got ${fmtShape(erfMap.shape)}`,
    );
  }
  const field = rf.withInputSize(inputSize);
  const output = field.outputShape!;
  const units = opts.units ?? [erf?.unit ?? (output.map((n) => Math.floor((n - 1) / 2)) as Pair)];
  for (const u of units) {
    if (
      !Array.isArray(u) ||
      u.length !== 2 ||
      u.some((v, a) => !Number.isInteger(v) || v < 0 || v >= output[a]!)
    ) {
      throw new ArgumentError(
        `${fn}: units must be [i, j] within the ${output.join('×')} output, got ${JSON.stringify(u)}`,
      );
    }
  }
  const dilated = field.layers.some((l) => l.dilation[0] > 1 || l.dilation[1] > 1);
  const reach = dilated ? coverage(field.layers) : undefined;
  return { field, inputSize, output, input, erfMap, erf, units, reach };
}

/** The picture: input, ERF heat, reach marks and boxes, one input cell per `s` pixels. */
function drawScene(scene: Scene, input: SampledInput): Raster {
  const { field, inputSize, erfMap, units, reach } = scene;
  const [h, w] = inputSize;
  const s = cellScale(w, h, 256, 16);
  const r = new Raster(w * s + 2 * MARGIN, h * s + 2 * MARGIN);
  drawInput(r, input, h, w, s);
  if (erfMap) {
    const peak = summarize(erfMap.data).max;
    for (let i = 0; i < h; i++) {
      for (let j = 0; j < w; j++) {
        const v = erfMap.data[i * w + j]!;
        if (peak > 0 && v > 0) r.fillRect(MARGIN + j * s, MARGIN + i * s, s, s, ERF, 0.8 * (v / peak));
      }
    }
  }
  const inside = (y: number, x: number) => y >= 0 && y < h && x >= 0 && x < w;
  for (const [ui, uj] of units) {
    const b = field.box(ui, uj);
    if (reach && s >= 3) {
      const d = Math.max(1, Math.floor(s / 3));
      const o = Math.floor((s - d) / 2);
      for (let a = 0; a < reach.shape[0]; a++) {
        for (let c = 0; c < reach.shape[1]; c++) {
          const [y, x] = [b.top + a, b.left + c];
          if (reach.at(a, c) > 0 && inside(y, x))
            r.fillRect(MARGIN + x * s + o, MARGIN + y * s + o, d, d, BOX);
        }
      }
    }
    const top = Math.max(0, b.top);
    const left = Math.max(0, b.left);
    const bottom = Math.min(h - 1, b.bottom);
    const right = Math.min(w - 1, b.right);
    const [bw, bh] = [(right - left + 1) * s, (bottom - top + 1) * s];
    r.strokeRect(MARGIN + left * s, MARGIN + top * s, bw, bh, BOX, s >= 4 ? 2 : 1);
  }
  r.strokeRect(MARGIN - 1, MARGIN - 1, w * s + 2, h * s + 2, FRAME);
  return r;
}

function sceneText(scene: Scene, name?: string): string {
  const { field, inputSize, output, erfMap, erf, units, reach } = scene;
  const lines = [
    `${name ? `${name}: ` : ''}Receptive field of ${field.layers.length} layers, input ${inputSize.join('×')} → output ${output.join('×')}`,
    ...fieldTable(field.layers),
    `field ${pairText(field.size)}, jump ${pairText(field.jump)}, start ${pairText(field.start)}`,
    ...units.map(([i, j]) => {
      const b = field.box(i, j);
      return `unit [${i}, ${j}] sees input rows ${b.top}..${b.bottom}, cols ${b.left}..${b.right}`;
    }),
  ];
  if (reach) lines.push(`dilated: one unit reaches ${reach.reached} of ${reach.total} cells of its field`);
  if (erfMap) {
    const support = erf?.support();
    lines.push(
      `effective receptive field${erf ? ` of unit [${erf.unit.join(', ')}]` : ''}: peak ${fmt(summarize(erfMap.data).max)}` +
        (support
          ? `, support rows ${support.top}..${support.bottom}, cols ${support.left}..${support.right}`
          : ''),
    );
  }
  return lines.join('\n');
}

/** The bundle of a receptive field on an input. */
export function receptiveFieldBundle(
  rf: ReceptiveField,
  opts: ReceptiveFieldDisplayOptions = {},
): MimeBundle {
  const fn = 'show.receptiveField';
  const limits = limitsOf(fn, opts);
  const scene = resolveScene(fn, rf, opts);
  const { field, inputSize, output, input, erfMap, erf, units, reach } = scene;
  const sampled = sampleInput(input, inputSize, limits);
  const payload: ReceptiveFieldView = {
    version: 2,
    kind: 'receptive-field',
    ...(opts.name !== undefined && { name: opts.name }),
    input: inputView(sampled, inputSize),
    inputShape: inputSize,
    output: { shape: output },
    layers: field.layers.map(geometry),
    ...(erfMap && { erf: erfView(erfMap, limits) }),
    ...(erf && { erfUnit: erf.unit }),
    units,
    ...(reach && {
      reach: {
        shape: reach.shape,
        counts: encodeArray(Float32Array.from(reach.counts), reach.shape, 'float32') as ReachGrid['counts'],
      },
    }),
  };
  return {
    'text/plain': sceneText(scene, opts.name),
    'image/png': drawScene(scene, sampled).toPngBase64(),
    [MIME_TYPE]: payload,
  };
}

function fieldTable(rows: FieldRow[]): string[] {
  const header = ['layer', 'kernel', 'stride', 'padding', 'dilation', 'jump', 'size', 'start'];
  const body = rows.map((l) => [
    l.name,
    ...[l.kernel, l.stride, l.padding, l.dilation, l.jump, l.size, l.start].map(pairText),
  ]);
  const widths = header.map((h, c) => Math.max(h.length, ...body.map((row) => row[c]!.length)));
  return [header, ...body].map((row) =>
    row
      .map((cell, c) => cell.padEnd(widths[c]!))
      .join('  ')
      .trimEnd(),
  );
}
