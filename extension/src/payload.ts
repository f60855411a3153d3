import type {
  ArrayFields,
  ConvlabPayload,
  CoverageView,
  ImageView,
  LayerGeometry,
  ReceptiveFieldView,
  TensorView,
} from '../../src/display/contract';
import { base64ToBytes, decodeArray as decodeEncoded, precisionOf } from '../../src/display/codec';

/**
 * Checks a payload before anything is drawn. Outputs come from notebooks, which anyone can edit, so every field a
 * renderer reads is checked for type and size here; a renderer then trusts what it receives. Errors say which field
 * was wrong and what came, and end up in the error box.
 */
export class PayloadError extends Error {}

const KINDS = ['tensor', 'feature-maps', 'kernels', 'receptive-field', 'coverage'];
/** The largest array drawn (64 Mi values, 256 MiB of float32): larger is a corrupt or hostile payload. */
const MAX_VALUES = 1 << 26;

function fail(field: string, expected: string, got: unknown): never {
  let shown: string;
  try {
    shown = typeof got === 'string' ? JSON.stringify(got.slice(0, 60)) : JSON.stringify(got)?.slice(0, 60);
  } catch {
    shown = typeof got;
  }
  throw new PayloadError(`${field}: expected ${expected}, got ${shown ?? typeof got}`);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function checkShape(field: string, v: unknown, rank?: number): number[] {
  if (!Array.isArray(v) || v.some((d) => !Number.isInteger(d) || d < 1 || d > MAX_VALUES))
    fail(field, 'an array of positive integers', v);
  if (rank !== undefined && v.length !== rank) fail(field, `${rank} dimensions`, v);
  const n = v.reduce((a: number, b: number) => a * b, 1);
  if (n > MAX_VALUES) fail(field, `at most ${MAX_VALUES} values`, v);
  return v as number[];
}

function checkText(field: string, v: unknown): void {
  if (v !== undefined && typeof v !== 'string') fail(field, 'a string', v);
}

/** True on little-endian hosts (all current browsers' platforms), where bytes can be viewed as float32 directly. */
const LITTLE_ENDIAN = new Uint8Array(new Float32Array([1]).buffer)[3] === 0x3f;

/** Decodes base64 of little-endian float32 into a Float32Array, checking it holds exactly `count` values. */
export function decodeFloat32(field: string, data: unknown, count: number): Float32Array {
  if (typeof data !== 'string') fail(field, 'a base64 string', data);
  let bytes: Uint8Array;
  try {
    bytes = base64ToBytes(field, data);
  } catch {
    fail(field, 'valid base64', data);
  }
  if (bytes.length !== count * 4)
    throw new PayloadError(
      `${field}: holds ${bytes.length} bytes but the shape needs ${count} float32 values (${count * 4} bytes); the data is truncated or does not match the shape`,
    );
  if (LITTLE_ENDIAN && bytes.byteOffset % 4 === 0)
    return new Float32Array(bytes.buffer, bytes.byteOffset, count);
  const out = new Float32Array(count);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let i = 0; i < count; i++) out[i] = view.getFloat32(i * 4, true);
  return out;
}

/** An array payload with its values decoded. */
export interface Decoded<T extends ArrayFields> {
  view: T;
  values: Float32Array;
  /** How far a decoded value may be from the original (half a quantisation step); 0 when exact. */
  precision: number;
}

/** Version 1 arrays are raw float32; version 2 arrays are encoded (codec.ts) as uint8, float16 or float32. */
export function decodeArray<T extends ArrayFields>(field: string, v: T, version = 2): Decoded<T> {
  const shape = checkShape(`${field}.shape`, v.shape);
  const dtypes = version === 1 ? ['float32'] : ['uint8', 'float16', 'float32'];
  if (!dtypes.includes(v.dtype)) fail(`${field}.dtype`, `one of ${dtypes.join(', ')}`, v.dtype);
  if (
    !isObject(v.stats) ||
    ['min', 'max', 'mean', 'std'].some((k) => typeof (v.stats as never)[k] !== 'number')
  )
    fail(`${field}.stats`, '{min, max, mean, std} numbers', v.stats);
  if (
    v.range !== undefined &&
    (!Array.isArray(v.range) || v.range.length !== 2 || v.range.some((x) => typeof x !== 'number'))
  )
    fail(`${field}.range`, '[lo, hi]', v.range);
  checkText(`${field}.name`, v.name);
  checkText(`${field}.note`, v.note);
  const count = shape.reduce((a, b) => a * b, 1);
  if (version === 1) return { view: v, values: decodeFloat32(`${field}.data`, v.data, count), precision: 0 };
  if (typeof v.data !== 'string') fail(`${field}.data`, 'a base64 string', v.data);
  let values: Float32Array;
  try {
    values = decodeEncoded(field, v, shape);
  } catch (e) {
    // The codec's messages already name the field and what was expected.
    throw new PayloadError((e as Error).message);
  }
  let precision = 0;
  if (v.dtype !== 'float32') {
    const peak = Math.max(Math.abs(v.stats.min), Math.abs(v.stats.max));
    precision = precisionOf(v, peak);
  }
  return { view: v, values, precision };
}

function checkPair(field: string, v: unknown, min: number): [number, number] {
  if (!Array.isArray(v) || v.length !== 2 || v.some((x) => !Number.isInteger(x) || x < min || x > 1e6))
    fail(field, `a pair of integers ≥ ${min}`, v);
  return v as [number, number];
}

function checkLayers(layers: unknown): LayerGeometry[] {
  if (!Array.isArray(layers) || layers.length === 0 || layers.length > 1000)
    fail('layers', 'a non-empty array', layers);
  layers.forEach((l, i) => {
    if (!isObject(l)) fail(`layers[${i}]`, 'an object', l);
    checkText(`layers[${i}].name`, l.name);
    checkPair(`layers[${i}].kernel`, l.kernel, 1);
    checkPair(`layers[${i}].stride`, l.stride, 1);
    checkPair(`layers[${i}].padding`, l.padding, 0);
    checkPair(`layers[${i}].dilation`, l.dilation, 1);
  });
  return layers as LayerGeometry[];
}

/** Counts as numbers: version 2 sends them encoded (codec.ts), version 1 as a JSON array. */
function checkCounts(field: string, raw: unknown, shape: [number, number]): number[] {
  let counts = raw;
  if (isObject(raw)) {
    if (raw.dtype !== 'float32') fail(`${field}.dtype`, '"float32"', raw.dtype);
    try {
      counts = Array.from(decodeEncoded(field, raw as { dtype: 'float32'; data: string }, shape));
    } catch (e) {
      throw new PayloadError((e as Error).message);
    }
  }
  if (!Array.isArray(counts) || counts.length !== shape[0] * shape[1])
    fail(field, `${shape[0] * shape[1]} counts`, Array.isArray(counts) ? `${counts.length} counts` : counts);
  if (counts.some((c) => typeof c !== 'number' || !(c >= 0)))
    fail(
      field,
      'non-negative numbers',
      counts.find((c) => !(c >= 0)),
    );
  return counts as number[];
}

function checkImage(v: Record<string, unknown>): ImageView {
  if (v.mime !== 'image/png') fail('input.mime', '"image/png"', v.mime);
  if (typeof v.data !== 'string' || !/^[A-Za-z0-9+/=\s]*$/.test(v.data))
    fail('input.data', 'base64 PNG', v.data);
  checkPair('input size', [v.height, v.width], 1);
  return v as unknown as ImageView;
}

/** A receptive-field payload after checking, with its arrays decoded. */
export interface CheckedField {
  /** The payload, its reach counts decoded to numbers. */
  view: Omit<ReceptiveFieldView, 'reach'> & { reach?: { shape: [number, number]; counts: number[] } };
  input: Decoded<TensorView> | ImageView;
  erf?: Decoded<TensorView>;
}

function checkField(v: Record<string, unknown>, version: number): CheckedField {
  const view = v as unknown as ReceptiveFieldView;
  checkPair('inputShape', view.inputShape, 1);
  if (!isObject(view.output)) fail('output', '{shape: [H, W]}', view.output);
  checkPair('output.shape', view.output.shape, 1);
  checkLayers(view.layers);
  if (!isObject(view.input)) fail('input', 'a tensor or image payload', view.input);
  const input =
    view.input.kind === 'image' && version === 1
      ? checkImage(view.input as unknown as Record<string, unknown>)
      : decodeArray('input', view.input as TensorView, version);
  // The input and the ERF may come down-sampled (or computed at another size): each is drawn at the resolution
  // of its own shape, stretched over the input's extent, so only their rank is checked against the geometry.
  if (!('kind' in input && input.kind === 'image') && (input as Decoded<TensorView>).view.shape.length < 2)
    fail('input.shape', '[..., H, W]', (input as Decoded<TensorView>).view.shape);
  const erf = view.erf === undefined ? undefined : decodeArray('erf', view.erf, version);
  if (erf && erf.view.shape.length < 2) fail('erf.shape', '[..., H, W]', erf.view.shape);
  if (view.units !== undefined) {
    if (!Array.isArray(view.units) || view.units.length > 64)
      fail('units', 'at most 64 [row, col] pairs', view.units);
    for (const [i, u] of view.units.entries()) checkPair(`units[${i}]`, u, 0);
  }
  if (view.erfUnit !== undefined) checkPair('erfUnit', view.erfUnit, 0);
  let reach: { shape: [number, number]; counts: number[] } | undefined;
  if (view.reach !== undefined) {
    if (!isObject(view.reach)) fail('reach', '{shape, counts}', view.reach);
    const shape = checkPair('reach.shape', view.reach.shape, 1);
    reach = { shape, counts: checkCounts('reach.counts', view.reach.counts, shape) };
  }
  checkText('name', view.name);
  checkText('note', view.note);
  // Renderers read the counts as numbers, decoded here once.
  const { reach: _encoded, ...rest } = view;
  return { view: { ...rest, ...(reach && { reach }) }, input, erf };
}

/** A coverage payload after checking: its counts decoded to numbers. */
export type CheckedCoverage = Omit<CoverageView, 'counts'> & { counts: number[] };

function checkCoverage(v: Record<string, unknown>): CheckedCoverage {
  const view = v as unknown as CoverageView;
  if (view.mode !== 'gridding' && view.mode !== 'checkerboard')
    fail('mode', '"gridding" or "checkerboard"', view.mode);
  const counts = checkCounts('counts', view.counts, checkPair('shape', view.shape, 1));
  for (const k of ['reached', 'total'] as const)
    if (!Number.isInteger(view[k]) || view[k] < 0) fail(k, 'a non-negative integer', view[k]);
  checkText('name', view.name);
  checkText('note', view.note);
  return { ...view, counts };
}

export type Checked =
  | { kind: 'tensor' | 'feature-maps' | 'kernels'; decoded: Decoded<ArrayFields>; payload: ConvlabPayload }
  | { kind: 'receptive-field'; field: CheckedField }
  | { kind: 'coverage'; coverage: CheckedCoverage };

/** Checks `data` and decodes its arrays; throws a PayloadError naming the first bad field. */
export function checkPayload(data: unknown): Checked {
  if (!isObject(data)) fail('payload', 'a JSON object', data);
  const version = data.version;
  if (version !== 1 && version !== 2)
    fail('version', '1 or 2 (this renderer reads contract versions 1 and 2)', version);
  const kind = data.kind;
  if (typeof kind !== 'string' || !KINDS.includes(kind)) fail('kind', `one of ${KINDS.join(', ')}`, kind);
  if (kind === 'receptive-field') return { kind, field: checkField(data, version) };
  if (kind === 'coverage') return { kind, coverage: checkCoverage(data) };
  const payload = data as unknown as ConvlabPayload & ArrayFields;
  const decoded = decodeArray('payload', payload, version);
  const rank = decoded.view.shape.length;
  if (kind === 'feature-maps' && rank !== 3) fail('shape', '[C, H, W] for feature-maps', decoded.view.shape);
  if (kind === 'kernels' && rank !== 4) fail('shape', '[out, in, kH, kW] for kernels', decoded.view.shape);
  return { kind: kind as 'tensor', decoded, payload };
}
