/**
 * The C core's view of the contract's geometries: flat Int32Arrays in the field order of `cl_geom` and
 * `cl_deform` (native/src/convlab.h), shared by the native and the WASM backends.
 */
import type { ConvGeometry, DeformGeometry } from './contract.js';

export const CONV_FIELDS = 22;
export const DEFORM_FIELDS = 15;

export function convFields(g: ConvGeometry, out = new Int32Array(CONV_FIELDS)): Int32Array {
  out.set([
    g.n,
    g.c,
    g.k,
    g.groups,
    ...g.inSize,
    ...g.outSize,
    ...g.kernel,
    ...g.stride,
    ...g.padding,
    ...g.dilation,
  ]);
  return out;
}

export function deformFields(g: DeformGeometry, out = new Int32Array(DEFORM_FIELDS)): Int32Array {
  out.set([
    g.n,
    g.c,
    g.inH,
    g.inW,
    g.outH,
    g.outW,
    ...g.kernel,
    ...g.stride,
    ...g.padding,
    ...g.dilation,
    g.offsetGroups,
  ]);
  return out;
}

/** Walks up from this module to the package root (the folder holding native/), in source and in dist alike. */
export function findPackageFile(relative: string, exists: (url: URL) => boolean): URL | null {
  let dir = new URL('.', import.meta.url);
  for (let i = 0; i < 6; i++) {
    const candidate = new URL(relative, dir);
    if (exists(candidate)) return candidate;
    dir = new URL('..', dir);
  }
  return null;
}
