import { readFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import { expect } from 'vitest';
import { decodeArray } from '../../src/display/codec.js';
import type { ArrayFields, ConvlabPayload, MimeBundle } from '../../src/display/contract.js';
import { decodePng, MIME_TYPE } from '../../src/index.js';

const schema = JSON.parse(
  readFileSync(new URL('../../src/display/contract.schema.json', import.meta.url), 'utf8'),
);
const ajv = new Ajv({ allErrors: true, strict: true });
export const validate = ajv.compile(schema);

/** The vendor payload of a bundle, checked against the contract's JSON Schema. */
export function payloadOf<T extends ConvlabPayload>(bundle: MimeBundle): T {
  const payload = bundle[MIME_TYPE];
  const ok = validate(payload);
  expect(validate.errors ?? [], JSON.stringify(payload).slice(0, 200)).toEqual([]);
  expect(ok).toBe(true);
  return payload as T;
}

/** The bundle's PNG decoded: [C, H, W] in [0, 1]. */
export function pngOf(bundle: MimeBundle) {
  expect(typeof bundle['image/png']).toBe('string');
  return decodePng(Buffer.from(bundle['image/png'] as string, 'base64'));
}

/** The RGB bytes of pixel (x, y) of a decoded PNG. */
export function pixel(png: ReturnType<typeof decodePng>, x: number, y: number): number[] {
  const [, h, w] = png.shape as [number, number, number];
  return [0, 1, 2].map((c) => Math.round(png.data[c * h * w + y * w + x]! * 255));
}

/** The values an array payload carries, decoded as a renderer decodes them. */
export function valuesOf(view: ArrayFields): Float32Array {
  return decodeArray('payload', view, view.shape);
}
