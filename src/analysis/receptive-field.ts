/**
 * Theoretical receptive field of a stack of sliding-window layers, by the standard layer arithmetic
 * (Araujo et al., "Computing receptive fields of convolutional neural networks", Distill 2019). Per axis, with
 * j the jump (input cells between neighbouring units), r the field size and `start` the input coordinate of the
 * centre of unit 0, starting from j = 1, r = 1, start = 0 at the input:
 *
 *   j_out = j_in·s,   r_out = r_in + (k − 1)·d·j_in,   start_out = start_in + ((k − 1)·d/2 − p)·j_in
 *
 * Output unit i then sees input cells start + i·j ± (r − 1)/2 (cell indices; cells outside the input are padding).
 * Example: three 3×3 convolutions give r = 7; conv7/s2 → pool3/s2 → conv3 gives r = 19 with j = 4.
 */
import { ArgumentError } from '../errors.js';
import {
  type LayerGeometry,
  type LayerSpec,
  layersOf,
  type ModuleLike,
  outLength,
  PARALLEL_BRANCHES,
  type Pair,
} from './layers.js';

/** One row of the table: a layer's geometry and the field of its output units. */
export interface FieldRow extends LayerGeometry {
  jump: Pair;
  size: Pair;
  start: Pair;
  /** Spatial size of this layer's output, when an input size was given. */
  outputShape?: Pair;
}

/** An inclusive box of input cells [top, left] .. [bottom, right]; may reach outside the input (padding). */
export interface Box {
  top: number;
  left: number;
  bottom: number;
  right: number;
}

export interface ReceptiveFieldOptions {
  /** Spatial input size [H, W] (or one number for square): adds output shapes and clips boxes to the input. */
  inputSize?: number | [number, number];
  /** Names of sub-modules that branch off the main path (default PARALLEL_BRANCHES: downsample, shortcut). */
  skip?: readonly string[];
}

export class ReceptiveField {
  readonly layers: FieldRow[];
  readonly inputSize?: Pair;

  constructor(layers: FieldRow[], inputSize?: Pair) {
    this.layers = layers;
    this.inputSize = inputSize;
  }

  private get last(): Pick<FieldRow, 'jump' | 'size' | 'start'> {
    return this.layers.at(-1) ?? { jump: [1, 1], size: [1, 1], start: [0, 0] };
  }
  /** Field size [rows, cols] of one unit of the last layer. */
  get size(): Pair {
    return this.last.size;
  }
  /** Input cells between neighbouring units of the last layer. */
  get jump(): Pair {
    return this.last.jump;
  }
  /** Input coordinate of the centre of the last layer's unit [0, 0]. */
  get start(): Pair {
    return this.last.start;
  }
  /**
   * Araujo et al.'s effective padding: how many cells the field of unit [0, 0] reaches before the first input
   * cell, (r − 1)/2 − start. With each layer padding p, it is the sum of p·j over the layers, j the jump below.
   */
  get effectivePadding(): Pair {
    const { size, start } = this.last;
    return [(size[0] - 1) / 2 - start[0], (size[1] - 1) / 2 - start[1]];
  }
  /** Spatial size of the last layer's output (needs inputSize). */
  get outputShape(): Pair | undefined {
    return this.inputSize ? (this.layers.at(-1)?.outputShape ?? this.inputSize) : undefined;
  }

  /** The same stack on an input of the given size ([H, W] or one number). */
  withInputSize(size: number | [number, number]): ReceptiveField {
    return fieldOf(
      'ReceptiveField.withInputSize',
      this.layers,
      resolveSize('ReceptiveField.withInputSize', size),
    );
  }

  /** The input box of output unit [i, j] of the last layer (or of layer `layer`), unclipped. */
  box(i: number, j: number, layer = this.layers.length - 1): Box {
    if (!Number.isInteger(i) || !Number.isInteger(j)) {
      throw new ArgumentError(`ReceptiveField.box: unit must be integers [i, j], got [${i}, ${j}]`);
    }
    const row = layer < 0 ? { jump: [1, 1], size: [1, 1], start: [0, 0] } : this.layers[layer];
    if (!row) {
      throw new ArgumentError(
        `ReceptiveField.box: layer must be in 0..${this.layers.length - 1}, got ${layer}`,
      );
    }
    const top = row.start[0]! + i * row.jump[0]! - (row.size[0]! - 1) / 2;
    const left = row.start[1]! + j * row.jump[1]! - (row.size[1]! - 1) / 2;
    return { top, left, bottom: top + row.size[0]! - 1, right: left + row.size[1]! - 1 };
  }

  /** The box of unit [i, j] clipped to the input (needs inputSize). */
  clippedBox(i: number, j: number, layer = this.layers.length - 1): Box {
    if (!this.inputSize) throw new ArgumentError('ReceptiveField.clippedBox: needs the inputSize option');
    const b = this.box(i, j, layer);
    const [h, w] = this.inputSize;
    return {
      top: Math.max(0, b.top),
      left: Math.max(0, b.left),
      bottom: Math.min(h - 1, b.bottom),
      right: Math.min(w - 1, b.right),
    };
  }
}

/**
 * Per-layer kernel, stride, padding, dilation, jump, field size and start of a model or a layer list. A model's
 * branches named in `skip` (residual shortcuts) are checked against the main path of their block as Araujo et al.
 * do where paths meet: both must have the same stride and centre (else the fields cannot be combined and this
 * throws), and the block's field is the wider of the two, so the rows follow the widest path.
 */
export function receptiveField(
  model: ModuleLike | readonly LayerSpec[],
  opts: ReceptiveFieldOptions = {},
): ReceptiveField {
  const fn = 'receptiveField';
  const skip = opts.skip ?? PARALLEL_BRANCHES;
  const main = layersOf(fn, model, skip);
  const layers =
    Array.isArray(model) || skip.length === 0 ? main : widestPath(fn, model as ModuleLike, main, skip);
  return fieldOf(fn, layers, resolveSize(fn, opts.inputSize));
}

/** The module path of a layer read from a Module: layersOf names it `path (Class)`, or `Class` for the root. */
function pathOf(layer: LayerGeometry): string {
  const at = layer.name.lastIndexOf(' (');
  return at < 0 ? '' : layer.name.slice(0, at);
}

/**
 * The main path `main` with each side branch (a module named in `skip`) checked for alignment against the main
 * layers of its block, the module holding it, and put in their place where it is the wider path.
 */
function widestPath(
  fn: string,
  model: ModuleLike,
  main: LayerGeometry[],
  skip: readonly string[],
): LayerGeometry[] {
  const branches = new Map<string, LayerGeometry[]>();
  for (const l of layersOf(fn, model, [])) {
    const parts = pathOf(l).split('.');
    const at = parts.findIndex((p) => skip.includes(p));
    if (at < 0) continue;
    // A branch nested inside another belongs to the outer one.
    const root = parts.slice(0, at + 1).join('.');
    branches.set(root, [...(branches.get(root) ?? []), l]);
  }
  let out = main;
  for (const [root, branch] of branches) {
    const block = root.includes('.') ? root.slice(0, root.lastIndexOf('.') + 1) : '';
    const where = block === '' ? 'the model' : block.slice(0, -1);
    const first = out.findIndex((l) => pathOf(l).startsWith(block));
    const count = out.filter((l) => pathOf(l).startsWith(block)).length;
    const a = fieldOf(fn, first < 0 ? [] : out.slice(first, first + count), undefined);
    const b = fieldOf(fn, branch, undefined);
    if (a.jump.some((j, i) => j !== b.jump[i]) || a.start.some((c, i) => c !== b.start[i])) {
      throw new ArgumentError(
        `${fn}: the paths through ${where} are not aligned: the main path has stride ${a.jump.join('×')} and ` +
          `centre ${a.start.join(', ')}, the branch ${root} stride ${b.jump.join('×')} and centre ` +
          `${b.start.join(', ')}; pass a layer list for such a model`,
      );
    }
    const wider = b.size.map((n, i) => n > a.size[i]!);
    if (!wider.some(Boolean)) continue;
    // Rows are whole layers, so the wider path replaces the main one only when it is wider along both axes.
    const contiguous =
      first >= 0 && out.slice(first, first + count).every((l) => pathOf(l).startsWith(block));
    if (!wider.every(Boolean) || !contiguous) {
      throw new ArgumentError(
        `${fn}: the branch ${root} is wider than the main path of ${where} along one axis only or beside no ` +
          'main layers; pass a layer list for such a model',
      );
    }
    out = [...out.slice(0, first), ...branch, ...out.slice(first + count)];
  }
  return out;
}

/** The layer arithmetic over resolved layers. */
function fieldOf(fn: string, layers: readonly LayerGeometry[], inputSize: Pair | undefined): ReceptiveField {
  const rows: FieldRow[] = [];
  let jump: Pair = [1, 1];
  let size: Pair = [1, 1];
  let start: Pair = [0, 0];
  let shape = inputSize;
  for (const l of layers) {
    const axes = [0, 1] as const;
    start = axes.map(
      (a) => start[a] + (((l.kernel[a] - 1) * l.dilation[a]) / 2 - l.padding[a]) * jump[a],
    ) as Pair;
    size = axes.map((a) => size[a] + (l.kernel[a] - 1) * l.dilation[a] * jump[a]) as Pair;
    jump = axes.map((a) => jump[a] * l.stride[a]) as Pair;
    const { name, kernel, stride, padding, dilation, paddingEnd } = l;
    const row: FieldRow = { name, kernel, stride, padding, dilation, paddingEnd, jump, size, start };
    if (shape) {
      const next = axes.map((a) => outLength(shape![a], l, a)) as Pair;
      if (next.some((n) => n < 1)) {
        throw new ArgumentError(
          `${fn}: layer ${l.name} gets a ${shape.join('×')} input, too small for its ${l.kernel.join('×')} kernel`,
        );
      }
      row.outputShape = shape = next;
    }
    rows.push(row);
  }
  return new ReceptiveField(rows, inputSize);
}

export function resolveSize(fn: string, size: number | number[] | undefined): Pair | undefined {
  if (size === undefined) return undefined;
  const p = typeof size === 'number' ? [size, size] : size;
  if (!Array.isArray(p) || p.length !== 2 || p.some((n) => !Number.isInteger(n) || n < 1)) {
    throw new ArgumentError(`${fn}: size must be a positive integer or [H, W], got ${JSON.stringify(size)}`);
  }
  return [p[0]!, p[1]!];
}
