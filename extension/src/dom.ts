/** DOM helpers. Text goes in through textContent only: payload strings never reach an HTML parser. */

export const PREFIX = 'convlab';

export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  cls?: string,
  text?: string,
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (cls)
    node.className = cls
      .split(' ')
      .map((c) => `${PREFIX}-${c}`)
      .join(' ');
  if (text !== undefined) node.textContent = text;
  return node;
}

/** Formats a value for read-outs: 4 significant digits, exponent form for very large or small magnitudes. */
export function fmt(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-3 || a >= 1e5)) return v.toExponential(3);
  return Number(v.toPrecision(4)).toString();
}

/** The integer CSS zoom that shows `size` native pixels at about `target` screen pixels, never below 1. */
export function zoomFor(size: number, target: number): number {
  return Math.max(1, Math.floor(target / size));
}

/** A canvas at native resolution shown `zoom` times larger with crisp pixels. */
export function pixelCanvas(width: number, height: number, zoom: number, cls: string): HTMLCanvasElement {
  const canvas = el('canvas', cls);
  canvas.width = width;
  canvas.height = height;
  canvas.style.width = `${width * zoom}px`;
  canvas.style.height = `${height * zoom}px`;
  return canvas;
}

/** Native pixel under a pointer event on a canvas shown at any CSS size. */
export function pointerPixel(canvas: HTMLCanvasElement, ev: MouseEvent): [number, number] {
  const r = canvas.getBoundingClientRect();
  const x = Math.floor(((ev.clientX - r.left) * canvas.width) / r.width);
  const y = Math.floor(((ev.clientY - r.top) * canvas.height) / r.height);
  return [y, x];
}

export function header(title: string, detail: string): HTMLElement {
  const h = el('div', 'header');
  h.append(el('span', 'title', title), el('span', 'detail', detail));
  return h;
}

export function note(text: string | undefined): HTMLElement[] {
  return text ? [el('div', 'note', text)] : [];
}
