import type { ImageView, TensorView } from '../../src/display/contract';
import { lut, paint } from './colormap';
import { el, header, note, pixelCanvas, pointerPixel, zoomFor } from './dom';
import { type Box, clipBox, type FieldGeometry, fieldGeometry, unitBox } from './field';
import { readout } from './heatmap';
import type { CheckedField, Decoded } from './payload';

const PIN_COLOURS = ['#e6194b', '#3cb44b', '#4363d8', '#f58231', '#911eb4', '#42d4f4', '#f032e6', '#9a6324'];

/**
 * The receptive-field overlay. The output grid on the right picks a unit (hover; click pins it); its theoretical
 * field is outlined on the input, the effective field (when the payload has one) is a heatmap under the outline,
 * and for stacks with holes (dilation) the cells the unit really reaches are dotted.
 */
export function renderReceptiveField({ view, input, erf }: CheckedField): HTMLElement {
  const geom = fieldGeometry(view.layers);
  const [H, W] = view.inputShape;
  const [oh, ow] = view.output.shape;
  const zoom = zoomFor(Math.max(H, W), 384);

  const stage = el('div', 'field-stage');
  stage.style.width = `${W * zoom}px`;
  stage.style.height = `${H * zoom}px`;
  // Input and ERF canvases take the resolution of the shapes they decode (either may be down-sampled); CSS
  // stretches them over the stage, whose size and the boxes on it follow the geometry's inputShape.
  stage.append(inputLayer(input));
  const erfLayer = erf ? erfCanvas(erf) : undefined;
  if (erfLayer) stage.append(erfLayer);
  const marks = el('canvas', 'field-marks');
  const mz = Math.max(2, Math.min(zoom, 8));
  marks.width = W * mz;
  marks.height = H * mz;
  stage.append(marks);

  const out = readout('point at an output unit on the right; click to pin it');
  const hoverBox = boxElement(stage, 'field-box field-hover');
  const pins = new Map<string, HTMLElement>();

  const describe = (u: [number, number]) => {
    const b = unitBox(geom, u);
    const c = clipBox(b, [H, W]);
    const where = c ? `rows ${c[0]}–${c[2]}, cols ${c[1]}–${c[3]}` : 'outside the input';
    return `unit [${u[0]}, ${u[1]}] sees ${geom.size[0]}×${geom.size[1]} cells: ${where}${reachText(view, geom)}`;
  };
  const showHover = (u?: [number, number]) => {
    drawReach(marks, mz, view.reach, geom, u);
    if (!u) {
      hoverBox.hidden = true;
      delete stage.dataset.unit;
      return out.show();
    }
    placeBox(hoverBox, unitBox(geom, u), H, W);
    stage.dataset.unit = `${u[0]},${u[1]}`;
    out.show(describe(u));
  };
  const togglePin = (u: [number, number]) => {
    const key = `${u[0]},${u[1]}`;
    const old = pins.get(key);
    if (old) {
      old.remove();
      pins.delete(key);
    } else {
      const box = boxElement(stage, 'field-box field-pin');
      box.style.borderColor = PIN_COLOURS[pins.size % PIN_COLOURS.length];
      placeBox(box, unitBox(geom, u), H, W);
      box.dataset.unit = key;
      pins.set(key, box);
    }
    drawOutput(outputCanvas, pins);
  };

  const oz = zoomFor(Math.max(oh, ow), 192);
  const outputCanvas = pixelCanvas(ow, oh, oz, 'field-output');
  outputCanvas.dataset.shape = `${oh},${ow}`;
  const unitAt = (ev: MouseEvent): [number, number] | undefined => {
    const [i, j] = pointerPixel(outputCanvas, ev);
    return i >= 0 && j >= 0 && i < oh && j < ow ? [i, j] : undefined;
  };
  outputCanvas.addEventListener('mousemove', (ev) => showHover(unitAt(ev)));
  outputCanvas.addEventListener('mouseleave', () => showHover());
  outputCanvas.addEventListener('click', (ev) => {
    const u = unitAt(ev);
    if (u) togglePin(u);
  });
  for (const u of view.units ?? []) if (u[0] < oh && u[1] < ow) togglePin(u);
  drawOutput(outputCanvas, pins);

  const outputPanel = el('div', 'field-output-panel');
  outputPanel.append(el('div', 'caption', `output ${oh}×${ow}`), outputCanvas);
  const inputPanel = el('div', 'field-input-panel');
  inputPanel.append(el('div', 'caption', `input ${H}×${W}`), stage);
  const panels = el('div', 'field-panels');
  panels.append(inputPanel, outputPanel);

  const root = el('div', 'receptive-field');
  root.append(
    header(
      view.name ?? 'receptive field',
      `${view.layers.length} layers · field ${geom.size[0]}×${geom.size[1]} · jump ${geom.jump[0]}×${geom.jump[1]}`,
    ),
    panels,
    out.node,
  );
  if (erfLayer) root.append(erfToggle(erfLayer, view.erfUnit));
  root.append(layerTable(view.layers), ...note(view.note));
  return root;
}

function reachText(view: CheckedField['view'], g: FieldGeometry): string {
  if (!view.reach) return '';
  const reached = view.reach.counts.filter((c) => c > 0).length;
  return ` · reaches ${reached} of ${g.size[0] * g.size[1]} (dots)`;
}

function boxElement(stage: HTMLElement, cls: string): HTMLElement {
  const box = el('div', cls);
  box.hidden = true;
  stage.append(box);
  return box;
}

/** Positions a box in percent of the input, so it stays right at any zoom; clipped parts are not drawn. */
function placeBox(box: HTMLElement, b: Box, H: number, W: number): void {
  const c = clipBox(b, [H, W]);
  box.hidden = !c;
  box.dataset.box = b.join(',');
  if (!c) return;
  box.dataset.clipped = c.join(',');
  box.style.top = `${(c[0] / H) * 100}%`;
  box.style.left = `${(c[1] / W) * 100}%`;
  box.style.height = `${((c[2] - c[0] + 1) / H) * 100}%`;
  box.style.width = `${((c[3] - c[1] + 1) / W) * 100}%`;
}

/** The last two dimensions of a decoded array: the plane a canvas draws. */
export function planeOf(shape: readonly number[]): [number, number] {
  return [shape[shape.length - 2] ?? 1, shape[shape.length - 1] ?? 1];
}

function inputLayer(input: Decoded<TensorView> | ImageView): HTMLElement {
  if ('kind' in input && input.kind === 'image') {
    const img = el('img', 'field-input');
    img.alt = 'input image';
    img.src = `data:image/png;base64,${input.data.replace(/\s/g, '')}`;
    return img;
  }
  const { view, values } = input as Decoded<TensorView>;
  const [H, W] = planeOf(view.shape);
  const canvas = el('canvas', 'field-input');
  canvas.dataset.shape = `${H},${W}`;
  canvas.width = W;
  canvas.height = H;
  const ctx = canvas.getContext('2d');
  const plane = H * W;
  if (!ctx || values.length % plane !== 0) return canvas;
  const img = ctx.createImageData(W, H);
  const channels = values.length / plane;
  const lo = view.stats.min;
  const hi = view.stats.max > lo ? view.stats.max : lo + 1;
  if (channels === 3) {
    // An RGB image: each channel scaled by the tensor's overall range.
    for (let p = 0; p < plane; p++) {
      for (let c = 0; c < 3; c++) img.data[p * 4 + c] = ((values[c * plane + p] - lo) / (hi - lo)) * 255;
      img.data[p * 4 + 3] = 255;
    }
  } else {
    paint(img, 0, 0, values, 0, H, W, lut('gray'), lo, hi);
  }
  ctx.putImageData(img, 0, 0);
  return canvas;
}

/** The ERF as a heatmap whose opacity follows its value, so the input stays visible where the gradient is small. */
function erfCanvas({ view, values }: Decoded<TensorView>): HTMLCanvasElement {
  const [H, W] = planeOf(view.shape);
  const canvas = el('canvas', 'field-erf');
  canvas.dataset.shape = `${H},${W}`;
  canvas.width = W;
  canvas.height = H;
  const ctx = canvas.getContext('2d');
  if (!ctx) return canvas;
  const img = ctx.createImageData(W, H);
  const offset = values.length - H * W;
  let hi = 0;
  for (let i = offset; i < values.length; i++) hi = Math.max(hi, Math.abs(values[i]));
  paint(img, 0, 0, values, offset, H, W, lut('viridis'), 0, hi || 1);
  for (let p = 0; p < H * W; p++)
    img.data[p * 4 + 3] = Math.round((Math.abs(values[offset + p]) / (hi || 1)) * 220);
  ctx.putImageData(img, 0, 0);
  canvas.dataset.name = view.name ?? 'erf';
  return canvas;
}

function erfToggle(layer: HTMLElement, unit?: [number, number]): HTMLElement {
  const label = el('label', 'toggle');
  const box = el('input');
  box.type = 'checkbox';
  box.checked = true;
  box.addEventListener('change', () => {
    layer.hidden = !box.checked;
  });
  label.append(
    box,
    document.createTextNode(` effective receptive field${unit ? ` of unit [${unit[0]}, ${unit[1]}]` : ''}`),
  );
  return label;
}

/** Dots on the cells the hovered unit really reaches; cells of its box without a dot are gridding holes. */
function drawReach(
  canvas: HTMLCanvasElement,
  z: number,
  reach: CheckedField['view']['reach'],
  g: FieldGeometry,
  unit?: [number, number],
): void {
  const ctx = canvas.getContext('2d');
  if (!ctx) return;
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  if (!reach || !unit) return;
  const [top, left] = unitBox(g, unit);
  const [rh, rw] = reach.shape;
  ctx.fillStyle = '#ff3d00';
  const r = Math.max(0.8, z / 4);
  for (let a = 0; a < rh; a++)
    for (let b = 0; b < rw; b++) {
      if (reach.counts[a * rw + b] <= 0) continue;
      ctx.beginPath();
      ctx.arc((left + b + 0.5) * z, (top + a + 0.5) * z, r, 0, 2 * Math.PI);
      ctx.fill();
    }
}

/** The output grid as a checkerboard, pinned units in their pin colour. */
function drawOutput(canvas: HTMLCanvasElement, pins: Map<string, HTMLElement>): void {
  const ctx = canvas.getContext('2d');
  if (!ctx) return;
  for (let i = 0; i < canvas.height; i++)
    for (let j = 0; j < canvas.width; j++) {
      ctx.fillStyle = (i + j) % 2 ? 'rgba(128,128,128,0.35)' : 'rgba(128,128,128,0.15)';
      ctx.fillRect(j, i, 1, 1);
    }
  for (const [key, box] of pins) {
    const [i, j] = key.split(',').map(Number);
    ctx.fillStyle = box.style.borderColor;
    ctx.fillRect(j, i, 1, 1);
  }
}

function layerTable(layers: CheckedField['view']['layers']): HTMLElement {
  const table = el('table', 'layers');
  const head = el('tr');
  for (const t of ['layer', 'kernel', 'stride', 'padding', 'dilation']) head.append(el('th', undefined, t));
  table.append(head);
  for (const l of layers) {
    const row = el('tr');
    for (const t of [
      l.name,
      l.kernel.join('×'),
      l.stride.join('×'),
      l.padding.join('×'),
      l.dilation.join('×'),
    ])
      row.append(el('td', undefined, t));
    table.append(row);
  }
  return table;
}
