import type { Colormap } from '../../src/display/contract';
import { lut } from './colormap';
import { el, fmt } from './dom';

/** A horizontal colour bar with its limits, so a heatmap's colours can be read back as numbers. */
export function colourBar(cmap: Colormap, lo: number, hi: number): HTMLElement {
  const bar = el('div', 'colourbar');
  const canvas = el('canvas', 'colourbar-ramp');
  canvas.width = 256;
  canvas.height = 1;
  const ctx = canvas.getContext('2d');
  if (ctx) {
    const img = ctx.createImageData(256, 1);
    img.data.set(lut(cmap));
    ctx.putImageData(img, 0, 0);
  }
  const labels = el('div', 'colourbar-labels');
  labels.append(
    el('span', undefined, fmt(lo)),
    el('span', undefined, fmt((lo + hi) / 2)),
    el('span', undefined, fmt(hi)),
  );
  bar.append(canvas, labels);
  return bar;
}

/** The read-out line under a picture; shows what the pointer is over, or a hint when it is elsewhere. */
export function readout(hint: string): { node: HTMLElement; show(text?: string): void } {
  const node = el('div', 'readout', hint);
  return {
    node,
    show(text?: string) {
      node.textContent = text ?? hint;
    },
  };
}

export function statsLine(stats: { min: number; max: number; mean: number; std: number }): string {
  return `min ${fmt(stats.min)} · max ${fmt(stats.max)} · mean ${fmt(stats.mean)} · std ${fmt(stats.std)}`;
}
