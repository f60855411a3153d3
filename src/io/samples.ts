/**
 * Sample photographs shipped with convlab (data/images, licences in data/images/LICENSE.md), so tutorials
 * convolve a real image without a network: `sampleImage('chelsea')` is a [3, 113, 150] tensor in [0, 1].
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decode } from 'fast-png';
import { ArgumentError, describe } from '../errors.js';
import { readDataFile } from '../provenance.js';
import { Tensor } from '../tensor/tensor.js';

export const SAMPLE_IMAGES = ['chelsea', 'coffee', 'astronaut', 'camera'] as const;
export type SampleImage = (typeof SAMPLE_IMAGES)[number];

/** A bundled photograph as a [C, H, W] float tensor in [0, 1] (C = 3, or 1 for 'camera'); `gray` averages to 1 channel. */
export function sampleImage(name: SampleImage, opts: { gray?: boolean } = {}): Tensor {
  if (!SAMPLE_IMAGES.includes(name)) {
    throw new ArgumentError(
      `sampleImage: name must be one of ${SAMPLE_IMAGES.join(', ')}, got ${describe(name)}`,
    );
  }
  const png = decode(readDataFile(join(imagesDir(), `${name}.png`)));
  const { width, height, channels } = png;
  const colour = Math.min(channels, 3);
  const outC = opts.gray ? 1 : colour;
  const max = png.depth === 16 ? 65535 : 255;
  const data = new Float32Array(outC * height * width);
  for (let i = 0; i < height * width; i++) {
    if (outC === 1) {
      let s = 0;
      for (let c = 0; c < colour; c++) s += png.data[i * channels + c]!;
      data[i] = s / colour / max;
    } else {
      for (let c = 0; c < outC; c++) data[c * height * width + i] = png.data[i * channels + c]! / max;
    }
  }
  return new Tensor(data, [outC, height, width]);
}

/** data/images at the package root, found by walking up from this module (it runs from src/ and from dist/src/). */
function imagesDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'data', 'images'))) {
    const parent = dirname(dir);
    if (parent === dir)
      throw new ArgumentError('sampleImage: the data/images folder is missing from this installation');
    dir = parent;
  }
  return join(dir, 'data', 'images');
}
