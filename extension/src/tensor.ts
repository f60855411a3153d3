import type { ArrayFields, Colormap, TensorView } from '../../src/display/contract';
import { isColormap, scaleRange } from './colormap';
import { el, fmt, header, note } from './dom';
import { grid } from './grid';
import { statsLine } from './heatmap';
import type { Decoded } from './payload';

/** The colour map a payload asks for, or the library's default: diverging for signed data, viridis otherwise. */
export function chooseCmap(v: ArrayFields): Colormap {
  if (isColormap(v.cmap)) return v.cmap;
  return v.stats.min < 0 && v.stats.max > 0 ? 'diverging' : 'viridis';
}

export function shapeText(shape: number[], source?: number[]): string {
  const s = `[${shape.join('×')}]`;
  return source && source.join() !== shape.join() ? `${s} (from [${source.join('×')}])` : s;
}

/**
 * A tensor as a heatmap: the last two axes are the picture, leading axes are stacked as a grid of planes; a
 * scalar is shown as its value and a vector as a one-row strip.
 */
export function renderTensor({ view, values, precision }: Decoded<TensorView>): HTMLElement {
  const root = el('div', 'tensor');
  const shape = view.shape;
  root.append(header(view.name ?? 'tensor', `${shapeText(shape, view.sourceShape)} float32`));
  if (values.length === 1) {
    root.append(el('div', 'scalar', fmt(values[0])));
    return root;
  }
  const h = shape.length >= 2 ? shape[shape.length - 2] : 1;
  const w = shape[shape.length - 1];
  const count = values.length / (h * w);
  const cmap = chooseCmap(view);
  const lead = shape.slice(0, -2);
  root.append(
    grid({
      values,
      precision,
      count,
      h,
      w,
      cols: Math.min(count, Math.max(1, Math.floor(Math.sqrt(count * 1.5)))),
      cmap,
      shared: scaleRange(cmap, view.stats.min, view.stats.max, view.range),
      label: (k) =>
        lead.length ? `[${unravel(k, lead).join(', ')}]` : shape.length === 1 ? 'index' : 'value at',
      hint: 'point at a cell to read its value',
    }),
    el('div', 'stats', statsLine(view.stats)),
    ...note(view.note),
  );
  return root;
}

function unravel(k: number, dims: number[]): number[] {
  const out = new Array<number>(dims.length);
  for (let d = dims.length - 1; d >= 0; d--) {
    out[d] = k % dims[d];
    k = Math.floor(k / dims[d]);
  }
  return out;
}
