/**
 * The geometry of a stack of sliding-window layers (convolutions and poolings), as plain numbers: the input the
 * receptive-field, coverage and checkerboard arithmetic works on. A stack comes either as a list of plain objects
 * or from a Module, whose Conv/Pool layers are recognised by their `kernelSize`, `stride`, `padding` and
 * `dilation` fields (torch.nn's names), walking containers in definition order.
 */
import { ArgumentError, describe } from '../errors.js';
import { convOutSize } from '../ops/args.js';

export type Pair = [number, number];

/** One layer as the user writes it: ints or [rows, cols] pairs; padding also 'same' or 'valid'. */
export interface LayerSpec {
  name?: string;
  kernel: number | number[];
  stride?: number | number[];
  padding?: number | number[] | 'same' | 'valid';
  dilation?: number | number[];
}

/** One layer with every field resolved to a [rows, cols] pair; padding is the count before the first cell. */
export interface LayerGeometry {
  name: string;
  kernel: Pair;
  stride: Pair;
  padding: Pair;
  dilation: Pair;
  /** Padding after the last cell: equal to `padding` except for 'same' with an even span. */
  paddingEnd: Pair;
}

/** Anything with the sub-module walk of nn.Module; kept structural so analysis reads any model. */
export interface ModuleLike {
  namedModules(): [string, unknown][];
  children(): unknown[];
}

function pairOf(fn: string, layer: string, arg: string, value: unknown, fallback: number, min: number): Pair {
  const v = value ?? fallback;
  const p = typeof v === 'number' ? [v, v] : Array.isArray(v) ? [...v] : null;
  if (p === null || p.length !== 2 || p.some((e) => !Number.isInteger(e) || e < min)) {
    throw new ArgumentError(
      `${fn}: layer ${layer} ${arg} must be an integer >= ${min} or a pair of them, got ${describe(value)}`,
    );
  }
  return p as Pair;
}

/** Resolves one spec; 'same' pads d·(k−1)/2 before (floor, the odd cell after, as PyTorch). */
export function resolveLayer(fn: string, spec: LayerSpec, index: number): LayerGeometry {
  const name = spec.name ?? `layer${index}`;
  const kernel = pairOf(fn, name, 'kernel', spec.kernel, 1, 1);
  const stride = pairOf(fn, name, 'stride', spec.stride, 1, 1);
  const dilation = pairOf(fn, name, 'dilation', spec.dilation, 1, 1);
  let padding: Pair;
  let paddingEnd: Pair;
  if (spec.padding === 'valid') padding = paddingEnd = [0, 0];
  else if (spec.padding === 'same') {
    const total = [0, 1].map((a) => dilation[a]! * (kernel[a]! - 1));
    padding = total.map((t) => Math.floor(t / 2)) as Pair;
    paddingEnd = total.map((t) => t - Math.floor(t / 2)) as Pair;
  } else padding = paddingEnd = pairOf(fn, name, 'padding', spec.padding, 0, 0);
  return { name, kernel, stride, padding, dilation, paddingEnd };
}

function isModuleLike(value: unknown): value is ModuleLike {
  const v = value as ModuleLike | null;
  return (
    typeof v === 'object' &&
    v !== null &&
    typeof v.namedModules === 'function' &&
    typeof v.children === 'function'
  );
}

function isWindowLayer(m: unknown): m is LayerSpec & { kernelSize: unknown } {
  const l = m as Record<string, unknown>;
  return 'kernelSize' in l && 'stride' in l && 'padding' in l;
}

/**
 * Sub-modules that run beside the main path rather than on it: torchvision's residual projection (`downsample`)
 * and the common `shortcut`. A residual block's field is its main branch's, which is the wider of the two.
 */
export const PARALLEL_BRANCHES: readonly string[] = ['downsample', 'shortcut'];

/**
 * The sliding-window layers of a model, in definition order. Layers without a window (activations, norms) do not
 * move the field and are skipped, and so are modules inside a branch named in `skip` (default
 * PARALLEL_BRANCHES); a transposed convolution up-samples, which this arithmetic does not describe, so it is
 * refused. Any other branching is read as one chain: pass a layer list for such models.
 */
export function layersOf(
  fn: string,
  model: ModuleLike | readonly LayerSpec[],
  skip: readonly string[] = PARALLEL_BRANCHES,
): LayerGeometry[] {
  if (Array.isArray(model)) return model.map((spec, i) => resolveLayer(fn, spec, i));
  if (!isModuleLike(model)) {
    throw new ArgumentError(`${fn}: expected a Module or an array of layers, got ${describe(model)}`);
  }
  const out: LayerGeometry[] = [];
  for (const [path, m] of model.namedModules()) {
    if (!isWindowLayer(m) || path.split('.').some((part) => skip.includes(part))) continue;
    const ctor = (m as object).constructor.name;
    const name = path === '' ? ctor : `${path} (${ctor})`;
    if ('outputPadding' in m) {
      throw new ArgumentError(
        `${fn}: layer ${name} is a transposed convolution; the receptive-field arithmetic covers strided windows only`,
      );
    }
    const kernel = m.kernelSize as number | number[];
    if (Array.isArray(kernel) && kernel.length !== 2) {
      throw new ArgumentError(`${fn}: layer ${name} is not 2-D (kernelSize ${describe(kernel)})`);
    }
    const layer = m as unknown as Record<string, unknown>;
    out.push(
      resolveLayer(
        fn,
        {
          name,
          kernel,
          stride: layer.stride as LayerSpec['stride'],
          padding: layer.padding as LayerSpec['padding'],
          dilation: (layer.dilation ?? 1) as LayerSpec['dilation'],
        },
        out.length,
      ),
    );
  }
  return out;
}

/** Output length of one axis of a layer (the convolution's own arithmetic, with uneven padding). */
export function outLength(n: number, layer: LayerGeometry, axis: 0 | 1): number {
  return convOutSize(
    n,
    layer.kernel[axis],
    layer.stride[axis],
    layer.padding[axis],
    layer.paddingEnd[axis],
    layer.dilation[axis],
  );
}
