/**
 * `show.*`: explicit displays. Each returns a `Display`, a value carrying its MIME bundle under
 * `Symbol.for('Jupyter.display')`, the convention the convlab kernel (and Deno's) use to render a cell's value.
 */
import type { Coverage } from '../analysis/coverage.js';
import { EffectiveReceptiveField } from '../analysis/erf.js';
import type { LayerSpec, ModuleLike } from '../analysis/layers.js';
import { ReceptiveField, receptiveField } from '../analysis/receptive-field.js';
import type { Tensor } from '../tensor/tensor.js';
import type { MimeBundle } from './contract.js';
import { type CurvesOptions, curvesBundle, type History } from './curves.js';
import { coverageBundle } from './coverage-view.js';
import { type ReceptiveFieldDisplayOptions, receptiveFieldBundle } from './field-views.js';
import { featureMapsBundle, type GridOptions, kernelsBundle, toMimeBundle } from './views.js';

/** The well-known key under which a value offers its MIME bundle. */
export const JUPYTER_DISPLAY: unique symbol = Symbol.for('Jupyter.display') as never;

/** A rendered output: the kernel shows `bundle`; printed as text it reads as the summary. */
export class Display {
  constructor(readonly bundle: MimeBundle) {}

  [JUPYTER_DISPLAY](): MimeBundle {
    return this.bundle;
  }

  toString(): string {
    return this.bundle['text/plain'];
  }
}

/** The bundle of an effective receptive field: on its theoretical field when known, else its map alone. */
export function erfBundle(erf: EffectiveReceptiveField, opts: ReceptiveFieldDisplayOptions = {}): MimeBundle {
  if (erf.theoretical) return receptiveFieldBundle(erf.theoretical, { ...opts, erf });
  return toMimeBundle(erf.map, {
    name: opts.name ?? `effective receptive field of unit [${erf.unit.join(', ')}]`,
    cmap: 'viridis',
  });
}

function isReceptiveFieldSource(x: unknown): x is ModuleLike | readonly LayerSpec[] {
  return Array.isArray(x) || (typeof x === 'object' && x !== null && 'namedModules' in x);
}

export const show = {
  /** A tensor, its view chosen by rank (scalar, vector, HW heatmap, CHW feature maps, first item of NCHW). */
  tensor(t: Tensor, opts: GridOptions = {}): Display {
    return new Display(toMimeBundle(t, opts));
  },
  /** A [C, H, W] or [N, C, H, W] stack as a grid of maps. */
  featureMaps(t: Tensor, opts: GridOptions = {}): Display {
    return new Display(featureMapsBundle(t, opts));
  },
  /** Weights [out, in, kH, kW] (or a layer holding them) as a grid of filters. */
  kernels(weight: Tensor | { weight: Tensor }, opts: GridOptions = {}): Display {
    return new Display(kernelsBundle(weight, opts));
  },
  /** A receptive field (from `receptiveField`, a model, a layer list, or an ERF) drawn on an input. */
  receptiveField(
    field: ReceptiveField | EffectiveReceptiveField | ModuleLike | readonly LayerSpec[],
    opts: ReceptiveFieldDisplayOptions = {},
  ): Display {
    if (field instanceof EffectiveReceptiveField) return new Display(erfBundle(field, opts));
    const rf =
      field instanceof ReceptiveField ? field : isReceptiveFieldSource(field) ? receptiveField(field) : field;
    return new Display(receptiveFieldBundle(rf as ReceptiveField, opts));
  },
  /** Path or overlap counts from `coverage` or `checkerboard`. */
  coverage(c: Coverage, opts: { name?: string } = {}): Display {
    return new Display(coverageBundle(c, opts));
  },
  /** Training curves as Vega-Lite with a PNG fallback. */
  curves(history: History, opts: CurvesOptions = {}): Display {
    return new Display(curvesBundle(history, opts));
  },
};
