/** Oversized allocations through the creation functions are named errors (op, request, limit), never V8's bare RangeError. */
import { describe, expect, it } from 'vitest';
import { ArgumentError } from '../../src/errors';
import {
  arange,
  eye,
  full,
  linspace,
  ones,
  rand,
  randint,
  randn,
  randperm,
  uniform,
  zeros,
} from '../../src/tensor/create';

const huge = [1e10];
/** The per-tensor limit create.ts documents: the longest Float32Array V8 makes on 64-bit Node. */
const MAX_ELEMENTS = 2 ** 32;
const cases: [string, () => unknown][] = [
  ['zeros', () => zeros(huge)],
  ['ones', () => ones(1e5, 1e5)],
  ['full', () => full(huge, 1)],
  ['randn', () => randn(huge)],
  ['rand', () => rand(huge)],
  ['uniform', () => uniform(huge, 0, 1)],
  ['randint', () => randint(0, 2, huge)],
  ['arange', () => arange(0, 1e10)],
  ['linspace', () => linspace(0, 1, 1e10)],
  ['eye', () => eye(1e5)],
];

describe('allocation limits', () => {
  it.each(cases)('%s names itself, the request and the limit', (op, make) => {
    let err: unknown;
    try {
      make();
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ArgumentError);
    const message = (err as Error).message;
    expect(message.startsWith(`${op}: `), message).toBe(true);
    expect(message).toContain(`limit of ${MAX_ELEMENTS} elements`);
  });

  it('says how much memory the shape asks for', () => {
    expect(() => zeros([1e10])).toThrow(
      'zeros: shape [10000000000] needs 10000000000 elements (37.3 GiB of float32), more than the limit of 4294967296 elements per tensor',
    );
  });

  it('randperm names its bound', () => {
    expect(() => randperm(1e10)).toThrow('randperm: n must be at most 4294967295');
    expect(() => randperm(-1)).toThrow(ArgumentError);
  });

  it('still makes tensors at ordinary sizes', () => {
    expect(zeros([2, 3]).shape).toEqual([2, 3]);
    expect(Array.from(arange(3).data)).toEqual([0, 1, 2]);
    expect(Array.from(linspace(0, 1, 3).data)).toEqual([0, 0.5, 1]);
    expect(Array.from(eye(2).data)).toEqual([1, 0, 0, 1]);
    expect(randperm(4).sort()).toEqual([0, 1, 2, 3]);
  });
});
