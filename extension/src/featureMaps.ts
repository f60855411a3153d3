import type { FeatureMapsView } from '../../src/display/contract';
import { scaleRange } from './colormap';
import { el, header, note } from './dom';
import { grid } from './grid';
import { statsLine } from './heatmap';
import type { Decoded } from './payload';
import { chooseCmap, shapeText } from './tensor';

/** A CHW stack as a grid of channels, shared or per-map colour scale. */
export function renderFeatureMaps({ view, values, precision }: Decoded<FeatureMapsView>): HTMLElement {
  const [c, h, w] = view.shape;
  const cmap = chooseCmap(view);
  const channels = Array.isArray(view.channels) && view.channels.length === c ? view.channels : undefined;
  const root = el('div', 'feature-maps');
  root.append(
    header(
      view.name ?? 'feature maps',
      `${c} channels of ${h}×${w} · ${shapeText(view.shape, view.sourceShape)}`,
    ),
    grid({
      values,
      precision,
      count: c,
      h,
      w,
      cols:
        Number.isInteger(view.cols) && (view.cols as number) > 0
          ? Math.min(view.cols as number, c)
          : Math.ceil(Math.sqrt(c)),
      cmap,
      shared:
        view.scale === 'per-map' ? undefined : scaleRange(cmap, view.stats.min, view.stats.max, view.range),
      label: (k) => `channel ${channels ? channels[k] : k}`,
      hint: 'point at a map to read channel, position and value',
    }),
    el('div', 'stats', statsLine(view.stats)),
    ...note(view.note),
  );
  return root;
}
