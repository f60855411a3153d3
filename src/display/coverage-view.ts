/**
 * The bundle of a coverage count (gridding paths, checkerboard overlap): a heatmap whose holes (count 0) stay
 * white, so the gridding pattern reads at a glance, with a colour bar and the counts in the payload.
 */
import { Checkerboard, type Coverage } from '../analysis/coverage.js';
import { encodeArray } from './codec.js';
import type { CoverageView, MimeBundle } from './contract.js';
import { MIME_TYPE } from './contract.js';
import { colorOf } from './colormap.js';
import { pairText } from './field-views.js';
import { textWidth } from './font.js';
import { barTicks, cellScale, FRAME, MARGIN, Raster } from './raster.js';

/** The bundle of a coverage count: white holes, viridis counts, a colour bar. */
export function coverageBundle(c: Coverage, opts: { name?: string } = {}): MimeBundle {
  const [h, w] = c.shape;
  const levels = c.levels;
  const hi = levels.at(-1) ?? 0;
  const lo = levels.find((v) => v > 0) ?? 0;
  const s = cellScale(w, h, 320, 24);
  const barH = Math.max(h * s, 48) - 2;
  // Counts are integers: label the bar with whole numbers only.
  const ticks = barTicks(lo, hi, barH).filter(Number.isInteger);
  const bar = 22 + Math.max(0, ...ticks.map((t) => textWidth(String(t)))) + 6;
  const r = new Raster(w * s + 2 * MARGIN + bar, Math.max(h * s, 48) + 2 * MARGIN);
  for (let i = 0; i < h; i++)
    for (let j = 0; j < w; j++) {
      const v = c.at(i, j);
      if (v > 0) r.fillRect(MARGIN + j * s, MARGIN + i * s, s, s, colorOf('viridis', v, lo, hi));
    }
  r.strokeRect(MARGIN - 1, MARGIN - 1, w * s + 2, h * s + 2, FRAME);
  r.colorBar(MARGIN + w * s + 9, MARGIN + 1, 12, barH, 'viridis', lo, hi, ticks);
  let text: string;
  let note: string | undefined;
  if (c instanceof Checkerboard) {
    const l = c.layers[0]!;
    const interior = c.interiorLevels;
    note = c.uniform
      ? `even overlap: every interior cell is written ${interior[0]} times`
      : `uneven overlap: interior cells are written ${interior.join(', ')} times`;
    text = `Checkerboard overlap of a ${l.kernel.join('×')} stride-${pairText(l.stride)} transposed convolution (output ${h}×${w}): ${note}`;
  } else {
    const pct = ((100 * c.reached) / c.total).toFixed(1);
    note = `${c.reached} of ${c.total} cells reached (${pct}%)`;
    text = `Gridding coverage of ${c.layers.length} layers from output unit [${c.unit?.join(', ')}]: ${note}; paths per cell ${lo}..${hi}`;
  }
  const payload: CoverageView = {
    version: 2,
    kind: 'coverage',
    ...(opts.name !== undefined && { name: opts.name }),
    mode: c.mode,
    shape: c.shape,
    counts: encodeArray(Float32Array.from(c.counts), c.shape, 'float32') as CoverageView['counts'],
    reached: c.reached,
    total: c.total,
    cmap: 'viridis',
    note,
  };
  return {
    'text/plain': `${opts.name ? `${opts.name}: ` : ''}${text}`,
    'image/png': r.toPngBase64(),
    [MIME_TYPE]: payload,
  };
}
