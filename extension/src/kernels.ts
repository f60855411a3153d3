import type { KernelsView } from '../../src/display/contract';
import { scaleRange } from './colormap';
import { el, header, note } from './dom';
import { grid } from './grid';
import { statsLine } from './heatmap';
import type { Decoded } from './payload';
import { chooseCmap, shapeText } from './tensor';

/** Weights [out, in, kH, kW] as a grid of filters: one row per output channel, one column per input channel. */
export function renderKernels({ view, values, precision }: Decoded<KernelsView>): HTMLElement {
  const [o, i, kh, kw] = view.shape;
  const cmap = chooseCmap(view);
  const root = el('div', 'kernels');
  root.append(
    header(
      view.name ?? 'kernels',
      `${o} filters × ${i} input channels of ${kh}×${kw} · ${shapeText(view.shape, view.sourceShape)}`,
    ),
    grid({
      values,
      precision,
      count: o * i,
      h: kh,
      w: kw,
      cols: i,
      cmap,
      shared:
        view.scale === 'per-map' ? undefined : scaleRange(cmap, view.stats.min, view.stats.max, view.range),
      label: (k) => `filter ${Math.floor(k / i)} ← input ${k % i}`,
      hint: 'point at a kernel tap to read its weight',
    }),
    el('div', 'stats', statsLine(view.stats)),
    ...note(view.note),
  );
  return root;
}
