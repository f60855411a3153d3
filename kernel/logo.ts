/**
 * The kernel logo, drawn rather than shipped as an opaque binary: a 3×3 convolution kernel (a grid of shaded
 * cells, like a Sobel filter) on a dark tile, so the picture says what the library does.
 */
import { encode } from 'fast-png';

const WEIGHTS = [
  [1, 0, -1],
  [2, 0, -2],
  [1, 0, -1],
];

export function drawLogo(size: number): Uint8Array {
  const data = new Uint8Array(size * size * 4);
  const margin = Math.round(size / 8);
  const gap = Math.max(1, Math.round(size / 32));
  const cell = (size - 2 * margin - 2 * gap) / 3;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const o = (y * size + x) * 4;
      let rgb = [32, 36, 48];
      const gx = x - margin;
      const gy = y - margin;
      const col = Math.floor(gx / (cell + gap));
      const row = Math.floor(gy / (cell + gap));
      const inCell = gx - col * (cell + gap) < cell && gy - row * (cell + gap) < cell;
      if (gx >= 0 && gy >= 0 && row < 3 && col < 3 && inCell) {
        const w = WEIGHTS[row][col] / 2;
        // Positive weights warm, negative cool, zero grey: the colouring of convlab's heatmaps.
        rgb = w > 0 ? [230, 120 - 60 * w, 60] : w < 0 ? [60, 120 + 60 * w, 230] : [150, 150, 160];
      }
      data.set([...rgb.map(Math.round), 255], o);
    }
  }
  return encode({ width: size, height: size, data, channels: 4, depth: 8 });
}
