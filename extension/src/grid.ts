import type { Colormap } from '../../src/display/contract';
import { lut, paint, scaleRange } from './colormap';
import { el, fmt, pixelCanvas, pointerPixel, zoomFor } from './dom';
import { colourBar, readout } from './heatmap';

/** Maps drawn per page; a larger stack gets a slider that pages through it. */
export const PAGE = 256;
/** Screen pixels between maps. */
const GAP = 2;
/** Stacks with more maps than this get a channel slider and an enlarged view of the chosen map. */
export const FOCUS_FROM = 16;

export interface GridSpec {
  values: Float32Array;
  /** Number of maps and the size of each. */
  count: number;
  h: number;
  w: number;
  cols: number;
  cmap: Colormap;
  /** Shared limits, or undefined for one scale per map. */
  shared?: [number, number];
  /** Label of map k for the read-out and the slider ("channel 12", "filter 3←1"). */
  label(k: number): string;
  hint: string;
  /** How far a shown value may be from the original (8-bit or half-precision payloads); 0 or absent: exact. */
  precision?: number;
}

/** Maps on their own scales get a colour bar each up to this many; beyond, a note says so. */
const MAP_BARS_UP_TO = 8;

/** A value for the read-out: exact, or approximate with its bound when the payload carried it compressed. */
function valueText(v: number, precision = 0): string {
  return precision > 0 && Number.isFinite(v) ? `≈ ${fmt(v)} ± ${fmt(precision)}` : `= ${fmt(v)}`;
}

/** Per-map limits, computed once for per-map scaling. */
function mapRange(values: Float32Array, offset: number, n: number, cmap: Colormap): [number, number] {
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (let i = offset; i < offset + n; i++) {
    const v = values[i];
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return scaleRange(cmap, lo, hi);
}

/**
 * A grid of maps on one canvas: one ImageData filled in a single pass and put once, which is what keeps a
 * 256×56×56 stack well inside a frame budget (one canvas per map costs a layout and a context each).
 */
export function grid(spec: GridSpec): HTMLElement {
  const { count, h, w, cols } = spec;
  const table = lut(spec.cmap);
  const perPage = Math.min(count, PAGE);
  const rows = Math.ceil(perPage / cols);
  // Maps are drawn at an integer zoom into a canvas at screen resolution, so gaps stay thin at any zoom.
  // A lone map is shown large, a few maps medium, a big stack at least one pixel per value.
  const target = perPage === 1 ? 320 : perPage <= 16 ? 128 : 48;
  const zoom = Math.min(zoomFor(Math.max(h, w), target), Math.max(1, Math.floor(960 / (cols * w))));
  // Enlarged small maps (kernels) need wider gaps to read as separate tiles.
  const gap = zoom >= 4 ? 2 * GAP : GAP;
  const pitchX = w * zoom + gap;
  const pitchY = h * zoom + gap;
  const width = cols * pitchX - gap;
  const height = rows * pitchY - gap;
  const canvas = pixelCanvas(width, height, 1, 'grid');
  const ctx = canvas.getContext('2d');
  const img = ctx ? ctx.createImageData(width, height) : undefined;
  const out = readout(spec.hint);
  let first = 0;

  const draw = () => {
    if (!ctx || !img) return;
    img.data.fill(0);
    for (let k = 0; k < perPage && first + k < count; k++) {
      const offset = (first + k) * h * w;
      const [lo, hi] = spec.shared ?? mapRange(spec.values, offset, h * w, spec.cmap);
      paint(
        img,
        (k % cols) * pitchX,
        Math.floor(k / cols) * pitchY,
        spec.values,
        offset,
        h,
        w,
        table,
        lo,
        hi,
        zoom,
      );
    }
    ctx.putImageData(img, 0, 0);
    canvas.dataset.first = String(first);
  };

  canvas.addEventListener('mousemove', (ev) => {
    const [y, x] = pointerPixel(canvas, ev);
    const col = Math.floor(x / pitchX);
    const row = Math.floor(y / pitchY);
    const i = Math.floor((y - row * pitchY) / zoom);
    const j = Math.floor((x - col * pitchX) / zoom);
    const k = first + row * cols + col;
    if (i >= h || j >= w || col >= cols || k >= count || row * cols + col >= perPage) return out.show();
    out.show(
      `${spec.label(k)} [${i}, ${j}] ${valueText(spec.values[k * h * w + i * w + j], spec.precision)}`,
    );
  });
  canvas.addEventListener('mouseleave', () => out.show());

  const root = el('div', 'grid-view');
  if (count > PAGE) {
    const slider = el('input', 'slider');
    slider.type = 'range';
    slider.min = '0';
    slider.max = String(Math.ceil(count / PAGE) - 1);
    slider.value = '0';
    const label = el('span', 'slider-label');
    const update = () => {
      first = Number(slider.value) * PAGE;
      label.textContent = `${spec.label(first)} – ${spec.label(Math.min(count, first + PAGE) - 1)} of ${count}`;
      draw();
    };
    slider.addEventListener('input', update);
    const bar = el('div', 'slider-row');
    bar.append(slider, label);
    root.append(bar);
    update();
  } else {
    draw();
  }
  root.append(canvas, out.node);
  if (count > FOCUS_FROM) root.append(focus(spec, table));
  if (spec.shared) root.append(colourBar(spec.cmap, spec.shared[0], spec.shared[1]));
  else if (count <= MAP_BARS_UP_TO) {
    for (let k = 0; k < count; k++) {
      const [lo, hi] = mapRange(spec.values, k * h * w, h * w, spec.cmap);
      const row = el('div', 'map-scale');
      row.append(el('span', 'map-scale-label', spec.label(k)), colourBar(spec.cmap, lo, hi));
      root.append(row);
    }
  } else root.append(el('div', 'note', 'each map on its own colour scale'));
  return root;
}

/** One map of the stack, enlarged, chosen with a slider: the small cells of a big grid are hard to read. */
function focus(spec: GridSpec, table: Uint8ClampedArray): HTMLElement {
  const { h, w } = spec;
  const zoom = zoomFor(Math.max(h, w), 224);
  const canvas = pixelCanvas(w, h, zoom, 'focus');
  const ctx = canvas.getContext('2d');
  const img = ctx ? ctx.createImageData(w, h) : undefined;
  const slider = el('input', 'slider');
  slider.type = 'range';
  slider.min = '0';
  slider.max = String(spec.count - 1);
  slider.value = '0';
  slider.setAttribute('aria-label', 'map shown enlarged');
  const label = el('span', 'slider-label');
  const out = readout('point at the enlarged map to read its values');
  const draw = () => {
    const k = Number(slider.value);
    label.textContent = `${spec.label(k)} of ${spec.count}`;
    if (!ctx || !img) return;
    const [lo, hi] = spec.shared ?? mapRange(spec.values, k * h * w, h * w, spec.cmap);
    paint(img, 0, 0, spec.values, k * h * w, h, w, table, lo, hi);
    ctx.putImageData(img, 0, 0);
  };
  slider.addEventListener('input', draw);
  canvas.addEventListener('mousemove', (ev) => {
    const [i, j] = pointerPixel(canvas, ev);
    const k = Number(slider.value);
    if (i < 0 || j < 0 || i >= h || j >= w) return out.show();
    out.show(
      `${spec.label(k)} [${i}, ${j}] ${valueText(spec.values[k * h * w + i * w + j], spec.precision)}`,
    );
  });
  canvas.addEventListener('mouseleave', () => out.show());
  draw();
  const row = el('div', 'slider-row');
  row.append(slider, label);
  const root = el('div', 'focus-view');
  root.append(row, canvas, out.node);
  return root;
}
