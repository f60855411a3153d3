/**
 * Path counting on a grid of cells, the arithmetic behind two well-known artifacts:
 *
 * - gridding (Wang et al. 2018, "Understanding convolution for semantic segmentation"): a stack of dilated
 *   convolutions reaches only some cells of its receptive field. `coverage` counts, for each input cell, the paths
 *   from one output unit down to it. Three 3×3 layers at rates [2, 2, 2] reach 49 of 169 cells; [1, 2, 5] reach
 *   all 289.
 * - checkerboard overlap (Odena et al. 2016, "Deconvolution and checkerboard artifacts"): a transposed
 *   convolution whose kernel is not divisible by its stride writes some output cells more often than others.
 *   `checkerboard` counts, for each output cell, the (input cell, kernel tap) pairs that write it.
 *
 * Both are separable: the kernels are full rectangles, so a 2-D count is the outer product of two 1-D counts.
 */
import { ArgumentError } from '../errors.js';
import {
  type LayerGeometry,
  type LayerSpec,
  layersOf,
  type ModuleLike,
  outLength,
  type Pair,
} from './layers.js';
import { resolveSize } from './receptive-field.js';

export class Coverage {
  /** Row-major counts; `shape` is [rows, cols]. */
  readonly counts: number[];

  constructor(
    readonly mode: 'gridding' | 'checkerboard',
    readonly shape: Pair,
    counts: number[],
    /** Input (gridding) or output (checkerboard) coordinate of grid cell [0, 0]. */
    readonly origin: Pair,
    /** The stack or layer the counts describe, for display. */
    readonly layers: LayerGeometry[],
    /** Gridding: the output unit counted from. */
    readonly unit?: Pair,
  ) {
    this.counts = counts;
  }

  at(i: number, j: number): number {
    const [h, w] = this.shape;
    if (i < 0 || i >= h || j < 0 || j >= w) {
      throw new ArgumentError(`Coverage.at: cell must be within [${h}, ${w}], got [${i}, ${j}]`);
    }
    return this.counts[i * w + j]!;
  }
  /** Cells with at least one path. */
  get reached(): number {
    return this.counts.reduce((n, c) => n + (c > 0 ? 1 : 0), 0);
  }
  get total(): number {
    return this.counts.length;
  }
  /** The distinct counts found, ascending. */
  get levels(): number[] {
    return [...new Set(this.counts)].sort((a, b) => a - b);
  }
}

function outer(rows: number[], cols: number[]): number[] {
  const out = new Array<number>(rows.length * cols.length);
  for (let i = 0; i < rows.length; i++)
    for (let j = 0; j < cols.length; j++) out[i * cols.length + j] = rows[i]! * cols[j]!;
  return out;
}

/**
 * 1-D path counts from unit `u` of the last layer down to the input, along one axis. With `extents` (the length
 * of every layer's input, then the output), positions outside a layer are zero padding and end their paths.
 * Returns counts indexed from input coordinate `origin`.
 */
function paths(
  layers: LayerGeometry[],
  axis: 0 | 1,
  u: number,
  extents?: number[],
): { counts: number[]; origin: number } {
  let level = new Map<number, number>([[u, 1]]);
  for (let l = layers.length - 1; l >= 0; l--) {
    const { kernel, stride, padding, dilation } = layers[l]!;
    const next = new Map<number, number>();
    for (const [x, c] of level) {
      for (let t = 0; t < kernel[axis]; t++) {
        const y = x * stride[axis] - padding[axis] + t * dilation[axis];
        if (extents && (y < 0 || y >= extents[l]!)) continue;
        next.set(y, (next.get(y) ?? 0) + c);
      }
    }
    level = next;
  }
  const keys = [...level.keys()];
  const lo = Math.min(...keys);
  const hi = Math.max(...keys);
  const counts = new Array<number>(hi - lo + 1).fill(0);
  for (const [x, c] of level) counts[x - lo] = c;
  return { counts, origin: lo };
}

export interface CoverageOptions {
  /** The output unit [i, j] to count from; default the centre unit (needs a size) or unit [0, 0]. */
  unit?: [number, number];
}

/**
 * How many paths reach each input cell from one output unit of a stack. Without `size` the grid is the unit's
 * theoretical field (an unbounded input); with `size` ([H, W] or one number) it is the whole input, and paths
 * through padding cells of any layer are dropped.
 */
export function coverage(
  model: ModuleLike | readonly LayerSpec[],
  size?: number | [number, number],
  opts: CoverageOptions = {},
): Coverage {
  const fn = 'coverage';
  const layers = layersOf(fn, model);
  const input = resolveSize(fn, size);
  const axes = [0, 1] as const;
  if (!input) {
    const unit = opts.unit ?? [0, 0];
    const [r, c] = axes.map((a) => paths(layers, a, unit[a]));
    return new Coverage(
      'gridding',
      [r!.counts.length, c!.counts.length],
      outer(r!.counts, c!.counts),
      [r!.origin, c!.origin],
      layers,
      unit,
    );
  }
  const extents = axes.map((a) => {
    const e = [input[a]];
    for (const l of layers) e.push(outLength(e.at(-1)!, l, a));
    return e;
  });
  const out = axes.map((a) => extents[a]!.at(-1)!) as Pair;
  if (out.some((n) => n < 1)) {
    throw new ArgumentError(
      `${fn}: a ${input.join('×')} input is too small for this stack (output ${out.join('×')})`,
    );
  }
  const unit = opts.unit ?? (out.map((n) => Math.floor((n - 1) / 2)) as Pair);
  if (axes.some((a) => !Number.isInteger(unit[a]) || unit[a] < 0 || unit[a] >= out[a])) {
    throw new ArgumentError(
      `${fn}: unit must be within the ${out.join('×')} output, got [${unit.join(', ')}]`,
    );
  }
  const full = axes.map((a) => {
    const p = paths(layers, a, unit[a], extents[a]);
    const counts = new Array<number>(input[a]).fill(0);
    p.counts.forEach((c, k) => {
      counts[p.origin + k] = c;
    });
    return counts;
  });
  return new Coverage('gridding', input, outer(full[0]!, full[1]!), [0, 0], layers, unit);
}

export interface CheckerboardOptions {
  /** Input size of the transposed convolution, per axis (default 8: several periods of the pattern). */
  inputSize?: number | [number, number];
  padding?: number | [number, number];
  dilation?: number | [number, number];
}

/** Checkerboard counts with the interior (cells every tap can write) marked. */
export class Checkerboard extends Coverage {
  /** Output cells [first, last] (inclusive, per axis) that every kernel tap reaches: free of border effects. */
  readonly interior: [Pair, Pair];

  constructor(shape: Pair, counts: number[], layers: LayerGeometry[], interior: [Pair, Pair]) {
    super('checkerboard', shape, counts, [0, 0], layers);
    this.interior = interior;
  }

  /** Distinct counts inside the interior: one level means even overlap, more mean a checkerboard. */
  get interiorLevels(): number[] {
    const [[r0, r1], [c0, c1]] = this.interior;
    const seen = new Set<number>();
    for (let i = r0; i <= r1; i++) for (let j = c0; j <= c1; j++) seen.add(this.at(i, j));
    return [...seen].sort((a, b) => a - b);
  }
  get uniform(): boolean {
    return this.interiorLevels.length <= 1;
  }
}

/**
 * The overlap pattern of a transposed convolution with an all-ones input and kernel: for each output cell, how
 * many (input cell, tap) pairs write it. Uneven when the kernel is not divisible by the stride.
 */
export function checkerboard(
  kernel: number | [number, number],
  stride: number | [number, number],
  opts: CheckerboardOptions = {},
): Checkerboard {
  const fn = 'checkerboard';
  const layer = layersOf(fn, [
    { name: 'convTranspose', kernel, stride, padding: opts.padding ?? 0, dilation: opts.dilation ?? 1 },
  ])[0]!;
  const inputSize = resolveSize(fn, opts.inputSize ?? 8)!;
  const axes = [0, 1] as const;
  const lines = axes.map((a) => {
    const n = inputSize[a];
    const { kernel: k, stride: s, padding: p, dilation: d } = layer;
    const length = (n - 1) * s[a] - 2 * p[a] + d[a] * (k[a] - 1) + 1;
    if (length < 1) {
      throw new ArgumentError(`${fn}: padding ${p[a]} leaves no output for input size ${n} on axis ${a}`);
    }
    const counts = new Array<number>(length).fill(0);
    for (let x = 0; x < n; x++) {
      for (let t = 0; t < k[a]; t++) {
        const y = x * s[a] + t * d[a] - p[a];
        if (y >= 0 && y < length) counts[y]!++;
      }
    }
    // Cell y gets every tap t whose source x = (y + p − t·d)/s lies in the input; for all taps that needs
    // (k − 1)·d − p <= y <= (n − 1)·s − p. Within it, stride residues alone decide the count.
    const first = Math.max(0, (k[a] - 1) * d[a] - p[a]);
    const last = Math.min(length - 1, (n - 1) * s[a] - p[a]);
    return { counts, interior: (first <= last ? [first, last] : [0, length - 1]) as Pair };
  });
  return new Checkerboard(
    [lines[0]!.counts.length, lines[1]!.counts.length],
    outer(lines[0]!.counts, lines[1]!.counts),
    [layer],
    [lines[0]!.interior, lines[1]!.interior],
  );
}
