import { isColormap, lut, paint } from './colormap';
import { el, header, note, pixelCanvas, pointerPixel, zoomFor } from './dom';
import { colourBar, readout } from './heatmap';
import type { CheckedCoverage } from './payload';

/** Per-cell counts as a heatmap: which input cells a dilated stack reaches, or how many taps write each output. */
export function renderCoverage(view: CheckedCoverage): HTMLElement {
  const [h, w] = view.shape;
  const values = Float32Array.from(view.counts);
  let max = 0;
  for (const v of values) max = Math.max(max, v);
  const cmap = isColormap(view.cmap) ? view.cmap : 'viridis';
  const canvas = pixelCanvas(w, h, zoomFor(Math.max(h, w), 320), 'coverage-map');
  const ctx = canvas.getContext('2d');
  if (ctx) {
    const img = ctx.createImageData(w, h);
    paint(img, 0, 0, values, 0, h, w, lut(cmap), 0, Math.max(1, max));
    ctx.putImageData(img, 0, 0);
  }
  const what = view.mode === 'gridding' ? 'paths reach' : 'kernel taps write';
  const out = readout(`point at a cell to read how many ${what} it`);
  canvas.addEventListener('mousemove', (ev) => {
    const [i, j] = pointerPixel(canvas, ev);
    if (i < 0 || j < 0 || i >= h || j >= w) return out.show();
    out.show(`cell [${i}, ${j}]: ${view.counts[i * w + j]} ${what} it`);
  });
  canvas.addEventListener('mouseleave', () => out.show());
  const summary =
    view.mode === 'gridding'
      ? `reaches ${view.reached} of ${view.total} cells`
      : `${view.reached} of ${view.total} cells written; counts 0–${max}`;
  const root = el('div', 'coverage');
  root.append(
    header(
      view.name ?? (view.mode === 'gridding' ? 'gridding coverage' : 'checkerboard overlap'),
      `${h}×${w} · ${summary}`,
    ),
    canvas,
    out.node,
    colourBar(cmap, 0, Math.max(1, max)),
    ...note(view.note),
  );
  return root;
}
