import type { LayerGeometry } from '../../src/display/contract';

/**
 * Receptive-field arithmetic of a stack of layers, per axis (Araujo et al., "Computing receptive fields of
 * convolutional neural networks", 2019). With kEff = dilation·(kernel−1)+1, each layer updates
 *   size  += (kEff − 1)·jump        jump *= stride        offset += padding·jump (before the update)
 * so output unit u of the last layer sees input cells [u·jump − offset, u·jump − offset + size − 1].
 * The renderer recomputes this from the layers rather than trusting the payload's informative fields.
 */
export interface FieldGeometry {
  size: [number, number];
  jump: [number, number];
  /** Σ padding·jump of the layers: how far the first unit's field starts before input cell 0. */
  offset: [number, number];
}

export function fieldGeometry(layers: LayerGeometry[]): FieldGeometry {
  const size: [number, number] = [1, 1];
  const jump: [number, number] = [1, 1];
  const offset: [number, number] = [0, 0];
  for (const l of layers) {
    for (const a of [0, 1]) {
      const kEff = l.dilation[a] * (l.kernel[a] - 1) + 1;
      offset[a] += l.padding[a] * jump[a];
      size[a] += (kEff - 1) * jump[a];
      jump[a] *= l.stride[a];
    }
  }
  return { size, jump, offset };
}

/** Inclusive input box [top, left, bottom, right] of one output unit, before clipping to the input. */
export type Box = [number, number, number, number];

export function unitBox(g: FieldGeometry, unit: [number, number]): Box {
  const top = unit[0] * g.jump[0] - g.offset[0];
  const left = unit[1] * g.jump[1] - g.offset[1];
  return [top, left, top + g.size[0] - 1, left + g.size[1] - 1];
}

/** The part of a box that lies on an input of `shape` [H, W]; undefined when it misses the input entirely. */
export function clipBox(b: Box, shape: [number, number]): Box | undefined {
  const c: Box = [
    Math.max(0, b[0]),
    Math.max(0, b[1]),
    Math.min(shape[0] - 1, b[2]),
    Math.min(shape[1] - 1, b[3]),
  ];
  return c[0] > c[2] || c[1] > c[3] ? undefined : c;
}
